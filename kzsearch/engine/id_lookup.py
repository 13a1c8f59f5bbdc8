"""Which of a few ids a segment holds, without a dict of all its ids.

An ``add`` must refuse an id the index already holds. A dict of every id
(``SegmentWriter._id_locations``) costs a tuple per document to build;
instead each segment's ids are hashed once with NumPy over their UTF-8
bytes (:func:`string_hashes`, a polynomial hash taken modulo 2**64, no
Python loop per id) and kept sorted (:class:`SortedIds`, 12 bytes a
document); a candidate id is looked up by binary search, and a hash that
matches is confirmed by comparing the stored id itself, so the answer is
exact whatever the hash.

>>> from kzsearch.engine.docstore import TextBlock
>>> ids = SortedIds(TextBlock.from_strings(["a", "doc-7", "", "мектеп"]))
>>> ids.find(["мектеп", "b", "", "doc-7"])
[(0, 3), (2, 2), (3, 1)]
>>> hashes = string_hashes(TextBlock.from_strings(["ab", "ab", "ba"]))
>>> (hashes == string_hashes(TextBlock.from_strings(["ab"]))[0]).tolist()
[True, True, False]
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from .docstore import TextBlock

#: the hash's base (odd) and the multiplier that mixes in a string's length
_BASE = np.uint64(0x100000001B3)
_LENGTH_MIX = np.uint64(0x9E3779B97F4A7C15)
#: strings hashed at a time (bounds the temporaries: 24 bytes per byte of the chunk's strings)
CHUNK = 1 << 16


def string_hashes(strings: TextBlock) -> np.ndarray:
    """A uint64 hash of each string's UTF-8 bytes: ``sum(byte[k] * BASE**k)``, its length mixed in.

    Equal strings have equal hashes in any block (in-memory or on disk);
    computed a chunk of :data:`CHUNK` strings at a time with NumPy.
    """
    blob, offsets = strings.to_arrays()
    offsets = np.asarray(offsets, dtype=np.int64)
    n = len(offsets) - 1
    out = np.zeros(n, dtype=np.uint64)
    if n <= 0:
        return out
    lengths = np.diff(offsets)
    longest = int(lengths.max())
    if longest == 0:
        return out
    powers = np.ones(longest, dtype=np.uint64)  # BASE**k modulo 2**64 (uint64 products wrap)
    np.cumprod(np.full(longest - 1, _BASE, dtype=np.uint64), out=powers[1:])
    for first in range(0, n, CHUNK):
        last = min(n, first + CHUNK)
        lo, hi = int(offsets[first]), int(offsets[last])
        if hi == lo:
            continue
        starts = offsets[first:last] - lo
        counts = lengths[first:last]
        values = np.asarray(blob[lo:hi]).astype(np.uint64)
        values *= powers[np.arange(hi - lo, dtype=np.int64) - np.repeat(starts, counts)]
        filled = np.flatnonzero(counts)
        out[first + filled] = np.add.reduceat(values, starts[filled])
    out ^= lengths.astype(np.uint64) * _LENGTH_MIX
    return out


class SortedIds:
    """One segment's ids, hashed and sorted by hash, to look a few ids up (see the module docstring)."""

    __slots__ = ("ids", "hashes", "order")

    def __init__(self, ids: TextBlock) -> None:
        self.ids = ids
        hashes = string_hashes(ids)
        order = np.argsort(hashes)
        self.order = order.astype(np.int32) if len(order) < 2**31 else order
        self.hashes = hashes[order]

    def find(self, candidates: Sequence[str], wanted: Optional[np.ndarray] = None) -> List[Tuple[int, int]]:
        """(i, local) for each ``candidates[i]`` that is this segment's id at ``local``, ascending
        i (live or not: the caller checks); ``wanted``: the candidates' :func:`string_hashes`."""
        if not len(candidates) or not len(self.hashes):
            return []
        if wanted is None:
            wanted = string_hashes(TextBlock.from_strings(candidates))
        lo = np.searchsorted(self.hashes, wanted, side="left")
        hi = np.searchsorted(self.hashes, wanted, side="right")
        found = []
        for i in np.flatnonzero(hi > lo).tolist():  # a hash that matches: compare the ids themselves
            for local in self.order[int(lo[i]):int(hi[i])].tolist():
                if self.ids[local] == candidates[i]:
                    found.append((i, local))
        return found
