"""One shard of a :class:`kzsearch.distributed.ShardedIndex`: the actor on a Dask worker.

A :class:`Shard` holds an ordinary :class:`kzsearch.Index`, built from its
slice of the documents (``build_shard``) or loaded from a saved folder
(``load_shard``), in the memory of the worker it was started on; the client
reaches it through ``Shard.call`` with a method name and arguments, packed as
one pickle (:class:`Packed`). The methods are the two phases of a search
(``stats``: the shard's statistics for each query's terms; ``search``: its
top ``k`` scored with collection-wide statistics), ``info`` (what the client
checks the shards agree on: :class:`ShardInfo`), ``frequencies`` and
``save``. Queries reach the shards already re-spelled by the client, so a
shard searches them as typed (``searching_as_typed``) and without typo
tolerance: both would otherwise act on one shard's vocabulary alone.

This module does not import Dask: the worker only runs these methods.

>>> shard = Shard(build_shard, Packed(([("a", "облыс бюджеті"), ("b", "мектеп")], str.split, {})))
>>> shard.info().n_docs
2
>>> [hit.id for hit in shard.call(Packed(("search", (["бюджеті"], [None], 5, None, None)))).value[0]]
['a']
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .engine.searcher import CollectionStats
from .index import Index, IndexSettings
from .querying import Hit

Analyzer = Callable[[str], List[str]]
Pair = Tuple[str, str]


class ShardInfo(NamedTuple):
    """What a shard reports once it is built or loaded."""

    n_docs: int
    settings: IndexSettings
    restore_queries: bool = False
    fields: Tuple[Tuple[str, float, Optional[float]], ...] = ()
    schema: Tuple[Tuple[str, str], ...] = ()


class Packed:
    """A value Dask sends as one pickle.

    Dask serialises a list element by element; a batch of 1000 queries went
    25 times faster as one pickle, and a shard's documents 7 times faster.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __reduce__(self) -> Tuple[type, Tuple[Any]]:
        return Packed, (self.value,)


def build_shard(documents: List[Pair], analyzer: Optional[Analyzer],
                index_kwargs: Dict[str, Any]) -> Index:
    index = Index(analyzer=analyzer, **index_kwargs)
    index.add(documents, workers=1)  # a Dask worker is a daemon process: no child processes
    return index


def load_shard(path: str, analyzer: Optional[Analyzer]) -> Index:
    return Index.load(path, analyzer=analyzer)


class Shard:
    """The actor holding one shard's Index on a worker, built or loaded by ``make(*args.value)``."""

    def __init__(self, make: Callable[..., Index], args: Packed) -> None:
        self.index = make(*args.value)

    def call(self, request: Packed) -> Packed:
        """Run the method and arguments packed in ``request``: how the client calls a shard."""
        method, args = request.value
        return Packed(getattr(self, method)(*args))

    def info(self) -> ShardInfo:
        index = self.index
        fields = tuple((name, f.weight, f.b) for name, f in index.fields.items())
        return ShardInfo(len(index), index.settings, index._restorer is not None, fields,
                         tuple(sorted(index.schema.items())))

    def stats(self, queries: Sequence[str]) -> List[CollectionStats]:
        """Phase 1: this shard's statistics for the terms each (already restored) query searches."""
        index = self.index
        with searching_as_typed(index):
            return [index.collection_stats(index.scoring_terms(q)) for q in queries]

    def search(self, queries: Sequence[str], stats: Sequence[CollectionStats], k: int,
               k1: Optional[float], b: Optional[float],
               filter: Optional[Mapping[str, Any]] = None) -> List[List[Hit]]:
        """Phase 2: this shard's top ``k`` for each (already restored) query, scored with global ``stats``.

        A filter on a key no document of this shard has matches nothing here.
        Typo tolerance is off in both phases: each shard would correct against
        its own vocabulary, and the scores would no longer be one index's.
        """
        index = self.index
        if filter and any(key not in index.schema for key in filter):
            return [[] for _ in queries]
        with searching_as_typed(index):
            return [index.search(q, k, typos=False, k1=k1, b=b, stats=s, filter=filter)
                    for q, s in zip(queries, stats)]

    def frequencies(self) -> Dict[str, int]:
        return self.index.document_frequencies()

    def save(self, path: str) -> None:
        self.index.save(path)


@contextlib.contextmanager
def searching_as_typed(index: Index) -> Iterator[None]:
    """Search ``index`` without re-spelling queries: the client restored them against all shards.

    A worker runs one actor call at a time, so nothing else sees the change.
    """
    restorer = index._restorer
    index._restorer = None
    try:
        yield
    finally:
        index._restorer = restorer
