"""Term-at-a-time MaxScore with sub-word views: the cheaper paths give the exhaustive top k.

Views add many low-weight terms to a query; their bounds come from the
blocks' tf/length summaries (:func:`kzsearch.engine.blocks.term_bounds`),
their postings are searched segment by segment when long
(:func:`kzsearch.engine.termcache.hits_by_segment`), and the seeds are
looked up term by term. Each is checked against a reference here, and the
whole against ``search(..., exact=True)`` on random collections with views,
deletions, several segments, fields, filters and query-time k1/b.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzsearch import Analyzer, Index
from kzsearch.engine import blocks, maxscore, pruning, termcache
from kzsearch.engine.scoring import BM25Params, weights

from conftest import split_words

WORDS = ["бастап", "бастады", "басшысы", "мың", "мыңдаған", "екі", "екеуі", "жүз", "жүзден", "ай", "айында",
         "мектеп", "мектептер", "мекен"]
VIEWS = Analyzer(views=[{"kind": "prefix", "size": 3, "weight": 0.5}])


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK", 4)
    monkeypatch.setattr(blocks, "_cache", {})
    monkeypatch.setattr(pruning, "MIN_POSTINGS", 0)


def _texts(rng, n):
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 14)))) for _ in range(n)]


def _index(rng, n_batches, analyzer=VIEWS, **kwargs):
    index = Index(analyzer=analyzer, background_merges=False, **kwargs)
    for _ in range(n_batches):
        index.add(_texts(rng, int(rng.integers(1, 90))))
    return index


def _pruned_equals_exact(rng, index, k: int, queries: int = 4) -> None:
    """Random queries of 2-5 words: the pruned top k equals exhaustive scoring's, ids and scores."""
    for _ in range(queries):
        query = " ".join(rng.choice(WORDS, size=int(rng.integers(2, 6))))
        pruned = index.search(query, k)
        exact = index.search(query, k, exact=True)
        assert [(h.id, h.score) for h in pruned] == [(h.id, h.score) for h in exact]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n_batches=st.integers(1, 4), k=st.integers(1, 20),
       k1=st.sampled_from([None, 0.0, 0.4, 1.2, 2.5]), b=st.sampled_from([None, 0.0, 0.5, 1.0]),
       method=st.sampled_from(["lucene", "okapi", "bm25l", "bm25+"]), seed_docs=st.sampled_from([1, 3, 1024]),
       by_segment=st.sampled_from([0, 1 << 16]), dense=st.sampled_from([0, 16, 10**9]),
       tighter=st.sampled_from([1.0, 1.25, 1e9]), delete_share=st.sampled_from([0.0, 0.2]))
def test_views_term_at_a_time_equals_exhaustive(monkeypatch, seed, n_batches, k, k1, b, method, seed_docs,
                                                by_segment, dense, tighter, delete_share):
    monkeypatch.setattr(pruning, "search_pruned", lambda *args: None)  # straight to term-at-a-time
    monkeypatch.setattr(maxscore, "_SEED", seed_docs)
    monkeypatch.setattr(maxscore, "_DENSE", dense)
    monkeypatch.setattr(maxscore, "_TIGHTER", tighter)  # 1.0: bounds from the blocks only
    monkeypatch.setattr(termcache, "SEARCH_BY_SEGMENT", by_segment)
    rng = np.random.default_rng(seed)
    index = _index(rng, n_batches, method=method)
    ids = list(index.ids())
    gone = [h for h in ids if rng.random() < delete_share]
    if gone and len(gone) < len(ids):
        index.delete(gone)
    for _ in range(4):
        query = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 5))))
        pruned = index.search(query, k, k1=k1, b=b)
        exact = index.search(query, k, k1=k1, b=b, exact=True)
        assert [(h.id, h.score) for h in pruned] == [(h.id, h.score) for h in exact]


