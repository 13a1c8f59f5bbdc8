"""From query objects (raw words) to nodes over index terms.

Resolution is where a query meets the index: each word is restored (a query
typed on a Russian keyboard or in Latin script, see
:mod:`kzsearch.restoration`) and analysed, a prefix is expanded over the
vocabulary, a field name becomes a field number. What comes out is a tree
of :class:`TermNode`, :class:`PhraseNode` and :class:`BoolNode` that
:mod:`.execute`, :mod:`.explain` and :mod:`.highlight` all read.

* A word that analyses to nothing (a stopword) is dropped; one that
  analyses to several terms (``іс-шара``) is a BoolNode whose terms are
  optional: any of them matches it.
* A phrase of one term is that term; its words' offsets come from
  ``analyzer.analyze_positions`` when the analyzer has it (stopwords leave
  gaps), else 0, 1, 2, ...
* A prefix is normalised like text (``Мекте`` -> ``мекте``) and expands to
  the vocabulary terms that begin with it or with its analysed form, live
  ones only, at most ``max_expansions``, the highest document frequency first.

>>> from kzsearch.engine.vocabulary import Vocabulary
>>> r = Resolver(str.split, Vocabulary(["мектеп", "мекен"]), lambda: np.array([3, 1]))
>>> r.resolve(Prefix("мек"))
BoolNode(must=(), should=(TermNode(term='мектеп', term_id=0, field=None, weight=1.0), TermNode(term='мекен', term_id=1, field=None, weight=1.0)), must_not=(), label='prefix мек*')
"""
from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field as dataclass_field
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..analysis.normalize import normalize
from ..analysis.views import is_view_term
from ..restoration import QueryRestorer, needs_restoration
from .objects import Bool, Phrase, Prefix, Query, Term, leaves

#: the field a one-field index calls its text
DEFAULT_FIELD = "text"


@dataclass(frozen=True)
class TermNode:
    """One index term (``term_id`` -1: not in the index), in one field or (None) all."""

    term: str
    term_id: int
    field: Optional[int] = None
    weight: float = 1.0


@dataclass(frozen=True)
class PhraseNode:
    """Index terms at the given offsets, up to ``slop`` positions off."""

    terms: Tuple[str, ...]
    term_ids: Tuple[int, ...]
    offsets: Tuple[int, ...]
    slop: int = 0
    field: Optional[int] = None


@dataclass(frozen=True)
class BoolNode:
    """Clauses over nodes; ``label`` says what the node came from (for explain)."""

    must: Tuple["Node", ...] = ()
    should: Tuple["Node", ...] = ()
    must_not: Tuple["Node", ...] = ()
    label: str = ""


Node = Union[TermNode, PhraseNode, BoolNode]


