"""The Index contract: add, search, ties, repeated adds, bad input, scores equal to rank-bm25."""
import numpy as np
import pytest
import rank_bm25

import kzsearch
from kzsearch import Index

from conftest import split_words

DOCS = [
    "облыс бюджеті нақтыланды",
    "мектеп оқушылары сабаққа келді",
    "облыс әкімі мектепке барды",
    "бюджет бюджет бюджет",
    "жаңа жол салынды",
]


@pytest.fixture
def index():
    ix = Index(analyzer=split_words)
    ix.add(DOCS)
    return ix


def test_default_ids_are_running_numbers(index):
    assert len(index) == 5
    assert [h.id for h in index.search("жол")] == ["4"]


def test_hits_carry_id_score_text_best_first(index):
    hits = index.search("облыс бюджеті")
    assert hits[0].id == "0" and hits[0].text == DOCS[0]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(isinstance(h.score, float) for h in hits)


def test_ties_in_insertion_order():
    ix = Index(analyzer=split_words)
    ix.add(["a x", "b", "a x", "a x"], ids=["first", "other", "second", "third"])
    assert [h.id for h in ix.search("a")] == ["first", "second", "third"]
    assert [h.id for h in ix.search("a", k=2)] == ["first", "second"]


def test_repeated_add_is_searched_with_everything(index):
    index.add(["облыс жолы", "бюджет"], ids=["x", "y"])
    assert len(index) == 7
    assert {h.id for h in index.search("облыс")} == {"0", "2", "x"}
    index.add(["тағы бір құжат"])
    assert "5" in index and index.get("5")["text"] == "тағы бір құжат"


def test_pairs_and_generators_are_accepted():
    ix = Index(analyzer=split_words)
    ix.add((f"id{i}", f"құжат {i}") for i in range(3))
    ix.add((t for t in ["бір", "екі"]), ids=iter(["a", "b"]))
    assert sorted(ix.ids()) == ["a", "b", "id0", "id1", "id2"]


def test_k_larger_than_corpus_returns_every_match(index):
    assert len(index.search("облыс", k=100)) == 2
    assert index.search("облыс", k=0) == []


def test_unknown_and_empty_queries_return_nothing(index):
    assert index.search("белгісіз") == []
    assert index.search("") == []
    assert index.search("   ,,, ") == []


def test_empty_index_returns_nothing():
    assert Index().search("облыс") == []
    assert len(Index()) == 0


def test_repeated_query_term_counts_each_time(index):
    once = index.search("облыс мектеп")
    twice = index.search("облыс облыс мектеп")
    assert {h.id: h.score for h in once} != {h.id: h.score for h in twice}
    assert twice[0].id == "0"


@pytest.mark.parametrize("method", ["okapi", "lucene", "bm25l", "bm25+"])
def test_scores_do_not_depend_on_segments(method):
    docs = [" ".join(np.random.default_rng(i).choice(list("abcdefg"), size=i % 7 + 1)) for i in range(60)]
    one = Index(analyzer=split_words, method=method)
    one.add(docs)
    many = Index(analyzer=split_words, method=method)
    for start in range(0, 60, 7):
        many.add(docs[start:start + 7], ids=[str(i) for i in range(start, min(start + 7, 60))])
    assert len(many.segments) > 1
    for query in ("a", "b c", "g g a", "d e f"):
        a, b = one.search(query, k=60), many.search(query, k=60)
        assert [h.id for h in a] == [h.id for h in b]
        np.testing.assert_allclose([h.score for h in a], [h.score for h in b], rtol=1e-9)


def test_okapi_scores_equal_rank_bm25_on_real_text():
    from kzsearch.corpus import seed_documents

    texts = [t for _, t in seed_documents()] + [s for _, t in seed_documents() for s in t.split("\n") if s]
    ix = Index(analyzer=split_words, method="okapi")
    ix.add(texts)
    reference = rank_bm25.BM25Okapi([split_words(t) for t in texts])
    for query in ("облыс бюджеті", "amanat партиясы фракциясы", "мәслихат депутаттары", "жоқ сөз"):
        expected = reference.get_scores(split_words(query))
        hits = ix.search(query, k=len(texts), typos=False)  # rank-bm25 has no typo correction
        for hit in hits:
            assert hit.score == pytest.approx(expected[int(hit.id)], rel=1e-9)
        assert len(hits) == int(np.count_nonzero(expected))


def test_lucene_scores_equal_bm25s_formula():
    ix = Index(analyzer=split_words)  # lucene
    ix.add(["a b", "a", "c c c a"])
    n, avgdl, k1, b = 3, 7 / 3, 1.5, 0.75
    idf = np.log(1 + (n - 3 + 0.5) / (3 + 0.5))
    expected = {str(d): idf * 1 / (k1 * (1 - b + b * dl / avgdl) + 1) for d, dl in enumerate([2, 1, 4])}
    for hit in ix.search("a"):
        assert hit.score == pytest.approx(expected[hit.id], rel=1e-12)


