"""Dynamic pruning: the exact top k without scoring every posting (block-max MaxScore).

Each segment's postings are cut into blocks of :data:`BLOCK` postings per
term, and each block keeps its largest term frequency and the shortest
length among its documents (:func:`block_maxima`, computed once per segment
and cached). Every BM25 variant's weight grows with tf and shrinks with the
length norm ``1 - b + b·dl/avgdl``, so ``weight(max tf, norm(min dl))``
bounds every posting of the block for *any* query-time ``k1``/``b``, any
idf > 0 and any live mask (deleting documents only removes scores).

A query (:func:`search_pruned`) then works in NumPy over blocks, not postings:

1. the bound of a block of term t is its own bound plus, for every other
   term, the largest bound among that term's blocks whose document range
   overlaps it (a sparse-table range maximum);
2. blocks are taken best bound first, in chunks that double in size; their
   not yet scored live documents get their exact score (:func:`exact_scores`:
   every query term's tf found by binary search, the weights computed and
   added in query order, exactly as the exhaustive searcher does, so the
   floats are bit for bit the same), and θ becomes the k-th best score;
3. MaxScore: terms sorted by their largest bound; the longest prefix whose
   bounds add up to less than θ is *non-essential* — a document holding only
   those terms cannot reach θ — so their blocks are skipped, and the loop
   stops once the next block's bound is below θ.

A document that could tie the k-th score is still scored (the bounds are
compared strictly and inflated by a relative margin far above rounding
error), so ties break by position as in the exhaustive path. When pruning
would not pay (few postings, or no term much rarer than the others: then
most blocks can reach θ) or cannot be bounded (an idf ≤ 0, a weight
≤ 0, a field-weighted segment), :func:`search_pruned` returns None and the
caller scores exhaustively.

>>> from kzsearch.engine.segment import build_segment
>>> seg = build_segment(np.array([0, 0, 1, 0, 0, 1], dtype=np.int32), np.array([3, 1, 2]))
>>> bm = block_maxima(seg)  # one block per term here: term 0 in docs 0-2, term 1 in docs 0 and 2
>>> bm.max_tf.tolist(), bm.min_len.tolist()
([2, 1], [1, 2])
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .scoring import BM25Params, length_norm, weights
from .selection import top_k

BLOCK = 128
MIN_POSTINGS = 30_000  # below this the exhaustive path is as fast
GIVE_UP = 0.25         # share of the postings scored after which pruning stops paying
RARE_SHARE = 0.05      # prune a query of several terms only if its rarest term has less than this share
_MARGIN = 1.0 + 1e-9   # relative slack on every bound: far above the rounding of a few additions
_CHUNK = 2048          # postings scored in the first round; doubles each round


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


_cache: Dict[int, Tuple[weakref.ref, BlockMaxima]] = {}


class _Scratch(threading.local):
    """A per-thread bool per document, kept between queries and cleared sparsely."""

    def __init__(self) -> None:
        self.seen = np.zeros(0, dtype=bool)

    def take(self, size: int) -> np.ndarray:
        if len(self.seen) < size:
            self.seen = np.zeros(max(size, int(len(self.seen) * 1.25)), dtype=bool)
        return self.seen


_scratch = _Scratch()


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
        return BlockMaxima(starts, empty, empty, empty, empty, docs, tfs)
    max_tf = np.empty(total, dtype=np.int32)
    min_len = np.empty(total, dtype=np.int32)
    step = 1 << 15  # blocks per pass: keeps the gathered lengths small
    for a in range(0, total, step):
        b = min(a + step, total)
        lo, hi = int(starts[a]), int(ends[b - 1])
        rel = starts[a:b] - lo
        max_tf[a:b] = np.maximum.reduceat(tfs[lo:hi], rel)
        min_len[a:b] = np.minimum.reduceat(doc_len[docs[lo:hi]], rel)
    return BlockMaxima(starts, max_tf, min_len, docs[starts].astype(np.int32),
                       docs[ends - 1].astype(np.int32), docs, tfs)


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
                      max_tf[order], min_len[order])


@dataclass(frozen=True)
class TermPlan:
    """One query term as the pruned search takes it.

    ``weight`` the query weight, ``idf`` the term's idf (as the exhaustive
    path computes it), ``rows`` its postings as (segment, lo, hi), and
    ``directory`` the range ``a:b`` of its rows in the snapshot's term directory.
    """

    weight: float
    idf: float
    rows: List[Tuple[int, int, int]]
    directory: Tuple[int, int]


@dataclass
class _TermBlocks:
    """One query term's blocks over all segments, in global document order."""

    segment: np.ndarray   # int32[B]
    start: np.ndarray     # int64[B] first posting (in its segment)
    end: np.ndarray       # int64[B]
    first: np.ndarray     # int64[B] global position of the first document
    last: np.ndarray      # int64[B]
    bound: np.ndarray     # float64[B]
    rows: List[Tuple[int, int, int]]  # (segment, lo, hi) posting ranges of the term


