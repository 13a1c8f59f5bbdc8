"""The search index users hold: add, search, delete, save and load.

>>> from kzsearch import Index
>>> index = Index()
>>> index.add(["Облыс бюджеті нақтыланды", "Мектеп оқушылары"], ids=["a", "b"])
>>> [hit.id for hit in index.search("бюджеті")]
['a']

An :class:`Index` is a list of immutable segments (see
:mod:`kzsearch.engine.segment`) over one global vocabulary. ``add`` analyses the new
documents into new segments and swaps in a new snapshot; ``delete`` swaps in
segments with updated live masks; a size-tiered policy merges small segments
as they accumulate (``optimize`` merges all). Searches read whichever
snapshot is current when they start, so they never see half an ``add``.

Thread safety: any number of threads may search while one writes; writes
(add, update, delete, optimize, save) are serialised by a lock.
"""
from __future__ import annotations

import itertools
import secrets
import threading
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Deque, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from .engine import searcher
from .analysis import Analyzer, stem
from .analysis.views import DEFAULT_VIEWS
from .engine.docstore import TextBlock
from .engine.merging import MergePolicy
from .parallel import AnalysisPool, default_workers
from .progress import Progress
from .restoration import QueryRestorer, restored_query
from .engine.scoring import DEFAULT_DELTA, BM25Params, check_method
from .engine.searcher import CollectionStats, Snapshot
from .engine.segment import Segment, build_segment, merge_segments
from .engine.vocabulary import Vocabulary

Document = Union[str, Tuple[str, str]]

#: documents analysed together (one task for a worker process)
BATCH_DOCS = 1000
#: tokens buffered before they are inverted into a segment
SEGMENT_TOKENS = 8_000_000
#: below this many documents an add stays in this process
PARALLEL_MIN_DOCS = 20_000


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    score: float
    text: str


@dataclass(frozen=True)
class IndexSettings:
    """How an index scores: the BM25 variant and its parameters."""

    method: str = "lucene"
    params: BM25Params = BM25Params()


def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    if k < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    return int(k)


def check_workers(workers: object) -> None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")


def check_query(query: object, name: str = "query") -> str:
    if not isinstance(query, str):
        raise TypeError(f"{name} must be str, not {type(query).__name__}")
    return query


