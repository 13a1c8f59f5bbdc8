"""Dynamic pruning: the exact top k without scoring every posting (block-max MaxScore).

Each segment's postings are cut into blocks of 128 postings per term
(:mod:`.blocks`). For the query's parameters, a block's bound is the largest
weight among its postings (:func:`.blocks.tight_bounds`: worked out on a
term's first use with those parameters and kept with the snapshot), times
the term's idf and query weight. Deleting documents only removes scores, so
the bounds hold for any live mask. A term's postings over all segments are
one array (:mod:`.termcache`), so no step loops over segments.

A query (:func:`search_pruned`) then works in NumPy over blocks, not postings:

1. a block's bound is its own plus the other terms' largest;
2. the rarest term's best blocks are taken first, then blocks best bound
   first, in chunks that double in size. Each new live document gets an
   upper bound (:func:`_upper_bounds`: per term, its exact weight if that
   term's block holding it was just gathered, 0 if it was gathered before,
   else the block's bound); the most promising are scored exactly first
   (:func:`exact_scores`: every query term's tf found by binary search, the
   weights computed and added in query order, exactly as the exhaustive
   searcher does, so the floats are bit for bit the same) to set θ, the
   k-th best score, and only documents whose bound reaches θ are scored;
3. MaxScore: terms sorted by their largest bound; the longest prefix whose
   bounds add up to less than θ is *non-essential* — a document holding only
   those terms cannot reach θ — so their blocks are skipped, and the loop
   stops once no block left can reach θ.

A document that could tie the k-th score is still scored (the bounds are
compared strictly and inflated by a relative margin far above rounding
error), so ties break by position as in the exhaustive path. When no term
is much rarer than the others (most blocks can reach θ), or the blocks
scored pass :data:`GIVE_UP` of the postings, the query goes to
term-at-a-time MaxScore (:mod:`.maxscore`), also exact. Since term-at-a-time
MaxScore starts from a θ seeded by exactly scored documents, it answers
the queries block-max pruning finishes faster too (at 300k plain terms, CPU
median 0.41 against 0.54 ms on those queries), so :func:`pruned_search`
goes straight to it unless :data:`BLOCK_MAX` is set. When pruning would
not pay (few postings) or cannot be bounded (an idf ≤ 0, a weight ≤ 0, a
field-weighted segment), :func:`pruned_search` returns None and the caller
scores exhaustively.

>>> from kzsearch import Index
>>> index = Index(analyzer=str.split)
>>> index.add(["a b", "a a", "b c"] * 20_000)
>>> [(h.id, h.score) for h in index.search("a c")] == [(h.id, h.score) for h in index.search("a c", exact=True)]
True
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .blocks import BlockTable, block_table, tight_bounds
from .scoring import BM25Params, floored_idf, weights
from .maxscore import term_at_a_time, term_weights
from .termcache import LazyPostings, sorted_hits
from .selection import top_k

MIN_POSTINGS = 30_000  # below this the exhaustive path is as fast
GIVE_UP = 0.1          # share of the postings scored after which block-max pruning hands over
RARE_SHARE = 0.02      # block-max leads only if the rarest term has less than this share of the postings
_MARGIN = 1.0 + 1e-9   # relative slack on every bound: far above the rounding of a few additions
_CHUNK = 2048          # postings scored in the first round; doubles each round
TERM_AT_A_TIME = True  # when block-max pruning hands over: term-at-a-time MaxScore (else exhaustive)
BLOCK_MAX = False      # try block-max pruning first (term-at-a-time with a seeded θ is faster: see below)
LEAD_RAREST = True     # blocks of the rarest term first (else of the term with the largest bound)
_FIRST = 128           # candidates scored first (best upper bound first) to set the k-th score


class _Scratch(threading.local):
    """A per-thread bool per document, kept between queries and cleared sparsely."""

    def __init__(self) -> None:
        self.seen = np.zeros(0, dtype=bool)

    def take(self, size: int) -> np.ndarray:
        if len(self.seen) < size:
            self.seen = np.zeros(max(size, int(len(self.seen) * 1.25)), dtype=bool)
        return self.seen


_scratch = _Scratch()


@dataclass(frozen=True)
class TermPlan:
    """One query term as the pruned search takes it.

    ``weight`` the query weight, ``idf`` the term's idf (as the exhaustive
    path computes it), and ``directory`` the range ``a:b`` of its rows (its
    postings in each segment) in the snapshot's term directory.
    """

    weight: float
    idf: float
    directory: Tuple[int, int]
    postings: LazyPostings  # all segments' postings, as one array when read whole (:mod:`.termcache`)


@dataclass
class _TermBlocks:
    """One query term's blocks over all segments, in global document order."""

    start: np.ndarray     # int64[B] first posting (in ``postings``)
    end: np.ndarray       # int64[B]
    first: np.ndarray     # int64[B] global position of the first document
    last: np.ndarray      # int64[B]
    bound: np.ndarray     # float64[B]
    postings: LazyPostings

