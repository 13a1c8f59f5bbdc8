"""Query objects: what a program builds, and what the query string parser gives.

Texts inside the objects are raw, as a person typed them; the index analyses
them (and restores Russian-keyboard or Latin spelling) when it runs the query.

* :class:`Term` — one word; it may analyse to no term (a stopword: the
  clause is dropped), one, or several (a compound: any of them matches).
* :class:`Phrase` — words at consecutive positions; ``slop`` lets them move
  that many positions apart (Lucene's sloppy phrase, see :mod:`.phrase`).
* :class:`Prefix` — every index term that begins with the (normalised) text,
  at most ``max_expansions`` of them, the most frequent first.
* :class:`Bool` — ``must`` clauses all match, ``must_not`` clauses none, and
  ``should`` clauses add to the score (with no ``must``, at least one of them
  has to match).

``field`` restricts a Term, Phrase or Prefix to one field of the document
(None: the whole document).

>>> Bool(must=(Term("мектеп"),), must_not=(Phrase("облыс бюджеті"),))
Bool(must=(Term('мектеп'),), should=(), must_not=(Phrase('облыс бюджеті'),))
"""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Iterable, Optional, Tuple, Union

#: default cap on the number of vocabulary terms a Prefix expands to
MAX_EXPANSIONS = 50


def _check_text(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")


def _check_field(value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"field must be str or None, not {type(value).__name__}")


def _field_repr(name: Optional[str]) -> str:
    return f", field={name!r}" if name is not None else ""


@dataclass(frozen=True)
class Term:
    """One word, optionally restricted to a field."""

    text: str
    field: Optional[str] = None

    def __post_init__(self) -> None:
        _check_text(self.text, "text")
        _check_field(self.field)

    def __repr__(self) -> str:
        return f"Term({self.text!r}{_field_repr(self.field)})"


@dataclass(frozen=True)
class Phrase:
    """Words that must occur in order at consecutive positions (up to ``slop`` apart)."""

    text: str
    slop: int = 0
    field: Optional[str] = None

    def __post_init__(self) -> None:
        _check_text(self.text, "text")
        _check_field(self.field)
        if isinstance(self.slop, bool) or not isinstance(self.slop, int):
            raise TypeError(f"slop must be int, not {type(self.slop).__name__}")
        if self.slop < 0:
            raise ValueError(f"slop must be >= 0, got {self.slop}")

    def __repr__(self) -> str:
        slop = f", slop={self.slop}" if self.slop else ""
        return f"Phrase({self.text!r}{slop}{_field_repr(self.field)})"


@dataclass(frozen=True)
class Prefix:
    """Index terms beginning with ``text`` (at most ``max_expansions``, most frequent first)."""

    text: str
    field: Optional[str] = None
    max_expansions: int = MAX_EXPANSIONS

    def __post_init__(self) -> None:
        _check_text(self.text, "text")
        _check_field(self.field)
        if isinstance(self.max_expansions, bool) or not isinstance(self.max_expansions, int):
            raise TypeError(f"max_expansions must be int, not {type(self.max_expansions).__name__}")
        if self.max_expansions < 1:
            raise ValueError(f"max_expansions must be >= 1, got {self.max_expansions}")

    def __repr__(self) -> str:
        cap = f", max_expansions={self.max_expansions}" if self.max_expansions != MAX_EXPANSIONS else ""
        return f"Prefix({self.text!r}{_field_repr(self.field)}{cap})"


Query = Union[Term, Phrase, Prefix, "Bool"]
QUERY_TYPES: Tuple[type, ...] = ()  # filled below


@dataclass(frozen=True)
class Bool:
    """A Boolean combination of clauses (see the module docstring)."""

    must: Tuple[Query, ...] = dataclass_field(default=())
    should: Tuple[Query, ...] = dataclass_field(default=())
    must_not: Tuple[Query, ...] = dataclass_field(default=())

    def __post_init__(self) -> None:
        for name in ("must", "should", "must_not"):
            clauses = getattr(self, name)
            if isinstance(clauses, (str, bytes)) or not isinstance(clauses, Iterable):
                raise TypeError(f"{name} must be a sequence of query objects, not {type(clauses).__name__}")
            clauses = tuple(clauses)
            for i, clause in enumerate(clauses):
                if not isinstance(clause, QUERY_TYPES):
                    raise TypeError(f"{name}[{i}] must be a Term, Phrase, Prefix or Bool, "
                                    f"not {type(clause).__name__}")
            object.__setattr__(self, name, clauses)


QUERY_TYPES = (Term, Phrase, Prefix, Bool)


def is_query(value: object) -> bool:
    """True for a query object (Term, Phrase, Prefix or Bool)."""
    return isinstance(value, QUERY_TYPES)


def leaves(query: Query, negated: bool = False) -> Iterable[Tuple[Union[Term, Phrase, Prefix], bool]]:
    """(leaf, whether it sits under a must_not) for every Term, Phrase and Prefix, in order.

    >>> [(type(q).__name__, n) for q, n in leaves(Bool(should=(Term("a"),), must_not=(Term("b"),)))]
    [('Term', False), ('Term', True)]
    """
    if isinstance(query, Bool):
        for clause in query.must + query.should:
            yield from leaves(clause, negated)
        for clause in query.must_not:
            yield from leaves(clause, True)
    else:
        yield query, negated