class PrefixTable:
    """The vocabulary sorted as strings, for prefix ranges by binary search."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.size = len(terms)
        order = sorted(range(self.size), key=terms.__getitem__)
        self.sorted_terms = [terms[i] for i in order]
        self.ids = np.array(order, dtype=np.int64)

    def expand(self, prefix: str) -> np.ndarray:
        """Ids of the terms that begin with ``prefix``."""
        lo = bisect.bisect_left(self.sorted_terms, prefix)
        hi = bisect.bisect_left(self.sorted_terms, prefix + "\U0010ffff")
        return self.ids[lo:hi]


class PrefixCache:
    """One :class:`PrefixTable` per vocabulary size, rebuilt when the vocabulary grows."""

    def __init__(self) -> None:
        self._table: Optional[PrefixTable] = None
        self._lock = threading.Lock()

    def table(self, terms: Sequence[str]) -> PrefixTable:
        with self._lock:
            if self._table is None or self._table.size != len(terms):
                self._table = PrefixTable(terms)
            return self._table


@dataclass
class Resolver:
    """Turns query objects into nodes for one index (see the module docstring).

    ``df()`` gives the live document frequency of every term id; ``fields``
    names the index's fields in order; ``positions`` says whether it keeps
    positions (phrases need them).
    """

    analyzer: Callable[[str], List[str]]
    vocab: Any
    df: Callable[[], np.ndarray]
    restorer: Optional[QueryRestorer] = None
    fields: Tuple[str, ...] = (DEFAULT_FIELD,)
    positions: bool = True
    prefixes: PrefixCache = dataclass_field(default_factory=PrefixCache)

    def resolve(self, query: Query) -> Optional[Node]:
        """The node tree of ``query``; None when nothing of it is left (all stopwords)."""
        restored = self._restored_texts(query)
        return self._node(query, iter(restored))

    # restoration runs once over all the words of the query, so that its
    # keyboard and orthography guesses see the whole query, as for plain ones
    def _restored_texts(self, query: Query) -> List[str]:
        texts = [leaf.text for leaf, _ in leaves(query)]
        if self.restorer is None or not texts or not needs_restoration(" ".join(texts)):
            return texts
        terms = self.vocab.terms
        joined = self.restorer.restore("\n".join(texts), terms, self.df).split("\n")
        if len(joined) == len(texts):
            return joined
        return [self.restorer.restore(t, terms, self.df) for t in texts]

    def _node(self, query: Query, restored) -> Optional[Node]:
        if isinstance(query, Bool):
            must = self._nodes(query.must, restored)
            should = self._nodes(query.should, restored)
            must_not = self._nodes(query.must_not, restored)
            if not (must or should):
                return BoolNode(must_not=must_not) if must_not else None
            return BoolNode(must, should, must_not)
        text = next(restored)
        field = self.field_number(query.field)
        if isinstance(query, Term):
            return self._word(text, field)
        if isinstance(query, Phrase):
            return self._phrase(text, query.slop, field)
        assert isinstance(query, Prefix)
        return self._prefix(text, field, query.max_expansions)

    def _nodes(self, queries: Sequence[Query], restored) -> Tuple[Node, ...]:
        nodes = (self._node(q, restored) for q in queries)
        return tuple(n for n in nodes if n is not None)

    def field_number(self, name: Optional[str]) -> Optional[int]:
        """None for the whole document, else the field's number; ValueError if unknown."""
        if name is None:
            return None
        if name not in self.fields:
            raise ValueError(f"field {name!r} is not a field of this index "
                             f"(its fields: {', '.join(self.fields)})")
        return None if len(self.fields) == 1 else self.fields.index(name)

    def _term(self, term: str, field: Optional[int]) -> TermNode:
        if is_view_term(term):  # a sub-word view weighs its view's weight
            weight = getattr(self.analyzer, "query_weight", None)
            return TermNode(term, self.vocab.get(term, -1), field, weight(term) if weight else 1.0)
        return TermNode(term, self.vocab.get(term, -1), field)

    def _word(self, text: str, field: Optional[int]) -> Optional[Node]:
        terms = list(dict.fromkeys(self.analyzer(text)))
        if not terms:
            return None
        if len(terms) == 1:
            return self._term(terms[0], field)
        return BoolNode(should=tuple(self._term(t, field) for t in terms), label=f"word {text!r}")

    def _phrase(self, text: str, slop: int, field: Optional[int]) -> Optional[Node]:
        terms, offsets = analyze_positions(self.analyzer, text)
        kept = [(t, p) for t, p in zip(terms, offsets) if not is_view_term(t)]  # phrases match stems
        terms, offsets = [t for t, _ in kept], [p for _, p in kept]
        if len(terms) <= 1:
            return self._term(terms[0], field) if terms else None
        if not self.positions:
            raise ValueError(f"phrase {text!r}: this index keeps no positions "
                             "(it was built with positions=False)")
        base = offsets[0]
        ids = tuple(self.vocab.get(t, -1) for t in terms)
        return PhraseNode(tuple(terms), ids, tuple(int(p) - base for p in offsets), slop, field)

    def _prefix(self, text: str, field: Optional[int], cap: int) -> Optional[Node]:
        prefix = normalize(text).strip()
        if not prefix:
            return None
        table = self.prefixes.table(self.vocab.terms)
        ids = table.expand(prefix)
        analysed = [t for t in self.analyzer(text) if not is_view_term(t)]
        if len(analysed) == 1 and not analysed[0].startswith(prefix):
            ids = np.union1d(ids, table.expand(analysed[0]))
        df = self.df()
        ids = ids[(ids < len(df))]
        ids = ids[df[ids] > 0]
        order = np.lexsort((ids, -df[ids]))[:cap]
        chosen = ids[order]
        terms = self.vocab.terms
        return BoolNode(should=tuple(TermNode(terms[i], i, field) for i in chosen.tolist()),
                        label=f"prefix {prefix}*")


def analyze_positions(analyzer: Callable[[str], List[str]], text: str) -> Tuple[List[str], List[int]]:
    """(terms, positions) of ``text``: the analyzer's own positions if it gives them, else 0..n-1."""
    method = getattr(analyzer, "analyze_positions", None)
    if method is not None:
        terms, positions = method(text)
        return list(terms), [int(p) for p in positions]
    terms = list(analyzer(text))
    return terms, list(range(len(terms)))
