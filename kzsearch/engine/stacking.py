"""Stacking a flush's inverted groups into one segment by placement (see :mod:`.segment_merge`).

A large flush inverts its tokens a group at a time (:func:`kzsearch.ingest.invert_group`)
into parts without deletions whose documents follow one another; each part is
sorted by (term, document), so a term's stacked postings are its runs in the
parts one after the other, and each run's place follows from per-term counts:
no sort over the whole segment. :func:`stack_segments` moves whole runs of one
term, freeing each part once placed; for a segment that will be spilled it
writes a range of terms at a time straight to appendable files
(:func:`_stack_streamed`), so the stacked arrays are never held whole.
Either way the result equals :func:`~kzsearch.engine.segment.build_segment`
over all the tokens, with tfs narrowed and positions compact (format 3).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from . import segment as _segment
from .columns import Column
from .compact import DerivedOffsets, PositionStore, low_dtype
from .docstore import TextBlock
from .segment import FIELD_SHIFT, Segment, build_segment, gather_runs, narrow_counts  # noqa: F401 (doctest)

#: postings stacked at a time by :func:`_stack_streamed` (bounds its temporaries: ~20 bytes each)
STACK_CHUNK = 1 << 18


def stack_segments(parts: List[Segment], name: str = "", ids: Optional[TextBlock] = None,
                   texts: Optional[TextBlock] = None, stored: Optional[TextBlock] = None,
                   columns: Optional[Dict[str, Column]] = None, sink: Optional[Callable[..., Any]] = None
                   ) -> Segment:
    """One segment of ``parts`` (no deletions; documents of each part after those of the parts
    before it), made by placement like :func:`merge_segments` — but a whole run of one term
    at a time, and ``parts`` is emptied as it goes, so that a part's arrays go as soon as
    they are placed. This is how a large flush inverts its tokens a group at a time (see
    :func:`kzsearch.ingest.flush`): the result equals :func:`build_segment` over all of them,
    with term frequencies in their narrowest dtype and positions already compact
    (:class:`~kzsearch.engine.compact.PositionStore`, offsets derived from the tfs).
    ``ids``/``texts``/``stored``/``columns``: the documents' (the parts' own are not used).
    ``sink(part, dtype)``: where a segment of one text field writes its
    postings and positions instead (an appendable array file, e.g.
    :class:`~kzsearch.engine.spill.ArrayFile`; see :func:`_stack_streamed`).

    >>> a = build_segment(np.array([0, 1, 0], dtype=np.int32), np.array([2, 1]),
    ...                   positions=np.array([0, 1, 0], dtype=np.int32))
    >>> b = build_segment(np.array([1, 2], dtype=np.int32), np.array([2]),
    ...                   positions=np.array([0, 1], dtype=np.int32))
    >>> m = stack_segments([a, b])
    >>> m.terms.tolist(), m.offsets.tolist(), m.docs.tolist(), m.tfs.tolist(), m.positions[0:5].tolist()
    ([0, 1, 2], [0, 2, 4, 5], [0, 1, 0, 2, 2], [1, 1, 1, 1, 1], [0, 0, 1, 0, 1])
    """
    n_fields = parts[0].n_fields if parts else 1
    with_positions = bool(parts) and all(p.has_positions for p in parts)
    doc_len = np.concatenate([p.doc_len for p in parts]).astype(np.int32) if parts else np.zeros(0, np.int32)
    field_len = np.concatenate([p.field_len for p in parts], axis=1).astype(np.int32) if n_fields > 1 else None
    n_docs = len(doc_len)
    ids = ids if ids is not None else TextBlock.empty(n_docs)
    texts = texts if texts is not None else TextBlock.empty(n_docs)
    extra = dict(stored=stored, columns=columns or {})
    terms = np.unique(np.concatenate([np.asarray(p.terms) for p in parts])) if parts else np.zeros(0, np.int32)
    slots, runs, position_runs = [], [], []
    per_term = np.zeros(len(terms), dtype=np.int64)
    positions_per_term = np.zeros(len(terms), dtype=np.int64)
    top_tf, over8, over16 = 0, 0, 0
    for p in parts:
        slot = np.searchsorted(terms, p.terms)
        offsets = np.asarray(p.offsets, dtype=np.int64)
        run = np.diff(offsets)
        per_term[slot] += run  # a part's terms are distinct: no repeated index
        slots.append(slot)
        runs.append(run)
        if len(p.tfs):
            top_tf = max(top_tf, int(p.tfs.max()))
        if with_positions:
            position_run = np.add.reduceat(np.asarray(p.tfs, dtype=np.int64), offsets[:-1]) \
                if len(run) else np.zeros(0, np.int64)
            positions_per_term[slot] += position_run
            position_runs.append(position_run)
            low = np.asarray(p.positions).astype(np.int32, copy=False) & ((1 << FIELD_SHIFT) - 1)
            over8 += int(np.count_nonzero(low >= 0xFF))
            over16 += int(np.count_nonzero(low >= 0xFFFF))
            del low
    out_offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(per_term, out=out_offsets[1:])
    n_postings = int(out_offsets[-1])
    tf_dtype = narrow_counts(np.array([top_tf])).dtype
    if sink is not None and n_fields == 1:
        n_positions = int(positions_per_term.sum())
        low = low_dtype(n_positions, over8, over16) if with_positions else None
        return _stack_streamed(parts, slots, runs, position_runs, terms, out_offsets, positions_per_term,
                               tf_dtype, low, sink, Segment(terms.astype(np.int32), out_offsets, None, None,
                                                            doc_len, ids, texts, None, name, **extra))
    docs = np.empty(n_postings, dtype=np.int32)
    tfs = np.empty(n_postings, dtype=tf_dtype)
    field_tfs = None
    if n_fields > 1:
        field_tfs = np.empty((n_fields, n_postings),
                             dtype=np.result_type(*[np.asarray(p.field_tfs).dtype for p in parts]))
    low_out = fields_out = None
    exc_at: List[np.ndarray] = []
    exc: List[np.ndarray] = []
    if with_positions:
        position_starts = np.zeros(len(terms), dtype=np.int64)
        np.cumsum(positions_per_term[:-1], out=position_starts[1:])
        n_positions = int(positions_per_term.sum())
        low_out = np.empty(n_positions, dtype=low_dtype(n_positions, over8, over16))
        escape = int(np.iinfo(low_out.dtype).max) if low_out.dtype != np.int32 else None
        fields_out = np.empty(n_positions, dtype=np.uint8) if n_fields > 1 else None
    base = 0
    cursor = np.zeros(len(terms), dtype=np.int64)
    position_cursor = np.zeros(len(terms), dtype=np.int64)
    for i in range(len(parts)):
        p, slot, run = parts[i], slots[i], runs[i]
        parts[i] = slots[i] = runs[i] = None  # type: ignore[call-overload]
        where = gather_runs(out_offsets[slot] + cursor[slot], run)
        cursor[slot] += run
        docs[where] = np.asarray(p.docs).astype(np.int32, copy=False) + base
        tfs[where] = p.tfs
        if field_tfs is not None:
            field_tfs[:, where] = p.field_tfs
        del where
        if low_out is not None:
            position_run, position_runs[i] = position_runs[i], None
            where = gather_runs(position_starts[slot] + position_cursor[slot], position_run)
            position_cursor[slot] += position_run
            values = np.asarray(p.positions).astype(np.int32, copy=False)
            low = values & ((1 << FIELD_SHIFT) - 1)
            if escape is not None:
                over = np.flatnonzero(low >= escape)
                if len(over):
                    exc_at.append(where[over])
                    exc.append(low[over].astype(np.int32))
                    low[over] = escape
            low_out[where] = low
            if fields_out is not None:
                fields_out[where] = values >> FIELD_SHIFT
            del where, values, low
        base += p.n_docs
        del p
    parts.clear()
    pos_offsets = positions = None
    if low_out is not None:
        at = np.concatenate(exc_at) if exc_at else np.zeros(0, np.int64)
        order = np.argsort(at, kind="stable")
        positions = PositionStore(low_out, at[order].astype(np.int64),
                                  (np.concatenate(exc) if exc else np.zeros(0, np.int32))[order], fields_out)
        pos_offsets = DerivedOffsets(tfs)
    return Segment(terms.astype(np.int32), out_offsets, docs, tfs, doc_len, ids, texts, None, name,
                   field_tfs, field_len, pos_offsets, positions, **extra)


def _stack_streamed(parts: List[Segment], slots: list, runs: list, position_runs: list, terms: np.ndarray,
                    out_offsets: np.ndarray, positions_per_term: np.ndarray, tf_dtype: Any, low: Any,
                    sink: Callable[..., Any], shell: Segment) -> Segment:
    """:func:`stack_segments` for one text field, written out a range of terms at a time.

    The output of a range of terms is contiguous, and so is each part's
    input for it: each range (about ``STACK_CHUNK`` postings) is placed in
    small arrays and appended to the ``sink`` files (``docs``, ``tfs``,
    ``positions.low``), so the stacked postings and positions are never held
    whole; the parts stay until the end. Returns ``shell`` with the files
    mapped back (``sink(...).finish()``).
    """
    step = max(1, min(int(_segment.MERGE_CHUNK), STACK_CHUNK))
    part_offsets = [np.asarray(p.offsets, dtype=np.int64) for p in parts]
    position_offsets = []
    for run in position_runs:
        starts = np.zeros(len(run) + 1, dtype=np.int64)
        np.cumsum(run, out=starts[1:])
        position_offsets.append(starts)
    bases = np.concatenate([[0], np.cumsum([p.n_docs for p in parts])]).astype(np.int64)
    position_starts = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(positions_per_term, out=position_starts[1:])
    cursor = np.zeros(len(terms), dtype=np.int64)
    position_cursor = np.zeros(len(terms), dtype=np.int64)
    docs_out, tfs_out = sink("docs", np.int32), sink("tfs", tf_dtype)
    low_out = sink("positions.low", low) if low is not None else None
    escape = int(np.iinfo(low).max) if low is not None and low != np.int32 else None
    exc_at: List[np.ndarray] = []
    exc: List[np.ndarray] = []
    cuts = np.unique(np.searchsorted(out_offsets, np.arange(0, int(out_offsets[-1]), step), side="right") - 1)
    bounds = sorted(set(cuts.tolist()) | {0, len(terms)})
    for t0, t1 in zip(bounds, bounds[1:]):
        base_out = int(out_offsets[t0])
        docs = np.empty(int(out_offsets[t1]) - base_out, dtype=np.int32)
        tfs = np.empty(len(docs), dtype=tf_dtype)
        if low_out is not None:
            base_position = int(position_starts[t0])
            lows = np.empty(int(position_starts[t1]) - base_position, dtype=low)
        for i, p in enumerate(parts):
            slot = slots[i]
            lo, hi = np.searchsorted(slot, [t0, t1]).tolist()
            if lo == hi:
                continue
            s, r = slot[lo:hi], runs[i][lo:hi]
            a, b = int(part_offsets[i][lo]), int(part_offsets[i][hi])
            where = gather_runs(out_offsets[s] + cursor[s] - base_out, r)
            cursor[s] += r
            docs[where] = np.asarray(p.docs[a:b]).astype(np.int32) + bases[i]
            tfs[where] = p.tfs[a:b]
            if low_out is not None:
                pr = position_runs[i][lo:hi]
                where = gather_runs(position_starts[s] + position_cursor[s] - base_position, pr)
                position_cursor[s] += pr
                values = np.asarray(p.positions[position_offsets[i][lo]:position_offsets[i][hi]]).astype(np.int32)
                values &= (1 << FIELD_SHIFT) - 1
                if escape is not None:
                    over = np.flatnonzero(values >= escape)
                    if len(over):
                        exc_at.append(where[over] + base_position)
                        exc.append(values[over])
                        values[over] = escape
                lows[where] = values
        docs_out.append(docs)
        tfs_out.append(tfs)
        if low_out is not None:
            low_out.append(lows)
    parts.clear()
    tfs_mapped = tfs_out.finish()
    positions = pos_offsets = None
    if low_out is not None:
        at = np.concatenate(exc_at) if exc_at else np.zeros(0, np.int64)
        order = np.argsort(at, kind="stable")
        positions = PositionStore(low_out.finish(), at[order].astype(np.int64),
                                  (np.concatenate(exc) if exc else np.zeros(0, np.int32))[order])
        pos_offsets = DerivedOffsets(tfs_mapped)
    return replace(shell, docs=docs_out.finish(), tfs=tfs_mapped, positions=positions, pos_offsets=pos_offsets)