def exact_scores(snapshot, cands: np.ndarray, terms: Sequence[TermPlan], norm: np.ndarray, method: str,
                 params: BM25Params) -> np.ndarray:
    """BM25 scores of the sorted global positions ``cands``, bit for bit the exhaustive ones.

    A document's contributions are added in query order, starting from 0.0,
    with the same elementwise expressions as the searcher; each term's tf
    is found by binary search in its postings.
    """
    score = np.zeros(len(cands))
    if not len(cands):
        return score
    cand_norm = norm[cands]
    if snapshot.n_stored < 2**31:
        cands = cands.astype(np.int32, copy=False)  # as merged postings: not converted per term
    for j, term in enumerate(terms):
        has, tf = sorted_hits(term.postings, cands)
        if len(has):
            score[has] += term_weights(method, tf, cand_norm[has], term, params)
    return score


def _term_blocks(snapshot, table: BlockTable, term: TermPlan, method: str, params: BM25Params,
                 avgdl: float) -> _TermBlocks:
    lo, hi = table.row_start[term.directory[0]], table.row_start[term.directory[1]]
    bound = tight_bounds(snapshot, table, term.directory, term.postings, method, params, avgdl) * (
        term.idf * term.weight * _MARGIN)
    tp = term.postings
    end = np.empty(len(tp.starts), dtype=np.int64)
    end[:-1] = tp.starts[1:]
    end[-1:] = len(tp)
    return _TermBlocks(tp.starts, end, table.first[lo:hi], table.last[lo:hi], bound, tp)


