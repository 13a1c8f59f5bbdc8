"""Highlighting: which stretches of a hit's text matched, and a snippet around them.

A word of the text matches when the analyzer turns it into one of the
query's terms, so "бюджетіне" is marked for the query "бюджет". The query is
the resolved one (:mod:`.resolve`): restored from a Russian keyboard or
Latin script and with prefixes expanded, so the right words are marked for
``денсаулык сактау`` too. A phrase is marked as one span from its first to
its last word, found with the index's phrase rule (:mod:`.phrase`) over the
words of the text; excluded (``must_not``) clauses mark nothing. A phrase
the text's words do not show (the index's tokens can differ from the
words seen here) falls back to marking its terms one by one.

>>> snippet("Облыс бюджеті нақтыланды.", {"бюджеті"}, str.split, width=40)
'Облыс [бюджеті] нақтыланды.'
>>> from kzsearch.query.resolve import PhraseNode
>>> node = PhraseNode(("облыс", "бюджеті"), (0, 1), (0, 1))
>>> h = highlight_text("Облыс бюджеті бекітілді", node, lambda w: [w.lower()], markers=("<mark>", "</mark>"))
>>> h.spans, h.snippet
([(0, 13)], '<mark>Облыс бюджеті</mark> бекітілді')
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import numpy as np

from ..analysis.views import is_view_term
from .phrase import match_phrase
from .resolve import BoolNode, Node, PhraseNode, TermNode

Span = Tuple[int, int]

#: the tokenizer's notion of a word (see :mod:`kzsearch.analysis.tokenize`)
_WORD = re.compile(r"\w+(?:[-‐'.,–]\w+)*")


@dataclass(frozen=True)
class Highlight:
    """Matched ``spans`` (start, end) in the text, in order, and a ``snippet`` with them marked."""

    spans: List[Span]
    snippet: str


def matched_spans(text: str, terms: Set[str], analyze: Callable[[str], Iterable[str]]) -> List[Span]:
    """(start, end) of the words of ``text`` whose analysis meets ``terms``.

    Sub-word view terms (:mod:`kzsearch.analysis.views`) never mark a word on
    their own: a word sharing only a prefix or n-grams with the query is no match.
    """
    terms = {t for t in terms if not is_view_term(t)}
    spans = []
    verdict: Dict[str, bool] = {}
    for m in _WORD.finditer(text):
        word = m.group()
        hit = verdict.get(word)
        if hit is None:
            hit = verdict[word] = any(t in terms for t in analyze(word))
        if hit:
            spans.append(m.span())
    return spans


def snippet(text: str, terms: Set[str], analyze: Callable[[str], Iterable[str]], width: int = 200,
            markers: Tuple[str, str] = ("[", "]")) -> str:
    """About ``width`` characters around the densest cluster of matched words."""
    return snippet_from_spans(text, matched_spans(text, terms, analyze), width, markers)


def _positive(node: Optional[Node], terms: Set[str], phrases: List[PhraseNode]) -> None:
    """Collect the terms and phrases of ``node`` outside ``must_not`` clauses."""
    if isinstance(node, TermNode):
        terms.add(node.term)
    elif isinstance(node, PhraseNode):
        phrases.append(node)
    elif isinstance(node, BoolNode):
        for clause in node.must + node.should:
            _positive(clause, terms, phrases)


def highlight_text(text: str, node: Optional[Node], analyze: Callable[[str], Sequence[str]],
                   width: int = 200, markers: Tuple[str, str] = ("[", "]")) -> Highlight:
    """The spans ``node`` matches in ``text`` and a snippet with them between ``markers``."""
    terms: Set[str] = set()
    phrases: List[PhraseNode] = []
    _positive(node, terms, phrases)
    terms = {t for t in terms if not is_view_term(t)}  # a view term never marks a word on its own
    words = [(m.span(), m.group()) for m in _WORD.finditer(text)]
    cache: Dict[str, Sequence[str]] = {}
    word_terms = []
    for _, word in words:
        found = cache.get(word)
        if found is None:
            found = cache[word] = list(analyze(word))
        word_terms.append(found)
    spans = [span for (span, _), found in zip(words, word_terms) if not terms.isdisjoint(found)]
    for phrase in phrases:
        found_spans = _phrase_spans(phrase, words, word_terms)
        if found_spans:
            spans += found_spans
        else:
            wanted = set(phrase.terms)
            spans += [span for (span, _), found in zip(words, word_terms) if not wanted.isdisjoint(found)]
    spans = _merged(spans)
    return Highlight(spans, snippet_from_spans(text, spans, width, markers))


def _phrase_spans(phrase: PhraseNode, words, word_terms) -> List[Span]:
    """Spans of the phrase's matches among the words (word number as position)."""
    docs, positions = [], []
    for term in phrase.terms:
        at = np.array([i for i, found in enumerate(word_terms) if term in found], dtype=np.int64)
        docs.append(np.zeros(len(at), dtype=np.int64))
        positions.append(at)
    matches = match_phrase(docs, positions, phrase.offsets, phrase.slop)
    return [(words[a][0][0], words[b][0][1]) for a, b in zip(matches.first.tolist(), matches.last.tolist())]


def _merged(spans: List[Span]) -> List[Span]:
    """Sorted spans with overlapping ones joined."""
    out: List[Span] = []
    for start, end in sorted(set(spans)):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def snippet_from_spans(text: str, spans: List[Span], width: int = 200,
                       markers: Tuple[str, str] = ("[", "]")) -> str:
    """About ``width`` characters around the densest cluster of ``spans``, each between ``markers``."""
    if not spans:
        start, end = 0, min(len(text), width)
    else:
        # the window of `width` characters that holds the most matched words
        best, best_count, j = 0, 0, 0
        for i, (s, _) in enumerate(spans):
            while spans[j][0] < s - width // 2:
                j += 1
            if i - j + 1 > best_count:
                best, best_count = j, i - j + 1
        start = max(0, spans[best][0] - width // 4)
        end = min(len(text), start + width)
        if end - start < width:
            start = max(0, end - width)
    # do not cut words in half at either edge
    if start > 0:
        cut = text.find(" ", start, start + 30)
        start = cut + 1 if cut >= 0 else start
    if end < len(text):
        cut = text.rfind(" ", end - 30, end)
        end = cut if cut > start else end
    shown = [(s, e) for s, e in spans if s >= start and e <= end]
    opening, closing = markers
    out, pos = [], start
    for s, e in shown:
        out.append(text[pos:s])
        out.append(f"{opening}{text[s:e]}{closing}")
        pos = e
    out.append(text[pos:end])
    body = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