class Index:
    """A BM25 index over Kazakh (and Russian) documents.

    ``method`` is one of "lucene" (default), "okapi" (rank-bm25's BM25Okapi),
    "bm25l", "bm25+"; ``k1``, ``b``, ``epsilon`` and ``delta`` are its
    parameters (``delta=None``: 0.5 for bm25l, 1.0 for bm25+). ``analyzer`` is
    any callable text -> list of terms; the default is Kazakh analysis,
    :class:`kzsearch.Analyzer`. Small segments are merged by ``merge_policy``
    on a background thread (``background_merges=False``: during ``add``).
    ``restore_queries`` re-spells queries typed without Kazakh letters or in
    Latin script against the index's vocabulary (default: on with the
    stemming Kazakh analyzer; see :mod:`kzsearch.restoration`).
    """

    def __init__(self, analyzer: Optional[Any] = None, method: str = "lucene", k1: float = 1.5,
                 b: float = 0.75, epsilon: float = 0.25, delta: Optional[float] = None,
                 merge_policy: Optional[MergePolicy] = None, background_merges: bool = True,
                 restore_queries: Optional[bool] = None) -> None:
        check_method(method)
        if analyzer is not None and not callable(analyzer):
            raise TypeError(f"analyzer must be callable, not {type(analyzer).__name__}")
        if delta is None:
            delta = DEFAULT_DELTA.get(method, 0.5)
        params = BM25Params(k1=k1, b=b, epsilon=epsilon, delta=delta)
        params.validate()
        self.analyzer = analyzer if analyzer is not None else Analyzer(views=DEFAULT_VIEWS)
        if restore_queries is None:  # restoration relies on Kazakh stemming
            restore_queries = isinstance(self.analyzer, Analyzer) and self.analyzer.settings.stemming
        self._restorer = QueryRestorer(stem) if restore_queries else None
        self.settings = IndexSettings(method, params)
        self.merge_policy = merge_policy or MergePolicy()
        self.background_merges = background_merges
        self._merger: Optional[threading.Thread] = None  # the background merge thread, if running
        self._vocab = Vocabulary()
        self._snapshot = Snapshot(())
        self._write_lock = threading.RLock()
        self._next_id = 0                 # next default id
        self._next_segment = 0            # serial number of the next segment
        # id -> (segment name, local doc) of every live document; built on demand
        self._locations: Optional[Dict[str, Tuple[str, int]]] = None
        self._storage_state: Any = None   # what the last save/load wrote (see storage)

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

    def get(self, doc_id: str) -> str:
        """Text of the live document ``doc_id``; KeyError if there is none."""
        check_query(doc_id, "doc_id")
        name, local = self._id_locations()[doc_id]
        return self._segment_by_name(name).texts[local]

    def ids(self) -> Iterator[str]:
        """Ids of the live documents in insertion order."""
        for seg in self._snapshot.segments:
            live = seg.live
            for i, doc_id in enumerate(seg.ids):
                if live is None or live[i]:
                    yield doc_id

    def search(self, query: str, k: int = 10, *, k1: Optional[float] = None,
               b: Optional[float] = None, stats: Optional[CollectionStats] = None) -> List[Hit]:
        """The ``k`` best documents for ``query``, best first, ties in insertion order.

        ``k1`` and ``b`` override the index's parameters for this query only.
        A query with no known term returns ``[]``. ``stats`` replaces this
        index's own statistics by collection-wide ones (a shard of a larger
        collection: see :mod:`kzsearch.distributed`).
        """
        check_query(query)
        k = check_k(k)
        params = self._query_params(k1, b)
        snapshot = self._snapshot
        terms = self.query_terms(query)
        if stats is not None:
            df = stats.df
            stats = replace(stats, df=[int(df.get(self._vocab.term(t), 0)) for t, _ in terms])  # type: ignore[union-attr]
        positions, scores = searcher.search(snapshot, terms, k, self.settings.method, params,
                                            len(self._vocab), stats)
        return self._hits(snapshot, positions, scores)

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
        return CollectionStats(snapshot.n_live, snapshot.total_len, df)

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

    def query_terms(self, query: str) -> List[Tuple[int, float]]:
        """(term id, weight) of the query's known terms, in query order.

        The weight is how often the term occurs in the query (times any
        weight below 1 of a looser match); the searcher scales the term's
        contributions by it.

        A query typed on a Russian keyboard or in Latin script is re-spelled
        first (see :mod:`kzsearch.restoration`).
        """
        snapshot = self._snapshot
        terms = restored_query(query, self.analyzer, self._restorer, self._vocab.terms,
                               lambda: snapshot.document_frequencies(len(self._vocab)))
        counted = searcher.count_terms(self._vocab.lookup(terms).tolist())
        weight = getattr(self.analyzer, "query_weight", None)  # sub-word views weigh their own
        if weight is None:
            return counted
        return [(t, n * weight(self._vocab.term(t))) for t, n in counted]

    def _query_params(self, k1: Optional[float], b: Optional[float]) -> BM25Params:
        params = self.settings.params
        if k1 is None and b is None:
            return params
        params = replace(params, k1=params.k1 if k1 is None else k1, b=params.b if b is None else b)
        params.validate()
        return params

    def _hits(self, snapshot: Snapshot, positions: np.ndarray, scores: np.ndarray) -> List[Hit]:
        seg_idx, local = snapshot.locate(positions)
        hits = []
        for s, d, score in zip(seg_idx.tolist(), local.tolist(), scores.tolist()):
            seg = snapshot.segments[s]
            hits.append(Hit(seg.ids[d], score, seg.texts[d]))
        return hits

    # ------------------------------------------------------------------ writing
    def add(self, texts: Iterable[Document], ids: Optional[Iterable[str]] = None, *,
            replace: bool = False, workers: Optional[int] = None, progress: bool = False) -> None:
        """Add documents: texts (with ``ids``, default running numbers), or (id, text) pairs.

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
            try:
                segments, new_ids = self._ingest(texts, ids, replace, workers, progress)
            except BaseException:
                self._vocab.truncate(vocab_size)
                self._next_id = next_id
                raise
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

    # ------------------------------------------------------------------ internals
    def _segment_by_name(self, name: str) -> Segment:
        for seg in self._snapshot.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    def _id_locations(self) -> Dict[str, Tuple[str, int]]:
        locations = self._locations
        if locations is None:
            with self._write_lock:
                if self._locations is None:
                    built: Dict[str, Tuple[str, int]] = {}
                    for seg in self._snapshot.segments:
                        live = seg.live
                        for i, doc_id in enumerate(seg.ids):
                            if live is None or live[i]:
                                built[doc_id] = (seg.name, i)
                    self._locations = built
                locations = self._locations
        return locations

    def _new_segment_name(self) -> str:
        self._next_segment += 1
        # the random part keeps file names unique when another index saves to the same folder
        return f"seg{self._next_segment:06d}-{secrets.token_hex(4)}"

    def _ingest(self, texts: Iterable[Document], ids: Optional[Iterable[str]], replace: bool,
                workers: Optional[int], progress: bool) -> Tuple[List[Segment], List[str]]:
        """Validate, analyse and invert the input into new (not yet visible) segments."""
        existing = self._id_locations()
        seen: set = set()
        new_ids: List[str] = []
        segments: List[Segment] = []
        buffer: List[Tuple[np.ndarray, np.ndarray, List[str], List[str]]] = []
        buffered_tokens = 0
        batches = _batches(texts, ids, self._default_ids())
        # look ahead: only an input of PARALLEL_MIN_DOCS or more pays for worker processes
        head = list(itertools.islice(batches, max(1, PARALLEL_MIN_DOCS // BATCH_DOCS)))
        if not head:
            return [], []
        large = sum(len(batch_ids) for batch_ids, _ in head) >= PARALLEL_MIN_DOCS
        n_workers = workers or (default_workers() if large else 1)
        bar = Progress("indexing", enabled=progress)
        pending: Deque[Tuple[List[str], List[str]]] = deque()  # (ids, texts) sent to analysis

        def checked() -> Iterator[List[str]]:
            for batch_ids, batch_texts in itertools.chain(head, batches):
                for doc_id in batch_ids:
                    if doc_id in seen:
                        raise ValueError(f"ids: {doc_id!r} appears twice")
                    if not replace and doc_id in existing:
                        raise ValueError(f"ids: {doc_id!r} is already in the index "
                                         "(use replace=True or update())")
                    seen.add(doc_id)
                new_ids.extend(batch_ids)
                pending.append((batch_ids, batch_texts))
                yield batch_texts

        with AnalysisPool(self.analyzer, n_workers) as pool:
            for analyzed in pool.map(checked()):
                batch_ids, batch_texts = pending.popleft()
                global_ids = analyzed.global_ids(self._vocab)
                buffer.append((global_ids, analyzed.lengths, batch_ids, batch_texts))
                buffered_tokens += len(global_ids)
                bar.advance(len(batch_texts))
                if buffered_tokens >= SEGMENT_TOKENS:
                    segments.append(self._flush(buffer))
                    buffer, buffered_tokens = [], 0
        if buffer:
            segments.append(self._flush(buffer))
        bar.close()
        return segments, new_ids

    def _flush(self, buffer: List[Tuple[np.ndarray, np.ndarray, List[str], List[str]]]) -> Segment:
        """Invert buffered batches — (term ids, lengths, ids, texts) — into one segment."""
        term_ids = np.concatenate([term_ids for term_ids, _, _, _ in buffer])
        lengths = np.concatenate([lengths for _, lengths, _, _ in buffer])
        ids = TextBlock.from_strings([d for _, _, batch_ids, _ in buffer for d in batch_ids])
        texts = TextBlock.from_strings([t for _, _, _, batch_texts in buffer for t in batch_texts])
        return build_segment(term_ids, lengths, ids, texts, self._new_segment_name())

    def _default_ids(self) -> Iterator[str]:
        while True:
            doc_id = str(self._next_id)
            self._next_id += 1
            yield doc_id

    def _without(self, segments: Sequence[Segment], doc_ids: Sequence[str]) -> List[Segment]:
        """``segments`` with the documents ``doc_ids`` marked deleted (copy-on-write)."""
        if not doc_ids:
            return list(segments)
        locations = self._id_locations()
        by_segment: Dict[str, List[int]] = {}
        for doc_id in doc_ids:
            name, local = locations[doc_id]
            by_segment.setdefault(name, []).append(local)
        out = []
        for seg in segments:
            dead = by_segment.get(seg.name)
            if dead:
                live = np.ones(seg.n_docs, dtype=bool) if seg.live is None else seg.live.copy()
                live[dead] = False
                seg = seg.with_live(live)
            out.append(seg)
        return out

    def _commit(self, new_segments: List[Segment], replaced: List[str]) -> None:
        locations = self._id_locations()
        present = [d for d in replaced if d in locations]
        segments = self._without(self._snapshot.segments, present) + new_segments
        self._swap(segments, drop=present, added=new_segments)
        self._maybe_merge()

    def _swap(self, segments: Sequence[Segment], drop: Sequence[str] = (),
              added: Sequence[Segment] = ()) -> None:
        """Publish a new snapshot and keep the id locations in step."""
        locations = self._id_locations()
        self._snapshot = Snapshot(segments)
        for doc_id in drop:
            del locations[doc_id]
        for seg in added:
            self._point_ids_at(seg)

    def _plan_merge(self) -> Optional[Tuple[int, int]]:
        segs = self._snapshot.segments
        return self.merge_policy.plan([s.n_live for s in segs], [s.n_docs for s in segs])

    def _maybe_merge(self) -> None:
        """Run the merges the policy asks for: on a background thread, or here and now."""
        if not self.background_merges:
            run = self._plan_merge()
            while run is not None:
                self._replace_run(*run)
                run = self._plan_merge()
        elif self._merger is None and self._plan_merge() is not None:
            self._merger = threading.Thread(target=self._merge_loop, name="kzsearch-merge", daemon=True)
            self._merger.start()

    def _merge_loop(self) -> None:
        """Background merging: pick a run under the lock, merge outside it, install under it."""
        while True:
            with self._write_lock:
                run = self._plan_merge()
                if run is None:
                    self._merger = None
                    return
                sources = self._snapshot.segments[run[0]:run[1]]
                name = self._new_segment_name()
            merged = merge_segments(sources, name)
            with self._write_lock:
                self._install_merge(sources, merged)

    def wait_for_merges(self) -> None:
        """Block until background merging has nothing left to do."""
        merger = self._merger
        while merger is not None:
            merger.join()
            merger = self._merger

    def _install_merge(self, sources: Sequence[Segment], merged: Segment) -> None:
        """Swap ``merged`` in for ``sources``, carrying over deletions made meanwhile."""
        segs = list(self._snapshot.segments)
        where = {seg.name: i for i, seg in enumerate(segs)}
        first = where.get(sources[0].name)
        if first is None or [where.get(s.name) for s in sources] != list(range(first, first + len(sources))):
            return  # the sources changed meanwhile (optimize ran): drop this merge
        dead, base = [], 0
        for source, now in zip(sources, segs[first:first + len(sources)]):
            was_live = source.live if source.live is not None else np.ones(source.n_docs, dtype=bool)
            if now.live is not source.live:
                rank = np.cumsum(was_live) - 1  # position of each survivor in the merged segment
                dead.append(rank[was_live & ~now.live] + base)
            base += int(was_live.sum())
        if dead:
            live = np.ones(merged.n_docs, dtype=bool)
            live[np.concatenate(dead)] = False
            merged = merged.with_live(live)
        segs[first:first + len(sources)] = [merged]
        self._snapshot = Snapshot(segs)
        self._point_ids_at(merged)

    def _replace_run(self, start: int, end: int) -> None:
        sources = self._snapshot.segments[start:end]
        self._install_merge(sources, merge_segments(sources, self._new_segment_name()))

    def _point_ids_at(self, seg: Segment) -> None:
        """Record that the live documents of ``seg`` now live there."""
        locations = self._id_locations()
        live = seg.live
        if live is None:
            locations.update(zip(seg.ids, zip(itertools.repeat(seg.name), range(seg.n_docs))))
        else:
            for i in np.flatnonzero(live).tolist():
                locations[seg.ids[i]] = (seg.name, i)

    # ------------------------------------------------------------------ storage
    def save(self, path: Any) -> None:
        """Write the index to the folder ``path`` atomically (see :mod:`kzsearch.engine.storage`)."""
        from .engine.storage import save_index

        with self._write_lock:
            save_index(self, path)

    @classmethod
    def load(cls, path: Any, analyzer: Optional[Any] = None, *, mmap: bool = True) -> "Index":
        """Open an index saved with :meth:`save`; large arrays are memory-mapped."""
        from .engine.storage import load_index

        return load_index(path, analyzer=analyzer, mmap=mmap)


def _batches(texts: Iterable[Document], ids: Optional[Iterable[str]],
             default_ids: Iterator[str]) -> Iterator[Tuple[List[str], List[str]]]:
    """Validated (ids, texts) batches of ``BATCH_DOCS`` documents."""
    if ids is not None and isinstance(ids, (str, bytes)):
        raise TypeError("ids must be an iterable of str, not a single str")
    id_iter = iter(ids) if ids is not None else None
    batch_ids: List[str] = []
    batch_texts: List[str] = []
    for n, item in enumerate(texts):
        if isinstance(item, str):
            text = item
            if id_iter is not None:
                doc_id = next(id_iter, _MISSING)
                if doc_id is _MISSING:
                    raise ValueError(f"ids: fewer ids than texts (texts has more than {n})")
            else:
                doc_id = next(default_ids)
        elif isinstance(item, tuple) and len(item) == 2 and id_iter is None:
            doc_id, text = item
            if not isinstance(text, str):
                raise TypeError(f"texts[{n}] text must be str, not {type(text).__name__}")
        else:
            raise TypeError(f"texts[{n}] must be str or an (id, text) pair, not {type(item).__name__}")
        if not isinstance(doc_id, str):
            raise TypeError(f"ids[{n}] must be str, not {type(doc_id).__name__}")
        batch_ids.append(doc_id)
        batch_texts.append(text)
        if len(batch_texts) >= BATCH_DOCS:
            yield batch_ids, batch_texts
            batch_ids, batch_texts = [], []
    if id_iter is not None and next(id_iter, _MISSING) is not _MISSING:
        raise ValueError("ids: more ids than texts")
    if batch_texts:
        yield batch_ids, batch_texts


_MISSING = object()
