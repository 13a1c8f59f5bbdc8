"""Query execution: BM25 over a snapshot of segments, vectorised.

Documents are numbered globally across segments (segment order, then local
order: insertion order). For each query term the searcher slices its
postings out of every segment, shifts them to global numbers and
concatenates them; drops deleted documents with one mask; then computes all
weights in one go and scatters them into a dense per-thread score buffer
(``acc[docs] += w``: the documents of one term are distinct, so fancy-index
addition is exact). Documents seen for the first time are appended to a
candidate list; top-k selection runs on the candidates only, with
``np.partition``, and the buffers are cleared by touching the candidates
again, so a query costs O(postings), never O(corpus), and a segment costs a
slice, not a pass of its own.

Statistics are collection-wide — live document count, average length and
document frequency across all segments — so a score does not depend on how
the documents are split into segments.

Several text fields are scored with BM25F (:mod:`.fields`): the postings'
per-field frequencies (``field_tfs``) are combined with per-field length
norms into ``tf~`` before saturation. A filter is a mask over all stored
documents (:mod:`.filters`) that takes the place of the live mask, so a
filtered query scores only documents that pass it and top-k never comes
up short.

Snapshots, postings over all segments and positions: :mod:`.snapshot`.
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .fields import combined_tf
from .pruning import pruned_search
from .scoring import BM25Params, floored_idf, weights
from .selection import top_k
from .snapshot import PARAMETER_CACHE, Snapshot  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class CollectionStats:
    """Collection-wide statistics supplied from outside, e.g. summed over shards.

    ``n_docs`` live documents holding ``total_len`` terms; ``df`` the document
    frequency of each query term — a mapping term -> df when handed to
    :meth:`kzsearch.Index.search`, which turns it into a list aligned with the
    query's term ids for :func:`search`. ``okapi_mean_idf`` (the mean raw idf
    over the whole vocabulary) is needed only by the "okapi" method.
    """

    n_docs: int
    total_len: int
    df: Union[Mapping[str, int], Sequence[int]]
    okapi_mean_idf: float = 0.0
    field_len: Optional[Sequence[int]] = None  # total length of each text field (several fields)


class _Scratch(threading.local):
    """Per-thread dense buffers, kept between queries and cleared sparsely."""

    def __init__(self) -> None:
        self.acc = np.zeros(0)
        self.seen = np.zeros(0, dtype=bool)

    def ensure(self, size: int) -> None:
        if len(self.acc) < size:
            grown = max(size, int(len(self.acc) * 1.25))
            self.acc = np.zeros(grown)
            self.seen = np.zeros(grown, dtype=bool)


_scratch = _Scratch()


def count_terms(term_ids: Iterable[int]) -> List[Tuple[int, int]]:
    """(term id, occurrences) in order of first occurrence, unknown (-1) ids dropped."""
    return [(t, n) for t, n in Counter(int(t) for t in term_ids).items() if t >= 0]


@dataclass(frozen=True)
class FieldWeights:
    """BM25F settings of a query over several fields: weight and b of each field."""

    weights: np.ndarray
    bs: np.ndarray


def _mean_idf(snapshot: Snapshot, vocab_size: int, stats: Optional[CollectionStats]) -> Callable[[], float]:
    """The mean Okapi idf of the collection, for :func:`~.scoring.floored_idf`."""
    if stats is not None:
        return lambda: stats.okapi_mean_idf
    return lambda: snapshot.okapi_mean_idf(vocab_size)


def search(snapshot: Snapshot, query_terms: Sequence[Tuple[int, float]], k: int, method: str,
           params: BM25Params, vocab_size: int,
           stats: Optional[CollectionStats] = None, *, keep: Optional[np.ndarray] = None,
           fields: Optional[FieldWeights] = None, exact: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Top ``k`` (global positions, scores), best first, ties by position.

    ``query_terms`` is a list of (term id, weight): a term's BM25 contributions
    are multiplied by its weight — the number of times it occurs in the query,
    times any weight below 1 that marks a looser match (a sub-word view, a
    corrected typo). Statistics come from the snapshot unless
    ``stats`` supplies collection-wide ones. ``keep`` (bool over all stored
    documents: live and passing a filter) replaces the live mask; ``fields``
    turns on BM25F for an index of several text fields.

    Without a filter or BM25F, the top k comes from dynamic pruning
    (:mod:`.pruning`), which gives the same ids and the same scores bit for
    bit; ``exact=True`` (and every filtered or BM25F query) scores every
    posting of the query's terms.
    """
    if stats is None:
        n_live, avgdl = snapshot.n_live, snapshot.avgdl
    else:
        n_live = stats.n_docs
        avgdl = stats.total_len / stats.n_docs if stats.n_docs else 0.0
    if n_live == 0 or not query_terms or k == 0 or snapshot.n_live == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    term_ids = np.array([t for t, _ in query_terms], dtype=np.int64)
    bm25f = fields is not None and snapshot.n_fields > 1
    if not exact and keep is None and not bm25f:
        found = pruned_search(snapshot, query_terms, k, method, params, vocab_size, stats, n_live, avgdl)
        if found is not None:
            return found
    if bm25f:
        assert fields is not None
        totals = snapshot.field_totals() if stats is None or stats.field_len is None \
            else np.asarray(stats.field_len, dtype=np.int64)
        avglens = totals / n_live
        norms = snapshot.field_norms(fields.weights, fields.bs, avglens)
        postings = snapshot.postings(term_ids, keep, fields=True)
    else:
        postings = snapshot.postings(term_ids, keep)
        norm = snapshot.length_norm(params.b, avgdl)
    # df counts the live documents that hold the term (in any field), filter or not
    if keep is None:
        dfs = [len(d) for d, _ in postings]
    else:
        dfs = snapshot.document_frequencies(vocab_size)[term_ids].tolist()
    mean_idf = _mean_idf(snapshot, vocab_size, stats)
    unit = BM25Params(params.k1, 1.0, params.epsilon, params.delta)

    scratch = _scratch
    scratch.ensure(snapshot.n_stored)
    acc, seen = scratch.acc, scratch.seen
    candidates: List[np.ndarray] = []
    marked: List[np.ndarray] = []  # the parts of `seen` set to True
    try:
        for i, ((_, qtf), (docs, tfs)) in enumerate(zip(query_terms, postings)):
            if not len(docs):
                continue
            df = dfs[i] if stats is None else stats.df[i]  # type: ignore[index]
            term_idf = floored_idf(method, df, n_live, params.epsilon, mean_idf)
            if bm25f:
                w = weights(method, combined_tf(tfs, norms[:, docs]), 1.0, term_idf, unit)
            else:
                w = weights(method, tfs, norm[docs], term_idf, params, inplace=True)
            if qtf != 1:
                w *= qtf
            old = acc[docs]
            if not marked and not bm25f and _surely_positive(term_idf, qtf, params):
                # every weight so far is > 0, so a document is new exactly where its sum is 0
                fresh = docs[old == 0.0]
            else:
                if not marked:  # switch to explicit marks: earlier candidates first
                    for part in candidates:
                        seen[part] = True
                    marked.extend(candidates)
                fresh = docs[~seen[docs]]
                seen[fresh] = True
                marked.append(fresh)
            candidates.append(fresh)
            old += w
            acc[docs] = old
        if not candidates:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        cand = np.concatenate(candidates).astype(np.int64, copy=False)
        scores = acc[cand]
    finally:
        for part in candidates:
            acc[part] = 0.0
        for part in marked:
            seen[part] = False
    return top_k(cand, scores, k)


def matching_documents(snapshot: Snapshot, term_ids: Sequence[int],
                       keep: Optional[np.ndarray] = None) -> np.ndarray:
    """Global numbers of the documents (live, passing ``keep``) holding any of ``term_ids``."""
    if not len(term_ids):
        return np.zeros(0, dtype=np.int64)
    docs = [d for d, _ in snapshot.postings(np.asarray(term_ids, dtype=np.int64), keep)]
    return np.unique(np.concatenate(docs)) if docs else np.zeros(0, dtype=np.int64)


def _surely_positive(term_idf: float, weight: float, params: BM25Params) -> bool:
    """True when every BM25 weight of a term is > 0 (no underflow to 0 either)."""
    return term_idf > 1e-100 and weight > 1e-100 and params.k1 < 1e100 and params.delta < 1e100