def test_views_with_fields_and_filters_equal_the_exhaustive_path():
    rng = np.random.default_rng(4)
    index = Index(analyzer=VIEWS, fields={"title": 2.0, "text": 1.0})
    texts = _texts(rng, 300)
    index.add([{"id": str(i), "title": t.split()[0], "text": t, "n": i % 3} for i, t in enumerate(texts)])
    index.delete([str(i) for i in range(0, 300, 7)])
    for query in ("бастады мектеп", "мың екі жүз", "айында"):
        for kwargs in ({}, {"filter": {"n": 2}}, {"k1": 0.7, "b": 0.3}):
            assert [(h.id, h.score) for h in index.search(query, 6, **kwargs)] == [
                (h.id, h.score) for h in index.search(query, 6, exact=True, **kwargs)]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_batches=st.integers(1, 4),
       k1=st.sampled_from([0.0, 0.5, 1.2, 3.0]), b=st.sampled_from([0.0, 0.3, 0.75, 1.0]),
       method=st.sampled_from(["lucene", "okapi", "bm25l", "bm25+"]))
def test_block_summaries_bound_every_posting(seed, n_batches, k1, b, method):
    # the bound from the blocks is at least the largest weight, and at most the old bound
    # from each block's largest tf and shortest document
    rng = np.random.default_rng(seed)
    index = _index(rng, n_batches)
    snap = index._snapshot
    table = blocks.block_table(snap)
    params = BM25Params(k1=k1, b=b)
    avgdl = snap.avgdl
    terms, _, _, _ = snap.term_directory()
    ids = np.unique(terms)
    rows = [(int(np.searchsorted(terms, t)), int(np.searchsorted(terms, t, side="right"))) for t in ids]
    bound = blocks.term_bounds(table, rows, method, params, avgdl)
    norm = snap.length_norm(b, avgdl)
    for (lo, hi), top in zip(rows, bound.tolist()):
        tp = termcache.term_postings(snap, lo, hi)
        tight = float(weights(method, tp.tfs, norm[tp.docs], 1.0, params).max())
        assert top >= tight
        r_lo, r_hi = int(table.row_start[lo]), int(table.row_start[hi])
        loose = weights(method, table.max_tf[r_lo:r_hi],
                        1 - b + b * table.min_len[r_lo:r_hi] / (avgdl if avgdl > 0 else 1.0), 1.0, params)
        assert top <= float(loose.max())
        if int(tp.tfs.max()) == 1:
            assert top == tight  # one class of tf: the shortest document gives the bound itself


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_batches=st.integers(1, 5), n_cands=st.integers(0, 60))
def test_segment_by_segment_look_ups_equal_the_merged_ones(seed, n_batches, n_cands):
    rng = np.random.default_rng(seed)
    index = _index(rng, n_batches, analyzer=split_words)
    snap = index._snapshot
    terms, _, _, _ = snap.term_directory()
    mark = np.zeros(snap.n_stored, dtype=bool)
    for t in np.unique(terms).tolist():
        lo, hi = int(np.searchsorted(terms, t)), int(np.searchsorted(terms, t, side="right"))
        merged = termcache.term_postings(snap, lo, hi)
        cands = np.sort(rng.choice(snap.n_stored, size=min(n_cands, snap.n_stored), replace=False)).astype(np.int64)
        found, tfs = termcache.hits_by_segment(snap, lo, hi, cands)
        ref_found, ref_tfs = termcache.term_hits(merged, cands)
        assert found.tolist() == ref_found.tolist() and tfs.tolist() == ref_tfs.tolist()
        mark[cands] = True
        docs, tfs = termcache.marked_by_segment(snap, lo, hi, mark)
        inside = mark[merged.docs]
        assert docs.tolist() == merged.docs[inside].tolist() and tfs.tolist() == merged.tfs[inside].tolist()
        mark[cands] = False


class _Alternating:
    """A ``_DENSE`` that sends a look-up's terms to binary search and to the marked pass in turn
    (``len(cand) * _DENSE < len(postings)`` alternates), so the sums kept in the candidates'
    array and those in the accumulator must be handed over both ways within one look-up."""

    def __init__(self, start: bool) -> None:
        self.binary = start

    def __rmul__(self, n: int) -> float:
        self.binary = not self.binary
        return -1.0 if self.binary else float("inf")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n_batches=st.integers(1, 3), k=st.integers(1, 12),
       start=st.booleans(), seed_docs=st.sampled_from([1, 3, 1024]), by_segment=st.sampled_from([0, 1 << 16]))
