"""A sharded index on a Dask cluster: shards built and searched in parallel.

>>> from distributed import Client, LocalCluster
>>> from kzsearch.distributed import ShardedIndex
>>> with LocalCluster(n_workers=2, processes=False) as cluster, Client(cluster) as client:
...     index = ShardedIndex.build(client, ["Облыс бюджеті", "Мектеп оқушылары"], n_shards=2)
...     [hit.id for hit in index.search("бюджеті")]
['0']

Point ``Client`` at a real scheduler (``Client("tcp://host:8786")``) and the
same code runs on many machines; every worker needs kzsearch (and a custom
analyzer's module) installed.

Where the shards live. Each shard is an ordinary :class:`kzsearch.Index`
inside a Dask actor (:class:`~kzsearch.shard.Shard`) on one worker: the worker builds or
loads the Index and keeps it in its memory; the client holds a handle and
calls the actor's methods. A shard never crosses the network (an Index is
not even picklable); only queries, statistics and hits do. Why actors
rather than futures of Index objects with tasks pinned to their worker:

* latency: an actor call is one message to the object (relayed by the
  scheduler unless the client talks to workers directly), a task goes
  through the scheduler's task bookkeeping — a round trip to two shards
  took 1.7 ms against 11 ms on a 2-worker LocalCluster, and a search makes
  two;
* failure: when a worker dies, calls to its actors raise at once ("Worker
  holding Actor was lost"), while a task pinned to the vanished worker
  waits for it forever;
* Dask never spills or moves an actor, which a non-picklable Index needs.

The costs: Dask calls actors experimental, they do not show on the
dashboard, and a worker runs one actor call at a time, so give each worker
process one shard (``dask worker --nworkers N --nthreads 1``).

Scores equal one big Index's. BM25 needs collection-wide statistics, so a
search runs in two phases, each one round trip to all shards at once:

1. every shard analyses the queries and returns its live document count,
   total length and the document frequency of each query term; the client
   adds them up per query;
2. every shard searches with those global statistics
   (``Index.search(stats=...)``) and returns its top ``k``; the client merges
   them into the global top ``k``.

``search_many`` makes one call per shard and phase for the whole batch,
its queries, statistics and hits packed as one pickle (:class:`~kzsearch.shard.Packed`).
Method "okapi" also needs the mean idf over the whole vocabulary (its floor
for negative idf): it is computed once from every shard's document
frequencies and cached; the shards of a ``ShardedIndex`` never change.

Queries typed without Kazakh letters or in Latin script are re-spelled on
the client, once, against the terms and document frequencies of all shards
(fetched on first need and cached), exactly as one Index over all the
documents re-spells them; the shards then search the re-spelled text as
typed, so statistics and scores use the restored terms everywhere.

Ties rank by (shard number, position in the shard). ``build`` cuts the
documents into contiguous slices in input order, so that is input order, as
in a single Index.

A shard lives in one worker's memory: if that worker dies the shard is lost
and searches raise. Save the shards to storage every worker can read and
``load`` them again (memory-mapped: seconds, not a rebuild).

This module is the client, :class:`ShardedIndex`; the actor and what runs on
the workers are in :mod:`kzsearch.shard`, the arithmetic of splitting and
combining in :mod:`kzsearch.sharding`, the saved manifest in
:mod:`kzsearch.shard_manifest`.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

try:
    from distributed import Actor, Client, Future
except ImportError as error:  # pragma: no cover - checked in a subprocess by the tests
    raise ImportError('kzsearch.distributed needs Dask: pip install "kzsearch[distributed]"') from error

from .analysis import stem
from .checks import check_k, check_offset, check_query
from .engine.columns import merge_kinds
from .engine.filters import compile_filter
from .engine.scoring import okapi_mean_idf
from .index import Index, IndexSettings
from .ingest import Document
from .querying import Hit
from .restoration import QueryRestorer, needs_restoration
from .shard import Analyzer, Packed, Shard, ShardInfo, build_shard, load_shard
from .shard_manifest import MANIFEST, MANIFEST_FORMAT, MANIFEST_VERSION  # noqa: F401 (kzsearch.distributed names)
from .shard_manifest import read_manifest as _read_manifest, write_manifest as _write_manifest
from .sharding import combine_stats, global_okapi_mean_idf, merge_hits, split_documents  # noqa: F401


# ---------------------------------------------------------------- client-side helpers
def _check_queries(queries: Sequence[str]) -> List[str]:
    if isinstance(queries, str):
        raise TypeError("queries must be a sequence of str, not a single str")
    return [check_query(q, f"queries[{i}]") for i, q in enumerate(queries)]


def _absolute(path: Any) -> str:
    """``path`` as an absolute path: a relative one means relative to the client's directory."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be str or os.PathLike, not {type(path).__name__}")
    return os.path.abspath(os.fspath(path))


