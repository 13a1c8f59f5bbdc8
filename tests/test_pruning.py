"""Dynamic pruning gives exactly the exhaustive top k: same ids, same scores bit for bit.

The pruned path (the default) is compared with ``search(..., exact=True)``,
which scores every posting, on random collections, deletions, segment
splits, BM25 variants, query-time k1/b, query weights and k. Blocks are
made tiny and the "too few postings" shortcut is switched off so that the
small collections exercise many blocks and many rounds.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzsearch import Index
from kzsearch.engine import blocks, maxscore, pruning, searcher, termcache
from kzsearch.engine.segment import build_segment

from conftest import split_words

WORDS = [f"w{i}" for i in range(12)]


@pytest.fixture(autouse=True)
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK", 4)
    monkeypatch.setattr(pruning, "MIN_POSTINGS", 0)
    monkeypatch.setattr(pruning, "_CHUNK", 8)
    monkeypatch.setattr(pruning, "GIVE_UP", 1e9)
    monkeypatch.setattr(pruning, "RARE_SHARE", 2.0)
    monkeypatch.setattr(pruning, "BLOCK_MAX", True)  # block-max pruning first; tests that want it off say so
    monkeypatch.setattr(blocks, "_cache", {})


def zipf_docs(rng, n_docs):
    """Documents over WORDS with a skewed frequency, like real text."""
    p = 1.0 / np.arange(1, len(WORDS) + 1)
    p /= p.sum()
    docs = []
    for _ in range(n_docs):
        n = int(rng.integers(1, 15))
        docs.append(" ".join(WORDS[i] for i in rng.choice(len(WORDS), size=n, p=p)))
    return docs


def segmented_index(rng, n_docs, n_batches, method, delete_share):
    """Zipf documents added in ``n_batches`` segments, about ``delete_share`` of them deleted."""
    docs = zipf_docs(rng, n_docs)
    index = Index(analyzer=split_words, method=method)
    for part in np.array_split(np.arange(n_docs), n_batches):
        if len(part):
            index.add([docs[i] for i in part], ids=[str(i) for i in part])
    gone = [str(i) for i in range(n_docs) if rng.random() < delete_share]
    if len(gone) < n_docs:
        index.delete(gone)
    return index


def assert_pruned_equals_exact(index, rng, k, k1, b, max_words, n_queries=5):
    """Random queries of 1..max_words words: the pruned top k equals ``exact=True``, ids and scores."""
    for _ in range(n_queries):
        query = " ".join(rng.choice(WORDS, size=int(rng.integers(1, max_words + 1))))
        pruned = index.search(query, k, k1=k1, b=b)
        exact = index.search(query, k, k1=k1, b=b, exact=True)
        assert [(h.id, h.score) for h in pruned] == [(h.id, h.score) for h in exact]


def brute_force_top(docs, live, query, k, k1, b):
    """Lucene BM25 by hand, in the searcher's order of operations, best first, ties by position."""
    tokens = [d.split() for d in docs]
    alive = [i for i in range(len(docs)) if live[i]]
    avgdl = sum(len(tokens[i]) for i in alive) / len(alive)
    counts = {}
    for t in query.split():
        counts[t] = counts.get(t, 0) + 1
    scores = {}
    for term, qtf in counts.items():
        df = sum(1 for i in alive if term in tokens[i])
        if not df:
            continue
        idf = np.log(1 + (len(alive) - df + 0.5) / (df + 0.5))
        for i in alive:
            tf = tokens[i].count(term)
            if tf:
                norm = 1 - b + b * len(tokens[i]) / avgdl
                w = idf * (tf / (k1 * norm + tf))
                scores[i] = scores.get(i, 0.0) + (w * qtf if qtf != 1 else w)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_docs=st.integers(1, 250), n_batches=st.integers(1, 4),
       method=st.sampled_from(["lucene", "okapi", "bm25l", "bm25+"]),
       k=st.integers(1, 30), k1=st.sampled_from([None, 0.0, 0.5, 1.2, 3.0]),
       b=st.sampled_from([None, 0.0, 0.3, 0.75, 1.0]), delete_share=st.sampled_from([0.0, 0.1, 0.5]),
       block_max=st.booleans())
