"""The lean ``GET /search`` path against FastAPI's declared route, and the shortcuts it takes.

``KzsearchApp`` answers ``GET /search`` without FastAPI's machinery; the
declared route (what ``/docs`` shows) runs the same code after FastAPI's own
parameter validation. Every request here goes through both and must get the
same status and the same JSON. The shortcuts (plain words without the
parser, one matcher per query, orjson) are checked against their slow
references.
"""
import asyncio
import json
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings, strategies as st

httpx = pytest.importorskip("httpx", reason="the server tests need the test extra (httpx)")
fastapi = pytest.importorskip("fastapi", reason="the server tests need the server extra (fastapi, uvicorn)")

from kzsearch.query.parser import structured_query  # noqa: E402
from kzsearch.server import SearchEngine, create_app  # noqa: E402
from kzsearch.server import fastpath  # noqa: E402
from kzsearch.server.engine import uses_syntax  # noqa: E402
from kzsearch.server.settings import Limits  # noqa: E402
from kzsearch.server.snippets import SurfaceWords, spans_of  # noqa: E402
from serverkit import sentence_index  # noqa: E402
from test_server_engine import brute_spans  # noqa: E402

REQUESTS = [
    {"q": "облыс"}, {"q": "облыс бюджеті", "k": 3, "offset": 2}, {"q": "облыс", "k": 0},
    {"q": "облыс", "snippets": "false"}, {"q": "облыс", "snippets": "YES", "total": "T"},
    {"q": "облыс", "filter": '{"region": "Түркістан"}', "k": 50}, {"q": "облыс", "filter": " "},
    {"q": '"облыс бюджеті" -мектеп'}, {"q": "мекте*"}, {"q": "батыс казакстан облысы"}, {"q": "бюджетт"},
    {"q": ""}, {"q": "облыс", "unknown": "ignored"}, {"q": "облыс", "k": " 5"}, {"q": "облыс", "k": "+5"},
    {"q": "облыс", "k": "1.0"}, {"q": "облыс", "k": "1_0"}, {"q": "облыс", "k": "-0"},
    # refused: malformed (422) and out of bounds (400)
    {}, {"k": "ten"}, {"q": "облыс", "k": "ten"}, {"q": "облыс", "k": "0x5"}, {"q": "облыс", "k": "５"},
    {"q": "облыс", "k": "", "offset": ""}, {"q": "облыс", "snippets": "maybe"}, {"q": "облыс", "snippets": " off "},
    {"q": "облыс", "snippets": ""}, {"q": "облыс", "k": "99999999999999999999999"}, {"q": "облыс", "k": -1},
    {"q": "облыс", "k": 101}, {"q": "облыс", "offset": 10_001}, {"q": "қ" * 513},
    {"q": "облыс", "filter": "{not json"}, {"q": "облыс", "filter": "[1, 2]"},
    {"q": "облыс", "filter": '{"no_such_key": 1}'},
]


@pytest.fixture(scope="module")
def app():
    return create_app(SearchEngine(sentence_index()))


def test_the_lean_path_answers_as_the_declared_route(app):
    async def declared(scope, receive, send):  # FastAPI's own routing, validation and route
        await fastapi.FastAPI.__call__(app, scope, receive, send)

    async def both():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as lean, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=declared), base_url="http://t") as full:
            for params in REQUESTS + [[("q", "мектеп"), ("q", "облыс"), ("k", "2"), ("k", "3")]]:
                a, b = await lean.get("/search", params=params), await full.get("/search", params=params)
                assert (a.status_code, a.json()) == (b.status_code, b.json()), params
                assert a.headers["content-type"] == "application/json"
                assert int(a.headers["content-length"]) == len(a.content)
            statuses.update(a.status_code for a in [await lean.get("/search", params=p) for p in REQUESTS])

    statuses = set()
    asyncio.run(both())
    assert {200, 400, 422} <= statuses  # (and 501 where the index lacks a feature)


def test_the_declared_route_is_in_the_openapi_schema_with_its_parameters(app):
    search = app.openapi()["paths"]["/search"]["get"]
    assert [p["name"] for p in search["parameters"]] == ["q", "k", "offset", "filter", "snippets", "total"]
    assert search["parameters"][0]["required"] is True