def _gather(blocks: List[_TermBlocks], chosen: List[np.ndarray]) -> List[Tuple[np.ndarray, np.ndarray]]:
    """(global positions, tfs) of the postings of each term's chosen blocks, ascending."""
    out = []
    for tb, sel in zip(blocks, chosen):
        if not len(sel):
            out.append((_NONE, _NONE))
            continue
        st = tb.start[sel]
        lengths = tb.end[sel] - st
        total = int(lengths.sum())
        idx = np.repeat(st - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
        out.append((tb.postings.docs[idx].astype(np.int64), tb.postings.tfs[idx]))
    return out


_NONE = np.zeros(0, dtype=np.int64)


def search_pruned(snapshot, terms: Sequence[TermPlan], k: int, method: str, params: BM25Params,
                  avgdl: float) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Top ``k`` (global positions, scores) equal to exhaustive scoring, or None.

    ``terms``: the query terms with postings, in query order. None means
    "score exhaustively": too few postings to gain, a bound that does not
    hold, or pruning that stopped paying on the way.
    """
    if any(getattr(s, "field_tfs", None) is not None for s in snapshot.segments):
        return None
    sizes = [len(term.postings) for term in terms]
    total_postings = sum(sizes)
    if total_postings < MIN_POSTINGS or not terms:
        return None
    if len(sizes) > 1 and min(sizes) >= RARE_SHARE * total_postings:
        return None  # no rare term to lead: most blocks would have to be scored anyway
    if any(not (term.weight > 0) or not (term.idf > 0) for term in terms):
        return None
    table = block_table(snapshot)
    blocks = [_term_blocks(snapshot, table, term, method, params, avgdl) for term in terms]
    n_terms = len(blocks)
    term_max = np.array([tb.bound.max() if len(tb.bound) else 0.0 for tb in blocks])
    others = float(term_max.sum()) - term_max  # block bound: own + the other terms' largest
    block_bound = [(tb.bound + others[i]) * _MARGIN for i, tb in enumerate(blocks)]
    plan = _Plan(
        blocks=blocks,
        bound=np.concatenate(block_bound),
        term=np.repeat(np.arange(n_terms), [len(b) for b in block_bound]),
        index=np.concatenate([np.arange(len(b)) for b in block_bound]),
        length=np.concatenate([tb.end - tb.start for tb in blocks]),
        by_max=np.argsort(term_max, kind="stable"),
        prefix=np.cumsum(np.sort(term_max, kind="stable")) * _MARGIN,
        total=total_postings)
    if LEAD_RAREST:  # the rarest term leads: its documents set θ while scoring few
        order = np.lexsort((-plan.bound, np.asarray(sizes)[plan.term]))
    else:  # the term with the largest bound stays essential longest: its best blocks first
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
    bound: np.ndarray    # float64: block-level bound (own + the largest of each other term)
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
    taken = [np.zeros(len(tb.bound), dtype=bool) for tb in plan.blocks]
    while True:
        essential = np.ones(n_terms, dtype=bool)
        essential[plan.by_max[plan.prefix < theta]] = False
        todo = np.flatnonzero(open_ & essential[plan.term] & (plan.bound >= theta))
        if not len(todo):
            break
        if len(best_pos) < k:  # no θ yet: the leading term's best blocks alone
            todo = todo[plan.term[todo] == plan.term[todo[0]]]
        lengths = plan.length[todo]
        if done and done + int(lengths.sum()) > GIVE_UP * plan.total:
            return None
        n_take = max(1, int(np.searchsorted(np.cumsum(lengths), chunk, side="right")))
        take = todo[:n_take]
        open_[take] = False
        take_term, take_index = plan.term[take], plan.index[take]
        chosen = [np.sort(take_index[take_term == i]) for i in range(n_terms)]
        for i in range(n_terms):
            taken[i][chosen[i]] = True
        gathered = _gather(plan.blocks, chosen)
        cands = np.concatenate([d for d, _ in gathered])
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
        upper = _upper_bounds(plan.blocks, taken, gathered, cands, terms, norm, method, params)
        if len(best_pos) < k:  # no θ yet: score the most promising first to get one
            first = np.sort(cands[np.argsort(-upper, kind="stable")[:max(k, _FIRST)]])
            scores = exact_scores(snapshot, first, terms, norm, method, params)
            best_pos, best_score = top_k(np.concatenate((best_pos, first)),
                                         np.concatenate((best_score, scores)), k)
            if len(best_pos) == k:
                theta = float(best_score[-1])
            if len(first) == len(cands):
                continue
            rest = ~np.isin(cands, first, assume_unique=True)
            cands, upper = cands[rest], upper[rest]
        if theta > -np.inf:
            cands = cands[upper >= theta]  # the rest cannot reach the k-th score, nor tie it
        if not len(cands):
            continue
        scores = exact_scores(snapshot, cands, terms, norm, method, params)
        best_pos, best_score = top_k(np.concatenate((best_pos, cands)),
                                     np.concatenate((best_score, scores)), k)
        if len(best_pos) == k:
            theta = float(best_score[-1])
    return best_pos, best_score


def _upper_bounds(blocks: List[_TermBlocks], taken: List[np.ndarray],
                  gathered: List[Tuple[np.ndarray, np.ndarray]], cands: np.ndarray, terms: Sequence[TermPlan],
                  norm: np.ndarray, method: str, params: BM25Params) -> np.ndarray:
    """An upper bound of each (not yet scored) candidate's score, term by term.

    A term's blocks never overlap in document order, so at most one of them
    spans a document. If that block was gathered in this round, the term's
    exact weight (0 if the document is not among its postings); if it was
    gathered before, 0 (the document would have been scored then); if not
    yet gathered, the block's bound; no block: 0.
    """
    upper = np.zeros(len(cands))
    for tb, was, (docs, tfs), term in zip(blocks, taken, gathered, terms):
        if not len(tb.last):
            continue
        j = np.searchsorted(tb.last, cands, side="left")
        np.minimum(j, len(tb.last) - 1, out=j)
        inside = (tb.first[j] <= cands) & ~was[j]
        upper += np.where(inside, tb.bound[j], 0.0)
        if len(docs):
            i = np.searchsorted(docs, cands)
            np.minimum(i, len(docs) - 1, out=i)
            hit = np.flatnonzero(docs[i] == cands)
            if len(hit):
                upper[hit] += weights(method, tfs[i[hit]], norm[cands[hit]], term.idf, params) * term.weight
    upper *= _MARGIN
    return upper


def pruned_search(snapshot, query_terms: Sequence[Tuple[int, float]], k: int, method: str,
                   params: BM25Params, vocab_size: int, stats,
                   n_live: int, avgdl: float) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """:func:`search_pruned` for (term id, weight) pairs, None to score all.

    Each term's idf is worked out as the exhaustive searcher does: live
    document frequency (or ``stats.df``), and the Okapi floor.
    """
    terms, which, lo, hi = snapshot.term_directory()
    ids = np.asarray([t for t, _ in query_terms], dtype=terms.dtype)
    first_at = np.searchsorted(terms, ids, side="left")
    last_at = np.searchsorted(terms, ids, side="right")
    running = snapshot._cached("directory_sums", lambda: np.concatenate(([0], np.cumsum(hi - lo))))
    if int((running[last_at] - running[first_at]).sum()) < MIN_POSTINGS:
        return None  # too few postings for pruning to pay: skip working out the idfs
    first, last = first_at.tolist(), last_at.tolist()
    live = snapshot.live
    plan: List[TermPlan] = []
    for i, ((_, qw), a, b) in enumerate(zip(query_terms, first, last)):
        if b <= a:  # no segment holds the term
            continue
        postings = LazyPostings(snapshot, a, b, int(running[b] - running[a]))  # merged when first read whole
        if stats is None:
            df = len(postings) if live is None else int(np.count_nonzero(live[postings.docs]))
            if df == 0:
                continue
        else:
            df = stats.df[i]  # type: ignore[index]
        term_idf = floored_idf(method, df, n_live, params.epsilon,
                               lambda: snapshot.okapi_mean_idf(vocab_size) if stats is None
                               else stats.okapi_mean_idf)
        plan.append(TermPlan(qw, term_idf, (a, b), postings))
    found = search_pruned(snapshot, plan, k, method, params, avgdl) if BLOCK_MAX else None
    if found is None and TERM_AT_A_TIME and not any(getattr(s, "field_tfs", None) is not None
                                                      for s in snapshot.segments):
        found = term_at_a_time(snapshot, plan, k, method, params, avgdl, exact_scores)
    return found
