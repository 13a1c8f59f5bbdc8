"""The HTTP service, spoken to as a client does: a real uvicorn server on 127.0.0.1 and httpx.

Every answer is checked against the Index called in-process (the reference),
and every error against its status and JSON shape.
"""
import threading
import time
from datetime import datetime, timezone

import pytest

httpx = pytest.importorskip("httpx", reason="the server tests need the test extra (httpx)")
pytest.importorskip("fastapi", reason="the server tests need the server extra (fastapi, uvicorn)")

from kzsearch import Index  # noqa: E402
from kzsearch.server import SearchEngine  # noqa: E402
from serverkit import TOKEN, running, sentence_index  # noqa: E402

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server():
    """A read-mostly server shared by the tests that do not write."""
    with running(token=TOKEN) as (url, engine):
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client, engine


@pytest.fixture
def fresh():
    """A server of its own, for tests that write."""
    with running(token=TOKEN) as (url, engine):
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client, engine


def assert_error(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text


# ---------------------------------------------------------------- reading
def test_health_and_stats(server):
    client, engine = server
    assert client.get("/health").json() == {"status": "ok", "documents": len(engine.index)}
    stats = client.get("/stats").json()
    assert stats["documents"] == len(engine.index) == 140
    assert stats["segments"] == len(engine.index.segments)
    assert stats["last_commit"] is None and stats["writes"] == "token"
    assert set(stats["features"]) >= {"filters", "highlight", "complete", "suggest"}


def test_search_ranks_as_the_index_does(server):
    client, engine = server
    for query in ["облыс бюджеті", "AMANAT партиясы", "мәслихат депутаттары", "жоқсөз"]:
        body = client.get("/search", params={"q": query, "k": 7}).json()
        expected = engine.index.search(query, 7)
        assert [h["id"] for h in body["hits"]] == [h.id for h in expected]
        assert [h["score"] for h in body["hits"]] == pytest.approx([h.score for h in expected])
        assert body["query"] == query and body["k"] == 7 and body["offset"] == 0


def test_hits_carry_fields_and_a_highlighted_snippet(server):
    client, engine = server
    hit = client.get("/search", params={"q": "бюджеті", "k": 1}).json()["hits"][0]
    assert hit["fields"]["text"] == engine.document(hit["id"])["text"]
    assert "<mark>" in hit["snippet_html"]
    for start, end in hit["spans"]:  # spans point at matched words of the stored text
        word = hit["fields"]["text"][start:end]
        assert f"<mark>{word}</mark>" in hit["snippet_html"] or start > 200


def test_pages_join_into_one_long_ranking(server):
    client, engine = server
    long = [h.id for h in engine.index.search("облыс", 30)]
    pages, offset = [], 0
    while True:
        body = client.get("/search", params={"q": "облыс", "k": 4, "offset": offset}).json()
        pages += [h["id"] for h in body["hits"]]
        if not body["has_more"]:
            break
        offset += 4
    assert pages == long


def test_snippets_escape_html(fresh):
    client, _ = fresh
    client.post("/documents", json=[{"id": "x", "text": "<script>alert(1)</script> бюджеті"}], headers=AUTH)
    hit = client.get("/search", params={"q": "бюджеті alert", "k": 50}).json()["hits"]
    snippet = next(h["snippet_html"] for h in hit if h["id"] == "x")
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


@pytest.mark.parametrize("params, status", [
    ({}, 422),                                    # q is required
    ({"q": "облыс", "k": -1}, 400),
    ({"q": "облыс", "k": 101}, 400),              # past max_k
    ({"q": "облыс", "k": "ten"}, 422),
    ({"q": "облыс", "offset": -3}, 400),
    ({"q": "облыс", "offset": 10_001}, 400),
    ({"q": "қ" * 513}, 400),                      # past max_query_chars
    ({"q": "облыс", "filter": "{not json"}, 400),
    ({"q": "облыс", "filter": "[1, 2]"}, 400),
])
def test_bad_searches_are_json_errors(server, params, status):
    assert_error(server[0].get("/search", params=params), status)


def test_filters(server):
    client, engine = server
    if not engine.can.filters:
        assert_error(client.get("/search", params={"q": "облыс", "filter": '{"region": "Түркістан"}'}), 501)
        pytest.skip("Index has no metadata filters yet (issue 11): checked that the service says 501")
    body = client.get("/search", params={"q": "облыс", "k": 50, "filter": '{"region": "Түркістан"}'}).json()
    expected = engine.index.search("облыс", 50, filter={"region": "Түркістан"})
    assert [h["id"] for h in body["hits"]] == [h.id for h in expected] and body["hits"]
    assert all(h["fields"]["region"] == "Түркістан" for h in body["hits"])
    assert_error(client.get("/search", params={"q": "облыс", "filter": '{"no_such_key": 1}'}), 400)


def test_completions(server):
    client, engine = server
    if not engine.can.complete:
        assert_error(client.get("/complete", params={"q": "бюдж"}), 501)
        pytest.skip("Index has no completions yet (issue 14): checked that the service says 501")
    body = client.get("/complete", params={"q": "бюдж", "k": 5}).json()
    assert body["completions"] == [str(c) for c in engine.index.complete("бюдж", 5)]
    assert_error(client.get("/complete", params={"q": "б" * 600}), 400)


def test_corrected_query_is_reported(server):
    client, engine = server
    if not engine.can.suggest:
        body = client.get("/search", params={"q": "бюджетт"}).json()
        assert body["corrected"] is None
        pytest.skip("Index has no suggest_query yet (issue 14)")
    body = client.get("/search", params={"q": "бюджетт"}).json()
    assert body["corrected"] == engine.index.suggest_query("бюджетт")
    typo = client.get("/search", params={"q": "облсы бюджеті", "k": 5}).json()  # a typo the index fixes
    assert typo["corrected"] == engine.index.suggest_query("облсы бюджеті") == "облыс бюджеті"
    assert [h["id"] for h in typo["hits"]] == [h.id for h in engine.index.search("облсы бюджеті", 5)]


def test_total_when_asked(server):
    client, engine = server
    assert client.get("/search", params={"q": "облыс"}).json()["total"] is None
    total = client.get("/search", params={"q": "облыс", "total": "true"}).json()["total"]
    if not engine.can.count:
        assert total is None
        pytest.skip("Index has no count yet (issue 11)")
    assert total == engine.index.count("облыс") == len(engine.index.search("облыс", 1000))


def test_get_document(server):
    client, engine = server
    doc_id = next(engine.index.ids())
    assert client.get(f"/documents/{doc_id}").json() == engine.document(doc_id)
    assert client.get(f"/documents/{doc_id}").json()["id"] == doc_id
    assert_error(client.get("/documents/no-such-id"), 404)


def test_openapi_docs(server):
    client, _ = server
    schema = client.get("/openapi.json").json()
    assert {"/search", "/documents", "/documents/{doc_id}", "/save", "/health", "/stats",
            "/complete"} <= set(schema["paths"])
    assert "swagger" in client.get("/docs").text.lower()


def test_unknown_route_and_method(server):
    assert_error(server[0].get("/nowhere"), 404)
    assert_error(server[0].put("/search"), 405)


# ---------------------------------------------------------------- writing
def test_writes_need_the_token(fresh):
    client, engine = fresh
    n = len(engine.index)
    doc = [{"id": "new", "text": "Жаңа мектеп ашылды"}]
    assert_error(client.post("/documents", json=doc), 401)
    assert client.post("/documents", json=doc).headers["www-authenticate"] == "Bearer"
    assert_error(client.post("/documents", json=doc, headers={"Authorization": "Bearer wrong-token"}), 403)
    assert_error(client.post("/documents", json=doc, headers={"Authorization": TOKEN}), 401)
    doc_id = next(engine.index.ids())
    assert_error(client.delete(f"/documents/{doc_id}"), 401)
    assert_error(client.post("/save"), 401)
    assert len(engine.index) == n and "new" not in engine.index and doc_id in engine.index


def test_a_write_is_visible_to_the_next_search(fresh):
    client, engine = fresh
    n = len(engine.index)
    response = client.post("/documents", json=[{"id": "new", "text": "Ауылда жаңа зауыт салынды"}], headers=AUTH)
    assert response.status_code == 200 and response.json() == {"added": 1, "documents": n + 1}
    assert client.get("/search", params={"q": "зауыт"}).json()["hits"][0]["id"] == "new"
    # replace by id
    client.post("/documents", json=[{"id": "new", "text": "Ауылда жаңа көпір салынды"}], headers=AUTH)
    assert client.get("/search", params={"q": "зауыт"}).json()["hits"] == []
    assert client.get("/search", params={"q": "көпір"}).json()["hits"][0]["id"] == "new"
    assert len(engine.index) == n + 1
    # delete
    assert client.delete("/documents/new", headers=AUTH).json() == {"deleted": "new", "documents": n}
    assert client.get("/search", params={"q": "көпір"}).json()["hits"] == []
    assert_error(client.delete("/documents/new", headers=AUTH), 404)


@pytest.mark.parametrize("body, status", [
    ({"id": "a", "text": "бір"}, 422),                                # not a list
    ([{"text": "id жоқ"}], 400),                                      # no id
    ([{"id": 5, "text": "сан"}], 400),                                # id not a string
    ([{"id": "a", "text": 7}], 400),                                  # text not a string
    ([{"id": "a", "text": "бір"}, {"id": "a", "text": "екі"}], 400),  # id twice
    ([{"id": "ok", "text": "дұрыс"}, "not an object"], 422),
])
def test_bad_writes_change_nothing(fresh, body, status):
    client, engine = fresh
    before = list(engine.index.ids())
    assert_error(client.post("/documents", json=body, headers=AUTH), status)
    assert list(engine.index.ids()) == before


def test_bad_json_body(fresh):
    client, _ = fresh
    response = client.post("/documents", content=b"[{not json", headers={**AUTH, "Content-Type": "application/json"})
    assert_error(response, 422)


def test_extra_fields_need_an_index_with_fields(fresh):
    client, engine = fresh
    response = client.post("/documents", json=[{"id": "m", "text": "Мектеп", "region": "Алматы"}], headers=AUTH)
    if engine.can.documents:
        assert response.status_code == 200
        assert client.get("/documents/m").json()["region"] == "Алматы"
    else:
        assert_error(response, 501)
        assert "m" not in engine.index


def test_limits_on_body_size_and_document_count():
    with running(index=Index(), token=TOKEN, limits=_limits(max_body_bytes=2000, max_documents=3)) as (url, engine):
        with httpx.Client(base_url=url, timeout=30) as client:
            big = [{"id": "big", "text": "сөз " * 1000}]
            assert_error(client.post("/documents", json=big, headers=AUTH), 413)

            def chunks():  # no Content-Length: counted as it arrives
                yield b'[{"id": "big", "text": "'
                for _ in range(100):
                    yield b"x" * 100
                yield b'"}]'
            response = client.post("/documents", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
            assert_error(response, 413)
            many = [{"id": str(i), "text": "сөз"} for i in range(4)]
            assert_error(client.post("/documents", json=many, headers=AUTH), 413)
            assert len(engine.index) == 0
            assert client.post("/documents", json=many[:3], headers=AUTH).status_code == 200


def _limits(**kw):
    from kzsearch.server import Limits
    return Limits(**kw)


def test_without_a_token_writes_are_open_on_loopback_only():
    with running(index=Index()) as (url, engine):  # 127.0.0.1, no token
        response = httpx.post(f"{url}/documents", json=[{"id": "a", "text": "Облыс"}])
        assert response.status_code == 200 and "a" in engine.index
    # a service configured for a non-loopback address without a token refuses every write
    with running(index=Index(), host="0.0.0.0") as (url, engine):
        assert_error(httpx.post(f"{url}/documents", json=[{"id": "a", "text": "Облыс"}]), 403)
        assert_error(httpx.post(f"{url}/documents", json=[{"id": "a", "text": "Облыс"}],
                                headers={"Authorization": "Bearer anything-at-all"}), 403)
        assert_error(httpx.post(f"{url}/save"), 403)
        assert httpx.get(f"{url}/stats").json()["writes"] == "closed"
        assert len(engine.index) == 0


def test_save_writes_the_folder(tmp_path):
    folder = tmp_path / "ix"
    with running(path=str(folder), token=TOKEN) as (url, engine):
        with httpx.Client(base_url=url, timeout=30) as client:
            client.post("/documents", json=[{"id": "new", "text": "Жаңа саябақ ашылды"}], headers=AUTH)
            assert client.get("/stats").json()["unsaved_changes"] is True
            stats = client.post("/save", headers=AUTH).json()
            assert stats["saves"] == 1 and stats["unsaved_changes"] is False
            saved = datetime.fromisoformat(stats["last_commit"])
            assert abs((datetime.now(timezone.utc) - saved).total_seconds()) < 60
    loaded = Index.load(folder)
    assert len(loaded) == len(engine.index) and loaded.search("саябақ")[0].id == "new"


def test_save_without_a_folder_is_501():
    with running(index=Index(), token=TOKEN) as (url, _):
        assert_error(httpx.post(f"{url}/save", headers=AUTH), 501)


def test_saving_on_a_schedule(tmp_path):
    folder = tmp_path / "ix"
    with running(index=Index(), path=str(folder), token=TOKEN, save_every=0.1) as (url, engine):
        httpx.post(f"{url}/documents", json=[{"id": "a", "text": "Облыс әкімі"}], headers=AUTH)
        deadline = time.monotonic() + 20
        while engine.commit.saves == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert engine.commit.saves >= 1
        assert Index.load(folder).search("әкімі")[0].id == "a"
        saves = engine.commit.saves
        time.sleep(0.4)
        assert engine.commit.saves == saves  # nothing changed: nothing saved


def test_an_internal_failure_is_a_json_500(fresh, monkeypatch):
    client, engine = fresh

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire at /secret/path")
    monkeypatch.setattr(engine, "search", broken)
    response = client.get("/search", params={"q": "облыс"})
    assert_error(response, 500)
    assert "secret" not in response.text


def test_concurrent_searches_with_one_writer(fresh):
    client, engine = fresh
    url = str(client.base_url)
    expected = [h.id for h in sentence_index().search("облыс", 10)]
    failures = []

    def reader():
        with httpx.Client(base_url=url, timeout=60) as own:
            for _ in range(15):
                r = own.get("/search", params={"q": "облыс", "k": 10})
                if r.status_code != 200 or [h["id"] for h in r.json()["hits"]][:1] != expected[:1]:
                    failures.append(r.text[:200])

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for t in threads:
        t.start()
    for i in range(10):  # writes between the reads, each seen by the next search
        r = client.post("/documents", json=[{"id": f"w{i}", "text": f"Зауыт нөмірі {i} іске қосылды"}], headers=AUTH)
        assert r.status_code == 200
        ids = {h["id"] for h in client.get("/search", params={"q": "зауыт", "k": 50}).json()["hits"]}
        assert f"w{i}" in ids
    for t in threads:
        t.join()
    assert failures == []
    assert isinstance(engine, SearchEngine)


def test_a_restored_query_is_reported(server):
    client, engine = server
    body = client.get("/search", params={"q": "батыс казакстан облысы"}).json()
    assert body["restored"] == "батыс қазақстан облысы" == engine.index.restored_query("батыс казакстан облысы")
    assert client.get("/search", params={"q": "Батыс Қазақстан"}).json()["restored"] is None
    page = client.get("/", params={"q": "батыс казакстан облысы"}).text
    assert 'class="notice restored"' in page and "<mark>Қазақстан</mark>" in page


@pytest.mark.parametrize("threads", [0, 1])
def test_searches_on_the_event_loop_or_one_thread(threads):
    index = sentence_index()
    with running(index=index, search_threads=threads) as (url, _):
        body = httpx.get(f"{url}/search", params={"q": "облыс", "k": 5}).json()
    assert [h["id"] for h in body["hits"]] == [h.id for h in index.search("облыс", 5)]


def test_bad_settings_are_refused():
    from kzsearch.server import ServerSettings, create_app
    for bad in [dict(port=70000), dict(token="short"), dict(save_every=0), dict(search_threads=-1),
                dict(limits=_limits(max_k=0))]:
        with pytest.raises(ValueError):
            create_app(SearchEngine(Index()), ServerSettings(**bad))


def test_snippets_mark_what_the_index_highlighter_marks(server):
    client, engine = server
    if not engine.can.highlight:
        pytest.skip("Index has no highlight yet (issue 12)")
    for query in ["облыс бюджеті", "батыс казакстан облысы", '"облыс бюджеті"', "мәслихат -сессиясы"]:
        hits = client.get("/search", params={"q": query, "k": 5}).json()["hits"]
        by_id = {h.id: h for h in engine.index.search(query, 5)}
        assert hits and [h["id"] for h in hits] == list(by_id)
        for hit in hits:  # plain words are marked by the service, syntax by the index: the same spans
            expected = engine.index.highlight(by_id[hit["id"]], query).spans
            assert [tuple(s) for s in hit["spans"]] == [tuple(s) for s in expected], (query, hit["id"])
