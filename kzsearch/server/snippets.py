"""Snippets for the service: matched words found by set operations, marked with private-use characters.

An index without its own highlighter (issue 12) gets its snippets here: the
words of a hit whose analysis meets the query's terms, and about
:data:`SNIPPET_WIDTH` characters from a little before the first of them,
each matched word between :data:`MARK_OPEN` and :data:`MARK_CLOSE`. The
markers are Unicode private-use characters, so the page can escape the text
first and turn them into ``<mark>`` tags after. The service finds the words of
a page's texts all at once (:func:`page_spans`): one split, one set, one
lookup of the words already analysed.

>>> text = "Облыс бюджеті нақтыланды"
>>> spans = matched_spans(text, {"бюджеті"}, SurfaceWords(str.split))
>>> marked_snippet(text, spans).replace(MARK_OPEN, "[").replace(MARK_CLOSE, "]")
'Облыс [бюджеті] нақтыланды'
"""
from __future__ import annotations

import itertools
import re
from itertools import filterfalse
from typing import Any, Callable, Dict, List, Sequence, Set, Tuple

#: opens a highlighted word in a snippet (a Unicode private-use character)
MARK_OPEN = "\ue000"
#: closes a highlighted word
MARK_CLOSE = "\ue001"
#: characters of text shown around the matches
SNIPPET_WIDTH = 240
#: words whose analysis a SurfaceWords keeps (then it starts afresh)
WORD_CACHE = 200_000

_WORD = re.compile(r"\w+(?:[-‐']\w+)*")
_JOINERS = "-‐'"


class SurfaceWords:
    """Which surface words analyse to which terms, learned as snippets are made.

    The analyzer is a pure function of a word, so each word is analysed once;
    after that a hit's matching words are found with set operations alone.
    Forgets everything past ``limit`` words.

    >>> words = SurfaceWords(str.split)
    >>> sorted(words.matching({"a", "b", "c"}, {"b", "c", "z"}))
    ['b', 'c']
    """

    def __init__(self, analyze: Any, limit: int = WORD_CACHE) -> None:
        self.analyze, self.limit = analyze, limit
        self._seen: Set[str] = set()
        self._by_term: Dict[str, Set[str]] = {}
        self._count = itertools.count(1)
        self._generation = 0  # changes whenever words are learned (by any thread)

    def matching(self, words: Set[str], terms: Set[str]) -> Set[str]:
        """Those of ``words`` whose analysis meets ``terms``."""
        return self.matcher(terms)(words)

    def matcher(self, terms: Set[str]) -> Callable[[Set[str]], Set[str]]:
        """``matching`` for one query's ``terms``, many hits: the known matching words gathered once.

        Another thread may learn words meanwhile; the matcher then gathers
        again (it only ever adds words: a word's analysis never changes).
        """
        known: Set[str] = set()
        generation = -1

        def match(words: Set[str]) -> Set[str]:
            nonlocal generation
            learned = None
            if not self._seen.issuperset(words):  # words never analysed: learn them first
                learned = self._learn(words)
            now = self._generation  # read after the check: a seen word's terms are in by_term by now
            if now != generation:
                generation = now
                by_term = self._by_term
                for term in terms:
                    known.update(by_term.get(term, ()))
            if learned is not None:  # (the sets they went to, if another thread has just started afresh)
                for term in terms:
                    known.update(learned.get(term, ()))
            return words & known

        return match

    def _learn(self, words: Set[str]) -> Dict[str, Set[str]]:
        """Analyse those of ``words`` not seen yet; the term sets they went to."""
        seen, by_term = self._seen, self._by_term
        new = words - seen
        if len(seen) + len(new) > self.limit:  # start afresh (other threads keep the old sets)
            seen, by_term, new = set(), {}, words
            self._seen, self._by_term = seen, by_term
        for word in new:
            for term in self.analyze(word):
                by_term.setdefault(term, set()).add(word)
        self._generation = next(self._count)  # before the words count as seen (see matcher)
        seen |= new
        return by_term


def matched_spans(text: str, terms: Set[str], words: SurfaceWords) -> List[Tuple[int, int]]:
    """(start, end) of the words of ``text`` whose analysis meets ``terms``.

    >>> matched_spans("Облыс бюджеті", {"бюджеті"}, SurfaceWords(str.split))
    [(6, 13)]
    """
    return spans_of(text, words.matcher(terms))


