"""Term-at-a-time MaxScore: the exact top k of a query with many postings.

:func:`.pruning.pruned_search` hands its queries here (block-max pruning,
:mod:`.pruning`, is kept behind ``pruning.BLOCK_MAX``: this path answers
faster, rare term or not). Each term's bound comes from its blocks' tf and
length summaries, for all the query's terms at once, without a pass over the
postings (:func:`.blocks.term_bounds`). The term with the largest bound is
weighted in full. Its best documents, the *seeds* (:func:`_seed_at`: up to
:data:`_SEED`, fewer for a long query such as one with sub-word views), look
the other terms up, largest bound first, and are dropped once their sum plus
what the terms left can add falls below θ, the k-th best sum so far (a lower
bound of the final k-th score). If the other terms' bounds add up to less
than θ (worked out exactly, :func:`.blocks.tight_bounds`, when the summaries
leave them just above it), no document without the first term can reach θ:
the first term's other documents that can still reach it look the terms up
in the same way (:func:`_look_up`: by binary search when they are few, else
by one pass over the term's postings picking the candidates marked in a
per-thread bool array; a long term not merged over the segments yet is
searched segment by segment, :mod:`.termcache`). Otherwise more terms are
scored in full, into a dense accumulator as the exhaustive searcher does,
until the terms left cannot lift an unseen document to θ — first the set of
terms with the fewest postings whose leaving out bounds the rest below θ
(:func:`in_full_first`: in a query with views a rare term often does, where
the largest bounds belong to long terms) — and the terms left are looked up
for the candidates. Finally the few candidates whose sums
reach the k-th best are scored again in query order
(:func:`.pruning.exact_scores`), so ids and scores equal the exhaustive ones
bit for bit; every bound comparison carries a relative margin far above the
rounding of a few additions, and is strict, so documents tied with the k-th
score are kept.

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

from .blocks import block_table, term_bounds, tight_bounds
from .scoring import BM25Params, weights
from .selection import top_k
from .termcache import marked_postings, sorted_hits, term_hits

_MARGIN = 1.0 + 1e-9
_DENSE = 16       # binary searches cost about this many postings scanned
_SAMPLE = 1 << 15  # candidates looked at to estimate θ (any subset gives a lower bound)
_SEED = 1024      # documents of the first term looked up first to set θ: at most this many,
_SEED_LOOK_UPS = 2048  # and about this many look-ups in all (a long query of views takes fewer seeds),
_SEED_LEAST = 256      # but at least this many
_TIGHTER = 1.25   # exact term bounds are worked out only if they may bring the others' sum this much lower
_NONE = np.zeros(0, dtype=np.int64)
_SUBSETS = 12     # terms after the first up to which the cheapest set to score in full is searched for


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


def term_maxima(snapshot, terms, method: str, params: BM25Params, avgdl: float, tight: bool = False
                ) -> np.ndarray:
    """An upper bound of each term's contribution to any document's score (margin included):
    from its blocks' tf and length summaries (:func:`.blocks.term_bound`: no pass over the
    postings), or with ``tight`` the largest contribution itself (a pass over the postings
    on the term's first use with these parameters)."""
    table = block_table(snapshot)
    if not tight:
        top = term_bounds(table, [term.directory for term in terms], method, params, avgdl)
    else:
        top = np.zeros(len(terms))
        for i, term in enumerate(terms):
            bounds = tight_bounds(snapshot, table, term.directory, term.postings, method, params, avgdl)
            top[i] = float(bounds.max()) if len(bounds) else 0.0
    return np.array([t * term.idf * term.weight * _MARGIN for t, term in zip(top.tolist(), terms)])


def _live_postings(term, live: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """(global positions, tfs) of a term's live postings."""
    d, tf = term.postings.docs, term.postings.tfs
    if live is not None:
        keep = live[d]
        d, tf = d[keep], tf[keep]
    return d, tf


def _kth(values: np.ndarray, k: int) -> float:
    """The k-th largest of ``values`` (-inf if fewer)."""
    if len(values) < k:
        return -np.inf
    return float(np.partition(values, len(values) - k)[len(values) - k])


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
    norm = snapshot.length_norm(params.b, avgdl)
    live = snapshot.live
    acc, mark = _scratch.take(snapshot.n_stored)
    parts: List[np.ndarray] = []  # the documents given a sum in ``acc``
    marked: List[np.ndarray] = []  # the documents marked in ``mark`` (some unmarked since)
    try:
        docs, tfs = _live_postings(terms[order[0]], live)
        cand = docs
        partial = term_weights(method, tfs, norm[docs], terms[order[0]], params)
        if len(order) == 1:
            return _best(snapshot, cand, partial, terms, k, norm, method, params, exact_scores)
        # the seeds: the first term's best documents, the other terms looked up for them (largest
        # bound first, dropping those that fall below θ): the k-th best of their sums is a first θ
        at = _seed_at(partial, len(order) - 1)
        seeds = docs[at]
        acc[seeds] = partial[at]
        parts.append(seeds)
        mark[seeds] = True
        marked.append(seeds)
        seeds, seeds_sum, theta = _look_up(snapshot, seeds, terms, order[1:], bound, -np.inf, k, acc, mark, norm,
                                           method, params)
        mark[seeds] = False  # the seeds left have their full sums: no more look-ups for them
        rest = float(bound[order[1:]].sum()) * _MARGIN
        if theta <= rest < theta * _TIGHTER:  # the other terms' bounds, made exact, may fall below θ
            others = order[1:]
            bound[others] = np.minimum(bound[others], term_maxima(snapshot, [terms[i] for i in others], method,
                                                                  params, avgdl, tight=True))
            order = order[:1] + sorted(others, key=lambda i: -bound[i])
            rest = float(bound[order[1:]].sum()) * _MARGIN
        if rest < theta:  # a document without the first term cannot reach θ
            if len(at) == len(docs):  # every document that can reach θ has its sum
                return _best(snapshot, seeds, seeds_sum, terms, k, norm, method, params, exact_scores)
            keep = partial * _MARGIN + rest >= theta
            keep[at] = False  # the seeds: looked up already
            cand, partial = docs[keep], partial[keep]
            acc[cand] = partial
            parts.append(cand)
            mark[cand] = True
            marked.append(cand)
            cand, partial, _ = _look_up(snapshot, cand, terms, order[1:], bound, theta, k, acc, mark, norm,
                                        method, params)
            return _best(snapshot, np.concatenate((seeds, cand)), np.concatenate((seeds_sum, partial)), terms, k,
                         norm, method, params, exact_scores)
        # an unseen document could still reach θ: more terms in full, into the accumulator, the
        # fewest postings that leave terms whose bounds add up to less than θ first
        size = {i: len(terms[i].postings) for i in order}
        order = order[:1] + in_full_first(order[1:], bound, [size[i] for i in order[1:]], theta)
        sizes = [size[i] for i in order]
        acc[docs] = partial  # the seeds (among ``docs``) are candidates like the rest again
        parts[:] = [docs]
        step, theta = _accumulate(terms, order, bound, sizes, theta, k, acc, parts, live, norm, method, params)
        cand = np.concatenate(parts) if len(parts) != 1 else parts[0]
        partial = acc[cand]
        left = order[step:]
        if left:  # look the terms left up for the candidates that can still reach θ
            keep = partial * _MARGIN + float(bound[left].sum()) >= theta
            cand, partial = cand[keep], partial[keep]
            mark[cand] = True
            marked.append(cand)
            cand, partial, _ = _look_up(snapshot, cand, terms, left, bound, theta, k, acc, mark, norm, method,
                                        params, ordered=False)
    finally:
        for part in parts:
            acc[part] = 0.0
        for part in marked:
            mark[part] = False
    return _best(snapshot, cand, partial, terms, k, norm, method, params, exact_scores)


def _best(snapshot, cand, partial, terms, k, norm, method, params, exact_scores) -> Tuple[np.ndarray, np.ndarray]:
    """The top ``k`` of the documents ``cand`` (distinct), whose full sums ``partial`` were added in
    another order than the query's: the best are scored again, in query order."""
    kth = _kth(partial, k)
    best = np.sort(cand[partial * _MARGIN * _MARGIN >= kth]) if kth > -np.inf else np.sort(cand)
    best = best.astype(np.int64, copy=False)
    return top_k(best, exact_scores(snapshot, best, terms, norm, method, params), k)


def _accumulate(terms, order, bound, sizes, theta, k, acc, parts, live, norm, method, params) -> Tuple[int, float]:
    """Add the terms after the first, in ``order``, to ``acc`` in full until the terms left cannot
    lift an unseen document to θ; returns how many terms were taken, and θ."""
    for step in range(1, len(order)):
        if float(bound[order[step:]].sum()) * _MARGIN < theta:
            return step, theta  # an unseen document cannot reach θ: only the candidates are left
        i = order[step]
        docs, tfs = _live_postings(terms[i], live)
        w = term_weights(method, tfs, norm[docs], terms[i], params)
        old = acc[docs]
        parts.append(docs[old == 0.0])
        old += w
        acc[docs] = old
        if step + 1 < len(order) and sum(sizes[step + 1:]) > 2 * sum(len(p) for p in parts):
            cand = np.concatenate(parts)
            sample = cand[::max(1, len(cand) // _SAMPLE)]
            theta = max(theta, _kth(acc[sample], k) / _MARGIN)
    return len(order), theta


def in_full_first(others: List[int], bound: np.ndarray, sizes: List[int], theta: float) -> List[int]:
    """``others`` (terms, by index) reordered for scoring in full: first the set of them with
    the fewest postings (``sizes``) whose leaving out leaves terms whose bounds add up to
    less than θ (so a document holding none of the set nor the first term cannot reach θ),
    then the terms left out; each part largest bound first. Unchanged if there are more than
    :data:`_SUBSETS` of them or no such set.

    >>> in_full_first([1, 2, 3], np.array([9.0, 3.0, 2.0, 2.5]), [900, 50, 40], 4.0)
    [3, 2, 1]
    """
    n = len(others)
    if n < 2 or n > _SUBSETS:
        return list(others)
    b = bound[others]
    out = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1  # row m: 1 for each term left out of set m
    fits = np.flatnonzero((out @ b) * _MARGIN < theta)
    if not len(fits):
        return list(others)
    best = out[fits[np.argmin((1 - out[fits]) @ np.asarray(sizes, dtype=np.float64))]].tolist()
    key = lambda i: -bound[i]  # noqa: E731
    return sorted((i for i, o in zip(others, best) if not o), key=key) + \
        sorted((i for i, o in zip(others, best) if o), key=key)


def _look_up(snapshot, cand, terms, left, bound, theta, k, acc, mark, norm, method, params, ordered=True):
    """Add the terms ``left`` to the candidates' sums in ``acc``, dropping those that fall below θ.

    ``cand`` (ascending unless not ``ordered``) are marked in ``mark``; a dropped candidate
    is unmarked.
    Returns the candidates left, their sums, and θ (raised by their partial sums); ``acc``
    may lag behind the sums returned (a caller reads them from the result, never from ``acc``).
    """
    partial = acc[cand]
    later = bound[left].tolist()  # the bounds of the terms after each one, summed left to right
    stale = False  # the candidates' sums are in ``partial``, not written back to ``acc`` yet
    for n, i in enumerate(left):
        if not len(cand):
            break
        term = terms[i]
        if len(cand) * _DENSE < len(term.postings):  # few candidates: binary searches
            has, tfs = sorted_hits(term.postings, cand) if ordered else term_hits(term.postings, cand)
            if len(has):  # the same additions as into ``acc``, without its gather and scatter
                partial[has] += term_weights(method, tfs, norm[cand[has]], term, params)
                stale = True
        else:  # many: one pass over the postings, picking the marked documents
            if stale:
                acc[cand] = partial
                stale = False
            docs, tfs = marked_postings(term.postings, mark)
            if len(docs):
                acc[docs] += term_weights(method, tfs, norm[docs], term, params)
                partial = acc[cand]
        theta = max(theta, _kth(partial, k) / _MARGIN)
        keep = partial * _MARGIN + sum(later[n + 1:]) >= theta
        if not keep.all():
            mark[cand[~keep]] = False
            cand, partial = cand[keep], partial[keep]
    return cand, partial, theta


def term_weights(method: str, tfs: np.ndarray, norms: np.ndarray, term, params: BM25Params) -> np.ndarray:
    """The term's weights for tfs ``tfs`` in documents of length norms ``norms`` (query weight
    included), with the searcher's elementwise expressions, so the same floats."""
    w = weights(method, tfs, norms, term.idf, params, inplace=True)
    if term.weight != 1:
        w *= term.weight
    return w


def _seed_at(w: np.ndarray, others: int) -> np.ndarray:
    """Where in the first term's postings its largest weights ``w`` are (ascending): the seeds,
    looked up first in the ``others`` terms to set θ. At most :data:`_SEED` of them, fewer when
    many terms would each be searched for all of them (at least :data:`_SEED_LEAST`)."""
    n = min(_SEED, max(_SEED_LEAST, _SEED_LOOK_UPS // max(others, 1)))
    if len(w) <= n:
        return np.arange(len(w))
    return np.sort(np.argpartition(w, len(w) - n)[len(w) - n:])
