"""Block maxima: per-term blocks of postings with their largest tf and shortest document.

A segment's postings (term major, documents ascending) are cut into blocks
of :data:`BLOCK` postings that never span two terms. Each block keeps its
largest term frequency, the shortest length among its documents and its
first and last document (:func:`block_maxima`, computed once per segment
and cached while the segment's postings live). :func:`block_table` lays
the blocks of all segments of a snapshot out in the order of its term
directory, so that a term's blocks over every segment are one run.
:func:`sparse_table` and :func:`range_max` answer "largest value in
``values[lo:hi]``" for many ranges at once. :mod:`.pruning` turns these
into score bounds.

>>> from kzsearch.engine.segment import build_segment
>>> seg = build_segment(np.array([0, 0, 1, 0, 0, 1], dtype=np.int32), np.array([3, 1, 2]))
>>> bm = block_maxima(seg)  # one block per term here: term 0 in docs 0-2, term 1 in docs 0 and 2
>>> bm.max_tf.tolist(), bm.min_len.tolist()
([2, 1], [1, 2])
>>> range_max(sparse_table(np.array([3.0, 1.0, 4.0, 1.0])), np.array([0, 1, 2]), np.array([2, 2, 2]))
array([3., 1., 0.])
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Dict, Sequence, Tuple

import numpy as np

from .scoring import BM25Params, length_norm, weights

BLOCK = 128
#: the length standing for "no such posting" in ``len_one``/``len_more``: longer than any
#: document, so the weight it gives is below every real posting's (it never loosens a bound)
LONGEST = np.int64(2**62)


@dataclass(frozen=True)
class BlockMaxima:
    """Per-term blocks of one segment's postings (term major, BLOCK postings at most).

    ``starts[j]`` is the first posting of block j (a block never spans two
    terms; a term's blocks are consecutive), ``max_tf``/``min_len`` its
    largest tf and shortest document length, ``first_doc``/``last_doc`` the
    local ids of its first and last posting.
    """

    starts: np.ndarray
    max_tf: np.ndarray
    min_len: np.ndarray
    first_doc: np.ndarray
    last_doc: np.ndarray
    docs: np.ndarray  # the segment's postings as plain arrays (slicing a memmap costs more)
    tfs: np.ndarray
    len_one: np.ndarray   # int64: shortest document among the block's postings of tf 1 (else LONGEST)
    len_more: np.ndarray  # int64: shortest document among those of tf 2 or more (else LONGEST)


_cache: Dict[int, Tuple[weakref.ref, BlockMaxima]] = {}


def block_maxima(segment) -> BlockMaxima:
    """The :class:`BlockMaxima` of ``segment``, computed once per postings array."""
    key = id(segment.docs)
    hit = _cache.get(key)
    if hit is not None and hit[0]() is segment.docs:
        return hit[1]
    value = _compute_block_maxima(segment.offsets, np.asarray(segment.docs), np.asarray(segment.tfs),
                                  np.asarray(segment.doc_len))
    try:
        ref = weakref.ref(segment.docs, lambda _r, key=key, cache=_cache: cache.pop(key, None))
    except TypeError:  # pragma: no cover - arrays always take weak references
        return value
    _cache[key] = (ref, value)
    return value


def _compute_block_maxima(offsets: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                          doc_len: np.ndarray) -> BlockMaxima:
    offsets = np.asarray(offsets, dtype=np.int64)
    counts = np.diff(offsets)
    n_blocks = (counts + BLOCK - 1) // BLOCK
    total = int(n_blocks.sum())
    first_block = np.cumsum(n_blocks) - n_blocks
    within = np.arange(total, dtype=np.int64) - np.repeat(first_block, n_blocks)
    starts = np.repeat(offsets[:-1], n_blocks) + within * BLOCK
    ends = np.minimum(starts + BLOCK, np.repeat(offsets[1:], n_blocks))
    if total == 0:
        empty = np.zeros(0, dtype=np.int32)
        return BlockMaxima(starts, empty, empty, empty, empty, docs, tfs, starts, starts)
    max_tf = np.empty(total, dtype=np.int32)
    min_len = np.empty(total, dtype=np.int32)
    len_one = np.empty(total, dtype=np.int64)
    len_more = np.empty(total, dtype=np.int64)
    longest = LONGEST
    step = 1 << 15  # blocks per pass: keeps the gathered lengths small
    for a in range(0, total, step):
        b = min(a + step, total)
        lo, hi = int(starts[a]), int(ends[b - 1])
        rel = starts[a:b] - lo
        tf = tfs[lo:hi]
        lengths = doc_len[docs[lo:hi]]
        max_tf[a:b] = np.maximum.reduceat(tf, rel)
        min_len[a:b] = np.minimum.reduceat(lengths, rel)
        one = tf == 1
        wide = lengths.astype(np.int64)
        len_one[a:b] = np.minimum.reduceat(np.where(one, wide, longest), rel)
        len_more[a:b] = np.minimum.reduceat(np.where(one, longest, wide), rel)
    return BlockMaxima(starts, max_tf, min_len, docs[starts].astype(np.int32),
                       docs[ends - 1].astype(np.int32), docs, tfs, len_one, len_more)


@dataclass(frozen=True)
class BlockTable:
    """The blocks of all segments of a snapshot, in the order of its term directory.

    A term's blocks over all segments are one run: the directory rows
    ``a:b`` of a term own blocks ``row_start[a]:row_start[b]``. Positions
    (``first``/``last``) are global; ``start``/``end`` index the postings of
    segment ``segment``.
    """

    row_start: np.ndarray
    segment: np.ndarray
    start: np.ndarray
    end: np.ndarray
    first: np.ndarray
    last: np.ndarray
    max_tf: np.ndarray
    min_len: np.ndarray
    len_one: np.ndarray
    len_more: np.ndarray


def block_table(snapshot) -> BlockTable:
    """The snapshot's :class:`BlockTable`, built once per snapshot."""
    return snapshot._cached("block_table", lambda: _build_block_table(snapshot))


def _build_block_table(snapshot) -> BlockTable:
    _, which, lo, hi = snapshot.term_directory()
    which = np.asarray(which, dtype=np.int64)
    maxima = [block_maxima(seg) for seg in snapshot.segments]
    sizes = [len(bm.starts) for bm in maxima]
    seg_block0 = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
    cat = lambda name: np.concatenate([getattr(bm, name) for bm in maxima]) if maxima else \
        np.zeros(0, dtype=np.int64)  # noqa: E731
    starts, max_tf, min_len = cat("starts"), cat("max_tf"), cat("min_len")
    len_one, len_more = cat("len_one"), cat("len_more")
    first_doc, last_doc = cat("first_doc"), cat("last_doc")
    # each directory row's first and last block, in the concatenated per-segment arrays
    row_lo = np.zeros(len(which), dtype=np.int64)
    row_hi = np.zeros(len(which), dtype=np.int64)
    for s, bm in enumerate(maxima):
        mine = which == s
        row_lo[mine] = np.searchsorted(bm.starts, lo[mine]) + seg_block0[s]
        row_hi[mine] = np.searchsorted(bm.starts, hi[mine]) + seg_block0[s]
    counts = row_hi - row_lo
    row_start = np.concatenate(([0], np.cumsum(counts)))
    order = np.repeat(row_lo - row_start[:-1], counts) + np.arange(int(row_start[-1]), dtype=np.int64)
    segment = np.repeat(which, counts)
    ends = np.empty(len(order), dtype=np.int64)  # a block ends where the next of its row starts, or at hi
    ends[:-1] = starts[order[1:]] if len(order) else ends[:-1]
    ends[row_start[1:][counts > 0] - 1] = np.asarray(hi, dtype=np.int64)[counts > 0]
    base = np.asarray(snapshot.bases, dtype=np.int64)[segment]
    return BlockTable(row_start, segment.astype(np.int32), starts[order], ends,
                      first_doc[order].astype(np.int64) + base, last_doc[order].astype(np.int64) + base,
                      max_tf[order], min_len[order], len_one[order], len_more[order])


def term_bounds(table: BlockTable, rows: Sequence[Tuple[int, int]], method: str, params: BM25Params,
                avgdl: float) -> np.ndarray:
    """For each ``(a, b)`` in ``rows``: an upper bound of the weight (idf 1, query weight 1) of
    every posting of directory rows ``a:b``, from the blocks alone (no pass over the postings;
    all terms at once).

    In each block, a posting of tf 1 weighs at most as one in its shortest document of tf 1
    (``len_one``), and one of tf 2 or more at most as the block's largest tf in the shortest
    document of tf 2 or more (``len_more``): BM25's weight grows with tf and shrinks with the
    length, for every method and parameter. The bound equals the largest weight
    (:func:`tight_bounds`) whenever the largest tf of each block sits in that document, as
    it does for most blocks (most tfs are 1). Lengths go through the searchers' length norm
    expression, so a bound is a real posting's weight or above it.
    """
    out = np.zeros(len(rows))
    if not len(rows):
        return out
    ab = np.asarray(rows, dtype=np.int64)
    lo, hi = table.row_start[ab[:, 0]], table.row_start[ab[:, 1]]
    counts = hi - lo
    total = int(counts.sum())
    if not total:
        return out
    ends = np.cumsum(counts)
    idx = np.repeat(lo - ends + counts, counts) + np.arange(total)
    scale = avgdl if avgdl > 0 else 1.0  # as Snapshot.length_norm
    one = weights(method, 1, length_norm(table.len_one[idx], scale, params.b), 1.0, params)
    more = weights(method, table.max_tf[idx], length_norm(table.len_more[idx], scale, params.b), 1.0, params)
    has = counts > 0
    out[has] = np.maximum.reduceat(np.maximum(one, more), (ends - counts)[has])
    return out


@dataclass
class _Exact:
    """Per-block largest weight for one set of parameters, filled one term at a time."""

    values: np.ndarray  # float64 per block (table order)
    ready: np.ndarray   # bool per directory row (a term's first row stands for all of its rows)


def tight_bounds(snapshot, table: BlockTable, rows: Tuple[int, int], postings, method: str,
                 params: BM25Params, avgdl: float) -> np.ndarray:
    """The largest weight (idf 1, query weight 1) of each block of directory rows ``a:b``.

    ``postings``: the term's postings over all segments (``docs`` global,
    ``tfs``, ``starts`` of its blocks: :class:`.termcache.TermPostings`).
    The weights are those the searchers compute for ``method``/``params``
    and the snapshot's length norms (``avgdl``); deleted documents are
    included, which only raises the bound. Computed on a term's first use
    for these parameters (one pass over its postings) and kept with the
    snapshot, per parameter set (a bounded cache).
    """
    a, b = rows
    key = ("tight", method, params.k1, params.b, params.delta, avgdl)
    cache = snapshot._cached_by_parameter(key, lambda: _Exact(np.zeros(len(table.max_tf)),
                                                              np.zeros(len(table.row_start), dtype=bool)))
    lo, hi = int(table.row_start[a]), int(table.row_start[b])
    if not cache.ready[a] and hi > lo:
        norm = snapshot.length_norm(params.b, avgdl)
        merged = getattr(postings, "merged", postings)  # a LazyPostings not merged yet: by segment
        if merged is not None:
            w = weights(method, merged.tfs, norm[merged.docs], 1.0, params)
            cache.values[lo:hi] = np.maximum.reduceat(w, merged.starts)
        else:
            _, which, row_lo, row_hi = snapshot.term_directory()
            for r in range(a, b):
                r_lo, r_hi = int(table.row_start[r]), int(table.row_start[r + 1])
                if r_hi <= r_lo:
                    continue
                s, l, h = int(which[r]), int(row_lo[r]), int(row_hi[r])
                bm = block_maxima(snapshot.segments[s])
                base = int(snapshot.bases[s])
                w = weights(method, bm.tfs[l:h], norm[base:][bm.docs[l:h]], 1.0, params)
                cache.values[r_lo:r_hi] = np.maximum.reduceat(w, table.start[r_lo:r_hi] - l)
        cache.ready[a] = True
    return cache.values[lo:hi]


def sparse_table(values: np.ndarray) -> np.ndarray:
    """Row j, column i: max(values[i : i + 2**j]) (rows padded with 0 past the end)."""
    n = len(values)
    rows = [values]
    width = 1
    while 2 * width <= n:
        prev = rows[-1]
        rows.append(np.maximum(prev[:len(prev) - width], prev[width:]))
        width *= 2
    table = np.zeros((len(rows), n))
    for j, row in enumerate(rows):
        table[j, :len(row)] = row
    return table


def range_max(table: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """max(values[lo:hi]) for each pair (0 for an empty range), from :func:`sparse_table`."""
    out = np.zeros(len(lo))
    length = hi - lo
    ok = length > 0
    if not ok.any():
        return out
    lo, hi, length = lo[ok], hi[ok], length[ok]
    level = np.minimum(np.floor(np.log2(length)).astype(np.int64), len(table) - 1)
    level -= (np.left_shift(1, level) > length)  # guard against log2 rounding
    out[ok] = np.maximum(table[level, lo], table[level, hi - np.left_shift(1, level)])
    return out
