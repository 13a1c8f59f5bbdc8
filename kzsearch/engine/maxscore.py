"""Term-at-a-time MaxScore: the exact top k of a query whose terms are all common.

Block-max pruning (:mod:`.pruning`) pays when one rare term leads; when every
term is common, most blocks can reach the k-th score and it hands over. This
path then scores term at a time, largest bound first, into a dense
accumulator — as the exhaustive searcher does — but stops taking new
documents once the terms left cannot lift an unseen document to the k-th
best partial score θ (a lower bound of the final k-th score: partial sums
only grow). The remaining terms are then looked up for the candidates that
can still reach θ only, dropping more candidates as the bound of what is
left shrinks. Finally the few candidates whose sums reach the k-th best are
scored again in query order (:func:`.pruning.exact_scores`), so ids and
scores equal the exhaustive ones bit for bit; every bound comparison carries
a relative margin far above the rounding of a few additions, and is strict,
so documents tied with the k-th score are kept.

>>> from kzsearch import Index
>>> index = Index(analyzer=str.split)
>>> index.add(["a b", "a a b", "b a c"] * 20_000)
>>> [(h.id, h.score) for h in index.search("a b")] == [(h.id, h.score) for h in index.search("a b", exact=True)]
True
"""
from __future__ import annotations

import threading
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .blocks import block_table, tight_bounds
from .scoring import BM25Params, weights
from .selection import top_k
from .termcache import term_tfs

_MARGIN = 1.0 + 1e-9
_DENSE = 16       # binary searches cost about this many postings scanned
_SAMPLE = 1 << 15  # candidates looked at to estimate θ (any subset gives a lower bound)
_REFINE = 4       # × k candidates scored in full to raise θ before the candidate phase


class _Scratch(threading.local):
    """A per-thread float64 accumulator and bool mark per document, cleared sparsely."""

    def __init__(self) -> None:
        self.acc = np.zeros(0)
        self.mark = np.zeros(0, dtype=bool)

    def take(self, size: int) -> Tuple[np.ndarray, np.ndarray]:
        if len(self.acc) < size:
            grown = max(size, int(len(self.acc) * 1.25))
            self.acc, self.mark = np.zeros(grown), np.zeros(grown, dtype=bool)
        return self.acc, self.mark


_scratch = _Scratch()


def term_maxima(snapshot, terms, method: str, params: BM25Params, avgdl: float) -> np.ndarray:
    """Each term's largest contribution to any document's score (margin included)."""
    table = block_table(snapshot)
    out = np.zeros(len(terms))
    for i, term in enumerate(terms):
        bounds = tight_bounds(snapshot, table, term.directory, term.postings, method, params, avgdl)
        if len(bounds):
            out[i] = float(bounds.max()) * term.idf * term.weight * _MARGIN
    return out


