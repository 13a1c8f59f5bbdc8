"""Filters over metadata columns: checked once, then one vectorised mask per segment.

A filter is data, in Elasticsearch's words::

    {"region": "Түркістан"}                              equal
    {"region": ["Түркістан", "Алматы"]}                  any of
    {"date": {"gte": "2025-01-01", "lt": "2025-07-01"}}  range (gt, gte, lt, lte)
    {"views": {"gt": 100}, "tags": "бюджет"}             several keys: all must hold

A list field (``strs``) matches if any of its elements does. A document
without the key never matches. Dates compare as moments (``YYYY-MM-DD`` is
midnight UTC). :func:`compile_filter` checks a filter against the index's
column kinds — an unknown key, a wrong operator or a value of the wrong
kind is a ValueError / TypeError naming it — and :func:`filter_mask` turns
it into one bool per stored document, which the searcher combines with the
live mask before top-k, so filtering is exact.

>>> from kzsearch.engine.columns import Column
>>> spec = compile_filter({"views": {"gt": 100}}, {"views": "int"})
>>> segment_mask(spec, {"views": Column.build("int", [50, 150, None])}, 3).tolist()
[False, True, False]
"""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .columns import Column, parse_date

RANGE_OPERATORS = ("gt", "gte", "lt", "lte")
#: filter masks kept per snapshot (the most recently used)
FILTER_CACHE = 16


@dataclass(frozen=True)
class Condition:
    """One key's condition: ``values`` (any of) or ``ranges`` ((operator, bound), ...)."""

    key: str
    kind: str
    values: Optional[Tuple[Any, ...]] = None
    ranges: Tuple[Tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Filter:
    """A checked filter: conditions that must all hold; ``key`` identifies it for caching."""

    conditions: Tuple[Condition, ...]
    key: str


def _scalar(key: str, kind: str, value: Any) -> Any:
    """``value`` as the column of ``kind`` compares it; TypeError / ValueError naming ``key``."""
    if kind in ("str", "strs"):
        if not isinstance(value, str):
            raise TypeError(f"filter[{key!r}]: expected str, got {type(value).__name__}")
        return value
    if kind == "date":
        if not isinstance(value, str):
            raise TypeError(f"filter[{key!r}]: expected an ISO date str, got {type(value).__name__}")
        seconds = parse_date(value)
        if seconds is None:
            raise ValueError(f"filter[{key!r}]: {value!r} is not an ISO date (YYYY-MM-DD[THH:MM[:SS]])")
        return seconds
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"filter[{key!r}]: expected bool, got {type(value).__name__}")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"filter[{key!r}]: expected a number, got {type(value).__name__}")
    return value


def compile_filter(filter: Optional[Mapping[str, Any]], kinds: Mapping[str, str],
                   text_fields: Sequence[str] = ()) -> Optional[Filter]:
    """Check ``filter`` against the column ``kinds`` (key -> kind); None for no filter."""
    if filter is None:
        return None
    if not isinstance(filter, Mapping):
        raise TypeError(f"filter must be a dict, not {type(filter).__name__}")
    conditions: List[Condition] = []
    for key, spec in filter.items():
        if not isinstance(key, str):
            raise TypeError(f"filter: keys must be str, not {type(key).__name__}")
        if key not in kinds:
            if key in text_fields:
                raise ValueError(f"filter: {key!r} is a text field, not metadata; search it instead")
            known = ", ".join(sorted(kinds)) or "none"
            raise ValueError(f"filter: unknown key {key!r} (metadata keys: {known})")
        kind = kinds[key]
        if isinstance(spec, Mapping):
            if not spec:
                raise ValueError(f"filter[{key!r}]: an empty range")
            ranges = []
            for op, bound in spec.items():
                if op not in RANGE_OPERATORS:
                    raise ValueError(f"filter[{key!r}]: unknown operator {op!r} "
                                     f"(use {', '.join(RANGE_OPERATORS)})")
                if kind in ("str", "strs", "bool"):
                    raise ValueError(f"filter[{key!r}]: operator {op!r} needs a number or date "
                                     f"field; {key!r} holds {kind}")
                ranges.append((op, _scalar(key, kind, bound)))
            conditions.append(Condition(key, kind, ranges=tuple(ranges)))
        elif isinstance(spec, (list, tuple)):
            conditions.append(Condition(key, kind, values=tuple(_scalar(key, kind, v) for v in spec)))
        else:
            conditions.append(Condition(key, kind, values=(_scalar(key, kind, spec),)))
    if not conditions:
        return None
    return Filter(tuple(conditions), json.dumps([[c.key, c.values, c.ranges] for c in conditions],
                                                ensure_ascii=False, default=str))


_COMPARE = {"gt": np.greater, "gte": np.greater_equal, "lt": np.less, "lte": np.less_equal}


def column_mask(condition: Condition, column: Optional[Column], n_docs: int) -> np.ndarray:
    """bool[n_docs]: which documents of one segment meet ``condition``."""
    if column is None:
        return np.zeros(n_docs, dtype=bool)
    values = np.asarray(column.values)
    if column.kind in ("str", "strs"):
        codes = column.codes_of(condition.values or ())
        hit = np.isin(values, codes) if len(codes) else np.zeros(len(values), dtype=bool)
        if column.kind == "str":
            return hit
        counts = np.concatenate(([0], np.cumsum(hit, dtype=np.int64)))
        offsets = np.asarray(column.offsets)
        return counts[offsets[1:]] > counts[offsets[:-1]]
    mask = np.asarray(column.present).copy()
    if condition.values is not None:
        mask &= np.isin(values, np.array(condition.values))
    for op, bound in condition.ranges:
        mask &= _COMPARE[op](values, bound)
    return mask


def segment_mask(spec: Filter, columns: Mapping[str, Column], n_docs: int) -> np.ndarray:
    """bool[n_docs]: which documents of one segment pass every condition of ``spec``."""
    mask = np.ones(n_docs, dtype=bool)
    for condition in spec.conditions:
        mask &= column_mask(condition, columns.get(condition.key), n_docs)
    return mask


def filter_mask(spec: Filter, segments: Sequence[Any], live: Optional[np.ndarray]) -> np.ndarray:
    """bool over all stored documents of ``segments``: live and passing ``spec``."""
    parts = [segment_mask(spec, seg.columns, seg.n_docs) for seg in segments]
    mask = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    if live is not None:
        mask &= live
    return mask


def cached_mask(spec: Filter, snapshot: Any) -> np.ndarray:
    """:func:`filter_mask` over a :class:`~kzsearch.engine.searcher.Snapshot`, the last
    :data:`FILTER_CACHE` filters' masks kept with the snapshot (a repeated filter costs nothing)."""
    with snapshot._lock:
        cache = snapshot._cache.setdefault("filters", OrderedDict())
        mask = cache.get(spec.key)
        if mask is not None:
            cache.move_to_end(spec.key)
            return mask
    mask = filter_mask(spec, snapshot.segments, snapshot.live)
    with snapshot._lock:
        cache[spec.key] = mask
        while len(cache) > FILTER_CACHE:
            cache.popitem(last=False)
    return mask
