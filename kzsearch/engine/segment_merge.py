"""Merging segments in linear time and bounded extra memory: placement, not sorting.

Every source segment is sorted by (term, document), its documents come
after those of the sources before it, and a merge keeps that order. So the
merged postings of a term are the source's runs of that term one after the
other, and each posting's place in the output follows from per-term counts
alone: no sort and no per-posting key over the whole merge. Each source is
walked in chunks of about ``MERGE_CHUNK`` postings (and positions); a
chunk's postings are scattered straight into the preallocated output
arrays. The extra memory is a few chunk-sized temporaries and per-term
arrays, whatever the size of the merge; positions move as whole runs.

Deleted documents are dropped and the survivors renumbered, so a merge is
where the space of deletions is reclaimed. Positions, field arrays and
stored fields are kept when every source has them; columns are
concatenated, a key a source lacks reading as missing there.

:mod:`.stacking` places a flush's inverted groups the same way.

>>> from kzsearch.engine.segment import build_segment
>>> a = build_segment(np.array([0, 1, 0], dtype=np.int32), np.array([2, 1]))
>>> b = build_segment(np.array([1, 2], dtype=np.int32), np.array([2]))
>>> m = merge_segments([a, b.with_live(np.array([True]))])
>>> m.terms.tolist(), m.offsets.tolist(), m.docs.tolist(), m.tfs.tolist()
([0, 1, 2], [0, 2, 4, 5], [0, 1, 0, 2, 2], [1, 1, 1, 1, 1])
"""
from __future__ import annotations

from typing import Iterator, Optional, Sequence, Tuple

import numpy as np

from . import segment as _segment
from .columns import concat_columns
from .docstore import TextBlock
from .segment import Segment, build_segment, gather_runs, offsets_of
from .zipped_texts import ZippedTexts


def _chunks(n: int) -> Iterator[Tuple[int, int]]:
    step = max(1, int(_segment.MERGE_CHUNK))
    for a in range(0, n, step):
        yield a, min(n, a + step)


class _Source:
    """One source segment's kept postings, counted per term, and where they go."""

    def __init__(self, seg: Segment) -> None:
        self.seg = seg
        self.live = seg.live
        offsets = np.asarray(seg.offsets, dtype=np.int64)
        self.offsets = offsets
        if self.live is None:
            self.counts = np.diff(offsets)
            self.new_id = None
        else:
            kept = np.zeros(len(seg.docs) + 1, dtype=np.int64)
            np.cumsum(self.live[seg.docs], out=kept[1:])
            self.counts = kept[offsets[1:]] - kept[offsets[:-1]]
            self.new_id = (np.cumsum(self.live, dtype=np.int64) - 1).astype(np.int32)
        self.kept_start = np.zeros(len(self.counts), dtype=np.int64)  # exclusive cumsum of counts
        np.cumsum(self.counts[:-1], out=self.kept_start[1:])
        self.shift: Optional[np.ndarray] = None  # per term: output index minus kept rank

    def place(self, slot: np.ndarray, cursor: np.ndarray, out_offsets: np.ndarray) -> None:
        """Fix where this source's postings go (``slot``: each kept term's merged index;
        ``cursor``: postings placed so far per merged term)."""
        used = self.counts > 0
        self.shift = np.zeros(len(self.counts), dtype=np.int64)  # terms with nothing kept: unused
        self.shift[used] = out_offsets[slot] + cursor[slot] - self.kept_start[used]
        cursor[slot] += self.counts[used]  # a source's terms are distinct: no repeated index

    def chunks(self) -> Iterator[Tuple[slice, Optional[np.ndarray], np.ndarray]]:
        """(posting slice, kept mask or None, output index of each kept posting) per chunk."""
        n = len(self.seg.docs)
        kept_before = 0
        assert self.shift is not None
        for a, b in _chunks(n):
            term = np.searchsorted(self.offsets, np.arange(a, b, dtype=np.int64), side="right") - 1
            if self.live is None:
                keep = None
                rank = np.arange(a, b, dtype=np.int64)
            else:
                keep = self.live[np.asarray(self.seg.docs[a:b])]
                rank = np.cumsum(keep, dtype=np.int64) - 1 + kept_before
                kept_before += int(np.count_nonzero(keep))
                term, rank = term[keep], rank[keep]
            yield slice(a, b), keep, self.shift[term] + rank


def _kept(values: np.ndarray, keep: Optional[np.ndarray]) -> np.ndarray:
    return values if keep is None else values[keep]


