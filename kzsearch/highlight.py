"""Snippets: a short stretch of a hit's text around the words that matched.

A word matches when the analyzer turns it into one of the query's terms, so
"бюджетіне" is marked for the query "бюджет". Sub-word view terms
(:mod:`kzsearch.analysis.views`) never mark a word on their own: a word
that shares only a prefix or some n-grams with the query is not a match.

>>> snippet("Облыс бюджеті нақтыланды.", {"бюджеті"}, str.split, width=40)
'Облыс [бюджеті] нақтыланды.'
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, List, Set, Tuple

from .analysis.views import is_view_term

_WORD = re.compile(r"\w+(?:[-‐']\w+)*")


def matched_spans(text: str, terms: Set[str], analyze: Callable[[str], Iterable[str]]) -> List[Tuple[int, int]]:
    """(start, end) of the words of ``text`` whose analysis meets ``terms`` (views aside)."""
    terms = {t for t in terms if not is_view_term(t)}
    spans = []
    verdict = {}
    for m in _WORD.finditer(text):
        word = m.group()
        hit = verdict.get(word)
        if hit is None:
            hit = verdict[word] = any(t in terms for t in analyze(word))
        if hit:
            spans.append(m.span())
    return spans


def snippet(text: str, terms: Set[str], analyze: Callable[[str], Iterable[str]], width: int = 200) -> str:
    """About ``width`` characters around the densest cluster of matches, matches in [brackets]."""
    spans = matched_spans(text, terms, analyze)
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
    out, pos = [], start
    for s, e in shown:
        out.append(text[pos:s])
        out.append(f"[{text[s:e]}]")
        pos = e
    out.append(text[pos:end])
    body = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
