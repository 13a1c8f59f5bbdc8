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
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .scoring import BM25Params, idf, okapi_mean_idf, weights
from .locks import ForkSafeLock
from .segment import Segment

#: per-query variants (one array over all documents for each ``b``) kept per snapshot
PARAMETER_CACHE = 8


class Snapshot:
    """An immutable view of the index: segments plus collection statistics.

    Writers build a new snapshot and swap it in; readers take the current one
    once per query and never see a half-made change. Arrays over all
    documents (lengths, liveness, length norms) are built on first use.
    """

    __slots__ = ("segments", "bases", "n_live", "total_len", "n_stored", "_cache", "_by_parameter", "_lock")

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments: Tuple[Segment, ...] = tuple(segments)
        sizes = [s.n_docs for s in self.segments]
        self.bases = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        self.n_stored = int(self.bases[-1])
        self.n_live = sum(s.n_live for s in self.segments)
        self.total_len = sum(s.live_length() for s in self.segments)
        self._cache: Dict[object, object] = {}
        # arrays that depend on query parameters: the last PARAMETER_CACHE ones only
        self._by_parameter: "OrderedDict[object, object]" = OrderedDict()
        self._lock = ForkSafeLock(reentrant=True)  # fresh in forked search workers

    @property
    def avgdl(self) -> float:
        return self.total_len / self.n_live if self.n_live else 0.0

    def _cached(self, key: object, make):
        with self._lock:
            value = self._cache.get(key)
            if value is None:
                value = self._cache[key] = make()
            return value

    def _cached_by_parameter(self, key: object, make):
        """Like ``_cached``, keeping only the last :data:`PARAMETER_CACHE` keys (bounded memory)."""
        with self._lock:
            value = self._by_parameter.get(key)
            if value is None:
                value = self._by_parameter[key] = make()
                while len(self._by_parameter) > PARAMETER_CACHE:
                    self._by_parameter.popitem(last=False)
            else:
                self._by_parameter.move_to_end(key)
            return value

    @property
    def live(self) -> Optional[np.ndarray]:
        """bool per document, or None when nothing is deleted."""
        if all(s.live is None for s in self.segments):
            return None
        return self._cached("live", lambda: np.concatenate(
            [s.live if s.live is not None else np.ones(s.n_docs, dtype=bool) for s in self.segments]))

    def length_norm(self, b: float, avgdl: float) -> np.ndarray:
        """``1 - b + b * dl / avgdl`` for every document (rank-bm25's order of operations).

        An average length of 0 means every live document is empty: their
        norm is ``1 - b`` (computed with avgdl 1, so no division by zero).
        """
        def make() -> np.ndarray:
            doc_len = np.concatenate([s.doc_len for s in self.segments]) if self.segments else \
                np.zeros(0, dtype=np.int32)
            return 1 - b + b * doc_len / (avgdl if avgdl > 0 else 1.0)
        return self._cached_by_parameter(("norm", b, avgdl), make)

    def document_frequencies(self, vocab_size: int) -> np.ndarray:
        """Live document frequency of every term id."""
        def make() -> np.ndarray:
            df = np.zeros(vocab_size, dtype=np.int64)
            for seg in self.segments:
                terms, counts = seg.term_df()
                df[terms] += counts
            return df
        return self._cached_by_parameter(("df", vocab_size), make)

    def okapi_mean_idf(self, vocab_size: int) -> float:
        def make() -> float:
            df = self.document_frequencies(vocab_size)
            return okapi_mean_idf(df[df > 0], self.n_live)
        return self._cached_by_parameter(("okapi_mean", vocab_size), make)

    def locate(self, positions: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(segment index, local doc) of global positions."""
        seg = np.searchsorted(self.bases, positions, side="right") - 1
        return seg, positions - self.bases[seg]

    def term_directory(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Where each term's postings are: (term, segment, lo, hi) rows sorted by term.

        One sorted table over all segments, so that a query finds its terms
        in every segment with one binary search instead of one per segment.
        """
        def make():
            segs = self.segments
            if len(segs) == 1:
                seg = segs[0]
                return (seg.terms, np.zeros(len(seg.terms), dtype=np.int32),
                        seg.offsets[:-1], seg.offsets[1:])
            terms = np.concatenate([s.terms for s in segs]) if segs else np.zeros(0, dtype=np.int32)
            which = np.repeat(np.arange(len(segs), dtype=np.int32), [len(s.terms) for s in segs])
            lo = np.concatenate([s.offsets[:-1] for s in segs]) if segs else np.zeros(0, dtype=np.int64)
            hi = np.concatenate([s.offsets[1:] for s in segs]) if segs else np.zeros(0, dtype=np.int64)
            order = np.argsort(terms, kind="stable")  # sorted runs: fast, segment order kept
            return terms[order], which[order], lo[order], hi[order]
        return self._cached("directory", make)

    def postings(self, term_ids: np.ndarray) -> List[Tuple[np.ndarray, np.ndarray]]:
        """(global docs, tfs) of each term in ``term_ids``, deleted documents removed."""
        terms, which, lo, hi = self.term_directory()
        term_ids = np.asarray(term_ids, dtype=terms.dtype)  # else searchsorted converts all of `terms`
        first = np.searchsorted(terms, term_ids, side="left").tolist()
        last = np.searchsorted(terms, term_ids, side="right").tolist()
        bases = self.bases.tolist()
        live = self.live
        out = []
        for a, b in zip(first, last):
            docs, tfs = [], []
            for s, l, h in zip(which[a:b].tolist(), lo[a:b].tolist(), hi[a:b].tolist()):
                seg = self.segments[s]
                d = seg.docs[l:h]
                docs.append(d + bases[s] if bases[s] else d)
                tfs.append(seg.tfs[l:h])
            if len(docs) != 1:
                docs = [np.concatenate(docs) if docs else _EMPTY]
                tfs = [np.concatenate(tfs) if tfs else _EMPTY]
            d, tf = docs[0], tfs[0]
            if live is not None and len(d):
                keep = live[d]
                d, tf = d[keep], tf[keep]
            out.append((d, tf))
        return out


_EMPTY = np.zeros(0, dtype=np.int32)


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


def search(snapshot: Snapshot, query_terms: Sequence[Tuple[int, float]], k: int, method: str,
           params: BM25Params, vocab_size: int,
           stats: Optional[CollectionStats] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Top ``k`` (global positions, scores), best first, ties by position.

    ``query_terms`` is a list of (term id, weight): a term's BM25 contributions
    are multiplied by its weight — the number of times it occurs in the query,
    times any weight below 1 that marks a looser match (a sub-word view, a
    corrected typo). Statistics come from the snapshot unless
    ``stats`` supplies collection-wide ones.
    """
    if stats is None:
        n_live, avgdl = snapshot.n_live, snapshot.avgdl
    else:
        n_live = stats.n_docs
        avgdl = stats.total_len / stats.n_docs if stats.n_docs else 0.0
    if n_live == 0 or not query_terms or k == 0 or snapshot.n_live == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    postings = snapshot.postings(np.array([t for t, _ in query_terms], dtype=np.int64))
    norm = snapshot.length_norm(params.b, avgdl)
    floor: Optional[float] = None

    scratch = _scratch
    scratch.ensure(snapshot.n_stored)
    acc, seen = scratch.acc, scratch.seen
    candidates: List[np.ndarray] = []
    try:
        for i, ((_, qtf), (docs, tfs)) in enumerate(zip(query_terms, postings)):
            if not len(docs):
                continue
            df = len(docs) if stats is None else stats.df[i]  # type: ignore[index]
            term_idf = idf(method, df, n_live)
            if method == "okapi" and term_idf < 0:
                if floor is None:
                    mean = snapshot.okapi_mean_idf(vocab_size) if stats is None else stats.okapi_mean_idf
                    floor = params.epsilon * mean
                term_idf = floor
            w = weights(method, tfs, norm[docs], term_idf, params)
            if qtf != 1:
                w *= qtf
            fresh = docs[~seen[docs]]
            seen[fresh] = True
            candidates.append(fresh)
            acc[docs] += w
        if not candidates:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        cand = np.concatenate(candidates).astype(np.int64, copy=False)
        scores = acc[cand]
    finally:
        for part in candidates:
            acc[part] = 0.0
            seen[part] = False
    return top_k(cand, scores, k)


def top_k(positions: np.ndarray, scores: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """The ``k`` best (position, score) pairs: higher score first, then lower position."""
    if len(scores) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)
        need = k - len(above)
        if len(tied) > need:
            tied = tied[np.argsort(positions[tied], kind="stable")[:need]]
        keep = np.concatenate((above, tied))
        positions, scores = positions[keep], scores[keep]
    order = np.lexsort((positions, -scores))
    return positions[order], scores[order]
