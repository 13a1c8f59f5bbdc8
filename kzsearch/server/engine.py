"""What the service asks of an :class:`~kzsearch.Index`, in one place.

The service is built against whatever the index can do today and picks up
features as they land (stored fields and filters, query-language highlights,
"did you mean", completions). Every feature test lives in this module —
:class:`Capabilities` is computed once from the index — so the HTTP layer and
the page never probe the index themselves.

>>> from kzsearch import Index
>>> index = Index()
>>> index.add(["Облыс бюджеті нақтыланды", "Мектеп оқушылары"], ids=["a", "b"])
>>> engine = SearchEngine(index)
>>> result = engine.search("бюджеті", k=5)
>>> [(hit.id, hit.snippet) for hit in result.hits]
[('a', 'Облыс \\ue000бюджеті\\ue001 нақтыланды')]

Snippets carry the private-use markers of :mod:`kzsearch.server.snippets`
around matched words; the page escapes the text and turns them into
``<mark>`` tags, so no stored text can inject HTML.
"""
from __future__ import annotations

import inspect
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..analysis.views import is_view_term
from ..index import Index
from ..querying import QueryAnalysis, QueryPlanner
from .snippets import MARK_CLOSE, MARK_OPEN, SurfaceWords, marked_snippet, page_spans

#: hits whose metadata the page's filters are drawn from
FACET_SAMPLE = 100
#: longest value offered as a filter, and how many values a field offers
FACET_VALUE_CHARS = 60
FACET_VALUES = 8
#: stored fields never offered as filters
NOT_FACETS = frozenset({"id", "text", "title", "url", "body"})


class FeatureMissing(ValueError):
    """The index cannot do what a request asked (the service answers 400 and says which issue adds it)."""


@dataclass(frozen=True)
class Capabilities:
    """Which optional features the wrapped index has."""

    offset: bool = False       # search(..., offset=)
    filters: bool = False      # search(..., filter=), stored fields and metadata
    count: bool = False        # count(q, filter)
    highlight: bool = False    # highlight(hit, query, ...)
    suggest: bool = False      # suggest_query(q)
    complete: bool = False     # complete(prefix, k)
    restore: bool = False      # restored_query(q)
    documents: bool = False    # add() takes dicts with stored fields

    @classmethod
    def of(cls, index: Any) -> "Capabilities":
        params = inspect.signature(index.search).parameters
        filters = "filter" in params
        return cls(offset="offset" in params, filters=filters,
                   count=callable(getattr(index, "count", None)),
                   highlight=callable(getattr(index, "highlight", None)),
                   suggest=callable(getattr(index, "suggest_query", None)),
                   complete=callable(getattr(index, "complete", None)),
                   restore=callable(getattr(index, "restored_query", None)),
                   documents=filters)


def _planner_analysis(index: Any) -> bool:
    """Whether ``analyse_query`` can stand for ``query_terms``, ``suggest_query`` and ``restored_query``
    (none of them is overridden)."""
    cls = type(index)
    return isinstance(index, QueryPlanner) and all(
        getattr(cls, name, None) is getattr(QueryPlanner, name)
        for name in ("query_terms", "suggest_query", "restored_query", "analyse_query"))


@dataclass
class FoundHit:
    """One hit as the service shows it."""

    id: str
    score: float
    text: str                          # the text field
    fields: Dict[str, Any]             # the stored document
    snippet: str                       # with MARK_OPEN / MARK_CLOSE around matches
    spans: List[Tuple[int, int]]       # matched (start, end) in fields["text"]

    @property
    def title(self) -> Optional[str]:
        title = self.fields.get("title")
        return title if isinstance(title, str) and title.strip() else None


@dataclass(frozen=True)
class SearchResult:
    """A page of hits and what the service tells about the query."""

    query: str
    k: int
    offset: int
    hits: List[FoundHit]
    total: Optional[int] = None        # matching documents, when the index can count
    corrected: Optional[str] = None    # the query as searched, when typos were fixed
    restored: Optional[str] = None     # the query re-spelled (Russian keyboard / Latin)
    has_more: bool = False


@dataclass
class CommitInfo:
    """The last save this service made (or found at load)."""

    path: Optional[str]
    time: Optional[float] = None
    saves: int = 0