def _placement(client: Client, n_shards: int) -> List[str]:
    """The worker address of each shard: round robin over the cluster's workers."""
    workers = sorted(client.nthreads())
    if not workers:
        raise RuntimeError("the Dask cluster has no workers; start some first "
                           "(client.wait_for_workers(n) waits for them)")
    return [workers[i % len(workers)] for i in range(n_shards)]


def _start_shards(client: Client, workers: Sequence[str], make: Callable[..., Index],
                  shard_args: Iterable[Tuple[Any, ...]]) -> List[Future]:
    """Start a :class:`Shard` actor on each worker address, made there by ``make(*shard_args[i])``."""
    futures = []
    for worker, args in zip(workers, shard_args):
        [args_there] = client.scatter([Packed(args)], workers=[worker], hash=False)
        futures.append(client.submit(Shard, make, args_there, actor=True, workers=[worker],
                                     allow_other_workers=False, pure=False))
    return futures


def _attach(client: Client, future: Future, worker: str) -> Actor:
    """A handle on the actor of ``future`` (on ``worker``) once it exists; raises its error.

    The handle is made here rather than fetched with ``future.result()``:
    a fetched handle binds to whichever client is the process's default,
    which need not be ``client``.
    """
    if future.exception() is not None:
        future.result()  # re-raises the worker's error with its traceback
    with client.as_current():
        return Actor(Shard, worker, future.key)


def _common_settings(infos: Sequence[ShardInfo]) -> IndexSettings:
    settings = {info.settings for info in infos}
    if len(settings) > 1:
        shown = ", ".join(sorted(repr(s) for s in settings))
        raise ValueError(f"shards must share one method and parameters; got {shown}")
    return infos[0].settings


def _check_params(settings: IndexSettings, k1: Optional[float], b: Optional[float]) -> None:
    """Raise here, not on the workers, if per-query ``k1`` or ``b`` overrides are invalid."""
    params = settings.params
    replace(params, k1=params.k1 if k1 is None else k1, b=params.b if b is None else b).validate()


def _check_n_shards(n_shards: object) -> int:
    if isinstance(n_shards, bool) or not isinstance(n_shards, int) or n_shards < 1:
        raise ValueError(f"n_shards must be a positive integer, got {n_shards!r}")
    return n_shards


