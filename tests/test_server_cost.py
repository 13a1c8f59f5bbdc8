"""The service's cheaper search path gives what the per-hit path gave: same hits, snippets, spans, corrections, JSON.

``reference_search`` is SearchEngine.search as it was before the query's
analysis was shared and the page's snippets made at once (each hit's words
found alone, the query analysed again for the snippets, for "did you mean"
and for the restored query); the tests compare the two on random queries:
known words, typos, folded and Latin spellings, the query syntax, pages.
"""
import random
import re

from hypothesis import given, settings, strategies as st

from kzsearch import Index
from kzsearch.analysis.views import is_view_term
from kzsearch.corpus import seed_documents
from kzsearch.server.engine import SearchEngine, SearchResult, _found, uses_syntax
from kzsearch.server.fastpath import SearchCall, result_json, stdlib_json
from kzsearch.server.snippets import (MARK_CLOSE, MARK_OPEN, SurfaceWords, marked_snippet, page_spans,
                                      spans_of)

import pytest

WORD = re.compile(r"\w+(?:[-‐']\w+)*")  # the snippets' words
FOLD = str.maketrans("әіңғүұқөһӘІҢҒҮҰҚӨҺ", "аингуукохАИНГУУКОХ")  # typed on a Russian keyboard
LATIN = str.maketrans("абвгдезийклмнопрстуфхыәіңғүұқөһ", "abvgdezijklmnoprstufhyainguuqoh")


def sentences():
    out = []
    for doc_id, text in seed_documents():
        for i, line in enumerate(re.split(r"(?<=[.!?])\s+|\n", text)):
            if line.strip():
                out.append((f"{doc_id}-{i}", line))
    return out


@pytest.fixture(scope="module")
def engine():
    index = Index()
    docs = sentences()
    index.add([text for _, text in docs], ids=[doc_id for doc_id, _ in docs])
    index.add(["Облыс  бюджеті\tнақтыланды  ", "  бюджеті-нің\u00a0 бюджет'і", "Бюджет, бюджеті; БЮДЖЕТІ!"],
              ids=["ws1", "ws2", "ws3"])  # odd whitespace and joiners
    return SearchEngine(index)


def typo(word, rng):
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def random_queries(n, seed=7):
    rng = random.Random(seed)
    words = [w for _, text in sentences() for w in re.findall(r"\w+", text)]
    queries = []
    for _ in range(n):
        query = [rng.choice(words) for _ in range(rng.randint(1, 4))]
        kind = rng.random()
        if kind < 0.2:
            query = [typo(w, rng) for w in query]
        elif kind < 0.3:
            query = [w.translate(FOLD) for w in query]
        elif kind < 0.38:
            query = [w.lower().translate(LATIN) for w in query]
        elif kind < 0.45:
            query = ['"' + " ".join(query) + '"'] if len(query) > 1 else [query[0] + "*"]
        elif kind < 0.5:
            query = query + ["-" + rng.choice(words)]
        queries.append(" ".join(query))
    return queries + ["бюджеті", "бюджет облыс", "нақтыланды", "жоқсөз", "", "   "]


def reference_search(engine, query, k=10, offset=0, snippets=True):
    """SearchEngine.search before this change: each hit alone, the query analysed for each use
    (the spans by brute force: each word of the text analysed)."""
    index = engine.index
    hits = index.search(query, k + 1, offset=offset)
    hits, more = hits[:k], hits[k:]
    if snippets and hits:
        if uses_syntax(index, query):
            from kzsearch.server.engine import _index_highlight
            marks = [_index_highlight(index, hit, query) for hit in hits]
        else:
            terms = {index.vocabulary.term(t) for t, _ in index.query_terms(query)}
            terms = {t for t in terms if not is_view_term(t)}  # views never mark a word
            marks = []
            for hit in hits:  # (by brute force: every word of the text analysed)
                spans = [m.span() for m in WORD.finditer(hit.text) if set(index.analyzer(m.group())) & terms]
                marks.append((reference_marked_snippet(hit.text, spans), spans))
    else:
        marks = [("", [])] * len(hits)
    found = [_found(hit, snippet, spans) for hit, (snippet, spans) in zip(hits, marks)]
    return SearchResult(query, k, offset, found, None, index.suggest_query(query) or None,
                        index.restored_query(query) or None, bool(more))


