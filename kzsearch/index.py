"""The search index users hold: add, search, delete, save and load.

>>> from kzsearch import Index
>>> index = Index()
>>> index.add(["Облыс бюджеті нақтыланды", "Мектеп оқушылары"], ids=["a", "b"])
>>> [hit.id for hit in index.search("бюджеті")]
['a']
>>> news = Index(fields={"title": 2.0, "text": 1.0})
>>> news.add([{"id": "n1", "title": "Бюджет", "text": "Облыс бюджеті", "region": "Түркістан"}])
>>> [(h.id, h.fields["region"]) for h in news.search("бюджет", filter={"region": "Түркістан"})]
[('n1', 'Түркістан')]

Documents can be dicts: text fields (BM25F, :mod:`kzsearch.engine.fields`)
and stored metadata that filters use (:mod:`kzsearch.engine.filters`); see
:mod:`kzsearch.ingest`.

An :class:`Index` is a list of immutable segments (see
:mod:`kzsearch.engine.segment`) over one global vocabulary. ``add`` analyses the new
documents into new segments and swaps in a new snapshot; ``delete`` swaps in
segments with updated live masks; a size-tiered policy merges small segments
as they accumulate (``optimize`` merges all). Searches read whichever
snapshot is current when they start, so they never see half an ``add``.

Thread safety: any number of threads may search while one writes; writes
(add, update, delete, optimize, save) are serialised by a lock.

This module holds the index's state, its public entry points and the
reading of documents; two mixins hold the rest: :mod:`kzsearch.querying`
(:class:`~kzsearch.querying.QueryPlanner`: query terms, resolution, typos,
completion, explain, highlight, :class:`Hit`) and :mod:`kzsearch.writer`
(:class:`~kzsearch.writer.SegmentWriter`: publishing segments, deletions,
merges). Argument checks are in :mod:`kzsearch.checks`.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .analysis import Analyzer, stem
from .analysis.views import StemsOnly
from .checks import (check_flag, check_index_settings, check_k, check_offset,  # noqa: F401 (check_*: kzsearch.index names)
                     check_query, check_workers)
from .engine import searcher
from .engine.fields import Field, check_fields, text_key
from .engine.locks import ForkSafeLock
from .engine.merging import MergePolicy
from .engine.scoring import DEFAULT_DELTA, BM25Params, check_method
from .engine.searcher import CollectionStats, Snapshot
from .engine.segment import Segment
from .engine.vocabulary import Vocabulary
from .ingest import Document, ingest
from .query import execute
from .query.objects import Query
from .query.parser import structured_query
from .query.resolve import PrefixCache
from .query.typos import TypoTolerance
from .querying import Hit, QueryPlanner
from .restoration import QueryRestorer
from .writer import SegmentWriter



@dataclass(frozen=True)
class IndexSettings:
    """How an index scores: the BM25 variant and its parameters."""

    method: str = "lucene"
    params: BM25Params = BM25Params()


class Index(QueryPlanner, SegmentWriter):
    """A BM25 index over Kazakh (and Russian) documents.

    ``method`` is one of "lucene" (default), "okapi" (rank-bm25's BM25Okapi),
    "bm25l", "bm25+"; ``k1``, ``b``, ``epsilon`` and ``delta`` are its
    parameters (``delta=None``: 0.5 for bm25l, 1.0 for bm25+). ``analyzer`` is
    any callable text -> list of terms; the default is Kazakh analysis,
    ``Analyzer()``: each word's stem plus its first 6 letters as a marked view
    term at query weight 0.4 (:data:`kzsearch.analysis.views.DEFAULT_VIEWS`;
    see README, "Sub-word views"); ``Index(analyzer=Analyzer(views=()))`` is
    stems only. A saved index keeps the analyzer it was built with (one saved
    before views existed loads as stems only). Small segments are merged by ``merge_policy``
    on a background thread (``background_merges=False``: during ``add``).
    ``restore_queries`` re-spells queries typed without Kazakh letters or in
    Latin script against the index's vocabulary (default: on with the
    stemming Kazakh analyzer; see :mod:`kzsearch.restoration`).

    ``fields`` declares the searchable text fields of dict documents, name ->
    weight or :class:`Field` (default ``{"text": 1.0}``); several are scored
    with BM25F (:mod:`kzsearch.engine.fields`). Every other key of a dict
    document is stored metadata, returned in ``Hit.fields`` and usable in
    filters. ``positions`` keeps each term's positions (for phrase queries);
    ``positions=False`` saves their space.

    ``spill_dir``: where large builds write their finished segments and map
    them back, so that memory stays bounded and ``save`` links the files
    (default: ``$KZSEARCH_SPILL_DIR`` or the system's temporary folder;
    ``False``: keep them in memory; see :mod:`kzsearch.engine.spill`).
    """

    def __init__(self, analyzer: Optional[Any] = None, method: str = "lucene", k1: float = 1.5,
                 b: float = 0.75, epsilon: float = 0.25, delta: Optional[float] = None,
                 merge_policy: Optional[MergePolicy] = None, background_merges: bool = True,
                 restore_queries: Optional[bool] = None, *,
                 fields: Optional[Mapping[str, Any]] = None, positions: bool = True,
                 spill_dir: Any = None) -> None:
        check_method(method)
        if not isinstance(positions, bool):
            raise TypeError(f"positions must be bool, not {type(positions).__name__}")
        self.fields: Dict[str, Field] = check_fields(fields)
        self.text_field = text_key(self.fields)
        self.positions = positions
        if not (spill_dir is None or isinstance(spill_dir, (bool, str, os.PathLike))):
            raise TypeError(f"spill_dir must be a path, False or None, not {type(spill_dir).__name__}")
        self.spill_dir = spill_dir
        self._spill: Any = None           # the spill folder, made by the first large build
        if analyzer is not None and not callable(analyzer):
            raise TypeError(f"analyzer must be callable, not {type(analyzer).__name__}")
        if delta is None:
            delta = DEFAULT_DELTA.get(method, 0.5)
        params = BM25Params.checked(k1=k1, b=b, epsilon=epsilon, delta=delta)
        check_index_settings(merge_policy, background_merges, restore_queries)
        self.analyzer = analyzer if analyzer is not None else Analyzer()
        if restore_queries is None:  # restoration relies on Kazakh stemming
            restore_queries = isinstance(self.analyzer, Analyzer) and self.analyzer.settings.stemming
        self._restorer = QueryRestorer(stem) if restore_queries else None
        self._typos = TypoTolerance(StemsOnly(self.analyzer))  # built on the first query with an unknown word
        self.settings = IndexSettings(method, params)
        self.merge_policy = merge_policy or MergePolicy()
        self.background_merges = background_merges
        self._merger: Optional[threading.Thread] = None  # the background merge thread, if running
        self._vocab = Vocabulary()
        self._snapshot = Snapshot(())
        self._write_lock = ForkSafeLock(reentrant=True)
        self._next_id = 0                 # next default id
        self._next_segment = 0            # serial number of the next segment
        # id -> (segment name, local doc) of every live document; built on demand
        self._locations: Optional[Dict[str, Tuple[str, int]]] = None
        self._sorted_ids: Dict[str, Any] = {}  # segment name -> its ids sorted by hash (see writer)
        self._storage_state: Any = None   # what the last save/load wrote (see storage)
        self._schema: Dict[str, str] = {}  # metadata key -> column kind (see engine.columns)
        self._prefixes = PrefixCache()    # the vocabulary sorted, for prefix queries

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        """Number of live documents."""
        return self._snapshot.n_live

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and doc_id in self._id_locations()

    def __repr__(self) -> str:
        s = self._snapshot
        return (f"Index({len(self)} documents, {len(s.segments)} segments, "
                f"{len(self._vocab)} terms, method={self.settings.method!r})")

    @property
    def vocabulary(self) -> Vocabulary:
        return self._vocab

    @property
    def segments(self) -> Tuple[Segment, ...]:
        return self._snapshot.segments

    def get(self, doc_id: str) -> Dict[str, Any]:
        """The stored document ``doc_id`` as a dict; KeyError if there is none.

        ``id``, every field and metadata key the document was added with, and
        its text field (``text``; "" when the document had none). A document
        added as a plain string reads ``{"id": ..., "text": ...}``. (Before
        fields existed this returned the text alone: use ``get(id)["text"]``.)
        """
        check_query(doc_id, "doc_id")
        name, local = self._id_locations()[doc_id]
        return self._document(self._segment_by_name(name), local)

    @property
    def schema(self) -> Dict[str, str]:
        """The metadata keys filters can use, with their column kind (int, float, bool, date, str, strs)."""
        return dict(self._schema)

    def ids(self) -> Iterator[str]:
        """Ids of the live documents in insertion order."""
        for seg in self._snapshot.segments:
            live = seg.live
            for i, doc_id in enumerate(seg.ids):
                if live is None or live[i]:
                    yield doc_id

    def search(self, query: Union[str, Query], k: int = 10, *, offset: int = 0,
               filter: Optional[Mapping[str, Any]] = None, syntax: bool = True, typos: bool = True,
               exact: bool = False,
               k1: Optional[float] = None, b: Optional[float] = None,
               stats: Optional[CollectionStats] = None) -> List[Hit]:
        """The ``k`` best documents for ``query``, best first, ties in insertion order.

        ``query`` is a string in the query syntax (phrases, ``+``/``-``,
        ``AND``/``OR``/``NOT``, fields, prefixes: see :mod:`kzsearch.query.parser`)
        or a query object (:class:`kzsearch.Term`, ``Phrase``, ``Prefix``,
        ``Bool``). A string that uses no syntax, or any string with
        ``syntax=False``, is plain words ranked by BM25 as a bag.

        ``offset`` skips that many of the ranking first (``offset=20, k=10``:
        results 21-30). ``filter`` keeps only documents whose metadata match
        (see :mod:`kzsearch.engine.filters`): exactly, before top-k.
        ``typos``: a query word the index does not know is matched to known
        words a typing error or two away (see :mod:`kzsearch.query.typos`);
        queries whose words are all known rank exactly as with ``typos=False``.
        ``k1`` and ``b`` override the index's parameters for this query only.
        A query with no known term returns ``[]``. ``stats`` replaces this
        index's own statistics by collection-wide ones (a shard of a larger
        collection: see :mod:`kzsearch.distributed`).

        Plain words are ranked with dynamic pruning (block-max MaxScore, see
        :mod:`kzsearch.engine.pruning`): the same ids and the same scores, bit
        for bit, as scoring every posting, which ``exact=True`` does instead.
        """
        structured = structured_query(query, syntax, tuple(self.fields))
        k = check_k(k)
        offset = check_offset(offset)
        check_flag(typos, "typos")
        params = self._query_params(k1, b)
        snapshot = self._snapshot
        keep = self._filter_keep(snapshot, filter)
        if not isinstance(exact, bool):
            raise TypeError(f"exact must be bool, not {type(exact).__name__}")
        positions, scores = self._rank(snapshot, query, structured, k + offset, params, keep, stats,
                                       exact, typos)
        return self._hits(snapshot, positions[offset:], scores[offset:])

    def _rank(self, snapshot: Snapshot, query: Union[str, Query], structured: Optional[Query], k: int,
              params: BM25Params, keep: Optional[np.ndarray] = None,
              stats: Optional[CollectionStats] = None, exact: bool = False,
              typos: bool = True) -> Tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (global positions, scores): the query executor for syntax, else the bag-of-words searcher."""
        if structured is not None:
            node = self._resolver(snapshot).resolve(structured)
            return execute.search(node, self._scorer(snapshot, params, stats), k, keep)
        assert isinstance(query, str)
        terms = self.query_terms(query, typos=typos)
        if stats is not None:
            df = stats.df
            stats = replace(stats, df=[int(df.get(self._vocab.term(t), 0)) for t, _ in terms])  # type: ignore[union-attr]
        return searcher.search(snapshot, terms, k, self.settings.method, params, len(self._vocab), stats,
                               keep=keep, fields=self._field_weights(params), exact=exact)

    def count(self, query: Optional[Union[str, Query]] = None, *,
              filter: Optional[Mapping[str, Any]] = None, syntax: bool = True) -> int:
        """How many live documents match ``query`` (all if None) and pass ``filter``.

        Plain words match a document holding any of them; a query using the
        syntax (or a query object) counts the documents it matches.
        """
        structured = structured_query(query, syntax, tuple(self.fields)) if query is not None else None
        snapshot = self._snapshot
        keep = self._filter_keep(snapshot, filter)
        if query is None:
            if keep is not None:
                return int(np.count_nonzero(keep))
            return snapshot.n_live
        if structured is not None:
            node = self._resolver(snapshot).resolve(structured)
            scorer = self._scorer(snapshot, self.settings.params, None)
            docs = execute.evaluate(node, scorer).docs if node is not None else np.zeros(0, dtype=np.int64)
            return int(np.count_nonzero(keep[docs])) if keep is not None else len(docs)
        assert isinstance(query, str)
        terms = [t for t, _ in self.query_terms(query)]
        return len(searcher.matching_documents(snapshot, terms, keep))

    def collection_stats(self, terms: Iterable[str]) -> CollectionStats:
        """This index's live document count, total length and df of ``terms``.

        Shards of one collection add these up (``n_docs``, ``total_len`` and
        each ``df``) into the statistics every shard then searches with.
        """
        snapshot = self._snapshot
        terms = list(dict.fromkeys(terms))
        ids = self._vocab.lookup(terms)
        df_all = snapshot.document_frequencies(len(self._vocab))
        df = {t: int(df_all[i]) for t, i in zip(terms, ids.tolist()) if i >= 0 and df_all[i] > 0}
        field_len = snapshot.field_totals().tolist() if len(self.fields) > 1 else None
        return CollectionStats(snapshot.n_live, snapshot.total_len, df, field_len=field_len)

    def document_frequencies(self) -> Dict[str, int]:
        """Live document frequency of every term in the index (for global Okapi idf floors)."""
        df = self._snapshot.document_frequencies(len(self._vocab))
        terms = self._vocab.terms
        return {terms[i]: int(df[i]) for i in np.flatnonzero(df).tolist()}

    def search_many(self, queries: Sequence[str], k: int = 10, *, workers: Optional[int] = None,
                    k1: Optional[float] = None, b: Optional[float] = None) -> List[List[Hit]]:
        """:meth:`search` for each query, on ``workers`` processes (default: all cores)."""
        from .batch import search_many

        if isinstance(queries, str):
            raise TypeError("queries must be a sequence of str, not a single str")
        queries = list(queries)
        for i, q in enumerate(queries):
            check_query(q, f"queries[{i}]")
        k = check_k(k)
        check_workers(workers)
        return search_many(self, queries, k, self._query_params(k1, b), workers)

    # ------------------------------------------------------------------ writing
    def add(self, texts: Iterable[Document], ids: Optional[Iterable[str]] = None, *,
            replace: bool = False, workers: Optional[int] = None, progress: bool = False) -> None:
        """Add documents: texts (with ``ids``, default running numbers), (id, text) pairs, or dicts.

        A dict holds its ``id`` (default: a running number), the index's text
        fields (a missing one is empty) and any metadata: str, int, float,
        bool, ISO date (``YYYY-MM-DD``, optionally with a time), list of str
        (see :mod:`kzsearch.ingest`); another type, or a text field that is
        not a str, is a TypeError naming the document and key.

        ``texts`` may be any iterable, a generator included; it is read in
        batches, analysed on ``workers`` processes (default: all cores once the
        input is large) and never held whole as Python objects. With
        ``replace=True`` a document whose id is already present replaces it;
        otherwise a present id is an error. Everything is checked before the
        index changes: a failed ``add`` leaves it exactly as it was.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("texts must be an iterable of str, not a single "
                            f"{type(texts).__name__}")
        if not isinstance(replace, bool):
            raise TypeError(f"replace must be bool, not {type(replace).__name__}")
        check_workers(workers)
        with self._write_lock:
            vocab_size, next_id = len(self._vocab), self._next_id
            schema = dict(self._schema)
            try:
                segments, new_ids = ingest(self, texts, ids, replace, workers, progress, schema)
            except BaseException:
                self._vocab.truncate(vocab_size)
                self._next_id = next_id
                raise
            self._schema = schema
            self._commit(segments, new_ids if replace else [])

    def update(self, texts: Iterable[Document], ids: Optional[Iterable[str]] = None, **kwargs: Any) -> None:
        """Add or replace documents by id: ``add(..., replace=True)``."""
        self.add(texts, ids, replace=True, **kwargs)

    def delete(self, ids: Iterable[str], *, missing_ok: bool = False) -> int:
        """Delete documents by id; returns how many were deleted.

        An id that is not in the index is an error (nothing is deleted)
        unless ``missing_ok``.
        """
        if isinstance(ids, (str, bytes)):
            raise TypeError("ids must be an iterable of str, not a single str")
        ids = list(ids)
        for i, doc_id in enumerate(ids):
            if not isinstance(doc_id, str):
                raise TypeError(f"ids[{i}] must be str, not {type(doc_id).__name__}")
        with self._write_lock:
            locations = self._id_locations()
            missing = [d for d in ids if d not in locations]
            if missing and not missing_ok:
                shown = ", ".join(repr(d) for d in missing[:5])
                raise ValueError(f"ids: {len(missing)} not in the index ({shown})")
            present = list(dict.fromkeys(d for d in ids if d in locations))
            self._swap(self._without(self._snapshot.segments, present), drop=present)
            return len(present)

    def optimize(self) -> None:
        """Merge all segments into one now, dropping deleted documents for good."""
        with self._write_lock:
            segments = self._snapshot.segments
            if len(segments) > 1 or (segments and segments[0].live is not None):
                self._replace_run(0, len(segments))

    # ------------------------------------------------------------------ storage
    def save(self, path: Any) -> None:
        """Write the index to the folder ``path`` atomically (see :mod:`kzsearch.engine.storage`).

        Raises :class:`kzsearch.ConflictError` (and writes nothing) if another
        writer saved to ``path`` since this index loaded from or saved to it.
        """
        from .persistence import save_parts

        with self._write_lock:
            save_parts(self, path)

    @classmethod
    def load(cls, path: Any, analyzer: Optional[Any] = None, *, mmap: bool = True) -> "Index":
        """Open an index saved with :meth:`save`; large arrays are memory-mapped."""
        from .persistence import load_parts

        return load_parts(cls, path, analyzer, mmap)
