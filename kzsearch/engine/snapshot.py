"""The snapshot a query reads: segments, collection statistics, postings over all segments.

Documents are numbered globally across segments (segment order, then local
order: insertion order). :class:`Snapshot` is immutable; writers build a new
one and swap it in. It answers where a term's postings are (one sorted term
directory over all segments), gives them as one array per term
(:meth:`Snapshot.postings`, through :mod:`.termcache`), and keeps arrays
over all documents (lengths, liveness, length norms) built on first use.

Positions, for phrase and proximity queries, are read with
:meth:`Snapshot.term_positions`::

    docs, tfs, pos_offsets, positions = snapshot.term_positions(term_id, field=None)

``docs`` are the global numbers of the live documents holding the term
(ascending), ``tfs`` its frequency in each, and the positions of posting
``i`` are ``positions[pos_offsets[i]:pos_offsets[i + 1]]`` (ascending,
encoded ``field << 24 | position within the field``). With ``field`` (an
index into the index's fields), only that field's occurrences count:
``tfs`` and positions are that field's, documents without it are left out.
Raises ValueError when a segment has no positions (``positions=False``, or
an index saved in format 1).

>>> snap = Snapshot([])
>>> snap.n_live, snap.avgdl
(0, 0.0)
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .fields import field_norms
from .locks import ForkSafeLock
from .scoring import length_norm, okapi_mean_idf
from .segment import FIELD_SHIFT, Segment, gather_runs
from .termcache import term_postings

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
            return length_norm(doc_len, avgdl if avgdl > 0 else 1.0, b)
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

    @property
    def n_fields(self) -> int:
        return self.segments[0].n_fields if self.segments else 1

    def field_totals(self) -> np.ndarray:
        """Total length of each text field over the live documents (int64[F])."""
        def make() -> np.ndarray:
            totals = np.zeros(self.n_fields, dtype=np.int64)
            for seg in self.segments:
                totals += seg.live_field_lengths()
            return totals
        return self._cached("field_totals", make)

    def field_norms(self, weights: np.ndarray, bs: np.ndarray, avglens: np.ndarray) -> np.ndarray:
        """BM25F's per-field factors ``w_f / (1 - b_f + b_f len_f / avglen_f)`` (float64[F, D])."""
        def make() -> np.ndarray:
            field_len = np.concatenate([np.asarray(s.field_len) for s in self.segments], axis=1)
            return field_norms(field_len, weights, bs, avglens)
        key = ("field_norms", tuple(weights.tolist()), tuple(bs.tolist()), tuple(avglens.tolist()))
        return self._cached_by_parameter(key, make)

    def _slices(self, term_ids: np.ndarray):
        """For each term: [(segment, lo, hi)] of its postings, in segment order."""
        terms, which, lo, hi = self.term_directory()
        term_ids = np.asarray(term_ids, dtype=terms.dtype)  # else searchsorted converts all of `terms`
        first = np.searchsorted(terms, term_ids, side="left").tolist()
        last = np.searchsorted(terms, term_ids, side="right").tolist()
        for a, b in zip(first, last):
            yield list(zip(which[a:b].tolist(), lo[a:b].tolist(), hi[a:b].tolist()))

    def postings(self, term_ids: np.ndarray, keep: Optional[np.ndarray] = None,
                 fields: bool = False) -> List[Tuple[np.ndarray, np.ndarray]]:
        """(global docs, tfs) of each term in ``term_ids``, deleted documents removed.

        ``keep`` (bool over all stored documents) replaces the live mask;
        ``fields``: the second array is ``field_tfs`` (int32[F, n]) instead.
        """
        if keep is None:
            keep = self.live
        if not fields:  # one array per term over all segments (kept for hot terms)
            terms = self.term_directory()[0]
            ids = np.asarray(term_ids, dtype=terms.dtype)
            first = np.searchsorted(terms, ids, side="left").tolist()
            last = np.searchsorted(terms, ids, side="right").tolist()
            out = []
            for a, b in zip(first, last):
                tp = term_postings(self, a, b)
                d, tf = tp.docs, tp.tfs
                if keep is not None and len(d):
                    mask = keep[d]
                    d, tf = d[mask], tf[mask]
                out.append((d, tf))
            return out
        bases = self.bases.tolist()
        out = []
        for slices in self._slices(term_ids):
            docs, tfs = [], []
            for s, l, h in slices:
                seg = self.segments[s]
                d = seg.docs[l:h]
                docs.append(d + bases[s] if bases[s] else d)
                tfs.append(seg.field_tfs[:, l:h] if fields else seg.tfs[l:h])
            if len(docs) != 1:
                docs = [np.concatenate(docs) if docs else _EMPTY]
                tfs = [np.concatenate(tfs, axis=-1) if tfs else
                       (np.zeros((self.n_fields, 0), dtype=np.int32) if fields else _EMPTY)]
            d, tf = docs[0], tfs[0]
            if keep is not None and len(d):
                mask = keep[d]
                d, tf = d[mask], tf[..., mask]
            out.append((d, tf))
        return out

    def term_positions(self, term_id: int, field: Optional[int] = None
                       ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(docs, tfs, pos_offsets, positions) of a term's live postings (see the module docstring)."""
        bases = self.bases.tolist()
        live = self.live
        parts_docs, parts_tfs, parts_pos = [], [], []
        for slices in self._slices(np.array([term_id])):
            for s, l, h in slices:
                seg = self.segments[s]
                if seg.positions is None:
                    raise ValueError("positions: this index has no positions "
                                     "(built with positions=False, or saved in format 1)")
                d = np.asarray(seg.docs[l:h], dtype=np.int64) + bases[s]
                tf = np.asarray(seg.tfs[l:h])
                p0, p1 = int(seg.pos_offsets[l]), int(seg.pos_offsets[h])
                pos = np.asarray(seg.positions[p0:p1])
                if live is not None:
                    alive = live[d]
                    if not alive.all():
                        starts = np.asarray(seg.pos_offsets[l:h]).astype(np.int64) - p0
                        pos = pos[gather_runs(starts[alive], tf[alive])]
                        d, tf = d[alive], tf[alive]
                parts_docs.append(d)
                parts_tfs.append(tf)
                parts_pos.append(pos)
        docs = np.concatenate(parts_docs) if parts_docs else np.zeros(0, dtype=np.int64)
        tfs = np.concatenate(parts_tfs).astype(np.int32) if parts_tfs else _EMPTY
        positions = np.concatenate(parts_pos).astype(np.int32) if parts_pos else _EMPTY
        if field is not None:
            in_field = (positions >> FIELD_SHIFT) == field
            posting = np.repeat(np.arange(len(docs)), tfs)
            tfs = np.bincount(posting[in_field], minlength=len(docs)).astype(np.int32)
            positions = positions[in_field]
            has = tfs > 0
            docs, tfs = docs[has], tfs[has]
        pos_offsets = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(tfs, out=pos_offsets[1:])
        return docs, tfs, pos_offsets, positions


_EMPTY = np.zeros(0, dtype=np.int32)
