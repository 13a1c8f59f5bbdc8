"""Stored strings (document texts and ids) as one UTF-8 blob plus offsets.

A :class:`TextBlock` of n strings is two flat arrays: ``blob`` (uint8, the
strings' UTF-8 bytes back to back) and ``offsets`` (int64[n+1]). Loaded from
disk both are memory-mapped, so a million stored documents cost address
space, not RAM, until a hit is read. Lone surrogates survive a round trip
(``surrogatepass``): whatever string went in comes out.

>>> block = TextBlock.from_strings(["мектеп", "", "AMANAT"])
>>> block[0], block[2], len(block)
('мектеп', 'AMANAT', 3)
"""
from __future__ import annotations

from typing import Iterable, List, Sequence

import numpy as np

_CODEC = ("utf-8", "surrogatepass")


class TextBlock:
    """n strings in one blob; immutable."""

    __slots__ = ("blob", "offsets")

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob = blob
        self.offsets = offsets

    @classmethod
    def from_strings(cls, strings: Sequence[str]) -> "TextBlock":
        encoded = [s.encode(*_CODEC) for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return cls(blob, offsets)

    @classmethod
    def empty(cls, n: int) -> "TextBlock":
        """n empty strings."""
        return cls(np.zeros(0, dtype=np.uint8), np.zeros(n + 1, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.blob[lo:hi].tobytes().decode(*_CODEC)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def to_list(self) -> List[str]:
        return list(self)

    @property
    def nbytes(self) -> int:
        return int(self.offsets[-1])

    def take(self, indices: np.ndarray) -> "TextBlock":
        """The strings at ``indices``, in that order, as a new block (vectorised)."""
        indices = np.asarray(indices, dtype=np.int64)
        starts = self.offsets[indices]
        lengths = self.offsets[indices + 1] - starts
        offsets = np.zeros(len(indices) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if offsets[-1] == 0:
            return TextBlock(np.zeros(0, dtype=np.uint8), offsets)
        # byte j of the output comes from starts[i] + (j - offsets[i]) of the input
        shift = np.repeat(starts - offsets[:-1], lengths)
        positions = np.arange(offsets[-1], dtype=np.int64) + shift
        return TextBlock(np.asarray(self.blob)[positions], offsets)

    @classmethod
    def concat(cls, blocks: Iterable["TextBlock"]) -> "TextBlock":
        blocks = list(blocks)
        if not blocks:
            return cls.empty(0)
        sizes = [b.nbytes for b in blocks]
        blob = np.concatenate([np.asarray(b.blob[: b.nbytes]) for b in blocks]) if sum(sizes) else \
            np.zeros(0, dtype=np.uint8)
        parts = [np.zeros(1, dtype=np.int64)]
        base = 0
        for b, size in zip(blocks, sizes):
            parts.append(b.offsets[1:] - b.offsets[0] + base)
            base += size
        return cls(blob, np.concatenate(parts))
