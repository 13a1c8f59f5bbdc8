"""Metadata columns: one typed NumPy column per stored key, per segment.

A document's keys other than its text fields are stored metadata; the ones
a filter can use are kept as columns over the segment's documents:

======  =====================================  ==========================================
kind    values (one per document)              missing value
======  =====================================  ==========================================
int     int64                                  ``present`` False
float   float64                                ``present`` False
bool    int8 (0 / 1)                           ``present`` False
date    int64 seconds since 1970-01-01 (UTC)   ``present`` False
str     int32 code into ``dictionary``         code -1
strs    CSR: ``offsets`` int64[D+1] and int32  an empty row
        codes into ``dictionary``
======  =====================================  ==========================================

``dictionary`` holds a column's distinct strings in order of first
occurrence (a :class:`~kzsearch.engine.docstore.TextBlock`). A column is
immutable; merges ``take`` the surviving documents and ``concat`` columns,
re-coding strings into one dictionary. A key a segment has never seen reads
as missing for all its documents (:meth:`Column.missing`).

>>> col = Column.build("str", ["Алматы", None, "Түркістан", "Алматы"])
>>> col.values.tolist(), list(col.dictionary)
([0, -1, 1, 0], ['Алматы', 'Түркістан'])
>>> Column.build("date", ["2025-03-01", "2025-03-01T05:00:00+05:00"]).values.tolist()
[1740787200, 1740787200]
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .docstore import TextBlock

KINDS = ("int", "float", "bool", "date", "str", "strs")
_NUMERIC_DTYPES = {"int": np.int64, "float": np.float64, "bool": np.int8, "date": np.int64}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?)?")


def is_iso_date(value: str) -> bool:
    """True for ``YYYY-MM-DD``, optionally with a time and a UTC offset."""
    return bool(_ISO_DATE.fullmatch(value)) and parse_date(value) is not None


def parse_date(value: str) -> Optional[int]:
    """Seconds since 1970-01-01 UTC of an ISO date (a naive time is read as UTC), or None.

    >>> parse_date("1970-01-02"), parse_date("2025-13-01")
    (86400, None)
    """
    if not _ISO_DATE.fullmatch(value):
        return None
    text = value.replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if re.search(r"[+-]\d{4}$", text) and "T" in text:
        text = text[:-2] + ":" + text[-2:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return math.floor(moment.timestamp())


def kind_of(value: Any) -> Optional[str]:
    """The column kind a metadata value needs, None for None (missing); TypeError if unsupported."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        if not -2 ** 63 <= int(value) < 2 ** 63:
            raise TypeError("int outside the 64-bit range")
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, str):
        return "date" if is_iso_date(value) else "str"
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return "strs"
    raise TypeError(f"{type(value).__name__} is not a supported metadata type "
                    "(str, int, float, bool, ISO date, list of str)")


def merge_kinds(old: Optional[str], new: str) -> Optional[str]:
    """The kind of a column that held ``old`` values and receives a ``new`` one (None: conflict).

    Ints widen to floats; an ISO date among strings makes nothing special
    of the column (a ``str`` column stays one, and a ``date`` column that
    receives a non-date string is a conflict).
    """
    if old is None or old == new:
        return new
    if {old, new} == {"int", "float"}:
        return "float"
    if old == "str" and new == "date":
        return "str"
    return None


