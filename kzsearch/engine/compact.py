"""Compact positions on disk (format 3): narrow values with escapes, offsets derived from tfs.

Format 2 stored a segment's positions as int32 ``field << 24 | position`` plus
``pos_offsets`` (uint32 or int64, one per posting): 8 bytes a posting and 4 a
position. Format 3 stores, for the N positions of a segment::

    positions.low     uint8, uint16 or int32 [N]  each position within its field; in
                                                  uint8/uint16 the dtype's largest value
                                                  is an escape
    positions.exc_at  int64 [E]   where the escapes are, ascending
    positions.exc     int32 [E]   the positions there
    positions.fields  uint8 [N]   the field of each position (only with 2+ text fields)

and no offsets at all: the positions of posting p start at the sum of the
term frequencies before it. :func:`encode_positions` picks the width that
costs least (1 byte a position for documents under 255 words, escapes for
the odd long one); :class:`PositionStore` and :class:`DerivedOffsets` read
them back, memory-mapped, and index like the arrays they replace (an int, a
slice, an integer array; ``np.asarray`` for all), decoding only what is
asked for. :func:`check_positions` is the load-time structure check.

>>> positions = np.array([3, 7] * 10 + [300, (1 << 24) | 2], dtype=np.int32)
>>> parts = encode_positions(positions, n_fields=2)
>>> sorted(parts), parts["positions.low"].dtype.name, parts["positions.exc"].tolist()
(['positions.exc', 'positions.exc_at', 'positions.fields', 'positions.low'], 'uint8', [300])
>>> store = PositionStore.from_parts(parts)
>>> np.array_equal(store[1:22], positions[1:]), store[np.array([21, 20])].tolist() == [(1 << 24) | 2, 300]
(True, True)
>>> offsets = DerivedOffsets(np.array([2, 1, 1], dtype=np.uint8))
>>> int(offsets[1]), offsets[1:].tolist(), offsets[np.array([3, 0])].tolist(), len(offsets)
(2, [2, 3, 4], [4, 0], 4)
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from .segment import FIELD_SHIFT

#: postings between two checkpoints of :class:`DerivedOffsets` (a lookup sums fewer tfs)
STEP = 128
#: the parts of format 3's positions (file ``<segment>.<part>.npy``)
POSITION_PARTS = ("positions.low", "positions.exc_at", "positions.exc", "positions.fields")
_LOW_MASK = (1 << FIELD_SHIFT) - 1
_CHUNK = 1 << 22  # positions encoded at a time (bounds the temporaries)


def _index_key(key: Any, n: int):
    """("int", i) | ("range", a, b) | ("array", idx) for an index into n items (an array is
    passed on as it is: NumPy checks its bounds where it gathers)."""
    if isinstance(key, (int, np.integer)):
        i = int(key)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {int(key)} is out of bounds for size {n}")
        return ("int", i)
    if isinstance(key, slice):
        a, b, step = key.indices(n)
        if step == 1:
            return ("range", a, max(a, b))
        return ("array", np.arange(a, b, step, dtype=np.int64))
    idx = key if isinstance(key, np.ndarray) else np.asarray(key)
    if idx.ndim != 1 or not (idx.size == 0 or idx.dtype.kind in "iu"):
        raise IndexError("only integers, slices and 1-d integer arrays index these positions")
    return ("array", idx)


class DerivedOffsets:
    """``[0, tfs[0], tfs[0] + tfs[1], ...]`` (int64) computed on demand from ``tfs``.

    One checkpoint every :data:`STEP` postings is made up front (one pass
    over ``tfs``); a lookup then sums at most STEP-1 term frequencies, and a
    range or an integer array costs one cumulative sum over its span.
    """

    __slots__ = ("tfs", "checkpoints", "total", "_last")
    dtype = np.dtype(np.int64)
    ndim = 1

    def __init__(self, tfs: np.ndarray) -> None:
        self.tfs = tfs
        n = len(tfs)
        full = n - n % STEP
        # sums of STEP counts fit a dtype twice as wide (uint8 -> uint16): the pass costs less
        wide = {1: np.uint16, 2: np.uint32}.get(tfs.dtype.itemsize, np.int64) \
            if tfs.dtype.kind == "u" else np.int64
        sums = np.asarray(tfs[:full]).reshape(-1, STEP).sum(axis=1, dtype=wide)
        if full < n:
            sums = np.append(sums.astype(np.int64), tfs[full:].sum(dtype=np.int64))
        self.checkpoints = np.zeros(len(sums) + 1, dtype=np.int64)
        np.cumsum(sums, dtype=np.int64, out=self.checkpoints[1:])
        self.total = int(self.checkpoints[-1])
        self._last: Optional[Tuple[int, np.ndarray]] = None

    def __len__(self) -> int:
        return len(self.tfs) + 1

    @property
    def shape(self):
        return (len(self),)

    def _range(self, lo: int, hi: int) -> np.ndarray:
        """The values at lo .. hi-1."""
        if hi <= lo:
            return np.zeros(0, dtype=np.int64)
        start, values = self._span(lo, hi)
        return values[lo - start:hi - start]

    def _span(self, lo: int, hi: int) -> Tuple[int, np.ndarray]:
        """(start, the values from start on) covering lo .. hi-1; the last span is kept, so
        that looking up p and then p + 1 (a posting's start and end) sums the tfs once."""
        last = self._last
        if last is not None and last[0] <= lo and hi <= last[0] + len(last[1]):
            return last
        start = lo - lo % STEP
        end = min(hi + STEP, len(self))  # a little past: the next lookup is often one further
        out = np.empty(end - start, dtype=np.int64)
        out[0] = self.checkpoints[start // STEP]
        np.cumsum(self.tfs[start:end - 1], dtype=np.int64, out=out[1:])
        out[1:] += out[0]
        last = (start, out)
        self._last = last
        return last

    def __getitem__(self, key: Any) -> Any:
        if type(key) is np.ndarray and key.ndim == 1 and key.dtype.kind in "iu":
            idx = key  # the common case (a phrase's postings): straight to the gather
        else:
            kind, *rest = _index_key(key, len(self))
            if kind == "int":
                i = rest[0]
                return np.int64(self.checkpoints[i // STEP] + self.tfs[i - i % STEP:i].sum(dtype=np.int64))
            if kind == "range":
                return self._range(rest[0], rest[1])
            idx = rest[0]
        if not len(idx):
            return np.zeros(0, dtype=np.int64)
        if len(idx) <= 64:  # Python's min and max cost less than NumPy's on a few items
            items = idx.tolist()
            lo, hi = min(items), max(items) + 1
        else:
            lo, hi = int(idx.min()), int(idx.max()) + 1
        if lo < 0:
            idx = np.where(idx < 0, idx + len(self), idx)
            lo, hi = int(idx.min()), int(idx.max()) + 1
        if lo < 0 or hi > len(self):
            raise IndexError(f"index out of bounds for size {len(self)}")
        if len(idx) * STEP * 4 >= hi - lo:  # dense: one cumulative sum over the span
            start, values = self._span(lo, hi)
            return values[idx - start]
        blocks = idx // STEP
        # sparse (a few postings of a long list): sum within the blocks they fall in
        unique, row = np.unique(blocks, return_inverse=True)
        cols = unique[:, None] * STEP + np.arange(STEP)
        inside = cols < len(self.tfs)
        counts = np.where(inside, self.tfs[np.where(inside, cols, 0)], 0).astype(np.int64)
        before = np.cumsum(counts, axis=1) - counts  # exclusive: the tfs before each column
        return self.checkpoints[unique][row] + before[row, idx - blocks * STEP]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self._range(0, len(self))
        return out if dtype is None else out.astype(dtype)


class PositionStore:
    """Format 3's positions (see the module docstring), indexable like the int32 array they encode."""

    __slots__ = ("low", "exc_at", "exc", "fields", "escape")
    dtype = np.dtype(np.int32)
    ndim = 1

    def __init__(self, low: np.ndarray, exc_at: np.ndarray, exc: np.ndarray,
                 fields: Optional[np.ndarray] = None) -> None:
        self.low, self.exc_at, self.exc, self.fields = low, exc_at, exc, fields
        self.escape = int(np.iinfo(low.dtype).max) if low.dtype != np.int32 else -1

    @classmethod
    def from_parts(cls, parts: Dict[str, np.ndarray]) -> "PositionStore":
        return cls(parts["positions.low"], parts.get("positions.exc_at", np.zeros(0, np.int64)),
                   parts.get("positions.exc", np.zeros(0, np.int32)), parts.get("positions.fields"))

    def parts(self) -> Dict[str, np.ndarray]:
        """The arrays to write (escapes and fields only when there are some)."""
        out = {"positions.low": self.low}
        if len(self.exc_at):
            out["positions.exc_at"], out["positions.exc"] = self.exc_at, self.exc
        if self.fields is not None:
            out["positions.fields"] = self.fields
        return out

    def __len__(self) -> int:
        return len(self.low)

    @property
    def shape(self):
        return (len(self),)

    def _decode(self, low: np.ndarray, fields: Optional[np.ndarray]) -> np.ndarray:
        values = low.astype(np.int32)
        if fields is not None:
            values |= fields.astype(np.int32) << FIELD_SHIFT
        return values

    def __getitem__(self, key: Any) -> Any:
        if type(key) is np.ndarray and key.ndim == 1 and key.dtype.kind in "iu":
            kind, rest = "array", [key]
        else:
            kind, *rest = _index_key(key, len(self))
        if kind == "int":
            return np.int32(self[np.array([rest[0]])][0])
        if kind == "range":
            a, b = rest
            values = self._decode(self.low[a:b], None if self.fields is None else self.fields[a:b])
            if len(self.exc_at):
                j0, j1 = np.searchsorted(self.exc_at, [a, b])
                if j1 > j0:
                    at = self.exc_at[j0:j1]
                    values[at - a] = self._field_bits(at) | self.exc[j0:j1]
            return values
        idx = rest[0]
        values = self._decode(self.low[idx], None if self.fields is None else self.fields[idx])
        if len(self.exc_at):
            esc = np.flatnonzero(self.low[idx] == self.escape)
            if len(esc):
                at = np.searchsorted(self.exc_at, idx[esc])
                values[esc] = self._field_bits(idx[esc]) | self.exc[at]
        return values

    def _field_bits(self, where: np.ndarray) -> np.ndarray:
        if self.fields is None:
            return np.zeros(len(where), dtype=np.int32)
        return self.fields[where].astype(np.int32) << FIELD_SHIFT

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self[0:len(self)]
        return out if dtype is None else out.astype(dtype)


def low_dtype(n: int, over8: int, over16: int) -> np.dtype:
    """The width of ``positions.low`` that costs least for ``n`` positions of which ``over8``
    are at least 255 and ``over16`` at least 65535 (each escape costs 12 bytes).

    >>> low_dtype(100, 1, 0).name, low_dtype(100, 50, 0).name, low_dtype(100, 50, 50).name
    ('uint8', 'uint16', 'int32')
    """
    cost = {8: n + 12 * over8, 16: 2 * n + 12 * over16, 32: 4 * n}
    bits = min(cost, key=lambda b: (cost[b], b))
    return np.dtype({8: np.uint8, 16: np.uint16, 32: np.int32}[bits])


def encode_positions(positions: Any, n_fields: int) -> Dict[str, np.ndarray]:
    """Format 3's position parts of ``positions`` (int32 ``field << 24 | position``, or a store)."""
    if isinstance(positions, PositionStore):
        return positions.parts()
    positions = np.asarray(positions)
    n = len(positions)
    counts = {8: 0, 16: 0}
    for a in range(0, n, _CHUNK):
        low = positions[a:a + _CHUNK] & _LOW_MASK
        counts[8] += int(np.count_nonzero(low >= 0xFF))
        counts[16] += int(np.count_nonzero(low >= 0xFFFF))
    dtype = low_dtype(n, counts[8], counts[16])
    low_out = np.empty(n, dtype=dtype)
    fields = np.empty(n, dtype=np.uint8) if n_fields > 1 else None
    exc_at, exc = [], []
    escape = int(np.iinfo(dtype).max) if dtype != np.int32 else None
    for a in range(0, n, _CHUNK):
        chunk = positions[a:a + _CHUNK]
        low = chunk & _LOW_MASK
        if escape is not None:
            over = np.flatnonzero(low >= escape)
            if len(over):
                exc_at.append(over + a)
                exc.append(low[over].astype(np.int32))
                low[over] = escape
        low_out[a:a + len(chunk)] = low
        if fields is not None:
            fields[a:a + len(chunk)] = chunk >> FIELD_SHIFT
    out = {"positions.low": low_out}
    if exc_at:
        out["positions.exc_at"] = np.concatenate(exc_at).astype(np.int64)
        out["positions.exc"] = np.concatenate(exc)
    if fields is not None:
        out["positions.fields"] = fields
    return out


def check_positions(parts: Dict[str, np.ndarray], n_positions: int, n_fields: int) -> Optional[str]:
    """What is wrong with format 3's position parts of a segment holding ``n_positions``, or None."""
    low = parts["positions.low"]
    exc_at, exc = parts.get("positions.exc_at"), parts.get("positions.exc")
    fields = parts.get("positions.fields")
    if len(low) != n_positions:
        return "positions do not match the term frequencies"
    if (exc_at is None) != (exc is None) or (exc_at is not None and len(exc_at) != len(exc)):
        return "position escapes come in pairs"
    if (fields is not None) != (n_fields > 1) or (fields is not None and len(fields) != n_positions):
        return "position fields do not match the text fields"
    if low.dtype == np.int32:
        if exc_at is not None:
            return "int32 positions have no escapes"
        if n_positions and (int(low.min()) < 0 or int(low.max()) > _LOW_MASK):
            return "positions outside their fields"
    else:
        escape = int(np.iinfo(low.dtype).max)
        n_exc = 0 if exc_at is None else len(exc_at)
        if int(np.count_nonzero(low == escape)) != n_exc:
            return "position escapes do not match their values"
        if n_exc:
            if int(exc_at[0]) < 0 or int(exc_at[-1]) >= n_positions \
                    or (n_exc > 1 and not bool(np.all(exc_at[1:] > exc_at[:-1]))) \
                    or not bool(np.all(low[exc_at] == escape)):
                return "position escapes do not match their values"
            if int(exc.min()) < escape or int(exc.max()) > _LOW_MASK:
                return "positions outside their fields"
    if fields is not None and n_positions and int(fields.max()) >= n_fields:
        return "positions outside their fields"
    return None
