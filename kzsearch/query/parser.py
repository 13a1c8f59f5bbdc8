"""The query string syntax, read leniently into query objects.

=====================  ==========================================================
``облыс бюджеті``      words: any of them, ranked by BM25 (OR)
``"облыс бюджеті"``    a phrase: the analysed words at consecutive positions
``"облыс бюджеті"~3``  a sloppy phrase: up to 3 positions of slop
``+мектеп``            the word must occur
``-бюджет``            the word must not occur (``+``/``-`` also before phrases, groups)
``a AND b``            both required; ``a OR b`` either; ``NOT a`` excluded
``(a OR b) AND c``     parentheses group clauses
``title:мектеп``       a word, phrase (``title:"..."``), prefix or group in one field
``мекте*``             every index term beginning with ``мекте`` (capped)
=====================  ==========================================================

``AND``, ``OR`` and ``NOT`` are operators only in capitals. They work as in
Lucene's classic query parser: within one group, ``AND`` marks the clauses on
both sides required, ``NOT`` (like ``-``) excludes the clause after it, and
``OR`` (like a space) leaves clauses optional. A field name is ASCII letters,
digits and ``_`` and must touch the colon and the word after it; given the
index's fields, any other name is read as text (``A:0`` is a word).

Anything unbalanced is read as plain words: a lone ``"`` or an unmatched
parenthesis is a space, a dangling operator is dropped, ``-`` or ``+`` with
nothing after it is a word. :func:`parse` never raises on a string.

>>> parse('+мектеп -"облыс бюджеті"~2 (title:оқу OR білім*)')
Bool(must=(Term('мектеп'),), should=(Bool(must=(), should=(Term('оқу', field='title'), Prefix('білім')), must_not=()),), must_not=(Phrase('облыс бюджеті', slop=2),))
>>> parse('облыс "бюджеті')
Bool(must=(), should=(Term('облыс'), Term('бюджеті')), must_not=())
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import FrozenSet, List, Optional, Sequence, Set, Tuple

from .objects import Bool, Phrase, Prefix, Query, Term

#: the largest slop a query string can ask for
MAX_SLOP = 10_000

_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):")
_SLOP = re.compile(r"~(\d{1,9})?")
_OPERATORS = ("AND", "OR", "NOT")
_BREAK = set(' "()\t\n\r\f\v')

Token = Tuple[str, str, int]  # (kind, text, slop)


def parse(text: str, fields: Optional[Sequence[str]] = None) -> Query:
    """The query object a query string stands for (see the module docstring).

    With ``fields``, a ``name:`` whose name is not one of them is text, not
    a field (``A:0``, ``Мысалы:``): users paste anything.
    """
    return parse_query(text, fields)[0]


def parse_query(text: str, fields: Optional[Sequence[str]] = None) -> Tuple[Query, bool]:
    """(query object, whether the string used any syntax at all).

    A string that uses no syntax is plain words: ``Bool(should=words)``.
    """
    if not isinstance(text, str):
        raise TypeError(f"query must be str, not {type(text).__name__}")
    tokens = _lex(text, None if fields is None else frozenset(fields))
    syntax = any(kind != "WORD" for kind, _, _ in tokens)
    query: Query = _Parser(tokens).group()
    if syntax:
        query = _unwrap(query)
    return query, syntax


def _matched_pairs(text: str) -> Tuple[Set[int], Set[int]]:
    """Indexes of the quotes and parentheses that have a partner."""
    quotes = [i for i, ch in enumerate(text) if ch == '"']
    if len(quotes) % 2:
        quotes.pop()
    quoted = set(quotes)
    inside = [False] * (len(text) + 1)
    for a, b in zip(quotes[::2], quotes[1::2]):
        for i in range(a + 1, b):
            inside[i] = True
    parens: Set[int] = set()
    stack: List[int] = []
    for i, ch in enumerate(text):
        if inside[i]:
            continue
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            parens.add(stack.pop())
            parens.add(i)
    return quoted, parens


def _lex(text: str, fields: Optional[FrozenSet[str]]) -> List[Token]:
    quoted, parens = _matched_pairs(text)
    tokens: List[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or (ch in '"()' and i not in quoted and i not in parens):
            i += 1
        elif ch == '"':
            end = text.index('"', i + 1)
            slop = 0
            m = _SLOP.match(text, end + 1)
            if m:
                slop = min(int(m.group(1)), MAX_SLOP) if m.group(1) else 0
                end = m.end() - 1
            tokens.append(("PHRASE", text[i + 1:text.index('"', i + 1)], slop))
            i = end + 1
        elif ch in "()":
            tokens.append(("LP" if ch == "(" else "RP", ch, 0))
            i += 1
        elif ch in "+-" and i + 1 < n and _starts_clause(text, i + 1, quoted, parens):
            tokens.append(("MUST" if ch == "+" else "NOT", ch, 0))
            i += 1
        else:
            j = i
            while j < n and text[j] not in _BREAK and not text[j].isspace():
                j += 1
            word = text[i:j]
            m = _FIELD.match(word)
            if m and (fields is None or m.group(1) in fields) and (m.end() < len(word) and (word[m.end()].isalnum() or word[m.end()] == "_")
                      or m.end() == len(word) and j < n and (j in quoted or j in parens)
                      and text[j] != ")"):
                tokens.append(("FIELD", m.group(1), 0))
                i += m.end()
                continue
            if word in _OPERATORS:
                tokens.append((word, word, 0))
            elif word.endswith("*") and any(c.isalnum() for c in word):
                tokens.append(("PREFIX", word.rstrip("*"), 0))
            else:
                tokens.append(("WORD", word, 0))
            i = j
    return tokens


def _starts_clause(text: str, i: int, quoted: Set[int], parens: Set[int]) -> bool:
    """Whether a clause can start at ``text[i]`` (after a + or -)."""
    ch = text[i]
    if ch.isspace() or ch in "+-)":
        return False
    if ch == '"':
        return i in quoted
    if ch == "(":
        return i in parens
    return True


class _Parser:
    """Recursive descent over the tokens; every token sequence parses."""

    def __init__(self, tokens: List[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Optional[str]:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def group(self) -> Bool:
        """Clauses up to a closing parenthesis (or the end), as a Bool."""
        clauses: List[Tuple[str, Query]] = []   # (occur, query)
        pending_and = False
        while True:
            kind = self.peek()
            if kind is None:
                break
            if kind == "RP":  # every ")" closes a "(": end of this group
                break
            if kind in ("AND", "OR"):
                self.i += 1
                if kind == "AND" and clauses:
                    pending_and = True
                    occur, query = clauses[-1]
                    if occur == "should":
                        clauses[-1] = ("must", query)
                continue
            occur, query = self.clause()
            if query is None:
                continue
            if pending_and and occur == "should":
                occur = "must"
            pending_and = False
            clauses.append((occur, query))
        return Bool(must=tuple(q for o, q in clauses if o == "must"),
                    should=tuple(q for o, q in clauses if o == "should"),
                    must_not=tuple(q for o, q in clauses if o == "must_not"))

    def clause(self) -> Tuple[str, Optional[Query]]:
        occur, field = "should", None
        while self.peek() in ("MUST", "NOT"):
            occur = "must" if self.tokens[self.i][0] == "MUST" else "must_not"
            self.i += 1
        if self.peek() == "FIELD":
            field = self.tokens[self.i][1]
            self.i += 1
        kind = self.peek()
        if kind is None or kind in ("RP", "AND", "OR"):
            return occur, None  # a dangling operator
        _, text, slop = self.tokens[self.i]
        self.i += 1
        if kind == "LP":
            inner = self.group()
            self.i += 1  # its ")"
            if not (inner.must or inner.should or inner.must_not):
                return occur, None
            query = _unwrap(inner)
            return occur, _with_field(query, field) if field is not None else query
        if kind == "PHRASE":
            return occur, Phrase(text, slop=slop, field=field)
        if kind == "PREFIX":
            return occur, Prefix(text, field=field)
        return occur, Term(text, field=field)


def _unwrap(query: Bool) -> Query:
    """The only clause of a Bool that holds one optional clause; else the Bool."""
    if not query.must and not query.must_not and len(query.should) == 1:
        return query.should[0]
    return query


def _with_field(query: Query, field: str) -> Query:
    """``query`` with ``field`` on every leaf that has none."""
    if isinstance(query, Bool):
        return Bool(tuple(_with_field(q, field) for q in query.must),
                    tuple(_with_field(q, field) for q in query.should),
                    tuple(_with_field(q, field) for q in query.must_not))
    return query if query.field is not None else replace(query, field=field)


def structured_query(query: object, syntax: bool = True,
                     fields: Optional[Sequence[str]] = None) -> Optional[Query]:
    """The query object to run for ``query``, or None when it is plain words.

    A query object is itself; a string with ``syntax`` off, or one that uses
    no syntax, is plain words (None: the caller ranks its terms as a bag).
    """
    if isinstance(query, (Term, Phrase, Prefix, Bool)):
        return query
    if not isinstance(query, str):
        raise TypeError(f"query must be str or a query object (Term, Phrase, Prefix, Bool), "
                        f"not {type(query).__name__}")
    if not isinstance(syntax, bool):
        raise TypeError(f"syntax must be bool, not {type(syntax).__name__}")
    if not syntax:
        return None
    parsed, used = parse_query(query, fields)
    return parsed if used else None