def spans_of(text: str, match: Callable[[Set[str]], Set[str]]) -> List[Tuple[int, int]]:
    """(start, end) of the words of ``text`` that ``match`` (a :meth:`SurfaceWords.matcher`) picks."""
    return _found_spans(text, match(set(_WORD.findall(text))))


def page_spans(texts: Sequence[str], match: Callable[[Set[str]], Set[str]]) -> List[List[Tuple[int, int]]]:
    """:func:`spans_of` for each of a page's ``texts``: the words of all found and matched at once.

    One regex pass, one set and one ``match`` for the page instead of one per
    text. A word that matches in another text of the page is looked for in
    each text too, but :func:`_found_spans` keeps an occurrence only where
    the text's own words have it (the regex's word there is that word), so
    each text gets exactly its own spans.

    >>> page_spans(["Облыс бюджеті", "бюджеті-нің"], SurfaceWords(str.split).matcher({"бюджеті"}))
    [[(6, 13)], []]
    """
    if not texts:
        return []
    # (a line break is neither a word character nor a joiner: no word runs across texts)
    matching = match(words_of("\n".join(texts)))
    if not matching:
        return [[] for _ in texts]
    return [_found_spans(text, matching) for text in texts]


def words_of(text: str) -> Set[str]:
    """``set(_WORD.findall(text))``, in less time.

    A whitespace-separated chunk of letters and digits alone (``str.isalnum``:
    exactly the characters of ``\\w`` but ``_``) is one word as it is; only the
    other chunks (punctuation, joiners, ``_``) go through the regex. No word
    runs across whitespace, so the words are the same.

    >>> sorted(words_of("Облыс бюджеті-нің (2025) жылға, ал_ма"))
    ['2025', 'Облыс', 'ал_ма', 'бюджеті-нің', 'жылға']
    """
    words = set(text.split())
    other = list(filterfalse(str.isalnum, words))
    if other:
        words.difference_update(other)
        words.update(_WORD.findall(" ".join(other)))
    return words


def _found_spans(text: str, matching: Set[str]) -> List[Tuple[int, int]]:
    """(start, end) of each occurrence in ``text`` of the words ``matching`` as words of the text."""
    spans = []
    for word in matching:  # the few matching words, found with str.find
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            after = text[end:end + 1]  # the regex's word from ``at`` ends at ``end`` when no word
            # character follows, and a joiner only when no word character follows it
            if not _word_char(after) and not _inside_word(text, at) and \
                    (not after or after not in _JOINERS or _WORD.match(text, at).end() == end):  # type: ignore
                spans.append((at, end))
            at = text.find(word, end)
    spans.sort()
    return spans


def _inside_word(text: str, at: int) -> bool:
    """Whether a word of ``_WORD`` running through ``at - 1`` would go on at ``at``."""
    if at == 0:
        return False
    before = text[at - 1]
    if _word_char(before):
        return True
    return before in _JOINERS and at >= 2 and _word_char(text[at - 2])


def _word_char(c: str) -> bool:
    """Whether ``c`` (one character, or "") is a character of ``\\w``: exactly the alphanumerics and ``_``."""
    return c.isalnum() or c == "_"


def marked_snippet(text: str, spans: Sequence[Tuple[int, int]], width: int = SNIPPET_WIDTH) -> str:
    """About ``width`` characters from a little before the first match, matches marked.

    >>> marked_snippet("a b c", [(2, 3)]) == "a " + MARK_OPEN + "b" + MARK_CLOSE + " c"
    True
    """
    start = max(0, spans[0][0] - width // 4) if spans else 0
    end = min(len(text), start + width)
    if start > 0:  # do not cut a word in half
        cut = text.find(" ", start, spans[0][0])
        start = cut + 1 if cut >= 0 else start
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    out, pos = [], start
    for s, e in spans:
        if s >= start and e <= end:
            out += [text[pos:s], MARK_OPEN, text[s:e], MARK_CLOSE]
            pos = e
    out.append(text[pos:end])
    body = "".join(out)
    window = text[start:end]
    # whitespace runs become one space: nothing to do where the window has only single spaces
    # between words (every other whitespace character is unprintable; the markers are not whitespace)
    if not window.isprintable() or "  " in window or window[:1] == " " or window[-1:] == " ":
        body = " ".join(body.split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
