"""The query side of an :class:`kzsearch.Index`: from a query to what the engine runs, and back.

A plain-words query becomes weighted term ids (``query_terms``): re-spelled
first when typed on a Russian keyboard or in Latin (:mod:`kzsearch.restoration`),
analysed, unknown words corrected to known ones at weights below 1
(:mod:`kzsearch.query.typos`), sub-word view terms weighted by their view
(:mod:`kzsearch.analysis.views`). A query in the syntax, or a query object,
is resolved against the vocabulary into a node tree (``_resolver``,
:mod:`kzsearch.query.resolve`) that :mod:`kzsearch.query.execute` scores
with ``_scorer``. The same resolution feeds ``explain``, ``highlight`` and
``scoring_terms``, and the vocabulary feeds ``suggest_query``, ``complete``
and ``restored_query``. ``_filter_keep``, ``_field_weights`` and
``_query_params`` turn a filter, the fields and per-query ``k1``/``b`` into
what the searchers take; ``_hits`` turns their (position, score) rows into
:class:`Hit` objects.

>>> from kzsearch import Index
>>> index = Index()
>>> index.add(["Денсаулық сақтау министрлігі", "Облыс бюджеті"])
>>> [(index.vocabulary.term(t), w) for t, w in index.query_terms("сақтау сақтау денсалық")]
[('сақта', 2.0), ('денсаулық', 0.8), ('~сақтау', 0.8)]
>>> index.scoring_terms("денсаулық OR бюдж*")
['денсаулық', '~денсау', 'бюджет']

:class:`QueryPlanner` is a mixin of :class:`kzsearch.Index` (as
:class:`kzsearch.writer.SegmentWriter` holds the write side); it reads the
index's ``fields``, ``analyzer``, ``positions``, ``settings``, ``text_field``,
``_vocab``, ``_snapshot``, ``_schema``, ``_restorer``, ``_typos``,
``_prefixes`` and ``_id_locations``, and changes none of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

import numpy as np

from .analysis import Analyzer
from .analysis.views import is_view_term
from .checks import check_flag, check_k, check_query
from .engine import searcher
from .engine.fields import Field
from .engine.filters import cached_mask, compile_filter
from .engine.scoring import BM25Params
from .engine.searcher import CollectionStats, FieldWeights, Snapshot
from .engine.segment import Segment
from .engine.vocabulary import Vocabulary
from .ingest import stored_document
from .query import execute
from .query.completion import complete
from .query.explain import Explanation, explain
from .query.highlight import Highlight, highlight_text
from .query.objects import Query
from .query.parser import structured_query
from .query.resolve import BoolNode, Node, PrefixCache, Resolver, TermNode
from .query.typos import IndexView, TypoTolerance, suggested
from .restoration import QueryRestorer, needs_restoration, restored_text


@dataclass(frozen=True)
class Hit:
    """One search result: ``fields`` is the stored document (``Index.get``)."""

    id: str
    score: float
    text: str
    fields: Dict[str, Any] = field(default_factory=dict, repr=False, hash=False)


class QueryPlanner:
    """How an Index reads a query (see the module docstring)."""

    fields: Dict[str, Field]
    text_field: str
    analyzer: Any
    positions: bool
    settings: Any  # IndexSettings
    _vocab: Vocabulary
    _snapshot: Snapshot
    _schema: Dict[str, str]
    _restorer: Optional[QueryRestorer]
    _typos: TypoTolerance
    _prefixes: PrefixCache
    _id_locations: Callable[[], Dict[str, Tuple[str, int]]]

    # ------------------------------------------------------------ plain words
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

        >>> from kzsearch import Index
        >>> index = Index()
        >>> index.add(["Денсаулық сақтау министрлігі"])
        >>> index.suggest_query("денсалық сақтау"), index.suggest_query("денсаулық")
        ('денсаулық сақтау', None)
        """
        return self.analyse_query(query).corrected()

    def analyse_query(self, query: str) -> "QueryAnalysis":
        """The query's terms, "did you mean" and restored text from one analysis, made on first use
        (what ``query_terms``, ``suggest_query`` and ``restored_query`` each work out alone).

        >>> from kzsearch import Index
        >>> index = Index()
        >>> index.add(["Денсаулық сақтау министрлігі"])
        >>> index.analyse_query("денсалық").corrected()
        'денсаулық'
        """
        check_query(query)
        return QueryAnalysis(self, query)

    def complete(self, prefix: str, k: int = 10) -> List[str]:
        """Up to ``k`` completions of the last word of ``prefix`` (a partial
        query), most frequent first: whole words as written in the documents,
        earlier words kept as typed; a prefix typed on a Russian keyboard or
        in Latin completes to Kazakh words (see :mod:`kzsearch.query.completion`).

        >>> from kzsearch import Index
        >>> index = Index()
        >>> index.add(["Денсаулық сақтау", "Денсаулығы жақсы", "денсаулық"])
        >>> index.complete("денс"), index.complete("мемлекет денсаулы", k=1)
        (['денсаулық', 'денсаулығы'], ['мемлекет денсаулық'])
        """
        check_query(prefix, "prefix")
        k = check_k(k)
        return complete(self._typos.surface(self._index_view(self._snapshot)), prefix, k)

    def restored_query(self, query: str) -> Optional[str]:
        """``query`` re-spelled as it is searched (Russian keyboard or Latin script), or None.

        None when the query is searched as typed (see :mod:`kzsearch.restoration`).
        """
        return self.analyse_query(query).restored()

    def _query_terms(self, query: str, typos: bool) -> Tuple[List[Tuple[int, float]], str, list]:
        """(term id, weight) pairs, the restored query text and the typo corrections made."""
        snapshot = self._snapshot
        vocab = self._vocab
        text = self._restored_text(query, snapshot)
        terms = self.analyzer(text)
        views = [t for t in terms if is_view_term(t)] if isinstance(self.analyzer, Analyzer) else []
        if views:  # typo correction looks at stems; view terms weigh their view's weight
            terms = [t for t in terms if not is_view_term(t)]
        if not typos:
            return self._with_views(searcher.count_terms(vocab.lookup(terms).tolist()), views), text, []
        weighted, corrections = self._typos.query_terms(
            text, terms, lambda ts: vocab.lookup(ts).tolist(), lambda: self._index_view(snapshot))
        return self._with_views(weighted, views), text, corrections

    def _restored_text(self, query: str, snapshot: Snapshot) -> str:
        """``query`` re-spelled against the vocabulary when it needs it, else as it is."""
        vocab = self._vocab
        return restored_text(query, self._restorer, vocab.terms, lambda: snapshot.document_frequencies(len(vocab)))

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

    # ------------------------------------------------------ resolved queries
    def explain(self, query: Union[str, Query], doc_id: str, *, syntax: bool = True,
                k1: Optional[float] = None, b: Optional[float] = None,
                stats: Optional[CollectionStats] = None) -> Explanation:
        """How the document ``doc_id`` scores for ``query``, clause by clause (Lucene's explain).

        The returned tree's ``value`` equals the document's score in
        :meth:`~kzsearch.Index.search` with the same arguments (0 with
        ``match=False`` when the document does not match); ``str()`` prints
        it. KeyError if there is no live document ``doc_id``.
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
            return self.analyzer(self._restored_text(query, snapshot))
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

    # ------------------------------------------------- what the searchers take
    def _scorer(self, snapshot: Snapshot, params: BM25Params,
                stats: Optional[CollectionStats]) -> execute.Scorer:
        return execute.Scorer(snapshot, self.settings.method, params, len(self._vocab), stats,
                              self._field_weights(params))

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

    def _query_params(self, k1: Optional[float], b: Optional[float]) -> BM25Params:
        params = self.settings.params
        if k1 is None and b is None:
            return params
        return BM25Params.checked(k1=params.k1 if k1 is None else k1, b=params.b if b is None else b,
                                  epsilon=params.epsilon, delta=params.delta)

    # --------------------------------------------------------------- results
    def _hits(self, snapshot: Snapshot, positions: np.ndarray, scores: np.ndarray) -> List[Hit]:
        seg_idx, local = snapshot.locate(positions)
        hits = []
        for s, d, score in zip(seg_idx.tolist(), local.tolist(), scores.tolist()):
            seg = snapshot.segments[s]
            doc_id, text = seg.ids[d], seg.texts[d]
            stored = seg.stored[d] if seg.stored is not None else ""
            hits.append(Hit(doc_id, score, text, stored_document(doc_id, self.text_field, text, stored)))
        return hits

    def _document(self, seg: Segment, local: int) -> Dict[str, Any]:
        stored = seg.stored[local] if seg.stored is not None else ""
        return stored_document(seg.ids[local], self.text_field, seg.texts[local], stored)


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


class QueryAnalysis:
    """One query's terms, typo corrections and restored text, worked out once, on first use
    (:meth:`QueryPlanner.analyse_query`)."""

    __slots__ = ("planner", "query", "_done")

    def __init__(self, planner: QueryPlanner, query: str) -> None:
        self.planner, self.query = planner, query
        self._done: Optional[Tuple[List[Tuple[int, float]], str, list]] = None

    def _get(self) -> Tuple[List[Tuple[int, float]], str, list]:
        if self._done is None:
            self._done = self.planner._query_terms(self.query, True)
        return self._done

    def terms(self) -> List[Tuple[int, float]]:
        """``query_terms(query)``."""
        return self._get()[0]

    def corrected(self) -> Optional[str]:
        """``suggest_query(query)``: the query with its typing errors corrected, or None."""
        _, text, corrections = self._get()
        return suggested(text, corrections)

    def restored(self) -> Optional[str]:
        """``restored_query(query)``: the re-spelled text when it differs from the query, or None
        (without typo correction when the terms have not been asked for)."""
        planner, query = self.planner, self.query
        if planner._restorer is None or not needs_restoration(query):
            return None
        text = self._done[1] if self._done is not None else planner._restored_text(query, planner._snapshot)
        return text if text != query else None
