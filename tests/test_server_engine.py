"""The service's adapter over the Index: snippets against brute force, and feature detection.

The features other issues add (filters, counts, highlights, "did you mean",
completions) are exercised here through a small Index subclass that has
them, so the adapter's wiring is checked before the real ones land; the
HTTP tests check the real Index.
"""
import re
from dataclasses import dataclass

from hypothesis import given, settings, strategies as st

from kzsearch import Index
from kzsearch.analysis import Analyzer
from kzsearch.corpus import seed_documents
from kzsearch.server.engine import Capabilities, FeatureMissing, SearchEngine, uses_syntax
from kzsearch.server.snippets import MARK_CLOSE, MARK_OPEN, SurfaceWords, marked_snippet, matched_spans

import pytest

WORD = re.compile(r"\w+(?:[-‐']\w+)*")


def brute_spans(text, terms, analyze):
    return [m.span() for m in WORD.finditer(text) if set(analyze(m.group())) & set(terms)]


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(list("ab-‐' _.x1Ә")), max_size=40),
       st.sets(st.sampled_from(["a", "b", "ab", "ba", "a-b", "x", "a'b", "b1", "ә"]), max_size=3))
def test_matched_spans_are_the_words_whose_analysis_meets_the_terms(text, terms):
    analyze = lambda word: [word.lower()]  # noqa: E731
    assert matched_spans(text, terms, SurfaceWords(analyze)) == brute_spans(text, terms, analyze)


def test_matched_spans_with_kazakh_analysis():
    analyzer = Analyzer()
    words = SurfaceWords(analyzer)
    for _, text in seed_documents():
        for query in ["облыс бюджеті", "партия депутаттары", "мәслихат"]:
            terms = set(analyzer(query))
            assert matched_spans(text, terms, words) == brute_spans(text, terms, analyzer)


def test_surface_words_forget_past_their_limit_and_stay_right():
    words = SurfaceWords(lambda w: [w[:2]], limit=5)
    for _ in range(3):
        for chunk in (["aa1", "aa2", "bb1"], ["cc1", "aa3", "dd1", "ee1"], ["aa1"]):
            assert words.matching(set(chunk), {"aa"}) == {w for w in chunk if w.startswith("aa")}


def test_marked_snippet_marks_the_spans_in_its_window():
    text = " ".join(f"w{i}" for i in range(200)) + " бюджет " + " ".join(f"v{i}" for i in range(200))
    start = text.index("бюджет")
    snippet = marked_snippet(text, [(start, start + 6)], width=80)
    assert f"{MARK_OPEN}бюджет{MARK_CLOSE}" in snippet
    assert snippet.startswith("…") and snippet.endswith("…") and len(snippet) <= 85
    assert marked_snippet("қысқа мәтін", []) == "қысқа мәтін"


def test_todays_index_capabilities():
    can = Capabilities.of(Index())
    for name in ("highlight", "suggest", "complete"):
        assert isinstance(getattr(can, name), bool)
    engine = SearchEngine(Index())
    if not can.filters:
        with pytest.raises(FeatureMissing, match="issue 11"):
            engine.search("облыс", filter={"region": "Алматы"})
    if not can.complete:
        with pytest.raises(FeatureMissing, match="issue 14"):
            engine.complete("обл")


@dataclass(frozen=True)
class FieldHit:
    id: str
    score: float
    text: str
    fields: dict


@dataclass(frozen=True)
class Highlight:
    spans: list
    snippet: str


class FutureIndex(Index):
    """Today's Index plus the methods issues 11, 12 and 14 add, done simply, to check the wiring."""

    def __init__(self, docs):
        super().__init__()
        self.meta = {doc_id: meta for doc_id, _, meta in docs}
        super().add([(doc_id, text) for doc_id, text, _ in docs])

    def search(self, query, k=10, *, offset=0, filter=None):
        hits = super().search(query, 1000)
        hits = [FieldHit(h.id, h.score, h.text, {"text": h.text, **self.meta[h.id]}) for h in hits
                if all(self.meta[h.id].get(key) == value for key, value in (filter or {}).items())]
        return hits[offset:offset + k]

    @property
    def schema(self):
        return {"region": "str"}

    def count(self, query, filter=None):
        return len(self.search(query, 1000, filter=filter))

    def highlight(self, hit, query, markers=("[", "]")):
        return Highlight([(0, 1)], f"{markers[0]}{hit.text[:1]}{markers[1]}{hit.text[1:]}")

    def suggest_query(self, query):
        return "облыс бюджеті" if query == "облыс бюджті" else None

    def restored_query(self, query):
        return None

    def complete(self, prefix, k=10):
        return ["облыс", "облысы"][:k]


def future_engine():
    docs = [(f"d{i}", f"Облыс бюджеті {i}", {"region": "Алматы" if i % 2 else "Түркістан"}) for i in range(12)]
    return SearchEngine(FutureIndex(docs))


def test_the_adapter_uses_the_features_when_they_exist():
    engine = future_engine()
    can = engine.can
    assert can.offset and can.filters and can.count and can.highlight and can.suggest and can.complete
    assert engine.search("облыс", k=1).total is None  # counted only when asked
    result = engine.search("облыс бюджті", k=4, offset=2, filter={"region": "Алматы"}, total=True)
    assert [h.id for h in result.hits] == ["d5", "d7", "d9", "d11"] and not result.has_more
    assert result.total == 6 and result.corrected == "облыс бюджеті"
    assert result.hits[0].fields == {"text": "Облыс бюджеті 5", "region": "Алматы"}
    assert result.hits[0].snippet.startswith(MARK_OPEN + "Облыс" + MARK_CLOSE)  # plain words: marked here
    if uses_syntax(engine.index, "облыс -мектеп"):  # the query language: marked by the index
        syntax = engine.search("облыс -мектеп", k=1)
        assert syntax.hits[0].snippet.startswith(MARK_OPEN + "О" + MARK_CLOSE)
    assert engine.complete("обл", 1) == ["облыс"]
    assert engine.facets("облыс") == {"region": [("Алматы", 6), ("Түркістан", 6)]}
    assert engine.facets("облыс", {"region": "Алматы"}) == {"region": [("Алматы", 6)]}


def test_writes_with_stored_fields():
    engine = future_engine()
    engine.can = Capabilities(documents=False)
    with pytest.raises(FeatureMissing, match="stored fields"):
        engine.put([{"id": "x", "text": "мәтін", "region": "Алматы"}])
    with pytest.raises(ValueError, match="twice"):
        engine.put([{"id": "x", "text": "бір"}, {"id": "x", "text": "екі"}])
    assert engine.put([{"id": "x", "text": "мәтін"}]) == 1 and "x" in engine.index
    engine.delete("x")
    with pytest.raises(KeyError):
        engine.delete("x")
