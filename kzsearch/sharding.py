"""How a collection is cut into shards, and how the shards' answers add up to one index's.

``split_documents`` cuts the input into contiguous slices in input order
(so ties by shard and position are ties in input order, as in one Index);
``combine_stats`` adds the shards' statistics for a query into the
collection's, which every shard then scores with; ``merge_hits`` merges the
shards' ranked hits into the global top ``k``; ``global_okapi_mean_idf`` is
Okapi's idf floor over the union of the shards' vocabularies. These are the
client-side arithmetic of :class:`kzsearch.distributed.ShardedIndex`, plain
functions with no Dask in them.

>>> [[doc_id for doc_id, _ in part] for part in split_documents(["a", "b", "c"], None, 2)]
[['0'], ['1', '2']]
"""
from __future__ import annotations

import heapq
import itertools
from collections import Counter
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, cast

import numpy as np

from .engine.scoring import okapi_mean_idf
from .engine.searcher import CollectionStats
from .ingest import Document
from .querying import Hit

Pair = Tuple[str, str]


def split_documents(documents: Iterable[Document], ids: Optional[Iterable[str]],
                    n_shards: int) -> List[List[Pair]]:
    """(id, text) pairs cut into ``n_shards`` contiguous slices in input order.

    Ids default to running numbers, as in :meth:`Index.add`; an id may appear
    only once in the whole collection.

    >>> split_documents(["a", "b", ("x", "c")], None, 2)
    [[('0', 'a')], [('1', 'b'), ('x', 'c')]]
    """
    if isinstance(documents, (str, bytes)):
        raise TypeError(f"documents must be an iterable of str, not a single {type(documents).__name__}")
    pairs: List[Any] = []
    seen: set = set()
    default_ids = (str(i) for i in itertools.count())
    id_iter = iter(ids) if ids is not None else None
    if ids is not None and isinstance(ids, (str, bytes)):
        raise TypeError("ids must be an iterable of str, not a single str")
    for n, item in enumerate(documents):
        if isinstance(item, Mapping) and id_iter is None:  # a dict document keeps its fields
            doc_id = item.get("id")
            if doc_id is None:
                doc_id = next(default_ids)
                item = {"id": doc_id, **item}
        elif isinstance(item, str):
            doc_id = next(default_ids) if id_iter is None else next(id_iter, None)
            if doc_id is None:
                raise ValueError(f"ids: fewer ids than texts (texts has more than {n})")
            item = (doc_id, item)
        elif isinstance(item, tuple) and len(item) == 2 and id_iter is None:
            doc_id = item[0]
            if not isinstance(item[1], str):
                raise TypeError(f"texts[{n}] text must be str, not {type(item[1]).__name__}")
        else:
            raise TypeError(f"texts[{n}] must be str, an (id, text) pair or a dict, "
                            f"not {type(item).__name__}")
        if not isinstance(doc_id, str):
            raise TypeError(f"ids[{n}] must be str, not {type(doc_id).__name__}")
        if doc_id in seen:
            raise ValueError(f"ids: {doc_id!r} appears twice")
        seen.add(doc_id)
        pairs.append(item)
    if id_iter is not None and next(id_iter, None) is not None:
        raise ValueError("ids: more ids than texts")
    bounds = [len(pairs) * i // n_shards for i in range(n_shards + 1)]
    return [pairs[lo:hi] for lo, hi in zip(bounds, bounds[1:])]


def combine_stats(parts: Iterable[CollectionStats], okapi_mean: float = 0.0) -> CollectionStats:
    """The statistics of the union of shards: counts, lengths and each df added up.

    >>> combine_stats([CollectionStats(2, 10, {"a": 1}), CollectionStats(3, 5, {"a": 2, "b": 1})])
    CollectionStats(n_docs=5, total_len=15, df=Counter({'a': 3, 'b': 1}), okapi_mean_idf=0.0, field_len=None)
    """
    n_docs, total_len = 0, 0
    df: Counter[str] = Counter()
    field_len: Optional[List[int]] = None
    for part in parts:
        n_docs += part.n_docs
        total_len += part.total_len
        df.update(cast(Mapping[str, int], part.df))  # a shard's stats map term -> df
        if part.field_len is not None:  # BM25F: each text field's total length
            field_len = [a + b for a, b in zip(field_len or [0] * len(part.field_len), part.field_len)]
    return CollectionStats(n_docs, total_len, df, okapi_mean, field_len)


def merge_hits(per_shard: Iterable[List[Hit]], k: int) -> List[Hit]:
    """The best ``k`` of the shards' ranked hits; ties by shard, then rank in the shard.

    >>> merge_hits([[Hit("a", 2.0, ""), Hit("b", 1.0, "")], [Hit("c", 2.0, "")]], 2)
    [Hit(id='a', score=2.0, text=''), Hit(id='c', score=2.0, text='')]
    """
    # heapq.merge is stable: among equal keys, the earlier iterable's items come first
    return list(itertools.islice(heapq.merge(*per_shard, key=lambda hit: -hit.score), k))


def global_okapi_mean_idf(frequencies: Iterable[Dict[str, int]], n_docs: int) -> float:
    """Okapi's mean idf over the union of the shards' vocabularies.

    Terms are summed in order of first appearance (shard by shard), which
    for contiguous shards is a single index's vocabulary order, so the mean
    agrees with it bit for bit.
    """
    df: Counter[str] = Counter()
    for part in frequencies:
        df.update(part)
    return okapi_mean_idf(np.fromiter(df.values(), dtype=np.int64, count=len(df)), n_docs)
