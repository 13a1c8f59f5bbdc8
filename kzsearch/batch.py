"""Many queries at once, spread over processes.

The worker processes are forked from the caller, so they share the index's
arrays (memory-mapped or copy-on-write) instead of receiving a copy; each
runs ordinary :meth:`Index.search` calls on a slice of the queries and sends
back plain tuples. Where ``fork`` is unavailable, or the batch is small, the
queries run in this process.
"""
from __future__ import annotations

import multiprocessing
from typing import Any, List, Optional, Sequence, Tuple

from .parallel import default_workers

_index: Any = None
_options: dict = {}

Row = Tuple[str, float, str]


def _run(chunk: Sequence[str]) -> List[List[Row]]:
    return [[(h.id, h.score, h.text) for h in _index.search(q, **_options)] for q in chunk]


def search_many(index: Any, queries: Sequence[str], k: int, *, workers: Optional[int] = None,
                k1: Optional[float] = None, b: Optional[float] = None) -> List[List[Any]]:
    from .index import Hit

    options = {"k": k, "k1": k1, "b": b}
    workers = workers or default_workers()
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or not can_fork or len(queries) < 8 * workers:
        return [index.search(q, **options) for q in queries]
    global _index, _options
    _index, _options = index, options
    try:
        size = max(1, len(queries) // (workers * 4))
        chunks = [queries[i:i + size] for i in range(0, len(queries), size)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_run, chunks)
    finally:
        _index, _options = None, {}
    return [[Hit(*row) for row in rows] for part in parts for rows in part]