def test_query_time_parameters_override_without_rebuild(index):
    default = index.search("бюджет мектеп")
    changed = index.search("бюджет мектеп", k1=0.5, b=0.2)
    rebuilt = Index(analyzer=split_words, k1=0.5, b=0.2)
    rebuilt.add(DOCS)
    assert [h.score for h in changed] == pytest.approx([h.score for h in rebuilt.search("бюджет мектеп")])
    assert [h.score for h in default] != [h.score for h in changed]
    assert index.search("бюджет мектеп") == default


def test_default_analyzer_is_kazakh_analysis():
    ix = Index()
    assert isinstance(ix.analyzer, kzsearch.Analyzer)
    ix.add(["Облыс бюджеті нақтыланды"])
    assert ix.search("облыс")[0].id == "0"


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("texts, error, words", [
    ("a plain string", TypeError, "texts"),
    ([1, 2], TypeError, "texts[0]"),
    (["ok", None], TypeError, "texts[1]"),
    ([("id", 5)], TypeError, "texts[0]"),
    (None, TypeError, ""),
])
def test_add_rejects_wrong_types(index, texts, error, words):
    before = (len(index), len(index.vocabulary), [h.id for h in index.search("облыс")])
    with pytest.raises(error) as info:
        index.add(texts)
    assert words in str(info.value)
    assert (len(index), len(index.vocabulary), [h.id for h in index.search("облыс")]) == before


@pytest.mark.parametrize("ids, words", [
    (["a"], "ids"),
    (["a", "b", "c"], "ids"),
    (["a", "a"], "twice"),
    (["0", "new"], "already"),
])
def test_add_rejects_bad_ids_and_changes_nothing(index, ids, words):
    before = (len(index), len(index.vocabulary))
    with pytest.raises(ValueError, match=words):
        index.add(["тосын сөз", "тағы тосын"], ids=ids)
    assert (len(index), len(index.vocabulary)) == before
    assert index.search("тосын") == []


def test_failed_add_late_in_a_stream_changes_nothing(index):
    def stream():
        for i in range(2500):
            yield f"құжат{i} облыс"
        yield 42

    with pytest.raises(TypeError, match="texts"):
        index.add(stream())
    assert len(index) == 5 and len(index.search("облыс", k=100)) == 2
    index.add(["кейін"])
    assert index.get("5")["text"] == "кейін"  # the default id counter was not advanced


def test_non_str_ids_are_rejected(index):
    with pytest.raises(TypeError, match=r"ids\[0\]"):
        index.add(["x"], ids=[7])


@pytest.mark.parametrize("k, error", [(-1, ValueError), (1.5, TypeError), ("3", TypeError),
                                      (None, TypeError), (True, TypeError)])
def test_bad_k(index, k, error):
    # a wrong type is a TypeError, a wrong value a ValueError (README's promise)
    with pytest.raises(error, match="k"):
        index.search("облыс", k=k)


@pytest.mark.parametrize("query", [None, 5, b"bytes", ["облыс"]])
def test_bad_query_type(index, query):
    with pytest.raises(TypeError, match="query"):
        index.search(query)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"method": "bm26"}, ValueError, "method"),
    ({"method": 3}, TypeError, "method"),
    ({"k1": -1}, ValueError, "k1"),
    ({"b": 1.5}, ValueError, "b"),
    ({"k1": "1"}, TypeError, "k1"),
    ({"analyzer": "not callable"}, TypeError, "analyzer"),
])
def test_bad_settings(kwargs, error, words):
    with pytest.raises(error, match=words):
        Index(**kwargs)


def test_bad_query_time_parameters(index):
    with pytest.raises(ValueError, match="b"):
        index.search("облыс", b=2)


def test_search_many_equals_search_one_by_one():
    docs = [f"облыс {i % 7} бюджет {i % 3} мектеп {i % 11}" for i in range(300)]
    ix = Index(analyzer=split_words)
    ix.add(docs)
    queries = ["облыс 3", "бюджет 1 мектеп", "мектеп 10", "белгісіз", "0 1 2"] * 60
    expected = [ix.search(q, k=5) for q in queries]
    assert ix.search_many(queries, k=5, workers=2) == expected
    assert ix.search_many(queries[:3], k=5) == expected[:3]
    assert ix.search_many([], k=5) == []


@pytest.mark.parametrize("queries, error", [("one string", TypeError), ([1], TypeError)])
def test_search_many_bad_input(index, queries, error):
    with pytest.raises(error, match="quer"):
        index.search_many(queries)
