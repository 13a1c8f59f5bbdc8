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
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .engine import searcher
from .analysis import Analyzer, stem
from .analysis.views import RECOMMENDED_VIEWS, StemsOnly, is_view_term
from .engine.fields import Field, check_fields, text_key
from .engine.filters import cached_mask, compile_filter
from .engine.locks import ForkSafeLock
from .engine.merging import MergePolicy
from .ingest import Document, ingest, stored_document
from .query import execute
from .query.explain import Explanation, explain
from .query.highlight import Highlight, highlight_text
from .query.objects import Query
from .query.parser import structured_query
from .query.resolve import BoolNode, Node, PrefixCache, Resolver, TermNode
from .query.completion import complete
from .query.typos import IndexView, TypoTolerance, suggested
from .restoration import QueryRestorer, needs_restoration, restored_query, restored_text
from .engine.scoring import DEFAULT_DELTA, BM25Params, check_method
from .engine.searcher import CollectionStats, FieldWeights, Snapshot
from .engine.segment import Segment
from .engine.vocabulary import Vocabulary
from .writer import SegmentWriter


@dataclass(frozen=True)
class Hit:
    """One search result: ``fields`` is the stored document (``Index.get``)."""

    id: str
    score: float
    text: str
    fields: Dict[str, Any] = field(default_factory=dict, repr=False, hash=False)


@dataclass(frozen=True)
class IndexSettings:
    """How an index scores: the BM25 variant and its parameters."""

    method: str = "lucene"
    params: BM25Params = BM25Params()


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