def reference_result_json(result, snippets=True):
    """result_json as it was (html.escape on every snippet; jsonable's two-pass check)."""
    from html import escape
    return {"query": result.query, "k": result.k, "offset": result.offset, "total": result.total,
            "has_more": result.has_more, "corrected": result.corrected, "restored": result.restored,
            "hits": [{"id": h.id, "score": h.score, "fields": dict(h.fields),
                      "snippet_html": escape(h.snippet, quote=False).replace(MARK_OPEN, "<mark>").replace(
                          MARK_CLOSE, "</mark>") if snippets else "",
                      "spans": h.spans}
                     for h in result.hits]}


def reference_dump_json(value):
    try:
        import orjson
        return orjson.dumps(value)
    except ImportError:
        return stdlib_json(value)


def reference_marked_snippet(text, spans, width=240):
    """marked_snippet as it was (the whitespace always normalised by split and join)."""
    start = max(0, spans[0][0] - width // 4) if spans else 0
    end = min(len(text), start + width)
    if start > 0:
        cut = text.find(" ", start, spans[0][0])
        start = cut + 1 if cut >= 0 else start
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    out, pos = [], start
    for s, e in spans:
        if s >= start and e <= end:
            out += [text[pos:s], MARK_OPEN, text[s:e], MARK_CLOSE]
            pos = e
    out.append(text[pos:end])
    body = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def test_search_equals_the_per_hit_path_on_random_queries(engine):
    rng = random.Random(3)
    for query in random_queries(250):
        k, offset, snippets = rng.choice([1, 3, 10, 20]), rng.choice([0, 0, 0, 2, 10]), rng.random() < 0.85
        got = engine.search(query, k=k, offset=offset, snippets=snippets)
        want = reference_search(engine, query, k, offset, snippets)
        assert got == want, query
        assert stdlib_json(result_json(got, snippets)) == stdlib_json(result_json(want, snippets))
        assert SearchCall(query, k, offset, None, snippets).run(engine) == \
            reference_dump_json(reference_result_json(want, snippets))  # the response's bytes


def test_one_analysis_stands_for_query_terms_suggest_and_restored(engine):
    index = engine.index
    assert engine._one_analysis
    for query in random_queries(200, seed=11):
        analysis = index.analyse_query(query)
        assert analysis.terms() == index.query_terms(query)
        assert analysis.corrected() == index.suggest_query(query)
        assert analysis.restored() == index.restored_query(query)
    assert any(index.analyse_query(q).restored() for q in random_queries(200, seed=11))
    assert any(index.analyse_query(q).corrected() for q in random_queries(200, seed=11))


def test_an_index_that_overrides_a_query_method_is_asked_itself():
    class Shouting(Index):
        def suggest_query(self, query):
            return query.upper()

    index = Shouting()
    index.add(["Облыс бюджеті"])
    engine = SearchEngine(index)
    assert not engine._one_analysis
    assert engine.search("облыс").corrected == "ОБЛЫС"


TEXT = st.text(st.sampled_from(list("ab-‐' _.x1Ә\n\t\u00a0,")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, max_size=6),
       st.sets(st.sampled_from(["a", "b", "ab", "ba", "a-b", "x", "a'b", "b1", "ә", "x_a"]), max_size=3))
def test_page_spans_are_each_texts_own_spans(texts, terms):
    analyze = lambda word: [word.lower()]  # noqa: E731
    match = SurfaceWords(analyze).matcher(terms)
    alone = SurfaceWords(analyze).matcher(terms)
    assert page_spans(texts, match) == [spans_of(text, alone) for text in texts] == \
        [[m.span() for m in WORD.finditer(text) if set(analyze(m.group())) & terms] for text in texts]


@settings(max_examples=400, deadline=None)
@given(TEXT, st.data())
def test_marked_snippet_equals_the_split_and_join_version(text, data):
    words = [m.span() for m in re.finditer(r"\w+", text)]
    spans = sorted(data.draw(st.sets(st.sampled_from(words), max_size=4))) if words else []
    width = data.draw(st.integers(4, 60))
    assert marked_snippet(text, spans, width) == reference_marked_snippet(text, spans, width)


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(list("ab-‐' _.x1Әә\n\t\u00a0\u2003,()_²٣")), max_size=60))
def test_words_of_is_the_set_of_the_regex_words(text):
    from kzsearch.server.snippets import _WORD, words_of
    assert words_of(text) == set(_WORD.findall(text))


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("a<>&\"' ә") + [MARK_OPEN, MARK_CLOSE]), max_size=30))
def test_html_snippet_escapes_as_html_escape_does(snippet):
    from html import escape
    from kzsearch.server.fastpath import html_snippet
    assert html_snippet(snippet) == escape(snippet, quote=False).replace(MARK_OPEN, "<mark>").replace(
        MARK_CLOSE, "</mark>")