def _live_postings(term, live: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """(global positions, tfs) of a term's live postings."""
    d, tf = term.postings.docs, term.postings.tfs
    if live is not None:
        keep = live[d]
        d, tf = d[keep], tf[keep]
    return d, tf


def _scan(cands: np.ndarray, term, mark: np.ndarray) -> np.ndarray:
    """:func:`.termcache.term_tfs` by one pass over the term's postings (``mark``: a cleared scratch)."""
    tf = np.zeros(len(cands), dtype=np.int64)
    docs, tfs = term.postings.docs, term.postings.tfs
    mark[cands] = True
    try:
        inside = np.flatnonzero(mark[docs])
    finally:
        mark[cands] = False
    tf[np.searchsorted(cands, docs[inside])] = tfs[inside]
    return tf


def _kth(values: np.ndarray, k: int) -> float:
    """The k-th largest of ``values`` (-inf if fewer)."""
    if len(values) < k:
        return -np.inf
    return float(np.partition(values, len(values) - k)[len(values) - k])


def _exact_kth(snapshot, cand: np.ndarray, partial: np.ndarray, k: int, terms, norm: np.ndarray,
               method: str, params: BM25Params, exact_scores) -> float:
    """θ from the final scores of the ``_REFINE`` × k candidates with the best partial sums:
    the k-th best of real scores of live documents, so a lower bound of the final k-th
    score, and usually far above the k-th best partial sum (the terms left count in it)."""
    m = _REFINE * k
    top = cand
    if len(cand) > m:  # the m best partial sums of a sample set a cut; the best above it
        sample = partial[::max(1, len(cand) // _SAMPLE)]
        above = np.flatnonzero(partial >= _kth(sample, min(m, len(sample))))
        if len(above) > m:
            above = above[np.argpartition(-partial[above], m - 1)[:m]]
        top = cand[above]
    top = np.sort(top).astype(np.int64, copy=False)
    return _kth(exact_scores(snapshot, top, terms, norm, method, params), k) / _MARGIN


def term_at_a_time(snapshot, terms: Sequence, k: int, method: str, params: BM25Params, avgdl: float,
                   exact_scores) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Top ``k`` (global positions, scores) equal to exhaustive scoring, or None if no bound holds.

    ``terms`` are :class:`.pruning.TermPlan` in query order; every weight
    must be > 0 (so a document is new exactly where its sum is still 0).
    """
    if not terms or any(not (t.weight > 1e-100) or not (t.idf > 1e-100) for t in terms) \
            or params.k1 >= 1e100 or params.delta >= 1e100:
        return None
    bound = term_maxima(snapshot, terms, method, params, avgdl)
    order = np.argsort(-bound, kind="stable").tolist()
    sizes = [len(terms[i].postings) for i in order]
    norm = snapshot.length_norm(params.b, avgdl)
    live = snapshot.live
    acc, mark = _scratch.take(snapshot.n_stored)
    parts: List[np.ndarray] = []
    try:
        theta = -np.inf
        step = 0
        for step, i in enumerate(order):
            rest = float(bound[order[step:]].sum())
            if rest * _MARGIN < theta:
                break  # an unseen document cannot reach θ: only the candidates are left
            docs, tfs = _live_postings(terms[i], live)
            w = weights(method, tfs, norm[docs], terms[i].idf, params)
            if terms[i].weight != 1:
                w *= terms[i].weight
            old = acc[docs]
            parts.append(docs[old == 0.0])
            old += w
            acc[docs] = old
            if step + 1 < len(order) and sum(sizes[step + 1:]) > 2 * sum(len(p) for p in parts):
                cand = parts[0] if len(parts) == 1 else np.concatenate(parts)
                sample = cand[::max(1, len(cand) // _SAMPLE)]
                theta = _kth(acc[sample], k) / _MARGIN
        else:
            step = len(order)
        cand = np.concatenate(parts) if len(parts) != 1 else parts[0]
        if not len(cand):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        partial = acc[cand]
    finally:
        for part in parts:
            acc[part] = 0.0
    left = order[step:]
    rest = float(bound[left].sum())
    if left and len(cand) > k:
        theta = max(theta, _exact_kth(snapshot, cand, partial, k, terms, norm, method, params, exact_scores))
    if left:
        keep = partial * _MARGIN + rest >= theta
        cand, partial = cand[keep], partial[keep]
        by = np.argsort(cand, kind="stable")
        cand, partial = cand[by], partial[by]
    for n, i in enumerate(left):
        if not len(cand):
            break
        if len(cand) * _DENSE < len(terms[i].postings):
            tf = term_tfs(terms[i].postings, cand)
        else:  # many candidates: a pass over the postings beats binary searches
            tf = _scan(cand, terms[i], mark)
        has = np.flatnonzero(tf)
        if len(has):
            w = weights(method, tf[has], norm[cand[has]], terms[i].idf, params)
            if terms[i].weight != 1:
                w *= terms[i].weight
            partial[has] += w
        theta = max(theta, _kth(partial, k) / _MARGIN)
        rest = float(bound[left[n + 1:]].sum())
        keep = partial * _MARGIN + rest >= theta
        cand, partial = cand[keep], partial[keep]
    # the sums so far were added in another order: score the best again, in query order
    kth = _kth(partial, k)
    best = np.sort(cand[partial * _MARGIN * _MARGIN >= kth]) if kth > -np.inf else np.sort(cand)
    best = best.astype(np.int64, copy=False)
    return top_k(best, exact_scores(snapshot, best, terms, norm, method, params), k)
