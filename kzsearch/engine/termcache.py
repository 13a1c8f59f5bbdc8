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
from typing import Tuple

import numpy as np

from .blocks import block_maxima, block_table

#: postings kept in merged copies per snapshot (8 bytes each with int32 tfs)
BUDGET = 1 << 25


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
    kept = snapshot._cached("merged_terms", _Kept)
    with snapshot._lock:
        hit = kept.terms.get(a)  # directory rows never overlap: a term's first row names it
        if hit is not None:
            kept.terms.move_to_end(a)
            return hit
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


def _nothing(snapshot) -> TermPostings:
    dtype = np.int32 if snapshot.n_stored < 2**31 else np.int64
    return TermPostings(np.zeros(0, dtype=dtype), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64))


def _merge(snapshot, a: int, b: int) -> Tuple[TermPostings, bool]:
    _, which, lo, hi = snapshot.term_directory()
    table = block_table(snapshot)
    rows = list(zip(which[a:b].tolist(), lo[a:b].tolist(), hi[a:b].tolist()))
    bases = snapshot.bases.tolist()
    dtype = np.int32 if snapshot.n_stored < 2**31 else np.int64
    docs, tfs, offset, starts, copied = [], [], 0, [], False
    for r, (s, l, h) in zip(range(a, b), rows):
        bm = block_maxima(snapshot.segments[s])
        d = bm.docs[l:h]
        if bases[s] or d.dtype != dtype:
            d = d.astype(dtype)
            copied = True
            if bases[s]:
                d += bases[s]
        docs.append(d)
        tfs.append(bm.tfs[l:h])
        r_lo, r_hi = int(table.row_start[r]), int(table.row_start[r + 1])
        starts.append(table.start[r_lo:r_hi] - l + offset)
        offset += h - l
    if len(docs) == 1:
        return TermPostings(docs[0], tfs[0], starts[0]), copied
    return TermPostings(np.concatenate(docs), np.concatenate(tfs), np.concatenate(starts)), True


def term_tfs(postings: TermPostings, cands: np.ndarray) -> np.ndarray:
    """The term's tf in each of the sorted global positions ``cands`` (0 where absent)."""
    tf = np.zeros(len(cands), dtype=np.int64)
    found, tfs = term_hits(postings, cands)
    tf[found] = tfs
    return tf


def term_hits(postings: TermPostings, cands: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Where in the sorted global positions ``cands`` the term occurs, and its tfs there
    (what :func:`term_tfs` spreads over zeros)."""
    docs = postings.docs
    if not len(docs) or not len(cands):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=postings.tfs.dtype)
    if docs.dtype != cands.dtype:
        cands = cands.astype(docs.dtype)  # else searchsorted would convert all of docs
    idx = np.searchsorted(docs, cands)
    np.minimum(idx, len(docs) - 1, out=idx)
    found = np.flatnonzero(docs[idx] == cands)
    return found, postings.tfs[idx[found]]
