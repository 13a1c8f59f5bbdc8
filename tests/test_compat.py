"""kzsearch.BM25Okapi / BM25L / BM25Plus give rank-bm25's results exactly."""
import numpy as np
import pytest
import rank_bm25
from hypothesis import given, settings
from hypothesis import strategies as st

import kzsearch

PAIRS = [
    (rank_bm25.BM25Okapi, kzsearch.BM25Okapi, {"epsilon": 0.25}),
    (rank_bm25.BM25L, kzsearch.BM25L, {"delta": 0.5}),
    (rank_bm25.BM25Plus, kzsearch.BM25Plus, {"delta": 1}),
]
IDS = ["okapi", "bm25l", "bm25plus"]

tokens = st.sampled_from([f"w{i}" for i in range(12)] + ["мектеп", "облыс", "бюджет"])
corpora = st.lists(st.lists(tokens, min_size=0, max_size=15), min_size=1, max_size=25).filter(
    lambda c: any(c))
queries = st.lists(st.one_of(tokens, st.just("unknown")), min_size=0, max_size=6)


def both(pair, corpus, **kw):
    theirs, ours, defaults = pair
    return theirs(corpus, **{**defaults, **kw}), ours(corpus, **{**defaults, **kw})


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(corpus=corpora, query=queries, k1=st.sampled_from([0.5, 1.2, 1.5, 2.0]),
       b=st.sampled_from([0.0, 0.5, 0.75, 1.0]))
def test_scores_equal_rank_bm25_on_random_corpora(pair, corpus, query, k1, b):
    theirs, ours = both(pair, corpus, k1=k1, b=b)
    with np.errstate(invalid="ignore", divide="ignore"):  # the reference's own warnings, not ours
        expected = theirs.get_scores(query)
    got = ours.get_scores(query)
    # rank-bm25 divides 0 by 0 for an empty document when b = 1: NaN where we say 0
    broken = np.isnan(expected)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got[~broken], expected[~broken], rtol=1e-5, atol=1e-12)
    docs = list(range(len(corpus)))
    if not broken.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            assert ours.get_top_n(query, docs, n=3) == theirs.get_top_n(query, docs, n=3)
    subset = docs[::2]
    with np.errstate(invalid="ignore", divide="ignore"):
        theirs_subset = np.array(theirs.get_batch_scores(query, subset))
    ours_subset = np.array(ours.get_batch_scores(query, subset))
    ok = ~np.isnan(theirs_subset)
    np.testing.assert_allclose(ours_subset[ok], theirs_subset[ok], rtol=1e-5)


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_real_kazakh_passages(pair):
    from kzsearch.corpus import seed_documents

    corpus = [text.lower().split() for _, text in seed_documents()]
    theirs, ours = both(pair, corpus)
    for query in (["облыс", "бюджеті"], ["amanat", "партиясы"], ["жоқ"], ["облыс", "облыс"]):
        assert np.array_equal(ours.get_scores(query), theirs.get_scores(query))
        assert ours.get_top_n(query, corpus, n=5) == theirs.get_top_n(query, corpus, n=5)


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_attributes_match(pair):
    corpus = [["a", "b", "a"], ["b", "c"], ["d"]]
    theirs, ours = both(pair, corpus)
    assert ours.corpus_size == theirs.corpus_size == 3
    assert ours.avgdl == theirs.avgdl
    assert ours.doc_len == theirs.doc_len
    assert ours.doc_freqs == theirs.doc_freqs
    assert ours.idf == theirs.idf


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_quirks(pair):
    corpus = [["a", "b"], ["b", "b", "c"], ["c"], ["d", "e"]]
    theirs, ours = both(pair, corpus)
    for query in ([], ["zzz"], ["b", "b"], ["a", "zzz", "a"], ["b", "c", "d"]):
        assert np.array_equal(ours.get_scores(query), theirs.get_scores(query)), query


def test_repeated_term_counts_twice():
    bm25 = kzsearch.BM25Okapi([["a", "b"], ["b"], ["c"]])
    np.testing.assert_allclose(bm25.get_scores(["a", "a"]), 2 * bm25.get_scores(["a"]))


def test_bm25plus_gives_every_document_delta_idf():
    bm25 = kzsearch.BM25Plus([["a"], ["b"], ["c"]])
    scores = bm25.get_scores(["a"])
    assert scores[1] == scores[2] > 0
    assert scores[0] > scores[1]


def test_one_document_corpus_and_tokenizer_argument():
    theirs = rank_bm25.BM25Okapi(["облыс бюджеті"], tokenizer=str.split)
    ours = kzsearch.BM25Okapi(["облыс бюджеті"], tokenizer=str.split)
    assert np.array_equal(ours.get_scores(["облыс"]), theirs.get_scores(["облыс"]))
    assert ours.get_top_n(["облыс"], ["doc"], n=10) == ["doc"]


def test_empty_corpus_is_a_value_error():
    with pytest.raises(ValueError, match="corpus"):
        kzsearch.BM25Okapi([])


def test_top_n_larger_than_corpus_returns_all():
    bm25 = kzsearch.BM25L([["a"], ["b"]])
    assert sorted(bm25.get_top_n(["a"], ["x", "y"], n=10)) == ["x", "y"]


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(corpus=corpora, query=queries, n=st.integers(1, 12), epsilon=st.sampled_from([0.25, -1.0]))
def test_top_n_equals_rank_bm25_whichever_documents_the_query_touches(pair, corpus, query, n, epsilon):
    """Selection among the touched documents gives rank-bm25's order, untouched ties included.

    A negative epsilon makes Okapi scores of touched documents fall below
    the untouched documents' 0, the case where untouched ones must win.
    """
    theirs_cls, ours_cls, defaults = pair
    kw = {**defaults, "epsilon": epsilon} if "epsilon" in defaults else defaults
    theirs, ours = theirs_cls(corpus, **kw), ours_cls(corpus, **kw)
    if np.isnan(theirs.get_scores(query)).any():
        return
    docs = list(range(len(corpus)))
    assert ours.get_top_n(query, docs, n=n) == theirs.get_top_n(query, docs, n=n)