def test_search_call_reads_the_query_string():
    call = fastpath.search_call(urlencode({"q": "облыс бюджеті", "k": 7, "offset": 3, "total": "on",
                                           "filter": '{"region": "Алматы"}'}).encode(), Limits())
    assert (call.q, call.k, call.offset, call.total, call.snippets) == ("облыс бюджеті", 7, 3, True, True)
    assert call.filter == {"region": "Алматы"}
    assert fastpath.search_call(b"q=a+b%20c&q=last", Limits()).q == "last"
    with pytest.raises(fastpath.BadRequest) as refused:
        fastpath.search_call(b"q=x&k=" + b"9" * 5000, Limits())
    assert refused.value.status == 422


SYNTAX_ALPHABET = list("аб қ\t\"()+-:*~_1AОR") + ["AND", "OR", "NOT", "title:", " ", "облыс"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(SYNTAX_ALPHABET), max_size=12).map("".join))
def test_plain_words_are_told_without_the_parser_as_the_parser_tells_them(query):
    class Fielded:
        fields = ("title", "text")

    assert uses_syntax(Fielded(), query) == (structured_query(query, True, Fielded.fields) is not None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from(list("ab-' _.x1Ә")), max_size=30), min_size=1, max_size=8),
       st.sets(st.sampled_from(["a", "b", "ab", "ba", "a-b", "x", "b1", "ә"]), max_size=3),
       st.integers(1, 6))
def test_one_matcher_over_many_hits_learns_and_forgets_and_stays_right(texts, terms, limit):
    analyze = lambda word: [word.lower()]  # noqa: E731
    words = SurfaceWords(analyze, limit=limit)
    match = words.matcher(terms)
    for text in texts:  # words are learned hit by hit, and the cache starts afresh past its limit
        assert spans_of(text, match) == brute_spans(text, terms, analyze)


def test_json_with_or_without_orjson_is_the_same_json(app):
    engine = app.kzsearch_engine
    for query in ["облыс бюджеті", "мектеп", "батыс казакстан облысы"]:
        value = fastpath.result_json(engine.search(query, k=20, total=True))
        assert json.loads(fastpath.dump_json(value)) == json.loads(fastpath.stdlib_json(value))
        assert json.loads(fastpath.dump_json(value))["hits"][0]["spans"] == [list(s) for s in value["hits"][0]["spans"]]
    huge = {"n": 2 ** 70, "s": "мәтін"}  # past orjson's integers: the standard library writes it
    assert json.loads(fastpath.dump_json(huge)) == huge


def test_html_snippets_escape_before_marking():
    marked = "<b>&" + fastpath.MARK_OPEN + "облыс" + fastpath.MARK_CLOSE + ">"
    assert fastpath.html_snippet(marked) == "&lt;b&gt;&amp;<mark>облыс</mark>&gt;"


def test_a_search_with_a_body_over_the_bound_is_refused():
    from kzsearch.server import ServerSettings
    from kzsearch.server.settings import Limits as Bounds

    app = create_app(SearchEngine(sentence_index()), ServerSettings(limits=Bounds(max_body_bytes=100)))

    async def ask():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            big = await client.request("GET", "/search", params={"q": "облыс"}, content=b"x" * 101)
            small = await client.request("GET", "/search", params={"q": "облыс"}, content=b"x" * 10)
            return big, small

    big, small = asyncio.run(ask())
    assert big.status_code == 413 and big.json()["status"] == 413
    assert small.status_code == 200 and small.json()["hits"]


def test_a_matcher_sees_words_another_matcher_learned_after_it_was_made():
    words = SurfaceWords(lambda w: [w[:2]], limit=4)
    first, other = words.matcher({"aa"}), words.matcher({"aa"})
    assert other({"aa1", "bb1"}) == {"aa1"}        # learned by "another thread"
    assert first({"aa1"}) == {"aa1"}               # already seen, so not learned again: still found
    assert other({"aa2", "dd1", "ee1"}) == {"aa2"}  # past the limit: the other starts afresh
    assert first({"aa2", "aa1"}) == {"aa1", "aa2"}