@dataclass(frozen=True, eq=False)
class Column:
    """One metadata column over a segment's documents (see the module docstring)."""

    kind: str
    values: np.ndarray
    present: Optional[np.ndarray] = None        # numeric kinds
    offsets: Optional[np.ndarray] = None        # strs
    dictionary: Optional[TextBlock] = None      # str, strs

    def __len__(self) -> int:
        if self.kind == "strs":
            return len(self.offsets) - 1  # type: ignore[arg-type]
        return len(self.values)

    # ---------------------------------------------------------------- building
    @classmethod
    def build(cls, kind: str, values: Sequence[Any]) -> "Column":
        """A column of ``kind`` from one Python value per document (None: missing)."""
        n = len(values)
        if kind in _NUMERIC_DTYPES:
            present = np.fromiter((v is not None for v in values), dtype=bool, count=n)
            if kind == "date":
                raw = [parse_date(v) if v is not None else 0 for v in values]
            else:
                raw = [v if v is not None else 0 for v in values]
            return cls(kind, np.array(raw, dtype=_NUMERIC_DTYPES[kind]).reshape(n), present)
        codes: Dict[str, int] = {}
        if kind == "str":
            out = np.fromiter((codes.setdefault(v, len(codes)) if v is not None else -1 for v in values),
                              dtype=np.int32, count=n)
            return cls(kind, out, dictionary=TextBlock.from_strings(list(codes)))
        if kind == "strs":
            lengths = np.fromiter((len(v) if v is not None else 0 for v in values), dtype=np.int64, count=n)
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            flat = np.fromiter((codes.setdefault(s, len(codes)) for v in values if v for s in v),
                               dtype=np.int32, count=int(offsets[-1]))
            return cls(kind, flat, offsets=offsets, dictionary=TextBlock.from_strings(list(codes)))
        raise ValueError(f"unknown column kind {kind!r}")

    @classmethod
    def missing(cls, kind: str, n: int) -> "Column":
        """A column of ``kind`` where all ``n`` documents lack the key."""
        return cls.build(kind, [None] * n)

    # ---------------------------------------------------------------- reading
    def value(self, i: int) -> Any:
        """The value of document ``i`` as filters see it (dates as seconds), None if missing."""
        if self.kind in _NUMERIC_DTYPES:
            if not self.present[i]:  # type: ignore[index]
                return None
            v = self.values[i].item()
            return bool(v) if self.kind == "bool" else v
        if self.kind == "str":
            code = int(self.values[i])
            return None if code < 0 else self.dictionary[code]  # type: ignore[index]
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])  # type: ignore[index]
        return [self.dictionary[int(c)] for c in self.values[lo:hi]]  # type: ignore[index]

    def codes_of(self, strings: Sequence[str]) -> np.ndarray:
        """Codes of those of ``strings`` that occur in this column's dictionary."""
        wanted = set(strings)
        return np.array([code for code, s in enumerate(self.dictionary or ()) if s in wanted],
                        dtype=np.int32)

    # ---------------------------------------------------------------- merging
    def take(self, indices: np.ndarray) -> "Column":
        """The documents at ``indices``, in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        if self.kind in _NUMERIC_DTYPES:
            return Column(self.kind, np.asarray(self.values)[indices], np.asarray(self.present)[indices])
        if self.kind == "str":
            return Column(self.kind, np.asarray(self.values)[indices], dictionary=self.dictionary)
        offsets = np.asarray(self.offsets)
        starts, lengths = offsets[indices], offsets[indices + 1] - offsets[indices]
        new_offsets = np.zeros(len(indices) + 1, dtype=np.int64)
        np.cumsum(lengths, out=new_offsets[1:])
        gather = np.repeat(starts - new_offsets[:-1], lengths) + np.arange(new_offsets[-1], dtype=np.int64)
        return Column(self.kind, np.asarray(self.values)[gather], offsets=new_offsets,
                      dictionary=self.dictionary)

    def as_kind(self, kind: str) -> "Column":
        """This column widened to ``kind`` (int -> float); itself if it already is one."""
        if kind == self.kind:
            return self
        if self.kind == "int" and kind == "float":
            return Column("float", np.asarray(self.values).astype(np.float64), self.present)
        if self.kind == "date" and kind == "str":  # not produced by merge_kinds; kept total
            return Column.build("str", [_format_date(v) for v in self._python_values()])
        raise ValueError(f"cannot read a {self.kind} column as {kind}")

    def _python_values(self) -> List[Any]:
        return [self.value(i) for i in range(len(self))]

    @staticmethod
    def concat(columns: Sequence["Column"]) -> "Column":
        """One column: the documents of ``columns`` back to back (all of one kind)."""
        kind = columns[0].kind
        if kind in _NUMERIC_DTYPES:
            return Column(kind, np.concatenate([np.asarray(c.values) for c in columns]),
                          np.concatenate([np.asarray(c.present) for c in columns]))
        strings: Dict[str, int] = {}
        parts = []
        for c in columns:  # re-code into one dictionary: a gather per column
            recode = np.array([strings.setdefault(s, len(strings)) for s in c.dictionary or ()] + [-1],
                              dtype=np.int32)
            parts.append(recode[np.asarray(c.values)])  # code -1 picks the trailing -1
        values = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        dictionary = TextBlock.from_strings(list(strings))
        if kind == "str":
            return Column(kind, values, dictionary=dictionary)
        offsets = [np.zeros(1, dtype=np.int64)]
        base = 0
        for c in columns:
            off = np.asarray(c.offsets)
            offsets.append(off[1:] + base)
            base += int(off[-1])
        return Column(kind, values, offsets=np.concatenate(offsets), dictionary=dictionary)

    # ---------------------------------------------------------------- storage
    def to_arrays(self) -> Dict[str, np.ndarray]:
        """The named flat arrays that store this column."""
        out = {"values": np.asarray(self.values)}
        if self.present is not None:
            out["present"] = np.asarray(self.present)
        if self.offsets is not None:
            out["offsets"] = np.asarray(self.offsets)
        if self.dictionary is not None:
            blob, offsets = self.dictionary.to_arrays()
            out["dict_blob"], out["dict_offsets"] = np.asarray(blob), offsets
        return out

    @classmethod
    def from_arrays(cls, kind: str, arrays: Dict[str, np.ndarray], n_docs: int) -> "Column":
        """The column stored as ``arrays``; ValueError if they do not fit together."""
        if kind not in KINDS:
            raise ValueError(f"unknown column kind {kind!r}")
        dictionary = None
        if kind in ("str", "strs"):
            blob, offsets = arrays["dict_blob"], arrays["dict_offsets"]
            if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(blob):
                raise ValueError("dictionary offsets do not match its blob")
            dictionary = TextBlock(blob, offsets)
        column = cls(kind, arrays["values"], arrays.get("present"), arrays.get("offsets"), dictionary)
        if len(column) != n_docs:
            raise ValueError(f"a {kind} column of {len(column)} documents in a segment of {n_docs}")
        if kind in _NUMERIC_DTYPES and (column.present is None or len(column.present) != n_docs):
            raise ValueError("a numeric column needs a presence mask")
        if kind in ("str", "strs") and len(column.values):
            limit = len(dictionary)  # type: ignore[arg-type]
            if int(np.max(column.values)) >= limit or int(np.min(column.values)) < -1:
                raise ValueError("string codes beyond the dictionary")
        if kind == "strs":
            off = column.offsets
            if off[0] != 0 or off[-1] != len(column.values) or np.any(np.diff(off) < 0):
                raise ValueError("list offsets are not a valid CSR index")
        return column


def _format_date(seconds: Optional[int]) -> Optional[str]:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def build_columns(schema: Dict[str, str], rows: Sequence[Optional[Dict[str, Any]]]) -> Dict[str, Column]:
    """Columns of ``schema`` (key -> kind) over documents' metadata ``rows`` (None: no metadata)."""
    out = {}
    for key, kind in schema.items():
        values = [row.get(key) if row else None for row in rows]
        if kind == "float":
            values = [float(v) if v is not None else None for v in values]
        out[key] = Column.build(kind, values)
    return out


def concat_columns(parts: Sequence[Dict[str, Column]], sizes: Sequence[int],
                   schema: Optional[Dict[str, str]] = None) -> Dict[str, Column]:
    """Columns of consecutive runs of documents (``sizes[i]`` documents in ``parts[i]``)."""
    kinds: Dict[str, str] = dict(schema or {})
    for part in parts:
        for key, col in part.items():
            kind = merge_kinds(kinds.get(key), col.kind)
            kinds[key] = kind if kind is not None else col.kind
    out = {}
    for key, kind in kinds.items():
        cols = [part[key].as_kind(kind) if key in part else Column.missing(kind, n)
                for part, n in zip(parts, sizes)]
        if not cols:
            continue
        out[key] = Column.concat(cols)
    return out