class Index(SegmentWriter):
    """A BM25 index over Kazakh (and Russian) documents.

    ``method`` is one of "lucene" (default), "okapi" (rank-bm25's BM25Okapi),
    "bm25l", "bm25+"; ``k1``, ``b``, ``epsilon`` and ``delta`` are its
    parameters (``delta=None``: 0.5 for bm25l, 1.0 for bm25+). ``analyzer`` is
    any callable text -> list of terms; the default is Kazakh analysis,
    ``Analyzer()`` (stems only; ``Analyzer(views=RECOMMENDED_VIEWS)`` adds the
    word's first 6 letters at query weight 0.5 and ranks better, at a cost
    measured too high for the default at a million documents: see
    :mod:`kzsearch.analysis.views` and README). Small segments are merged by ``merge_policy``
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
    """

    def __init__(self, analyzer: Optional[Any] = None, method: str = "lucene", k1: float = 1.5,
                 b: float = 0.75, epsilon: float = 0.25, delta: Optional[float] = None,
                 merge_policy: Optional[MergePolicy] = None, background_merges: bool = True,
                 restore_queries: Optional[bool] = None, *,
                 fields: Optional[Mapping[str, Any]] = None, positions: bool = True) -> None:
        check_method(method)
        if not isinstance(positions, bool):
            raise TypeError(f"positions must be bool, not {type(positions).__name__}")
        self.fields: Dict[str, Field] = check_fields(fields)
        self.text_field = text_key(self.fields)
        self.positions = positions
        if analyzer is not None and not callable(analyzer):
            raise TypeError(f"analyzer must be callable, not {type(analyzer).__name__}")
        if delta is None:
            delta = DEFAULT_DELTA.get(method, 0.5)
        params = BM25Params.checked(k1=k1, b=b, epsilon=epsilon, delta=delta)
        _check_settings(merge_policy, background_merges, restore_queries)
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

    def _document(self, seg: Segment, local: int) -> Dict[str, Any]:
        stored = seg.stored[local] if seg.stored is not None else ""
        return stored_document(seg.ids[local], self.text_field, seg.texts[local], stored)

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

    def explain(self, query: Union[str, Query], doc_id: str, *, syntax: bool = True,
                k1: Optional[float] = None, b: Optional[float] = None,
                stats: Optional[CollectionStats] = None) -> Explanation:
        """How the document ``doc_id`` scores for ``query``, clause by clause (Lucene's explain).

        The returned tree's ``value`` equals the document's score in
        :meth:`search` with the same arguments (0 with ``match=False`` when the
        document does not match); ``str()`` prints it. KeyError if there is
        no live document ``doc_id``.
        """
        structured = structured_query(query, syntax, tuple(self.fields))
        check_query(doc_id, "doc_id")
        params = self._query_params(k1, b)
        snapshot = self._snapshot
        name, local = self._id_locations()[doc_id]
        where = [i for i, seg in enumerate(snapshot.segments) if seg.name == name]
        if not where:
            raise KeyError(doc_id)
        node = self._node(query, structured, snapshot)
        return explain(node, self._scorer(snapshot, params, stats), int(snapshot.bases[where[0]]) + local,
                       tuple(self.fields))

    def highlight(self, hit: Union[Hit, str], query: Union[str, Query], *, syntax: bool = True,
                  markers: Tuple[str, str] = ("[", "]"), width: int = 200) -> Highlight:
        """Where ``query`` matched in ``hit`` (a :class:`Hit` or a text): spans and a snippet.

        ``spans`` are (start, end) character offsets in the hit's ``text``; the
        snippet shows about ``width`` characters around the densest cluster
        of matches, each between ``markers`` (``("<mark>", "</mark>")`` for
        HTML). Phrases are marked as a whole; queries typed on a Russian
        keyboard or in Latin mark the words they were restored to.
        """
        text = hit.text if isinstance(hit, Hit) else check_query(hit, "hit")
        structured = structured_query(query, syntax, tuple(self.fields))
        if (not isinstance(markers, tuple) or len(markers) != 2
                or not all(isinstance(m, str) for m in markers)):
            raise TypeError("markers must be a pair of str (opening, closing)")
        if isinstance(width, bool) or not isinstance(width, int):
            raise TypeError(f"width must be int, not {type(width).__name__}")
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        node = self._node(query, structured, self._snapshot)
        return highlight_text(text, node, self.analyzer, width, markers)

    def scoring_terms(self, query: Union[str, Query], *, syntax: bool = True) -> List[str]:
        """The index terms ``query`` is scored with: restored, analysed, prefixes expanded.

        Shards of one collection exchange statistics for these terms (see
        :mod:`kzsearch.distributed`).
        """
        structured = structured_query(query, syntax, tuple(self.fields))
        snapshot = self._snapshot
        if structured is None:
            assert isinstance(query, str)
            return restored_query(query, self.analyzer, self._restorer, self._vocab.terms,
                                  lambda: snapshot.document_frequencies(len(self._vocab)))
        out: List[str] = []
        pending = [self._resolver(snapshot).resolve(structured)]
        while pending:
            node = pending.pop()
            if isinstance(node, TermNode):
                out.append(node.term)
            elif isinstance(node, BoolNode):
                pending.extend(reversed(node.must + node.should + node.must_not))
            elif node is not None:
                out.extend(node.terms)
        return list(dict.fromkeys(out))

    def _node(self, query: Union[str, Query], structured: Optional[Query], snapshot: Snapshot) -> Optional[Node]:
        """The resolved query: the structured one, or the plain words' terms as one Bool."""
        if structured is not None:
            return self._resolver(snapshot).resolve(structured)
        assert isinstance(query, str)
        terms = self.query_terms(query)
        if not terms:
            return None
        return BoolNode(should=tuple(TermNode(self._vocab.term(t), t, None, w) for t, w in terms))

    def _resolver(self, snapshot: Snapshot) -> Resolver:
        vocab_size = len(self._vocab)
        return Resolver(self.analyzer, self._vocab, lambda: snapshot.document_frequencies(vocab_size),
                        self._restorer, tuple(self.fields), self.positions, self._prefixes)

    def _scorer(self, snapshot: Snapshot, params: BM25Params,
                stats: Optional[CollectionStats]) -> execute.Scorer:
        return execute.Scorer(snapshot, self.settings.method, params, len(self._vocab), stats,
                              self._field_weights(params))

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

    def _filter_keep(self, snapshot: Snapshot, filter: Optional[Mapping[str, Any]]) -> Optional[np.ndarray]:
        """Live-and-passing mask over the snapshot's stored documents, or None without a filter."""
        spec = compile_filter(filter, self._schema, tuple(self.fields))
        return None if spec is None else cached_mask(spec, snapshot)

    def _field_weights(self, params: BM25Params) -> Optional[FieldWeights]:
        if len(self.fields) == 1:
            return None
        fields = list(self.fields.values())
        return FieldWeights(np.array([f.weight for f in fields], dtype=np.float64),
                            np.array([params.b if f.b is None else f.b for f in fields], dtype=np.float64))

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

    def query_terms(self, query: str, *, typos: bool = True) -> List[Tuple[int, float]]:
        """(term id, weight) of the query's known terms, in query order.

        The weight is how often the term occurs in the query (times any
        weight below 1 of a looser match: a corrected typo); the searcher
        scales the term's contributions by it.

        A query typed on a Russian keyboard or in Latin script is re-spelled
        first (see :mod:`kzsearch.restoration`); then, with ``typos``, words
        the index does not know are corrected (see :mod:`kzsearch.query.typos`).
        """
        return self._query_terms(query, check_flag(typos, "typos"))[0]

    def suggest_query(self, query: str) -> Optional[str]:
        """``query`` with its typing errors corrected, for a "did you mean", or
        None when no word needed correcting.

        >>> index = Index()
        >>> index.add(["Денсаулық сақтау министрлігі"])
        >>> index.suggest_query("денсалық сақтау"), index.suggest_query("денсаулық")
        ('денсаулық сақтау', None)
        """
        check_query(query)
        text, corrections = self._query_terms(query, True)[1:]
        return suggested(text, corrections)

    def complete(self, prefix: str, k: int = 10) -> List[str]:
        """Up to ``k`` completions of the last word of ``prefix`` (a partial
        query), most frequent first: whole words as written in the documents,
        earlier words kept as typed; a prefix typed on a Russian keyboard or
        in Latin completes to Kazakh words (see :mod:`kzsearch.query.completion`).

        >>> index = Index()
        >>> index.add(["Денсаулық сақтау", "Денсаулығы жақсы", "денсаулық"])
        >>> index.complete("денс"), index.complete("мемлекет денсаулы", k=1)
        (['денсаулық', 'денсаулығы'], ['мемлекет денсаулық'])
        """
        check_query(prefix, "prefix")
        k = check_k(k)
        return complete(self._typos.surface(self._index_view(self._snapshot)), prefix, k)

    def _query_terms(self, query: str, typos: bool) -> Tuple[List[Tuple[int, float]], str, list]:
        """(term id, weight) pairs, the restored query text and the typo corrections made."""
        snapshot = self._snapshot
        vocab = self._vocab
        text = restored_text(query, self._restorer, vocab.terms,
                             lambda: snapshot.document_frequencies(len(vocab)))
        terms = self.analyzer(text)
        views = [t for t in terms if is_view_term(t)] if isinstance(self.analyzer, Analyzer) else []
        if views:  # typo correction looks at stems; view terms weigh their view's weight
            terms = [t for t in terms if not is_view_term(t)]
        if not typos:
            return self._with_views(searcher.count_terms(vocab.lookup(terms).tolist()), views), text, []
        weighted, corrections = self._typos.query_terms(
            text, terms, lambda ts: vocab.lookup(ts).tolist(), lambda: self._index_view(snapshot))
        return self._with_views(weighted, views), text, corrections

    def _with_views(self, weighted: List[Tuple[int, float]], views: List[str]) -> List[Tuple[int, float]]:
        """``weighted`` plus the known ``views`` terms, each weighted count x its view's weight."""
        if not views:
            return weighted
        weight = self.analyzer.query_weight
        counted = searcher.count_terms(self._vocab.lookup(views).tolist())
        return list(weighted) + [(t, n * weight(self._vocab.term(t))) for t, n in counted]

    def _index_view(self, snapshot: Snapshot) -> IndexView:
        vocab = self._vocab
        return IndexView(vocab.terms, lambda: snapshot.document_frequencies(len(vocab)),
                         lambda step: _live_texts(snapshot, step), snapshot.n_live)

    def restored_query(self, query: str) -> Optional[str]:
        """``query`` re-spelled as it is searched (Russian keyboard or Latin script), or None.

        None when the query is searched as typed (see :mod:`kzsearch.restoration`).
        """
        check_query(query)
        if self._restorer is None or not needs_restoration(query):
            return None
        snapshot = self._snapshot
        restored = self._restorer.restore(query, self._vocab.terms,
                                          lambda: snapshot.document_frequencies(len(self._vocab)))
        return restored if restored != query else None

    def _query_params(self, k1: Optional[float], b: Optional[float]) -> BM25Params:
        params = self.settings.params
        if k1 is None and b is None:
            return params
        return BM25Params.checked(k1=params.k1 if k1 is None else k1, b=params.b if b is None else b,
                                  epsilon=params.epsilon, delta=params.delta)

    def _hits(self, snapshot: Snapshot, positions: np.ndarray, scores: np.ndarray) -> List[Hit]:
        seg_idx, local = snapshot.locate(positions)
        hits = []
        for s, d, score in zip(seg_idx.tolist(), local.tolist(), scores.tolist()):
            seg = snapshot.segments[s]
            hits.append(Hit(seg.ids[d], score, seg.texts[d], self._document(seg, d)))
        return hits

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


def _check_settings(merge_policy: object, background_merges: object, restore_queries: object) -> None:
    if merge_policy is not None and not isinstance(merge_policy, MergePolicy):
        raise TypeError(f"merge_policy must be a MergePolicy, not {type(merge_policy).__name__}")
    if not isinstance(background_merges, bool):
        raise TypeError(f"background_merges must be bool, not {type(background_merges).__name__}")
    if restore_queries is not None and not isinstance(restore_queries, bool):
        raise TypeError(f"restore_queries must be bool or None, not {type(restore_queries).__name__}")


def _live_texts(snapshot: Snapshot, step: int = 1) -> Iterator[str]:
    """Texts of every ``step``-th live document of ``snapshot``."""
    for seg in snapshot.segments:
        if seg.live is None and step == 1:
            yield from seg.texts
            continue
        texts = seg.texts
        live = np.arange(seg.n_docs) if seg.live is None else np.flatnonzero(seg.live)
        for i in live[::step].tolist():
            yield texts[i]