class SearchEngine:
    """The index behind the service: searches, documents, writes and saves.

    Searches may run on many threads at once; writes are serialised by the
    index's own lock and are visible to the next search. ``path`` is the
    folder ``save`` writes to (None: an in-memory index that cannot save).
    """

    def __init__(self, index: Index, path: Optional[str] = None) -> None:
        self.index = index
        self.can = Capabilities.of(index)
        self.commit = CommitInfo(path=str(path) if path is not None else None)
        if path is not None and Path(path).exists():
            self.commit.time = _commit_time(Path(path))
        self._dirty = False
        self._save_lock = threading.Lock()
        self._words = SurfaceWords(index.analyzer)  # for snippets
        # query_terms, suggest_query and restored_query are QueryPlanner's own: one analysis serves all three
        self._one_analysis = _planner_analysis(index)

    # ------------------------------------------------------------------ reading
    def search(self, query: str, k: int = 10, offset: int = 0,
               filter: Optional[Mapping[str, Any]] = None, snippets: bool = True,
               total: bool = False) -> SearchResult:
        """``k`` hits from rank ``offset`` on, with snippets (unless not wanted) and query corrections.

        ``total`` also counts every matching document (when the index can;
        about the cost of one more search).
        """
        index, can = self.index, self.can
        if filter and not can.filters:
            raise FeatureMissing("this index has no metadata filters (stored fields arrive with issue 11)")
        kwargs: Dict[str, Any] = {}
        if filter:
            kwargs["filter"] = dict(filter)
        # one hit more than asked says whether there is a next page
        if can.offset:
            hits = index.search(query, k + 1, offset=offset, **kwargs)
        else:  # page by hand: the ranking is deterministic (ties in insertion order)
            hits = index.search(query, offset + k + 1, **kwargs)[offset:]
        hits, more = hits[:k], hits[k:]
        # the query's analysis (restored text, terms, typo corrections), once for the page's
        # snippets, the "did you mean" and the restored query
        analysis = index.analyse_query(query) if self._one_analysis else None
        marks = self._marks(query, hits, analysis) if snippets and hits else [("", [])] * len(hits)
        found = [_found(hit, snippet, spans) for hit, (snippet, spans) in zip(hits, marks)]
        matching = index.count(query, filter=kwargs.get("filter")) if total and can.count else None
        if analysis is not None:
            corrected, restored = analysis.corrected(), analysis.restored()
        else:
            corrected = index.suggest_query(query) if can.suggest else None
            restored = index.restored_query(query) if can.restore else None
        return SearchResult(query, k, offset, found, matching, corrected or None, restored or None,
                            bool(more))

    def facets(self, query: str, filter: Optional[Mapping[str, Any]] = None,
               sample: int = FACET_SAMPLE) -> Dict[str, List[Tuple[str, int]]]:
        """Values of the short metadata fields among the top ``sample`` hits, most common first.

        The page offers them as filters. Empty for an index without filters.
        """
        if not self.can.filters or not query.strip():
            return {}
        schema = getattr(self.index, "schema", None)
        keys = {key for key, kind in schema.items() if kind in ("str", "strs")} if isinstance(schema, Mapping) \
            else None  # without a schema: every short string field
        counts: Dict[str, Dict[str, int]] = {}
        for hit in self.index.search(query, sample, filter=dict(filter or {})):
            for key, value in (getattr(hit, "fields", None) or {}).items():
                if key in NOT_FACETS or (keys is not None and key not in keys):
                    continue
                for item in value if isinstance(value, (list, tuple)) else [value]:
                    if isinstance(item, str) and 0 < len(item) <= FACET_VALUE_CHARS:
                        slot = counts.setdefault(key, {})
                        slot[item] = slot.get(item, 0) + 1
        return {key: sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_VALUES]
                for key, values in sorted(counts.items())}

    def document(self, doc_id: str) -> Dict[str, Any]:
        """The stored document ``doc_id`` as a dict (KeyError when there is none)."""
        stored = self.index.get(doc_id)
        if isinstance(stored, Mapping):
            return {"id": doc_id, **stored}
        return {"id": doc_id, "text": stored}

    def complete(self, prefix: str, k: int = 10) -> List[str]:
        """Completions of the last word of ``prefix`` (FeatureMissing before issue 14 lands)."""
        if not self.can.complete:
            raise FeatureMissing("this index has no completions (they arrive with issue 14)")
        return [str(c) for c in self.index.complete(prefix, k)]

    def stats(self) -> Dict[str, Any]:
        index = self.index
        return {"documents": len(index), "segments": len(index.segments), "terms": len(index.vocabulary),
                "path": self.commit.path, "last_commit": _iso(self.commit.time), "saves": self.commit.saves,
                "unsaved_changes": self._dirty,
                "features": {name: getattr(self.can, name) for name in self.can.__dataclass_fields__}}

    # ------------------------------------------------------------------ writing
    def put(self, documents: Sequence[Mapping[str, Any]]) -> int:
        """Add or replace documents given as dicts with an ``id`` and a ``text``."""
        ids, bodies = [], []
        for i, doc in enumerate(documents):
            if not isinstance(doc, Mapping):
                raise TypeError(f"documents[{i}] must be an object, not {type(doc).__name__}")
            doc_id = doc.get("id")
            if not isinstance(doc_id, str) or not doc_id:
                raise TypeError(f"documents[{i}].id must be a non-empty string")
            ids.append(doc_id)
            if self.can.documents:  # the index checks its fields and metadata itself
                bodies.append(dict(doc))
                continue
            if not isinstance(doc.get("text"), str):
                raise TypeError(f"documents[{i}].text must be a string")
            extra = sorted(set(doc) - {"id", "text"})
            if extra:
                raise FeatureMissing(f"documents[{i}] has fields {extra}: this index stores only "
                                     "text (stored fields arrive with issue 11)")
            bodies.append(doc["text"])
        if len(set(ids)) != len(ids):
            raise ValueError("documents: an id occurs twice in one request")
        if self.can.documents:
            self.index.update(bodies)
        else:
            self.index.update(bodies, ids=ids)
        self._dirty = True
        return len(ids)

    def delete(self, doc_id: str) -> None:
        """Delete one document (KeyError when there is none)."""
        if doc_id not in self.index:
            raise KeyError(doc_id)
        self.index.delete([doc_id])
        self._dirty = True

    def save(self, only_if_changed: bool = False) -> bool:
        """Save to the index folder; False when ``only_if_changed`` and nothing changed."""
        if self.commit.path is None:
            raise FeatureMissing("this service has no index folder to save to")
        with self._save_lock:
            if only_if_changed and not self._dirty:
                return False
            self._dirty = False  # writes during the save mark it dirty again
            try:
                self.index.save(self.commit.path)
            except BaseException:
                self._dirty = True
                raise
            self.commit.time = time.time()
            self.commit.saves += 1
            return True

    def saved_elsewhere(self, when: float) -> None:
        """Record a save of this same state that another process made (``serve --workers N``)."""
        with self._save_lock:
            self._dirty = False
            self.commit.time = when
            self.commit.saves += 1

    # ------------------------------------------------------------------ internals
    def _marks(self, query: str, hits: Sequence[Any],
               analysis: Optional[QueryAnalysis] = None) -> List[Tuple[str, List[Tuple[int, int]]]]:
        """Each hit's (snippet, spans) for ``query``.

        The index's highlighter knows phrases and fields; plain words are
        marked faster here: the query's terms looked up once, the words of
        the whole page found and matched at once (:func:`page_spans`).
        """
        index = self.index
        if self.can.highlight and uses_syntax(index, query):
            return [_index_highlight(index, hit, query) for hit in hits]
        weighted = analysis.terms() if analysis is not None else index.query_terms(query)
        term = index.vocabulary.term
        # a sub-word view term never marks a word on its own (as in Index.highlight)
        match = self._words.matcher({t for t in map(term, (term_id for term_id, _ in weighted))
                                     if not is_view_term(t)})
        texts = [hit.text for hit in hits]
        return [(marked_snippet(text, spans), spans) for text, spans in zip(texts, page_spans(texts, match))]


