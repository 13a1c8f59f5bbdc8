"""Checks of the arguments the public API takes (Index, ShardedIndex).

Each check returns the value as the index uses it (a plain ``int`` for a
NumPy integer) or raises, naming the argument: TypeError for a wrong type,
ValueError for a wrong value. They run before anything changes, so a call
they reject leaves the index exactly as it was.

>>> check_k(3), check_offset(0), check_flag(True, "typos"), check_query("облыс")
(3, 0, True, 'облыс')
>>> check_k(-1)
Traceback (most recent call last):
ValueError: k must be a non-negative integer, got -1
>>> check_query(b"x", "doc_id")
Traceback (most recent call last):
TypeError: doc_id must be str, not bytes
"""
from __future__ import annotations

import numpy as np

from .engine.merging import MergePolicy


def check_k(k: object) -> int:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be a non-negative integer, not {type(k).__name__}")
    if k < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    return int(k)


def check_workers(workers: object) -> None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")


def check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be bool, not {type(value).__name__}")
    return value


def check_offset(offset: object) -> int:
    if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)):
        raise TypeError(f"offset must be an int, not {type(offset).__name__}")
    if offset < 0:
        raise ValueError(f"offset must be >= 0, got {offset!r}")
    return int(offset)


def check_query(query: object, name: str = "query") -> str:
    if not isinstance(query, str):
        raise TypeError(f"{name} must be str, not {type(query).__name__}")
    return query


def check_index_settings(merge_policy: object, background_merges: object, restore_queries: object) -> None:
    """The writing and query settings of ``Index(...)``."""
    if merge_policy is not None and not isinstance(merge_policy, MergePolicy):
        raise TypeError(f"merge_policy must be a MergePolicy, not {type(merge_policy).__name__}")
    if not isinstance(background_merges, bool):
        raise TypeError(f"background_merges must be bool, not {type(background_merges).__name__}")
    if restore_queries is not None and not isinstance(restore_queries, bool):
        raise TypeError(f"restore_queries must be bool or None, not {type(restore_queries).__name__}")
