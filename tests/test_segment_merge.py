"""Merging by placement (engine/segment_merge.py) gives exactly what the old sort-based merge gave.

``_reference_merge`` is the previous ``merge_segments`` (concatenate, stable
argsort by term, gather), kept here as the reference.
"""
from typing import List, Sequence

import numpy as np
import pytest

import kzsearch.engine.segment as segment
from kzsearch.engine.columns import concat_columns
from kzsearch.engine.docstore import TextBlock
from kzsearch.engine.segment import (FIELD_SHIFT, Segment, _runs, build_segment, gather_runs,
                                     narrow_counts, offsets_of)
from kzsearch.engine.segment_merge import merge_segments


def _reference_merge(segments: Sequence[Segment], name: str = "") -> Segment:
    """One segment holding the live documents of ``segments``, in their order.

    Deleted documents are dropped and the survivors renumbered, so a merge is
    where the space of deletions is reclaimed. Positions, field arrays and
    stored fields are kept when every source has them; columns are
    concatenated, a key a source lacks reading as missing there.
    """
    parts_terms, parts_docs, parts_tfs, lens = [], [], [], []
    field_tfs_parts: List[np.ndarray] = []
    field_len_parts: List[np.ndarray] = []
    pos_starts: List[np.ndarray] = []
    pos_arrays: List[np.ndarray] = []
    ids_blocks, text_blocks, stored_blocks, column_parts, sizes = [], [], [], [], []
    with_positions = bool(segments) and all(s.has_positions for s in segments)
    n_fields = segments[0].n_fields if segments else 1
    with_stored = any(s.stored is not None for s in segments)
    base = pos_base = 0
    for seg in segments:
        live = seg.live if seg.live is not None else np.ones(seg.n_docs, dtype=bool)
        new_id = np.cumsum(live, dtype=np.int64) - 1  # local renumbering of survivors
        posting_term = np.repeat(seg.terms.astype(np.int64), np.diff(seg.offsets))
        keep = live[seg.docs]
        parts_terms.append(posting_term[keep])
        parts_docs.append(new_id[seg.docs[keep]] + base)
        parts_tfs.append(seg.tfs[keep])
        lens.append(seg.doc_len[live])
        if n_fields > 1:
            field_tfs_parts.append(np.asarray(seg.field_tfs)[:, keep])
            field_len_parts.append(np.asarray(seg.field_len)[:, live])
        if with_positions:
            pos_starts.append(np.asarray(seg.pos_offsets[:-1]).astype(np.int64)[keep] + pos_base)
            pos_arrays.append(np.asarray(seg.positions))
            pos_base += len(seg.positions)
        keep_docs = np.flatnonzero(live)
        ids_blocks.append(seg.ids.take(keep_docs))
        text_blocks.append(seg.texts.take(keep_docs))
        if with_stored:
            stored = seg.stored if seg.stored is not None else TextBlock.empty(seg.n_docs)
            stored_blocks.append(stored.take(keep_docs))
        column_parts.append({k: c.take(keep_docs) for k, c in seg.columns.items()})
        sizes.append(len(keep_docs))
        base += len(keep_docs)
    doc_len = np.concatenate(lens) if lens else np.zeros(0, dtype=np.int32)
    extra = dict(stored=TextBlock.concat(stored_blocks) if with_stored else None,
                 columns=concat_columns(column_parts, sizes))
    if not parts_terms or not sum(len(t) for t in parts_terms):
        field_len = np.concatenate(field_len_parts, axis=1) if n_fields > 1 else None
        return build_segment(np.zeros(0, dtype=np.int64), doc_len, TextBlock.concat(ids_blocks),
                             TextBlock.concat(text_blocks), name=name, field_len=field_len,
                             positions=np.zeros(0, dtype=np.int32) if with_positions else None, **extra)
    posting_term = np.concatenate(parts_terms)
    docs = np.concatenate(parts_docs)
    tfs = np.concatenate(parts_tfs)
    order = np.argsort(posting_term, kind="stable")  # each source is sorted by (term, doc)
    posting_term, docs, tfs = posting_term[order], docs[order], tfs[order]
    first, _ = _runs(posting_term, starts_only=True)
    field_tfs = field_len = pos_offsets = positions = None
    if n_fields > 1:
        field_tfs = narrow_counts(np.concatenate(field_tfs_parts, axis=1)[:, order])
        field_len = np.concatenate(field_len_parts, axis=1).astype(np.int32)
    if with_positions:
        starts = np.concatenate(pos_starts)[order]
        source = np.concatenate(pos_arrays) if len(pos_arrays) > 1 else np.asarray(pos_arrays[0])
        pos_offsets = offsets_of(tfs)
        positions = np.empty(int(pos_offsets[-1]), dtype=np.int32)
        # postings in chunks of about segment.MERGE_CHUNK positions: the int64 gather index stays small
        cuts = np.searchsorted(pos_offsets, np.arange(0, int(pos_offsets[-1]), segment.MERGE_CHUNK), side="right") - 1
        bounds = sorted(set(cuts.tolist()) | {len(tfs)})
        for lo, hi in zip(bounds, bounds[1:]):
            a, b = int(pos_offsets[lo]), int(pos_offsets[hi])
            positions[a:b] = source[gather_runs(starts[lo:hi], tfs[lo:hi])]
    return Segment(posting_term[first].astype(np.int32), np.append(first, len(docs)).astype(np.int64),
                   docs.astype(np.int32), tfs.astype(np.int32), doc_len.astype(np.int32),
                   TextBlock.concat(ids_blocks), TextBlock.concat(text_blocks), None, name,
                   field_tfs, field_len, pos_offsets, positions, **extra)


