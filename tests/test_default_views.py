"""The default ``Index()`` ranks with sub-word views (``DEFAULT_VIEWS``): what that
changes and what it must not (old folders, phrases, highlights, restoration, typos,
the rank-bm25 drop-in)."""
import json

import pytest

from kzsearch import Analyzer, BM25Okapi, Index
from kzsearch.analysis.views import DEFAULT_VIEWS, is_view_term
from kzsearch.engine.storage import COMMIT_FILE

DOCS = [
    "Мектептердегі оқушылар облыстық олимпиадаға қатысты",
    "Облыстар бюджеті нақтыланды, мектебіміздің бюджеттік қаржысы өсті",
    "Қазақстан қоғамы туралы кітап шықты",
    "Оқулықтар мен кітаптар мектепке жеткізілді",
    "Облыс әкімі жаңа мектептің ашылуына қатысты",
    "Денсаулық сақтау министрлігі ауруханаларға қаржы бөлді",
    "Оқушылардың білімі мен мектептердің жабдықталуы",
]
QUERIES = ["мектептер облысы", "облыстық оқулықтар", "қазақстан қоғамы", "денсаулық сақтау",
           "оқушылардың кітабы", "бюджет"]


@pytest.fixture(scope="module")
def default():
    index = Index()
    index.add(DOCS)
    return index


@pytest.fixture(scope="module")
def stems():
    index = Index(analyzer=Analyzer(views=()))
    index.add(DOCS)
    return index


def answers(index, queries=QUERIES):
    return {q: [(h.id, h.score) for h in index.search(q)] for q in queries}


def test_the_default_index_is_the_default_views_index(default):
    explicit = Index(analyzer=Analyzer(views=DEFAULT_VIEWS))
    explicit.add(DOCS)
    assert answers(default) == answers(explicit)
    assert any(is_view_term(t) for t in default.vocabulary.terms)


def test_views_off_is_stems_only(default, stems):
    assert not any(is_view_term(t) for t in stems.vocabulary.terms)
    assert {t for t in default.vocabulary.terms if not is_view_term(t)} == set(stems.vocabulary.terms)
    # a derived word is found only through its view (облыстық ~ облыстар: ~облыст)
    assert [h.id for h in stems.search("облыстық")] == ["0"]
    assert [h.id for h in default.search("облыстық")][0] == "0" and "1" in [h.id for h in default.search("облыстық")]


def test_a_saved_default_index_loads_with_its_views(default, tmp_path):
    default.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix")
    assert loaded.analyzer == default.analyzer and loaded.analyzer.settings.views == DEFAULT_VIEWS
    assert answers(loaded) == answers(default)


def test_a_saved_stems_index_stays_stems_only(stems, tmp_path):
    stems.save(tmp_path / "ix")
    stored = json.loads((tmp_path / "ix" / COMMIT_FILE).read_text())
    assert stored["analyzer"]["config"]["views"] == []  # written out: no default stands in for it
    loaded = Index.load(tmp_path / "ix")
    assert loaded.analyzer.settings.views == ()
    assert answers(loaded) == answers(stems)
    loaded.add(["облыстық мектептер"], ids=["new"])  # new documents get no views either
    assert not any(is_view_term(t) for t in loaded.vocabulary.terms)


def test_phrases_match_stems_not_views():
    for analyzer in (None, Analyzer(views=())):
        index = Index(analyzer=analyzer)
        index.add(["мектебіміздің оқушылары келді", "оқушылары мектебіміздің", "мектептік оқушылық"],
                  ids=["a", "b", "c"])
        assert [h.id for h in index.search('"мектептің оқушылары"')] == ["a"]


def test_highlights_never_come_from_views():
    index = Index()
    index.add(["Облыстық олимпиада облыстарда өтті"], ids=["x"])
    hit = index.search("облыстар")[0]
    text = "Облыстық олимпиада облыстарда өтті"
    spans = index.highlight(hit, "облыстар").spans
    assert [text[s:e] for s, e in spans] == ["облыстарда"]  # облыстық shares only the view ~облыст


def test_folded_and_latin_queries_are_restored_with_the_default(default, stems):
    for index in (default, stems):
        proper = index.query_terms("қазақстан қоғамы")
        assert index.query_terms("казакстан когамы") == proper
        assert index.query_terms("Qazaqstan qoǵamy") == proper
        assert index.restored_query("казакстан когамы") == "қазақстан қоғамы"
    assert len(default.query_terms("қазақстан қоғамы")) > len(stems.query_terms("қазақстан қоғамы"))


def test_a_typo_is_corrected_to_the_same_stem_with_the_default(default, stems):
    for index in (default, stems):
        proper = dict(index.query_terms("денсаулық"))
        typed = dict(index.query_terms("денсалық"))
        stem = [t for t in proper if not is_view_term(index.vocabulary.term(t))]
        assert stem and all(0 < typed[t] < proper[t] == 1 for t in stem)
        assert index.suggest_query("денсалық сақтау") == "денсаулық сақтау"
        assert index.search("денсалық сақтау")[0].id == "5"


def test_the_drop_in_is_untouched_by_the_default():
    corpus = [d.lower().split() for d in DOCS]
    bm25 = BM25Okapi(corpus)
    scores = bm25.get_scores(["мектептің", "облыстық"])
    assert scores[0] > 0 and scores[4] > 0 and scores[1] == 0  # whole tokens: no stems, no views