# ---------------------------------------------------------------- the sharded index
class ShardedIndex:
    """An index split into shards held by the workers of a Dask cluster.

    Make one with :meth:`build` (from documents), :meth:`from_paths` (from
    saved shard folders) or :meth:`load` (from a folder written by
    :meth:`save`). It searches like an :class:`~kzsearch.Index`, with the
    same scores, and is read-only. :meth:`close` (or leaving a ``with``
    block) frees the shards on the workers.
    """

    def __init__(self, client: Client, shards: Sequence[Future], workers: Sequence[str]) -> None:
        """Wrap the futures of :class:`Shard` actors pinned to ``workers``; waits until they exist."""
        if not shards:
            raise ValueError("a sharded index needs at least one shard")
        self.client = client
        self.workers: List[str] = list(workers)
        self._futures: List[Future] = list(shards)  # they keep the actors alive
        try:
            self._shards: List[Actor] = [_attach(client, f, w) for f, w in zip(shards, workers)]
            infos: List[ShardInfo] = self._on_shards("info")
            self.settings: IndexSettings = _common_settings(infos)
            if len({info.fields for info in infos}) > 1:
                raise ValueError("shards must share one set of text fields")
            if len({info.restore_queries for info in infos}) > 1:
                raise ValueError("shards must agree on restore_queries")
        except BaseException:
            self.close()  # a failed build or load leaves no shard behind on the workers
            raise
        self._restorer = QueryRestorer(stem) if infos[0].restore_queries else None
        self._frequencies: Optional[Tuple[List[str], np.ndarray]] = None
        self.shard_sizes: List[int] = [info.n_docs for info in infos]
        self._okapi_mean: Optional[float] = None
        self._fields = tuple(name for name, _, _ in infos[0].fields)
        self.schema: Dict[str, str] = {}  # metadata keys of all shards and their kinds
        for info in infos:
            for key, kind in info.schema:
                self.schema[key] = merge_kinds(self.schema.get(key), kind) or kind

    # ------------------------------------------------------------ making one
    @classmethod
    def build(cls, client: Client, documents: Iterable[Document], n_shards: Optional[int] = None, *,
              ids: Optional[Iterable[str]] = None, analyzer: Optional[Analyzer] = None,
              **index_kwargs: Any) -> "ShardedIndex":
        """Index ``documents`` in ``n_shards`` shards (default: one per worker), in parallel.

        ``documents`` and ``ids`` are as in :meth:`Index.add`; ``analyzer``
        and ``index_kwargs`` (method, k1, b, ...) as in :class:`Index`. The
        documents pass through this process once and are cut into contiguous
        slices; each slice is sent to one worker, which indexes it there.
        """
        Index(analyzer=str.split, **index_kwargs)  # bad settings fail here, before any upload
        n_shards = _check_n_shards(len(client.nthreads()) if n_shards is None else n_shards)
        slices = split_documents(documents, ids, n_shards)
        workers = _placement(client, n_shards)
        shard_args = ((part, analyzer, index_kwargs) for part in slices)
        return cls(client, _start_shards(client, workers, build_shard, shard_args), workers)

    @classmethod
    def from_paths(cls, client: Client, paths: Iterable[Any], *,
                   analyzer: Optional[Analyzer] = None) -> "ShardedIndex":
        """Open saved kzsearch indexes as the shards, in order, one per path.

        The paths must be readable by the workers (shared storage, or the
        same folders on every machine); each worker memory-maps its shards.
        ``analyzer`` is needed if the shards were built with a custom one.
        """
        paths = [_absolute(p) for p in paths]
        workers = _placement(client, len(paths))
        shard_args = ((path, analyzer) for path in paths)
        return cls(client, _start_shards(client, workers, load_shard, shard_args), workers)

    @classmethod
    def load(cls, client: Client, folder: Any, *, analyzer: Optional[Analyzer] = None) -> "ShardedIndex":
        """Open the shards a :meth:`save` wrote to ``folder`` (as the workers see it)."""
        folder = _absolute(folder)
        paths = client.submit(_read_manifest, folder, pure=False).result()
        return cls.from_paths(client, paths, analyzer=analyzer)

    def save(self, folder: Any) -> None:
        """Write each shard to ``folder/shard-NNNN`` (on its worker), then a manifest.

        ``folder`` must be storage the workers can write and later read, e.g.
        a shared file system. Each shard is saved atomically; the manifest,
        written last and renamed into place, names the shards that belong
        together.
        """
        folder = _absolute(folder)
        names = [f"shard-{i:04d}" for i in range(self.n_shards)]
        self._on_shards("save", per_shard=[os.path.join(folder, n) for n in names])
        self.client.submit(_write_manifest, folder, names, self.shard_sizes, pure=False).result()

    # ------------------------------------------------------------ searching
    def search(self, query: str, k: int = 10, *, offset: int = 0,
               filter: Optional[Mapping[str, Any]] = None, k1: Optional[float] = None,
               b: Optional[float] = None) -> List[Hit]:
        """The ``k`` best documents for ``query``, as :meth:`Index.search` over all documents."""
        return self.search_many([check_query(query)], k, offset=offset, filter=filter, k1=k1, b=b)[0]

    def search_many(self, queries: Sequence[str], k: int = 10, *, offset: int = 0,
                    filter: Optional[Mapping[str, Any]] = None, k1: Optional[float] = None,
                    b: Optional[float] = None) -> List[List[Hit]]:
        """:meth:`search` for each query: two round trips to the shards for the whole batch."""
        queries = _check_queries(queries)
        k = check_k(k)
        offset = check_offset(offset)
        _check_params(self.settings, k1, b)
        compile_filter(filter, self.schema, self._fields)  # bad filters fail here, named
        if not queries or k == 0:
            return [[] for _ in queries]
        okapi_mean = self._okapi_mean_idf()
        queries = self._restored(queries)  # as Index.search re-spells, against all the shards' terms
        parts = self._on_shards("stats", queries)  # phase 1: parts[shard][query]
        stats = [combine_stats(per_query, okapi_mean) for per_query in zip(*parts)]
        hits = self._on_shards("search", queries, stats, k + offset, k1, b, filter)  # phase 2
        return [merge_hits(per_query, k + offset)[offset:] for per_query in zip(*hits)]

    # ------------------------------------------------------------ the rest
    @property
    def n_shards(self) -> int:
        return len(self.workers)

    def __len__(self) -> int:
        """Number of live documents in all shards."""
        return sum(self.shard_sizes)

    def __repr__(self) -> str:
        return (f"ShardedIndex({len(self)} documents in {self.n_shards} shards on "
                f"{len(set(self.workers))} workers, method={self.settings.method!r})")

    def close(self) -> None:
        """Free the shards on the workers; the index cannot be searched afterwards."""
        if self._futures:
            self.client.cancel(self._futures)  # frees the actors now, not when handles are collected
        self._futures, self._shards = [], []

    def __enter__(self) -> "ShardedIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _okapi_mean_idf(self) -> float:
        """Okapi's global mean idf (0.0 for other methods), computed on first use."""
        if self.settings.method != "okapi":
            return 0.0
        if self._okapi_mean is None:
            terms, df = self._global_frequencies()
            self._okapi_mean = okapi_mean_idf(df, len(self))
        return self._okapi_mean

    def _global_frequencies(self) -> Tuple[List[str], np.ndarray]:
        """(terms, document frequency) over all shards, in a single index's vocabulary order; cached."""
        if self._frequencies is None:
            df: Counter[str] = Counter()
            for part in self._on_shards("frequencies"):
                df.update(part)
            self._frequencies = (list(df), np.fromiter(df.values(), dtype=np.int64, count=len(df)))
        return self._frequencies

    def _restored(self, queries: List[str]) -> List[str]:
        """Queries re-spelled as one Index over all the documents would (see kzsearch.restoration)."""
        if self._restorer is None or not any(needs_restoration(q) for q in queries):
            return queries
        terms, df = self._global_frequencies()
        return [self._restorer.restore(q, terms, lambda: df) if needs_restoration(q) else q for q in queries]

    def _on_shards(self, method: str, *args: Any, per_shard: Optional[Sequence[Any]] = None) -> List[Any]:
        """``Shard.method([per_shard[i],] *args)`` on every shard; results in shard order.

        All calls are sent before any result is awaited: one round trip.
        """
        if not self._shards:
            raise RuntimeError("this ShardedIndex is closed")
        own = [()] * self.n_shards if per_shard is None else [(x,) for x in per_shard]
        calls = [shard.call(Packed((method, extra + args)))
                 for shard, extra in zip(self._shards, own)]
        return [call.result().value for call in calls]