def test_pruned_top_k_equals_exhaustive(seed, n_docs, n_batches, method, k, k1, b, delete_share, block_max):
    pruning.BLOCK_MAX = block_max  # the fixture restores it
    rng = np.random.default_rng(seed)
    index = segmented_index(rng, n_docs, n_batches, method, delete_share)
    assert_pruned_equals_exact(index, rng, k, k1, b, max_words=4)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_docs=st.integers(1, 200), k=st.integers(1, 15),
       k1=st.sampled_from([0.5, 1.2, 2.0]), b=st.sampled_from([0.0, 0.5, 0.75, 1.0]))
def test_pruned_top_k_equals_a_brute_force_reference(seed, n_docs, k, k1, b):
    rng = np.random.default_rng(seed)
    docs = zipf_docs(rng, n_docs)
    live = rng.random(n_docs) > 0.2
    live[0] = True
    index = Index(analyzer=split_words, k1=k1, b=b)
    index.add(docs, ids=[str(i) for i in range(n_docs)])
    index.delete([str(i) for i in range(n_docs) if not live[i]])
    query = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 5))))
    expected = brute_force_top(docs, live, query, k, k1, b)
    got = [(int(h.id), h.score) for h in index.search(query, k)]
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert np.allclose([s for _, s in got], [s for _, s in expected], rtol=1e-12, atol=0)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 10))
def test_float_query_weights_and_collection_stats_prune_exactly(seed, k):
    rng = np.random.default_rng(seed)
    index = Index(analyzer=split_words)
    index.add(zipf_docs(rng, 150))
    index.add(zipf_docs(rng, 60))
    snap = index._snapshot
    n_vocab = len(index.vocabulary)
    terms = [(int(t), float(w)) for t, w in zip(rng.choice(n_vocab, size=3, replace=False),
                                                  rng.uniform(0.1, 3.0, size=3))]
    stats = searcher.CollectionStats(n_docs=500, total_len=snap.total_len * 3,
                                     df=[int(x) for x in rng.integers(1, 400, size=3)])
    params = index.settings.params
    for st_ in (None, stats):
        pruned = searcher.search(snap, terms, k, "lucene", params, n_vocab, st_)
        exact = searcher.search(snap, terms, k, "lucene", params, n_vocab, st_, exact=True)
        assert pruned[0].tolist() == exact[0].tolist()
        assert pruned[1].tolist() == exact[1].tolist()


@pytest.mark.parametrize("block_max", [True, False])
def test_a_rare_term_spares_the_common_terms_postings(monkeypatch, block_max):
    monkeypatch.setattr(pruning, "BLOCK_MAX", block_max)
    rng = np.random.default_rng(7)
    docs = [" ".join(rng.choice(["common", "other", "filler"], size=8)) for _ in range(3000)]
    for i in range(0, 3000, 300):
        docs[i] += " rare"
    index = Index(analyzer=split_words)
    index.add(docs)
    scored = []
    real = pruning.exact_scores

    def counting(snapshot, cands, *args, **kwargs):
        scored.append(len(cands))
        return real(snapshot, cands, *args, **kwargs)

    monkeypatch.setattr(pruning, "exact_scores", counting)
    monkeypatch.setattr(blocks, "BLOCK", 64)
    hits = index.search("rare common", k=5)
    assert [h.id for h in hits] == [h.id for h in index.search("rare common", k=5, exact=True)]
    assert 0 < sum(scored) < 3000 // 4


def test_block_maxima_bound_every_posting():
    rng = np.random.default_rng(3)
    doc_len = rng.integers(1, 30, size=400)
    term_ids = rng.integers(0, 20, size=int(doc_len.sum())).astype(np.int32)
    seg = build_segment(term_ids, doc_len)
    bm = blocks.block_maxima(seg)
    block_of = np.searchsorted(bm.starts, np.arange(seg.n_postings), side="right") - 1
    assert (seg.tfs <= bm.max_tf[block_of]).all()
    assert (seg.doc_len[seg.docs] >= bm.min_len[block_of]).all()
    assert (seg.docs >= bm.first_doc[block_of]).all() and (seg.docs <= bm.last_doc[block_of]).all()
    # a block never spans two terms
    term_of = np.repeat(np.arange(len(seg.terms)), np.diff(seg.offsets))
    assert (term_of[bm.starts[block_of]] == term_of).all()


def test_exact_must_be_a_bool():
    index = Index(analyzer=split_words)
    index.add(["a b"])
    with pytest.raises(TypeError, match="exact"):
        index.search("a", exact="yes")


