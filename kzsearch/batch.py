"""Many queries at once, spread over processes.

The worker processes are forked from the caller, so they share the index's
arrays (memory-mapped or copy-on-write) instead of receiving a copy; the
collector is frozen first (``gc.freeze``) so that the children do not touch,
and thereby copy, every page of Python objects they inherit. Each worker
analyses and scores a slice of the queries against the snapshot taken before
the fork and sends back only positions and scores; the caller turns them
into hits with that same snapshot. Where ``fork`` is unavailable, or the
batch is too small to pay for the processes, the queries run here.
"""
from __future__ import annotations

import gc
import multiprocessing
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from .parallel import default_workers
from .query.parser import structured_query

#: below this many queries per worker, starting processes costs more than it saves
MIN_QUERIES_PER_WORKER = 64

_job: Any = None  # (index, snapshot, k, params) inherited by forked workers

Result = Tuple[np.ndarray, np.ndarray]


def _run(chunk: Sequence[str]) -> List[Result]:
    index, snapshot, k, params = _job
    fields = tuple(index.fields)
    return [index._rank(snapshot, q, structured_query(q, True, fields), k, params) for q in chunk]


def _build_lazy_structures(index: Any, queries: Sequence[str]) -> None:
    """Build what queries with unknown words need (query restoration, typo
    correction) here, before the fork, so that workers inherit it instead of
    each building its own."""
    vocabulary = index.vocabulary
    for q in queries:
        if (vocabulary.lookup(index.analyzer(q)) < 0).any():
            index.query_terms(q)
            return


def search_many(index: Any, queries: Sequence[str], k: int, params: Any,
                workers: Optional[int] = None) -> List[List[Any]]:
    """Top-k hits for every query (see :meth:`kzsearch.Index.search_many`)."""
    global _job
    snapshot = index._snapshot
    workers = workers or default_workers()
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    _job = (index, snapshot, k, params)
    try:
        if workers <= 1 or not can_fork or len(queries) < MIN_QUERIES_PER_WORKER * workers:
            results = _run(queries)
        else:
            size = -(-len(queries) // (workers * 4))
            chunks = [queries[i:i + size] for i in range(0, len(queries), size)]
            _build_lazy_structures(index, queries)
            gc.freeze()
            try:
                pool = multiprocessing.get_context("fork").Pool(workers)
            finally:
                gc.unfreeze()
            with pool:
                results = [r for part in pool.map(_run, chunks) for r in part]
    finally:
        _job = None
    return [index._hits(snapshot, positions, scores) for positions, scores in results]