def _random_segment(rng, n_docs: int, n_terms: int, positions: bool, n_fields: int, stored: bool,
                    deleted: float) -> Segment:
    lengths = rng.integers(0, 12, size=(n_docs, n_fields))
    total = int(lengths.sum())
    term_ids = rng.integers(0, n_terms, size=total).astype(np.int32)
    pos = None
    if positions:
        unit = np.repeat(np.tile(np.arange(n_fields), n_docs), lengths.ravel())
        within = np.concatenate([np.arange(n) for n in lengths.ravel()] or [np.zeros(0, dtype=np.int64)])
        pos = (within | (unit << FIELD_SHIFT)).astype(np.int32)
    field_len = lengths.T.astype(np.int32) if n_fields > 1 else None
    names = [f"d{rng.integers(1 << 30)}" for _ in range(n_docs)]
    seg = build_segment(term_ids, lengths.sum(axis=1), TextBlock.from_strings(names),
                        TextBlock.from_strings([f"текст {n}" for n in names]), positions=pos,
                        field_len=field_len,
                        stored=TextBlock.from_strings([f'{{"n": {i}}}' for i in range(n_docs)]) if stored else None)
    if deleted and n_docs:
        seg = seg.with_live(rng.random(n_docs) >= deleted)
    return seg


def _same(a: Segment, b: Segment) -> None:
    for part in ("terms", "offsets", "docs", "tfs", "doc_len", "field_tfs", "field_len", "pos_offsets",
                 "positions"):
        x, y = getattr(a, part), getattr(b, part)
        assert (x is None) == (y is None), part
        if x is not None:
            assert np.array_equal(np.asarray(x), np.asarray(y)), part
            assert x.dtype == y.dtype or part in ("offsets",), (part, x.dtype, y.dtype)
    assert list(a.ids) == list(b.ids) and list(a.texts) == list(b.texts)
    assert (a.stored is None) == (b.stored is None)
    if a.stored is not None:
        assert list(a.stored) == list(b.stored)
    assert a.live is None and b.live is None


@pytest.mark.parametrize("seed", range(40))
def test_merge_equals_reference(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(segment, "MERGE_CHUNK", int(rng.choice([3, 17, 1 << 22])))
    positions = bool(rng.integers(2))
    n_fields = int(rng.choice([1, 1, 2, 3]))
    deleted = float(rng.choice([0.0, 0.0, 0.3, 1.0]))
    sources = [_random_segment(rng, int(rng.integers(0, 25)), int(rng.integers(1, 40)), positions, n_fields,
                               stored=bool(rng.integers(2)), deleted=deleted if rng.integers(2) else 0.0)
               for _ in range(int(rng.integers(0, 5)))]
    _same(merge_segments(sources, "m"), _reference_merge(sources, "m"))


def test_merge_of_merges_and_narrow_sources():
    """Sources with narrowed tfs/field_tfs (as a compact on-disk format may give) merge the same."""
    rng = np.random.default_rng(7)
    sources = [_random_segment(rng, 30, 20, True, 2, True, 0.2) for _ in range(3)]
    narrowed = [segment.Segment(**{**s.__dict__, "tfs": s.tfs.astype(np.uint8)}) for s in sources]
    _same(merge_segments(narrowed), _reference_merge(sources))
    twice = merge_segments([merge_segments(sources[:2]), sources[2]])
    _same(twice, _reference_merge(sources))