def _hand_over(monkeypatch):
    """Make block-max pruning hand every query over to term-at-a-time MaxScore."""
    calls = []
    real = pruning.term_at_a_time

    def counting(snapshot, terms, *args):
        out = real(snapshot, terms, *args)
        calls.append(out is not None or not terms)  # no terms (all their documents deleted): nothing to run
        return out

    monkeypatch.setattr(pruning, "search_pruned", lambda *args: None)
    monkeypatch.setattr(pruning, "term_at_a_time", counting)
    return calls


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n_docs=st.integers(1, 250), n_batches=st.integers(1, 4),
       method=st.sampled_from(["lucene", "okapi", "bm25l", "bm25+"]),
       k=st.integers(1, 30), k1=st.sampled_from([None, 0.0, 0.5, 1.2, 3.0]),
       b=st.sampled_from([None, 0.0, 0.3, 0.75, 1.0]), delete_share=st.sampled_from([0.0, 0.1, 0.5]),
       sample=st.sampled_from([1, 3, 1 << 15]), dense=st.sampled_from([0, 16, 10**9]),
       seed_docs=st.sampled_from([1, 4, 512, 10**9]), budget=st.sampled_from([1, 10**9]),
       by_segment=st.sampled_from([0, 1 << 16]))
def test_term_at_a_time_equals_exhaustive(monkeypatch, seed, n_docs, n_batches, method, k, k1, b, delete_share,
                                          sample, dense, seed_docs, budget, by_segment):
    monkeypatch.setattr(termcache, "BUDGET", budget)  # 1: every merged copy evicted at once
    monkeypatch.setattr(termcache, "SEARCH_BY_SEGMENT", by_segment)  # 0: terms looked up segment by segment
    calls = _hand_over(monkeypatch)
    monkeypatch.setattr(maxscore, "_SAMPLE", sample)  # θ from small samples: lower, still valid
    monkeypatch.setattr(maxscore, "_SEED", seed_docs)  # a first θ from a few documents, or from all
    monkeypatch.setattr(maxscore, "_DENSE", dense)    # binary searches or passes over the postings
    rng = np.random.default_rng(seed)
    index = segmented_index(rng, n_docs, n_batches, method, delete_share)
    assert_pruned_equals_exact(index, rng, k, k1, b, max_words=5)
    assert all(calls) or method != "lucene"  # it ran when called (lucene's weights are all > 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 12), taat=st.booleans(), budget=st.sampled_from([1, 10**9]))
def test_weighted_terms_and_collection_stats_both_paths(monkeypatch, seed, k, taat, budget):
    if taat:
        _hand_over(monkeypatch)
        monkeypatch.setattr(termcache, "SEARCH_BY_SEGMENT", 0)
    monkeypatch.setattr(termcache, "BUDGET", budget)  # evicting every merged copy changes nothing
    rng = np.random.default_rng(seed)
    index = Index(analyzer=split_words)
    for _ in range(3):
        index.add(zipf_docs(rng, 80))
    snap = index._snapshot
    n_vocab = len(index.vocabulary)
    n = int(rng.integers(1, 5))
    terms = [(int(t), float(w)) for t, w in zip(rng.choice(n_vocab, size=n, replace=False),
                                                  rng.uniform(0.1, 3.0, size=n))]
    stats = searcher.CollectionStats(n_docs=700, total_len=snap.total_len * 3,
                                     df=[int(x) for x in rng.integers(1, 600, size=n)])
    for method in ("lucene", "okapi"):
        params = index.settings.params
        for st_ in (None, stats):
            pruned = searcher.search(snap, terms, k, method, params, n_vocab, st_)
            exact = searcher.search(snap, terms, k, method, params, n_vocab, st_, exact=True)
            assert pruned[0].tolist() == exact[0].tolist()
            assert pruned[1].tolist() == exact[1].tolist()


def _views_analyzer():
    from kzsearch import Analyzer
    return Analyzer(views=[{"kind": "prefix", "size": 3, "weight": 0.5}])


_VIEWS = _views_analyzer()
VIEW_WORDS = ["бастап", "бастады", "басшысы", "мың", "мыңдаған", "екі", "екеуі", "жүз", "жүзден", "ай", "айында"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 15), taat=st.booleans(),
       b=st.sampled_from([None, 0.3, 1.0]), by_segment=st.sampled_from([0, 1 << 16]))
