"""A term's postings over all segments as one array: global positions, kept for hot terms.

A query term's postings live in every segment (a slice of each segment's
arrays, local document numbers). Query code that loops over segments pays
a fixed cost per segment for every step; :func:`term_postings` instead
gives the term's postings as one ascending array of global positions
(``int32``) with their tfs, and where each of the term's blocks
(:mod:`.blocks`) starts in it. The first use of a term copies its slices
once (the cost of scoring it once); the copies of the most recently used
terms are kept with the snapshot, up to :data:`BUDGET` postings in all.
A term held by one segment at global offset 0 is a view, never a copy.

>>> from kzsearch import Index
>>> index = Index(analyzer=str.split)
>>> index.add(["a b", "b"]); index.add(["b c"])
>>> snap = index._snapshot
>>> terms, _, _, _ = snap.term_directory()
>>> a, b = np.searchsorted(terms, index.vocabulary.lookup(["b"])[0], side="left"), \\
...     np.searchsorted(terms, index.vocabulary.lookup(["b"])[0], side="right")
>>> term_postings(snap, int(a), int(b)).docs.tolist()
[0, 1, 2]
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .blocks import block_maxima, block_table

#: postings kept in merged copies per snapshot (8 bytes each with int32 tfs)
BUDGET = 1 << 25
#: a term with at least this many postings, and no merged copy yet, is looked up segment by
#: segment (a few searches per segment cost less than copying its postings)
SEARCH_BY_SEGMENT = 1 << 16


@dataclass(frozen=True)
class TermPostings:
    """One term's postings over all segments: ``docs`` (global positions, ascending),
    ``tfs``, and ``starts[j]``: where block ``j`` of the term (in the snapshot's block
    table order, :func:`.blocks.block_table`) starts in them."""

    docs: np.ndarray
    tfs: np.ndarray
    starts: np.ndarray

    def __len__(self) -> int:
        return len(self.docs)


class _Kept:
    """The merged copies of one snapshot, least recently used first."""

    def __init__(self) -> None:
        self.terms: "OrderedDict[int, TermPostings]" = OrderedDict()
        self.size = 0


def term_postings(snapshot, a: int, b: int) -> TermPostings:
    """The postings of the term whose directory rows are ``a:b`` (see the module docstring)."""
    if b <= a:  # a term no segment holds
        return _nothing(snapshot)
    hit = kept_postings(snapshot, a)
    if hit is not None:
        return hit
    kept = snapshot._cached("merged_terms", _Kept)
    value, copied = _merge(snapshot, a, b)
    if copied:
        with snapshot._lock:
            if a not in kept.terms:
                kept.terms[a] = value
                kept.size += len(value)
                while kept.size > BUDGET and len(kept.terms) > 1:
                    _, old = kept.terms.popitem(last=False)
                    kept.size -= len(old)
    return value


def kept_postings(snapshot, a: int) -> Optional[TermPostings]:
    """The merged postings of the term whose directory rows start at ``a``, if kept, else None."""
    kept = snapshot._cached("merged_terms", _Kept)
    with snapshot._lock:
        hit = kept.terms.get(a)  # directory rows never overlap: a term's first row names it
        if hit is not None:
            kept.terms.move_to_end(a)
        return hit


class LazyPostings:
    """A term's postings (directory rows ``a:b``, ``size`` postings) that are merged over the
    segments (:func:`term_postings`) only when first read as one array: a term only looked up
    for a few candidates is searched segment by segment instead (:func:`hits_by_segment`,
    :func:`marked_by_segment`), and its postings are never copied."""

    __slots__ = ("snapshot", "a", "b", "size", "_merged")

    def __init__(self, snapshot, a: int, b: int, size: int) -> None:
        self.snapshot, self.a, self.b, self.size = snapshot, a, b, size
        self._merged: Optional[TermPostings] = None

    def __len__(self) -> int:
        return self.size

    @property
    def merged(self) -> Optional[TermPostings]:
        """The one-array postings if they exist already (merged here, or kept) or are cheap to
        make (fewer than :data:`SEARCH_BY_SEGMENT` postings), else None."""
        if self._merged is None and self.b > self.a:
            self._merged = kept_postings(self.snapshot, self.a) if self.size >= SEARCH_BY_SEGMENT else \
                term_postings(self.snapshot, self.a, self.b)
        return self._merged

    def _merge(self) -> TermPostings:
        if self._merged is None:
            self._merged = term_postings(self.snapshot, self.a, self.b)
        return self._merged

    docs = property(lambda self: self._merge().docs)
    tfs = property(lambda self: self._merge().tfs)
    starts = property(lambda self: self._merge().starts)


def _rows(snapshot, a: int, b: int):
    """(global base, postings of the segment's rows as plain arrays, lo, hi) of rows ``a:b``."""
    _, which, lo, hi = snapshot.term_directory()
    bases = snapshot.bases
    for s, l, h in zip(which[a:b].tolist(), lo[a:b].tolist(), hi[a:b].tolist()):
        bm = block_maxima(snapshot.segments[s])
        yield int(bases[s]), int(bases[s + 1]), bm.docs[l:h], bm.tfs[l:h]


def hits_by_segment(snapshot, a: int, b: int, cands: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`term_hits` for the term of directory rows ``a:b`` and ascending global positions
    ``cands``, searched in each segment's postings (no merged copy)."""
    found, tfs = [], []
    _, which, _, _ = snapshot.term_directory()
    segs = which[a:b]
    cuts = np.searchsorted(cands, snapshot.bases[np.concatenate((segs, segs + 1))]).tolist()
    for (base, end, docs, tf), i, j in zip(_rows(snapshot, a, b), cuts[:b - a], cuts[b - a:]):
        if i == j or not len(docs):
            continue
        local = np.subtract(cands[i:j], base, dtype=docs.dtype, casting="unsafe")  # fits: a segment's own positions
        idx = np.searchsorted(docs[:-1], local)  # at most the last posting: no clipping needed
        hit = np.flatnonzero(docs[idx] == local)
        found.append(hit + i)
        tfs.append(tf[idx[hit]])
    if len(found) == 1:
        return found[0], tfs[0]
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    return np.concatenate(found), np.concatenate(tfs)


def marked_by_segment(snapshot, a: int, b: int, mark: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(global positions, tfs) of the postings of directory rows ``a:b`` whose documents are
    marked in ``mark`` (bool per global position), segment by segment (no merged copy)."""
    out_docs, out_tfs = [], []
    for base, end, docs, tf in _rows(snapshot, a, b):
        inside = np.flatnonzero(mark[base:end][docs])
        if len(inside):
            out_docs.append(docs[inside].astype(np.int64) + base)
            out_tfs.append(tf[inside])
    if len(out_docs) == 1:
        return out_docs[0], out_tfs[0]
    if not out_docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    return np.concatenate(out_docs), np.concatenate(out_tfs)


def sorted_hits(postings, cands: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`term_hits` for ascending ``cands``; a :class:`LazyPostings` not merged yet is
    searched segment by segment."""
    merged = postings.merged if isinstance(postings, LazyPostings) else postings
    if merged is not None:
        return term_hits(merged, cands)
    return hits_by_segment(postings.snapshot, postings.a, postings.b, cands)


def marked_postings(postings, mark: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(global positions, tfs) of the postings whose documents are marked in ``mark``."""
    merged = postings.merged if isinstance(postings, LazyPostings) else postings
    if merged is not None:
        inside = np.flatnonzero(mark[merged.docs])
        return merged.docs[inside], merged.tfs[inside]
    return marked_by_segment(postings.snapshot, postings.a, postings.b, mark)


def _nothing(snapshot) -> TermPostings:
    dtype = np.int32 if snapshot.n_stored < 2**31 else np.int64
    return TermPostings(np.zeros(0, dtype=dtype), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64))


def _merge(snapshot, a: int, b: int) -> Tuple[TermPostings, bool]:
    _, which, lo, hi = snapshot.term_directory()
    table = block_table(snapshot)
    rows = list(zip(which[a:b].tolist(), lo[a:b].tolist(), hi[a:b].tolist()))
    bases = snapshot.bases.tolist()
    dtype = np.int32 if snapshot.n_stored < 2**31 else np.int64
    if len(rows) == 1:
        (s, l, h), = rows
        bm = block_maxima(snapshot.segments[s])
        d, copied = bm.docs[l:h], False
        if bases[s] or d.dtype != dtype:
            d = np.add(d, bases[s], dtype=dtype, casting="unsafe")  # a segment's positions fit
            copied = True
        r_lo, r_hi = int(table.row_start[a]), int(table.row_start[a + 1])
        return TermPostings(d, bm.tfs[l:h], table.start[r_lo:r_hi] - l), copied
    # several segments: one concatenation of the rows' slices (a few calls, not a few per row)
    maxima = [block_maxima(snapshot.segments[s]) for s, _, _ in rows]
    counts = [h - l for _, l, h in rows]
    docs = np.concatenate([bm.docs[l:h] for bm, (_, l, h) in zip(maxima, rows)], dtype=dtype, casting="unsafe")
    np.add(docs, np.repeat(np.array([bases[s] for s, _, _ in rows], dtype=dtype), counts), out=docs)
    tfs = np.concatenate([bm.tfs[l:h] for bm, (_, l, h) in zip(maxima, rows)])
    offsets = np.cumsum([0] + counts[:-1]) - np.array([l for _, l, _ in rows])
    r_lo, r_hi = int(table.row_start[a]), int(table.row_start[b])
    starts = table.start[r_lo:r_hi] + np.repeat(offsets, np.diff(table.row_start[a:b + 1]))
    return TermPostings(docs, tfs, starts), True


def term_hits(postings: TermPostings, cands: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Where in the sorted global positions ``cands`` the term occurs, and its tfs there."""
    docs = postings.docs
    if not len(docs) or not len(cands):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=postings.tfs.dtype)
    if docs.dtype != cands.dtype:
        cands = cands.astype(docs.dtype)  # else searchsorted would convert all of docs
    idx = np.searchsorted(docs[:-1], cands)  # at most the last posting: no clipping needed
    found = np.flatnonzero(docs[idx] == cands)
    return found, postings.tfs[idx[found]]
