"""Sub-word views: extra, marked terms emitted beside each word's stem.

A stemmer conflates the forms it knows; a second, coarser look at the word
catches what it misses (derived words, compounds written solid, unknown
endings). A :class:`View` makes one such look:

* ``prefix`` — the word's first ``size`` letters, marked ``~``
  (``мектептердегі`` -> ``~мектеп`` for ``size=6``);
* ``ngrams`` — the word's character ``size``-grams, padded with ``_`` at both
  ends and marked ``^`` (``үйлер`` -> ``^_үйл``, ``^үйле``, ``^йлер``, ``^лер_``).

Options: ``min_length`` skips short words, ``source="stem"`` cuts the stem
instead of the word as written, ``distinct`` drops a prefix equal to the stem.

View terms are ordinary index terms (they have postings, document
frequencies and count toward document length), so BM25 over stems plus
views is a weighted score sum: at query time each view term's
contributions are multiplied by its view's ``weight`` (:func:`view_weight`).
The marks keep view terms apart from real terms: no token starts with
``~`` or ``^``. Views never stand for a word on their own — phrases,
highlighting and query restoration look at stems only (:func:`is_view_term`).

>>> views = parse_views([{"kind": "prefix", "size": 5, "weight": 1.0}])
>>> view_terms("мектептердегі", views)
['~мекте']
>>> view_terms("үйлер", parse_views([{"kind": "ngrams", "size": 4, "weight": 0.25}]))
['^_үйл', '^үйле', '^йлер', '^лер_']
>>> view_weight("~мекте", views), is_view_term("мектеп")
(1.0, False)
>>> [view_terms(w, RECOMMENDED_VIEWS) for w in ("а", "үй", "оқушылар")]
[[], [], ['~оқушыл']]
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

#: view kind -> the mark its terms start with
MARKS: Dict[str, str] = {"prefix": "~", "ngrams": "^"}
#: padding at both ends of a word before cutting n-grams
PAD = "_"
#: what a view may cut: the word as written, or its stem
SOURCES = ("word", "stem")


@dataclass(frozen=True)
class View:
    """One view: ``kind`` ("prefix" or "ngrams"), ``size`` in letters, query ``weight``.

    ``min_length``: a word (or stem, with ``source="stem"``) shorter than this
    gets no view term (0: every word).
    ``source``: what the view cuts: ``"word"`` (the word as written) or
    ``"stem"`` (the word's stem, the term the analyzer emits for it).
    ``distinct`` (prefix views only): no view term when the prefix equals the
    stem, so the view term never repeats what the stem already says.
    """

    kind: str
    size: int
    weight: float = 1.0
    min_length: int = 0
    source: str = "word"
    distinct: bool = False

    def __post_init__(self) -> None:
        if self.kind not in MARKS:
            raise ValueError(f"views: kind must be one of {sorted(MARKS)}, got {self.kind!r}")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 1 <= self.size <= 32:
            raise ValueError(f"views: size must be an int from 1 to 32, got {self.size!r}")
        if isinstance(self.weight, bool) or not isinstance(self.weight, (int, float)) \
                or not math.isfinite(self.weight) or self.weight <= 0:
            raise ValueError(f"views: weight must be a finite number > 0, got {self.weight!r}")
        object.__setattr__(self, "weight", float(self.weight))
        if isinstance(self.min_length, bool) or not isinstance(self.min_length, int) or self.min_length < 0:
            raise ValueError(f"views: min_length must be an int >= 0, got {self.min_length!r}")
        if self.source not in SOURCES:
            raise ValueError(f"views: source must be one of {list(SOURCES)}, got {self.source!r}")
        if not isinstance(self.distinct, bool):
            raise ValueError(f"views: distinct must be a bool, got {self.distinct!r}")
        if self.distinct and self.kind != "prefix":
            raise ValueError("views: distinct applies to prefix views only")

    @property
    def mark(self) -> str:
        return MARKS[self.kind]

    def terms(self, word: str, stem: Optional[str] = None) -> List[str]:
        """This view's terms of ``word`` (a normalised word) whose term is ``stem``, in order.

        ``stem`` defaults to ``word`` (for a view of the word as written, only
        ``distinct`` looks at it).

        >>> View("prefix", 6, source="stem").terms("президенттік", "президенттік")
        ['~презид']
        >>> View("prefix", 6, distinct=True).terms("мектептер", "мектеп")
        []
        """
        if stem is None:
            stem = word
        text = stem if self.source == "stem" else word
        if len(text) < self.min_length:
            return []
        mark = self.mark
        if self.kind == "prefix":
            prefix = text[: self.size]
            return [] if self.distinct and prefix == stem else [mark + prefix]
        padded = PAD + text + PAD
        n = self.size
        if len(padded) <= n:
            return [mark + padded]
        return [mark + padded[i:i + n] for i in range(len(padded) - n + 1)]

    def to_dict(self) -> Dict[str, Any]:
        """The JSON form; ``source`` and ``distinct`` only when not their defaults
        (so a config reads the same in a kzsearch that predates them)."""
        d = asdict(self)
        for key, default in (("source", "word"), ("distinct", False)):
            if d[key] == default:
                del d[key]
        return d


ViewSpec = Union[View, Mapping[str, Any]]


def parse_views(views: Union[bool, Iterable[ViewSpec], None]) -> Tuple[View, ...]:
    """A tuple of :class:`View` from views or dicts (the JSON form); at most one view a kind.

    ``False``/``None``/``()`` mean no views.
    """
    if views is None or views is False:
        return ()
    if views is True:
        raise TypeError("views must be a sequence of View or dicts; True is not allowed "
                        "(use kzsearch.analysis.views.RECOMMENDED_VIEWS)")
    if isinstance(views, (str, bytes, Mapping, View)):
        raise TypeError(f"views must be a sequence of View or dicts, not a single {type(views).__name__}")
    out: List[View] = []
    for i, spec in enumerate(views):
        if isinstance(spec, View):
            out.append(spec)
        elif isinstance(spec, Mapping):
            unknown = set(spec) - {"kind", "size", "weight", "min_length", "source", "distinct"}
            if unknown:
                raise ValueError(f"views[{i}]: unknown keys {sorted(unknown)}")
            if "kind" not in spec or "size" not in spec:
                raise ValueError(f"views[{i}]: needs 'kind' and 'size'")
            out.append(View(**spec))
        else:
            raise TypeError(f"views[{i}] must be a View or a dict, not {type(spec).__name__}")
    kinds = [v.kind for v in out]
    if len(set(kinds)) != len(kinds):
        raise ValueError("views: at most one view of each kind")
    return tuple(out)


def view_terms(word: str, views: Tuple[View, ...], stem: Optional[str] = None) -> List[str]:
    """The terms of all ``views`` of ``word``, whose term is ``stem`` (default: ``word``)."""
    return [t for view in views for t in view.terms(word, stem)]


def is_view_term(term: str) -> bool:
    """Whether ``term`` is a view term (starts with a view mark)."""
    return term[:1] in _MARK_SET


def view_weight(term: str, views: Tuple[View, ...]) -> float:
    """Query weight of ``term``: its view's weight, 1.0 for a real term."""
    mark = term[:1]
    if mark in _MARK_SET:
        for view in views:
            if view.mark == mark:
                return view.weight
    return 1.0


_MARK_SET = frozenset(MARKS.values())

#: The views to be the default of :class:`~kzsearch.analysis.Analyzer`, and so of
#: ``kzsearch.Index()``: the word's first 6 letters at query weight 0.4, for words
#: of 3 letters or more (``Analyzer()`` is still stems only). Chosen by
#: measurement (README, "Sub-word views"): on the KazQAD dev questions it ranks as
#: well as any prefix view on the full collection and on the passages-only control,
#: with the evenest halves (weights 0.3 to 0.7 land within 0.004; 4-grams rank the
#: same at 6.5x the postings). A word of one or two letters (an initial, a unit, a
#: Roman numeral, a fragment of markup) is its own prefix and its own stem, so its
#: view term would only repeat the stem. The weight is a query-time factor: the
#: indexed terms are those of any weight.
DEFAULT_VIEWS: Tuple[View, ...] = (View("prefix", 6, 0.4, min_length=3),)
#: The default views under their earlier name (weight 0.5 before they became the default).
RECOMMENDED_VIEWS = DEFAULT_VIEWS


class StemsOnly:
    """An analyzer's terms without the view terms (what typo correction compares).

    >>> from kzsearch.analysis import Analyzer
    >>> StemsOnly(Analyzer(views=[View("prefix", 6)]))("мектептердегі")
    ['мектеп']
    """

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer

    def __call__(self, text: str) -> List[str]:
        return [t for t in self.analyzer(text) if not is_view_term(t)]