def test_look_ups_switching_between_binary_search_and_marked_pass_stay_exact(monkeypatch, seed, n_batches, k,
                                                                             start, seed_docs, by_segment):
    monkeypatch.setattr(pruning, "search_pruned", lambda *args: None)  # straight to term-at-a-time
    monkeypatch.setattr(maxscore, "_DENSE", _Alternating(start))
    monkeypatch.setattr(maxscore, "_SEED", seed_docs)
    monkeypatch.setattr(termcache, "SEARCH_BY_SEGMENT", by_segment)
    rng = np.random.default_rng(seed)
    index = _index(rng, n_batches)
    _pruned_equals_exact(rng, index, k)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 9), seed=st.integers(0, 2**32 - 1), theta=st.floats(-1.0, 20.0))
def test_the_terms_scored_in_full_first_are_the_cheapest_set_that_bounds_the_rest(n, seed, theta):
    # against every subset: the set put first has the fewest postings among those whose
    # leaving out leaves bounds that add up to less than θ; the rest follow; each part by bound
    import itertools
    rng = np.random.default_rng(seed)
    bound = rng.uniform(0.0, 5.0, size=n + 1)
    sizes = rng.integers(1, 10_000, size=n).tolist()
    others = list(range(1, n + 1))
    out = maxscore.in_full_first(others, bound, sizes, theta)
    assert sorted(out) == others
    size = dict(zip(others, sizes))
    fits = [set(s) for r in range(n + 1) for s in itertools.combinations(others, r)
            if float(bound[[i for i in others if i not in s]].sum()) * maxscore._MARGIN < theta]
    if n < 2 or not fits:
        assert out == others
        return
    cheapest = min(sum(size[i] for i in s) for s in fits)
    full = next(out[:j] for j in range(n + 1) if set(out[:j]) in fits)  # the shortest prefix that bounds the rest
    assert sum(size[i] for i in full) == cheapest
    for part in (full, out[len(full):]):
        assert [bound[i] for i in part] == sorted((bound[i] for i in part), reverse=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n_batches=st.integers(1, 3), k=st.integers(1, 12),
       subsets=st.sampled_from([0, 12]), seed_docs=st.sampled_from([1, 3, 1024]))
def test_scoring_the_cheapest_terms_in_full_stays_exact(monkeypatch, seed, n_batches, k, subsets, seed_docs):
    # θ from one or three seeds leaves the others' bounds above it: the path that scores terms in
    # full runs, in bound order (0) or cheapest set first (12), and equals the exhaustive top k
    monkeypatch.setattr(pruning, "search_pruned", lambda *args: None)  # straight to term-at-a-time
    monkeypatch.setattr(maxscore, "_SUBSETS", subsets)
    monkeypatch.setattr(maxscore, "_SEED", seed_docs)
    monkeypatch.setattr(maxscore, "_TIGHTER", 1.0)
    in_full = []
    real = maxscore._accumulate

    def spy(terms, order, *args):
        in_full.append(list(order))
        return real(terms, order, *args)

    monkeypatch.setattr(maxscore, "_accumulate", spy)
    rng = np.random.default_rng(seed)
    index = _index(rng, n_batches)
    _pruned_equals_exact(rng, index, k)


def test_the_cheapest_set_is_scored_in_full_when_a_rare_term_bounds_the_rest(monkeypatch):
    # θ from one seed is low; "a" and "b" each bound more than θ but "a"'s postings are many:
    # the rare "c" (and not "a") is scored in full
    monkeypatch.setattr(pruning, "search_pruned", lambda *args: None)
    monkeypatch.setattr(maxscore, "_SEED", 1)
    monkeypatch.setattr(maxscore, "_SEED_LEAST", 1)
    monkeypatch.setattr(maxscore, "_TIGHTER", 1.0)
    orders = []
    real = maxscore._accumulate
    monkeypatch.setattr(maxscore, "_accumulate", lambda terms, order, *a: (orders.append(
        [terms[i].postings.size for i in order]), real(terms, order, *a))[1])
    rng = np.random.default_rng(3)
    texts = [" ".join(rng.choice(["a", "b", "x", "y"], size=6)) for _ in range(400)] + ["c b c", "c a"] * 5
    index = Index(analyzer=split_words, background_merges=False)
    index.add(texts)
    for query in ("c b a", "b a c"):
        assert [(h.id, h.score) for h in index.search(query, 5)] == [
            (h.id, h.score) for h in index.search(query, 5, exact=True)]
    assert orders and all(sizes[1] < sizes[2] for sizes in orders)