def test_views_prune_exactly(monkeypatch, seed, k, taat, b, by_segment):
    if taat:
        _hand_over(monkeypatch)
    monkeypatch.setattr(termcache, "SEARCH_BY_SEGMENT", by_segment)
    rng = np.random.default_rng(seed)
    index = Index(analyzer=_VIEWS)
    for _ in range(2):
        index.add([" ".join(rng.choice(VIEW_WORDS, size=int(rng.integers(1, 12)))) for _ in range(120)])
    index.delete([str(i) for i in range(0, 240, 7)])
    assert 0.5 in [w for _, w in index.query_terms("бастады")]  # a view term, weighing less
    for _ in range(4):
        query = " ".join(rng.choice(VIEW_WORDS, size=int(rng.integers(1, 4))))
        pruned = index.search(query, k, b=b)
        exact = index.search(query, k, b=b, exact=True)
        assert [(h.id, h.score) for h in pruned] == [(h.id, h.score) for h in exact]


def test_filters_and_fields_equal_the_exhaustive_path():
    rng = np.random.default_rng(11)
    docs = zipf_docs(rng, 300)
    index = Index(analyzer=split_words, fields={"title": 2.0, "text": 1.0})
    index.add([{"id": str(i), "title": d.split()[0], "text": d, "n": i % 3} for i, d in enumerate(docs)])
    index.delete([str(i) for i in range(0, 300, 5)])
    for query in ("w0 w3", "w1 w7 w2", "w11"):
        hits = index.search(query, 7, filter={"n": 1})
        assert all(int(h.id) % 3 == 1 for h in hits)
        assert [(h.id, h.score) for h in hits] == [(h.id, h.score) for h in
                                                   index.search(query, 7, filter={"n": 1}, exact=True)]
        assert [(h.id, h.score) for h in index.search(query, 7)] == [
            (h.id, h.score) for h in index.search(query, 7, exact=True)]


def test_term_at_a_time_runs_and_prunes(monkeypatch):
    rng = np.random.default_rng(5)
    docs = [" ".join(rng.choice(["common", "other", "filler", "more"], size=int(rng.integers(3, 12))))
            for _ in range(4000)]
    index = Index(analyzer=split_words)
    index.add(docs)
    calls = _hand_over(monkeypatch)
    for query in ("common other", "filler more common", "other"):
        assert [(h.id, h.score) for h in index.search(query, 5)] == [
            (h.id, h.score) for h in index.search(query, 5, exact=True)]
    assert calls == [True, True, True]


def test_a_seeded_threshold_scores_only_the_first_term_in_full(monkeypatch):
    # top documents hold every query term: θ from the first term's best documents, scored exactly,
    # already exceeds what the other terms can add, so they are only looked up for candidates
    rng = np.random.default_rng(5)
    docs = [" ".join(rng.choice(WORDS[:8], size=int(rng.integers(4, 14)))) for _ in range(4000)]
    index = Index(analyzer=split_words)
    index.add(docs)
    calls = _hand_over(monkeypatch)
    left, in_full = [], []
    real = maxscore._look_up

    def spy(snapshot, cand, terms, rest, *args):
        left.append(len(rest))
        return real(snapshot, cand, terms, rest, *args)

    monkeypatch.setattr(maxscore, "_look_up", spy)
    monkeypatch.setattr(maxscore, "_accumulate", lambda *args: in_full.append(args))
    for query in ("w0 w1 w2", "w1 w2"):
        assert [(h.id, h.score) for h in index.search(query, 5)] == [
            (h.id, h.score) for h in index.search(query, 5, exact=True)]
    # the seeds, then the other candidates, look up the terms left; none is scored in full
    assert calls == [True, True] and left == [2, 2, 1, 1] and not in_full


def test_a_term_no_segment_holds_gets_no_postings():
    # its empty directory range starts where the next term's rows start: it must not be taken for it
    index = Index(analyzer=split_words, background_merges=False)
    index.add(["", "", "бюджет"], ids=["d0", "d1", "d2"])
    index.delete(["d2"])
    index.update(["облыс"], ids=["d0"])
    for exact in (False, True):
        assert index.search("бюджет мектеп", exact=exact) == []
        assert [h.id for h in index.search("облыс бюджет", exact=exact)] == ["d0"]