def _sparse_table(values: np.ndarray) -> np.ndarray:
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


def _range_max(table: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """max(values[lo:hi]) for each pair (0 for an empty range), from :func:`_sparse_table`."""
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


def exact_scores(snapshot, cands: np.ndarray, terms: Sequence[TermPlan], norm: np.ndarray, method: str,
                 params: BM25Params) -> np.ndarray:
    """BM25 scores of the sorted global positions ``cands``, bit for bit the exhaustive ones.

    A document's contributions are added in query order, starting from 0.0,
    with the same elementwise expressions as the searcher; each term's tf
    is found by binary search in its postings.
    """
    score = np.zeros(len(cands))
    bases = snapshot.bases
    cut = np.searchsorted(cands, bases).tolist()  # candidates of segment s: cut[s]:cut[s + 1]
    base_list = bases.tolist()
    for term in terms:
        tf = np.zeros(len(cands), dtype=np.int64)
        for s, lo, hi in term.rows:
            a, b = cut[s], cut[s + 1]
            if a == b or hi == lo:
                continue
            bm = block_maxima(snapshot.segments[s])
            local = cands[a:b] - base_list[s] if base_list[s] else cands[a:b]
            docs = bm.docs[lo:hi]
            idx = np.searchsorted(docs, local)
            np.minimum(idx, len(docs) - 1, out=idx)
            found = docs[idx] == local
            part = tf[a:b]
            part[found] = bm.tfs[lo:hi][idx[found]]
        has = np.flatnonzero(tf)
        if len(has):
            w = weights(method, tf[has], norm[cands[has]], term.idf, params)
            if term.weight != 1:
                w *= term.weight
            score[has] += w
    return score


def _term_blocks(table: BlockTable, row_range: Tuple[int, int], rows: List[Tuple[int, int, int]], qw: float,
                 term_idf: float, method: str, params: BM25Params, avgdl: float) -> _TermBlocks:
    lo, hi = table.row_start[row_range[0]], table.row_start[row_range[1]]
    norm_min = length_norm(table.min_len[lo:hi], avgdl, params.b)
    bound = weights(method, table.max_tf[lo:hi].astype(np.float64), norm_min, term_idf, params)
    bound *= qw * _MARGIN
    return _TermBlocks(table.segment[lo:hi], table.start[lo:hi], table.end[lo:hi], table.first[lo:hi],
                       table.last[lo:hi], bound, rows=rows)


def _gather(snapshot, blocks: List[_TermBlocks], chosen: List[np.ndarray]) -> np.ndarray:
    """Global positions of the postings of the chosen blocks (one index array per term)."""
    out = []
    for tb, sel in zip(blocks, chosen):
        if not len(sel):
            continue
        segs = tb.segment[sel]
        for s in (segs[:1] if segs[0] == segs[-1] else np.unique(segs)).tolist():
            mine = sel if segs[0] == segs[-1] else sel[segs == s]
            st, en = tb.start[mine], tb.end[mine]
            lengths = en - st
            total = int(lengths.sum())
            idx = np.repeat(st - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
            docs = block_maxima(snapshot.segments[s]).docs[idx].astype(np.int64)
            base = int(snapshot.bases[s])
            out.append(docs + base if base else docs)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def search_pruned(snapshot, terms: Sequence[TermPlan], k: int, method: str, params: BM25Params,
                  avgdl: float) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Top ``k`` (global positions, scores) equal to exhaustive scoring, or None.

    ``terms``: the query terms with postings, in query order. None means
    "score exhaustively": too few postings to gain, a bound that does not
    hold, or pruning that stopped paying on the way.
    """
    if any(getattr(s, "field_tfs", None) is not None for s in snapshot.segments):
        return None
    sizes = [sum(hi - lo for _, lo, hi in term.rows) for term in terms]
    total_postings = sum(sizes)
    if total_postings < MIN_POSTINGS or not terms:
        return None
    if len(sizes) > 1 and min(sizes) >= RARE_SHARE * total_postings:
        return None  # no rare term to lead: most blocks would have to be scored anyway
    if any(not (term.weight > 0) or not (term.idf > 0) for term in terms):
        return None
    table = block_table(snapshot)
    blocks = [_term_blocks(table, term.directory, term.rows, term.weight, term.idf, method, params, avgdl)
              for term in terms]
    n_terms = len(blocks)
    term_max = np.array([tb.bound.max() if len(tb.bound) else 0.0 for tb in blocks])
    # block-level bound: own bound + best overlapping block of each other term
    tables = [_sparse_table(tb.bound) for tb in blocks]
    block_bound = []
    for i, tb in enumerate(blocks):
        bound = tb.bound.copy()
        for j, other in enumerate(blocks):
            if j != i and len(other.bound):
                lo = np.searchsorted(other.last, tb.first, side="left")
                hi = np.searchsorted(other.first, tb.last, side="right")
                bound += _range_max(tables[j], lo, hi)
        block_bound.append(bound * _MARGIN)
    plan = _Plan(
        blocks=blocks,
        bound=np.concatenate(block_bound),
        term=np.repeat(np.arange(n_terms), [len(b) for b in block_bound]),
        index=np.concatenate([np.arange(len(b)) for b in block_bound]),
        length=np.concatenate([tb.end - tb.start for tb in blocks]),
        by_max=np.argsort(term_max, kind="stable"),
        prefix=np.cumsum(np.sort(term_max, kind="stable")) * _MARGIN,
        total=total_postings)
    # the term with the largest bound stays essential longest: its best blocks first
    order = np.lexsort((-plan.bound, -term_max[plan.term]))
    plan.bound, plan.term, plan.index, plan.length = (plan.bound[order], plan.term[order],
                                                      plan.index[order], plan.length[order])
    seen = _scratch.take(snapshot.n_stored)  # True for documents already scored
    scored: List[np.ndarray] = []
    try:
        return _rounds(snapshot, terms, k, method, params, avgdl, plan, seen, scored)
    finally:
        for part in scored:
            seen[part] = False


@dataclass
class _Plan:
    """Every block of the query's terms, in the order they are taken."""

    blocks: List[_TermBlocks]
    bound: np.ndarray    # float64: block-level bound (own + best overlapping of the others)
    term: np.ndarray     # which query term
    index: np.ndarray    # block number within that term's _TermBlocks
    length: np.ndarray   # postings in the block
    by_max: np.ndarray   # terms by their largest bound, ascending
    prefix: np.ndarray   # running sums of those bounds
    total: int           # postings of all the query's terms


def _rounds(snapshot, terms, k: int, method: str, params: BM25Params, avgdl: float, plan: _Plan,
            seen: np.ndarray, scored: List[np.ndarray]) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Score blocks until no block left can reach the k-th score (None: not worth it)."""
    n_terms = len(plan.blocks)
    live = snapshot.live
    norm = snapshot.length_norm(params.b, avgdl)
    best_pos = np.zeros(0, dtype=np.int64)
    best_score = np.zeros(0)
    theta = -np.inf
    done = 0
    chunk = _CHUNK
    open_ = np.ones(len(plan.bound), dtype=bool)
    while True:
        essential = np.ones(n_terms, dtype=bool)
        essential[plan.by_max[plan.prefix < theta]] = False
        todo = np.flatnonzero(open_ & essential[plan.term] & (plan.bound >= theta))
        if not len(todo):
            break
        lengths = plan.length[todo]
        if done and done + int(lengths.sum()) > GIVE_UP * plan.total:
            return None
        n_take = max(1, int(np.searchsorted(np.cumsum(lengths), chunk, side="right")))
        take = todo[:n_take]
        open_[take] = False
        take_term, take_index = plan.term[take], plan.index[take]
        chosen = [np.sort(take_index[take_term == i]) for i in range(n_terms)]
        cands = _gather(snapshot, plan.blocks, chosen)
        done += int(lengths[:n_take].sum())
        chunk *= 2
        if live is not None and len(cands):
            cands = cands[live[cands]]
        cands = cands[~seen[cands]]
        if not len(cands):
            continue
        cands.sort()
        if len(cands) > 1:
            cands = cands[np.concatenate(([True], cands[1:] != cands[:-1]))]
        seen[cands] = True
        scored.append(cands)
        scores = exact_scores(snapshot, cands, terms, norm, method, params)
        best_pos, best_score = top_k(np.concatenate((best_pos, cands)),
                                     np.concatenate((best_score, scores)), k)
        if len(best_pos) == k:
            theta = float(best_score[-1])
    return best_pos, best_score