def _found(hit: Any, snippet: str, spans: List[Tuple[int, int]]) -> FoundHit:
    fields = getattr(hit, "fields", None)
    if type(fields) is not dict:  # (a dict is the index's own fresh copy for this hit)
        fields = dict(fields) if isinstance(fields, Mapping) else {"text": hit.text}
    return FoundHit(hit.id, float(hit.score), hit.text, fields, snippet, spans)


#: characters without which a query string is plain words (see kzsearch.query.parser)
_SYNTAX_CHARS = frozenset('"()+-:*')
_OPERATORS = frozenset({"AND", "OR", "NOT"})


def uses_syntax(index: Any, query: str) -> bool:
    """Whether ``query`` uses the query language (issue 12): phrases, -, AND/OR, field:, prefix*.

    A string with none of the syntax's characters and operators is plain
    words without asking the parser (a test checks the two agree).
    """
    if _SYNTAX_CHARS.isdisjoint(query) and _OPERATORS.isdisjoint(query.split()):
        return False
    try:
        from ..query.parser import structured_query
    except ImportError:  # no query language: plain words
        return False
    return structured_query(query, True, tuple(getattr(index, "fields", None) or ())) is not None


def _index_highlight(index: Any, hit: Any, query: str) -> Tuple[str, List[Tuple[int, int]]]:
    """The index's own highlighter (issue 12), asked for this module's markers."""
    params = inspect.signature(index.highlight).parameters
    kwargs: Dict[str, Any] = {}
    if "markers" in params:
        kwargs["markers"] = (MARK_OPEN, MARK_CLOSE)
    elif "pre" in params and "post" in params:
        kwargs.update(pre=MARK_OPEN, post=MARK_CLOSE)
    result = index.highlight(hit, query, **kwargs)
    spans = [tuple(s) for s in getattr(result, "spans", ())]
    return str(getattr(result, "snippet", result)), spans  # type: ignore[return-value]


def _iso(seconds: Optional[float]) -> Optional[str]:
    """A POSIX time as ISO 8601 in UTC, to the second."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


def _commit_time(folder: Path) -> Optional[float]:
    commits = sorted(folder.glob("*.json"))
    return max(p.stat().st_mtime for p in commits) if commits else None
