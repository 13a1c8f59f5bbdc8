"""Stored strings (document texts and ids), in memory or memory-mapped from disk.

A :class:`TextBlock` holds n strings in one of two forms:

* in memory, the Python strings themselves (what ``add`` was given: storing
  them costs no copy and no encoding);
* on disk, two flat arrays: ``blob`` (uint8, the strings' UTF-8 bytes back to
  back) and ``offsets`` (int64[n+1]). Loaded indexes memory-map them, so a
  million stored documents cost address space, not RAM, until a hit is read.

Lone surrogates survive the trip to disk (``surrogatepass``): whatever string
went in comes out. Bytes that are not UTF-8 (a forged or damaged folder; the
load checks ids and terms, texts are read when a hit needs them) raise
:class:`kzsearch.IndexFormatError`, not a decode error.

>>> block = TextBlock.from_strings(["мектеп", "", "AMANAT"])
>>> block[0], block[2], len(block)
('мектеп', 'AMANAT', 3)
>>> TextBlock(*block.to_arrays())[0]
'мектеп'
"""
from __future__ import annotations

from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import IndexFormatError

_CODEC = ("utf-8", "surrogatepass")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode(*_CODEC)
    except UnicodeDecodeError:
        raise IndexFormatError("a stored string is not UTF-8 (the index files are damaged)") from None


class TextBlock:
    """n strings; immutable (see the module docstring)."""

    __slots__ = ("strings", "blob", "offsets")

    def __init__(self, blob: Optional[np.ndarray] = None, offsets: Optional[np.ndarray] = None,
                 strings: Optional[List[str]] = None) -> None:
        if (strings is None) == (blob is None or offsets is None):
            raise ValueError("a TextBlock holds either strings or blob and offsets")
        self.strings = strings
        self.blob = blob
        self.offsets = offsets

    @classmethod
    def from_strings(cls, strings: Sequence[str]) -> "TextBlock":
        return cls(strings=list(strings))

    @classmethod
    def empty(cls, n: int) -> "TextBlock":
        """n empty strings."""
        return cls(strings=[""] * n)

    def __len__(self) -> int:
        if self.strings is not None:
            return len(self.strings)
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        if self.strings is not None:
            return self.strings[i]
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return _decode(self.blob[lo:hi].tobytes())

    def __iter__(self) -> Iterator[str]:
        if self.strings is not None:
            return iter(self.strings)
        raw = self.blob.tobytes()
        bounds = self.offsets.tolist()
        if raw.isascii():  # one decode, then slices: byte offsets are character offsets
            text = raw.decode("ascii")
            return (text[a:b] for a, b in zip(bounds, bounds[1:]))
        return (_decode(raw[a:b]) for a, b in zip(bounds, bounds[1:]))

    def to_arrays(self) -> Tuple[np.ndarray, np.ndarray]:
        """(blob, offsets): the on-disk form."""
        if self.strings is None:
            return self.blob, self.offsets
        encoded = [s.encode(*_CODEC) for s in self.strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
        return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets

    def take(self, indices: np.ndarray) -> "TextBlock":
        """The strings at ``indices``, in that order, as a new block."""
        if self.strings is not None:
            strings = self.strings
            return TextBlock(strings=[strings[i] for i in np.asarray(indices).tolist()])
        indices = np.asarray(indices, dtype=np.int64)
        starts = np.asarray(self.offsets[indices], dtype=np.int64)
        return gather_strings(self.blob, starts, np.asarray(self.offsets[indices + 1], dtype=np.int64) - starts)

    @classmethod
    def concat(cls, blocks: Iterable["TextBlock"]) -> "TextBlock":
        blocks = list(blocks)
        if all(b.strings is not None for b in blocks):
            return cls(strings=[s for b in blocks for s in b.strings])  # type: ignore[union-attr]
        arrays = [b.to_arrays() for b in blocks]
        blob = np.concatenate([np.asarray(blob[off[0]:off[-1]]) for blob, off in arrays])
        parts = [np.zeros(1, dtype=np.int64)]
        base = 0
        for _, off in arrays:
            parts.append(off[1:] - off[0] + base)
            base += int(off[-1] - off[0])
        return cls(blob, np.concatenate(parts))


def gather_strings(blob: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> TextBlock:
    """The strings ``blob[starts[i]:starts[i] + lengths[i]]`` as a new block, without a loop."""
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # byte j of the output comes from starts[i] + (j - offsets[i]) of the input
    shift = np.repeat(np.asarray(starts, dtype=np.int64) - offsets[:-1], lengths)
    positions = np.arange(offsets[-1], dtype=np.int64) + shift
    return TextBlock(np.asarray(blob)[positions], offsets)