def merge_segments(segments: Sequence[Segment], name: str = "") -> Segment:
    """One segment holding the live documents of ``segments``, in their order (module docstring)."""
    with_positions = bool(segments) and all(s.has_positions for s in segments)
    n_fields = segments[0].n_fields if segments else 1
    with_stored = any(s.stored is not None for s in segments)
    sources = [_Source(seg) for seg in segments]
    keep_docs = [np.flatnonzero(s.live) if s.live is not None else np.arange(s.n_docs) for s in segments]
    sizes = [len(k) for k in keep_docs]
    doc_len = (np.concatenate([_kept(s.doc_len, s.live) for s in segments]).astype(np.int32)
               if segments else np.zeros(0, dtype=np.int32))
    ids = TextBlock.concat([s.ids.take(k) for s, k in zip(segments, keep_docs)])
    if segments and all(isinstance(s.texts, ZippedTexts) and s.live is None for s in segments):
        texts: TextBlock = ZippedTexts.concat([s.texts for s in segments])  # type: ignore[misc]
    else:
        texts = TextBlock.concat([s.texts.take(k) for s, k in zip(segments, keep_docs)])
    extra = dict(stored=TextBlock.concat([(s.stored if s.stored is not None else TextBlock.empty(s.n_docs))
                                          .take(k) for s, k in zip(segments, keep_docs)])
                 if with_stored else None,
                 columns=concat_columns([{key: c.take(k) for key, c in s.columns.items()}
                                         for s, k in zip(segments, keep_docs)], sizes))
    field_len = (np.concatenate([np.asarray(s.field_len)[:, k] for s, k in zip(segments, keep_docs)],
                                axis=1).astype(np.int32) if n_fields > 1 else None)
    n_postings = int(sum(int(src.counts.sum()) for src in sources))
    if n_postings == 0:
        return build_segment(np.zeros(0, dtype=np.int64), doc_len, ids, texts, name=name, field_len=field_len,
                             positions=np.zeros(0, dtype=np.int32) if with_positions else None, **extra)

    # the merged terms, each one's postings, and where each source's run of a term goes
    present = [np.asarray(s.seg.terms)[s.counts > 0] for s in sources]
    terms = np.unique(np.concatenate(present))
    slots = [np.searchsorted(terms, kept) for kept in present]
    per_term = np.zeros(len(terms), dtype=np.int64)
    for src, slot in zip(sources, slots):
        per_term[slot] += src.counts[src.counts > 0]
    out_offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(per_term, out=out_offsets[1:])
    cursor = np.zeros(len(terms), dtype=np.int64)
    for src, slot in zip(sources, slots):
        src.place(slot, cursor, out_offsets)

    docs = np.empty(n_postings, dtype=np.int32)
    tfs = np.empty(n_postings, dtype=np.int32)
    field_tfs = None
    if n_fields > 1:
        dtype = np.result_type(*[np.asarray(s.field_tfs).dtype for s in segments])
        field_tfs = np.empty((n_fields, n_postings), dtype=dtype)
    base = 0
    for src, size in zip(sources, sizes):
        seg = src.seg
        for part, keep, where in src.chunks():
            local = _kept(np.asarray(seg.docs[part]), keep)
            docs[where] = (src.new_id[local] if src.new_id is not None else local) + base
            tfs[where] = _kept(np.asarray(seg.tfs[part]), keep)
            if field_tfs is not None:
                field_tfs[:, where] = np.asarray(seg.field_tfs)[:, part][:, keep] if keep is not None \
                    else np.asarray(seg.field_tfs)[:, part]
        base += size
    if field_tfs is not None:
        field_tfs = _narrowed(field_tfs)

    pos_offsets = positions = None
    if with_positions:
        pos_offsets = offsets_of(tfs)
        positions = np.empty(int(pos_offsets[-1]), dtype=np.int32)
        for src in sources:
            _move_positions(src, pos_offsets, positions)
    return Segment(terms.astype(np.int32), out_offsets, docs, tfs, doc_len, ids, texts, None, name,
                   field_tfs, field_len, pos_offsets, positions, **extra)


def _narrowed(counts: np.ndarray) -> np.ndarray:
    """As :func:`~kzsearch.engine.segment.narrow_counts`, without a copy when the dtype stays."""
    top = int(counts.max()) if counts.size else 0
    dtype = np.uint8 if top < 2 ** 8 else np.uint16 if top < 2 ** 16 else np.int32
    return counts if counts.dtype == dtype else counts.astype(dtype)


def _move_positions(src: _Source, pos_offsets: np.ndarray, positions: np.ndarray) -> None:
    """Copy the kept postings' position runs of ``src`` to their places in ``positions``.

    Chunks of postings whose positions exceed ``MERGE_CHUNK`` are split again,
    so the int64 index arrays stay about that size.
    """
    seg = src.seg
    source = np.asarray(seg.positions)
    src_offsets = seg.pos_offsets
    limit = max(1, int(_segment.MERGE_CHUNK))
    for part, keep, where in src.chunks():
        starts = _kept(np.asarray(src_offsets[part]).astype(np.int64), keep)
        lengths = _kept(np.asarray(seg.tfs[part]).astype(np.int64), keep)
        targets = np.asarray(pos_offsets[where]).astype(np.int64)
        ends = np.cumsum(lengths)
        cuts = np.searchsorted(ends, np.arange(limit, int(ends[-1]) if len(ends) else 0, limit))
        bounds = sorted(set(cuts.tolist()) | {0, len(lengths)})
        for lo, hi in zip(bounds, bounds[1:]):
            positions[gather_runs(targets[lo:hi], lengths[lo:hi])] = \
                source[gather_runs(starts[lo:hi], lengths[lo:hi])]

