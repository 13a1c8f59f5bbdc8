"""The analyzer's per-language token cache: a raw token -> its terms, computed once.

What a token becomes depends only on the token and its sentence's
language, so the per-token work of an analysed text is one dict lookup;
a token not seen before is analysed by :meth:`TokenCache.__missing__`.
A word of lowercase Cyrillic letters in a Kazakh sentence — most new
tokens — goes straight to the Kazakh word function
(:meth:`.Analyzer._kazakh_term`; with views :meth:`.Analyzer._kazakh_view_terms`,
its term and view terms at one position, laid out by one shared ``[0, 0]``),
a number stands for itself, another word of letters only goes to the
analyzer's word function; anything else goes through the token filters
(:func:`.filters.token_layout`). All these short ways give what the token
filters give (``tests/test_analysis_memo.py``, ``tests/test_views_fastpath.py``).

>>> from kzsearch.analysis import Analyzer
>>> cache = Analyzer(views=())._caches["kk"]
>>> cache["оқушылар"], cache["іс-шара"], cache["және"]
('оқуш', 'іс шара ісшара', '')
>>> cache.layouts["іс-шара"], "іс-шара" in cache.special
([0, 1, 0], True)

:class:`TokenPlaces` keeps each token's terms split, with their position
offsets and the positions the token takes, once per token type, so that a
text's terms and positions come from a few C-level maps and NumPy
operations (:meth:`.Analyzer.positions_array`) and equal terms are one
shared ``str`` object (its hash computed once, for the vocabulary). With
views, a new Kazakh word of lowercase Cyrillic letters is filled in both
dicts by one call (:meth:`TokenPlaces.__missing__`'s short way, from
:meth:`.Analyzer._kazakh_word_terms`' list of terms), which stores what the
token cache's views way and the general way store:

>>> places = TokenPlaces(Analyzer(views=[{"kind": "prefix", "size": 6}])._caches["kk"])
>>> places["оқушылар"], places["және"]
((('оқуш', '~оқушыл'), (0, 0), 1), ((), (), 1))
>>> TokenPlaces(Analyzer(views=())._caches["kk"])["іс-шара"]
(('іс', 'шара', 'ісшара'), (0, 1, 0), 2)
"""
from __future__ import annotations

import re
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Tuple

import numpy as np

from .handover import CacheDelta, absorb, cut
from .language import KAZAKH, LATIN_LETTER
from .views import MARKS

if TYPE_CHECKING:  # pragma: no cover
    from .analyzer import Analyzer

#: what view terms start with, and a view term after another term in a cache entry
_MARKS = tuple(MARKS.values())
_SPACED_MARKS = tuple(" " + mark for mark in _MARKS)

#: Each token cache (one per language) is cleared before a text that would take it past this many types.
CACHE_LIMIT = 200_000
#: A word of lowercase Cyrillic letters only (Russian and Kazakh): no Latin, no digits.
_CYRILLIC_WORD = re.compile("[а-яёәғқңөұүһі]+").fullmatch


class TokenCache(dict):
    """Token -> its terms as one string, filled on first lookup.

    The string is one term, "" for a stopword, or several terms separated by
    spaces (a compound, a range). ``special`` holds the tokens that need more
    than a lookup — those with several terms, Latin words (the text may be
    Latin-script Kazakh), and the Russian function words that make a text
    worth routing — so that a text whose tokens are all
    ordinary is analysed by one ``map`` and one ``isdisjoint``. ``layouts``
    keeps the position offsets of the terms of a token when they are not
    consecutive (a compound's solid whole sits at its first part). Cleared
    between texts when the next text's tokens would take it past
    :data:`CACHE_LIMIT` (:meth:`make_room`; a text converted from Latin script or
    routed to Russian may add a few more).
    """

    def __init__(self, analyzer: "Analyzer", lang: str, markers: FrozenSet[str]) -> None:
        super().__init__()
        self.analyzer, self.lang, self.markers = analyzer, lang, markers
        self.special = set(markers)
        #: the tokens met first since the last :meth:`take_delta`, when tracked (see :mod:`.handover`)
        self.fresh: Optional[List[str]] = None
        self._cut: List[CacheDelta] = []  # what was fresh when the cache was last cleared
        #: position offsets of the terms of multi-term tokens, when not 0, 1, 2, ...
        self.layouts: Dict[str, List[int]] = {}
        #: each token's terms, offsets and width (:class:`TokenPlaces`), cleared with this cache
        self.places: Optional["TokenPlaces"] = None
        settings = analyzer.settings
        self._latin = settings.latin
        self._views = bool(settings.views)
        #: a word gives one term at most (no views, word_terms not overridden): a word's
        #: joined terms are its term
        from .analyzer import Analyzer
        plain = type(analyzer).word_terms is Analyzer.word_terms
        self._one_term = not settings.views and plain
        #: a word's terms are its term and its view terms (views, word_terms not overridden)
        self._word_views = bool(settings.views) and plain
        self._max_length = settings.max_token_length
        #: the term of a Kazakh word of lowercase Cyrillic letters, for the common case
        self._kazakh_term = (analyzer._kazakh_term if self._one_term and lang == KAZAKH
                             and type(analyzer)._word_term is Analyzer._word_term else None)
        #: the same with views: the word's term and its view terms, joined
        self._kazakh_views = (analyzer._kazakh_view_terms if self._word_views and lang == KAZAKH
                              and type(analyzer)._word_term is Analyzer._word_term else None)

    def make_room(self, n: int) -> None:
        """Clear this cache (and its special tokens, layouts and places) unless ``n`` more tokens
        fit under :data:`CACHE_LIMIT`: called before a text of ``n`` tokens, never within one, so
        that a token a text met stays special for the rest of that text."""
        if len(self) + n > CACHE_LIMIT:
            if self.fresh:  # tracked: what it learned goes home all the same
                self._cut.append(cut(self))
                self.fresh = []
            self.clear()
            self.special.clear()
            self.special.update(self.markers)
            self.layouts.clear()
            if self.places is not None:
                self.places.clear()

    def __missing__(self, token: str) -> str:
        short = len(token) <= self._max_length  # (a longer token is cut by token_layout below)
        layout = None
        if short and self._kazakh_term is not None and _CYRILLIC_WORD(token):
            # the most common case: what the branches below would do, with fewer calls
            joined = self[token] = self._kazakh_term(token)
        elif short and self._kazakh_views is not None and _CYRILLIC_WORD(token):
            # the same with views: all the word's terms at its position, one real term at most
            joined = self[token] = self._kazakh_views(token)
            if " " in joined:
                layout = self.layouts[token] = _zeros(joined.count(" ") + 1)
        elif short and token.isdigit():  # a number: itself (see filters.token_layout)
            joined = self[token] = token
        elif short and self._one_term and token.isalpha():
            # what put() would do for a word of one term or none
            terms = self.analyzer._word_term(token, self.lang)
            joined = terms[0] if terms else ""
            if self._latin and LATIN_LETTER.search(token):
                self.special.add(token)
            self[token] = joined
        elif short and self._word_views and token.isalpha():
            # a word and its view terms, what token_layout() and put() would do: all at the
            # word's position, one term that is not a view term at most
            terms = self.analyzer.word_terms(token, self.lang)
            joined = " ".join(terms)
            if len(terms) > 1:
                layout = self.layouts[token] = _zeros(len(terms))
            if self._latin and LATIN_LETTER.search(token):
                self.special.add(token)
            self[token] = joined
        else:
            terms, offsets = self.analyzer.token_layout(token, self.lang)
            layout = offsets if len(terms) > 1 and offsets != list(range(len(terms))) else None
            joined = self.put(token, " ".join(terms), layout)
        if self.fresh is not None:
            self.fresh.append(token)
        return joined

    def take_delta(self) -> List[CacheDelta]:
        """What this cache learned since the last call (:mod:`.handover`); the first call starts
        tracking."""
        out, self._cut = self._cut, []
        if self.fresh:
            out.append(cut(self))
        self.fresh = []
        return out

    def absorb(self, delta: CacheDelta) -> None:
        """Take in a :class:`~.handover.CacheDelta` of an analyzer with the same settings."""
        absorb(self, delta, CACHE_LIMIT)

    def put(self, token: str, joined: str, layout: Optional[List[int]] = None) -> str:
        """Store the terms of ``token`` (one string, as :meth:`__missing__` makes it)."""
        several = joined.count(" ")
        if several and self._views:  # a word and its views are one term: count the terms
            # that do not start with a view mark (terms hold no spaces)
            several = several + 1 - joined.startswith(_MARKS) - sum(map(joined.count, _SPACED_MARKS)) > 1
        if several or (self._latin and LATIN_LETTER.search(token)):
            self.special.add(token)
        if layout is not None:
            self.layouts[token] = layout
        self[token] = joined
        return joined

    def __reduce__(self):  # rebuilt empty by the analyzer, never pickled with content
        return (dict, ())


def _zeros(n: int, shared: Dict[int, List[int]] = {}) -> List[int]:  # noqa: B006 (on purpose)
    """``[0] * n``, one shared list for each ``n`` (never modified): the layout of a word with
    view terms, so that the cache holds no new container per word for the garbage collector
    to walk."""
    zeros = shared.get(n)
    if zeros is None:
        zeros = shared[n] = [0] * n
    return zeros


#: (0,) * n: each term of a word at the word's position
_ZERO_OFFSETS = tuple((0,) * n for n in range(8))

#: a token's place: (its terms, each term's position offset in the token, positions it takes)
Place = Tuple[Tuple[str, ...], Tuple[int, ...], int]


class TokenPlaces(dict):
    """Token -> its :data:`Place`, made from the entry of ``tokens`` (a :class:`TokenCache`).

    A token takes ``max(offsets) + 1`` positions (a compound's solid whole
    sits at its first part), one when it has no term (a stopword leaves a
    gap). Equal terms and equal offsets of different tokens are shared
    objects. Cleared with ``tokens``.
    """

    def __init__(self, tokens: TokenCache) -> None:
        super().__init__()
        self.tokens = tokens
        self._shared: Dict[object, object] = {}
        tokens.places = self
        #: the terms of a Kazakh word of lowercase Cyrillic letters with views, as a list
        #: (None when the token cache does not take that short way)
        self._word_terms = (tokens.analyzer._kazakh_word_terms if tokens._kazakh_views is not None
                            else None)

    def __missing__(self, token: str) -> Place:
        tokens = self.tokens
        if (self._word_terms is not None and len(token) <= tokens._max_length
                and len(self._shared) < 2 * CACHE_LIMIT
                and token not in tokens and _CYRILLIC_WORD(token)):
            # the most common new token: what TokenCache.__missing__'s views way and the
            # general way below would store, with fewer calls and no join and split
            listed = self._word_terms(token)
            joined = tokens[token] = " ".join(listed)
            n = len(listed)
            if n > 1:
                tokens.layouts[token] = _zeros(n)
            if tokens.fresh is not None:
                tokens.fresh.append(token)
            share = self._shared.setdefault
            terms = tuple([share(t, t) for t in listed])  # type: ignore[misc]
            offsets = _ZERO_OFFSETS[n] if n < len(_ZERO_OFFSETS) else (0,) * n
            place = self[token] = (share(terms, terms), share(offsets, offsets), 1)  # type: ignore
            return place  # type: ignore[return-value]
        joined = tokens[token]
        if len(self._shared) >= 2 * CACHE_LIMIT:
            self._shared.clear()
        share = self._shared.setdefault
        terms = tuple([share(t, t) for t in joined.split()])  # type: ignore[misc]
        offsets = self.tokens.layouts.get(token)
        if offsets is None or len(offsets) != len(terms):
            offsets = range(len(terms))
        offsets = tuple(offsets)
        place = (share(terms, terms), share(offsets, offsets), max(offsets) + 1 if offsets else 1)
        self[token] = place  # type: ignore[assignment]
        return place  # type: ignore[return-value]

    def clear(self) -> None:
        super().clear()
        self._shared.clear()

    def __reduce__(self):  # rebuilt empty by the analyzer, never pickled with content
        return (dict, ())


def lay_out(places: List[Place], start: int = 0) -> Tuple[List[str], np.ndarray, int]:
    """The terms of tokens whose places are ``places``, their positions (int32) from ``start``,
    and the next free position.

    >>> lay_out([(("іс", "шара", "ісшара"), (0, 1, 0), 2), ((), (), 1), (("жыл",), (0,), 1)])
    (['іс', 'шара', 'ісшара', 'жыл'], array([0, 1, 0, 3], dtype=int32), 4)
    """
    n = len(places)
    term_tuples = list(map(_TERMS, places))
    terms = list(chain.from_iterable(term_tuples))
    counts = np.fromiter(map(len, term_tuples), dtype=np.int64, count=n)
    if sum(map(_WIDTH, places)) == n:  # each token takes one position (so its terms are all at it):
        # the common case, a word with its view terms or none
        return terms, np.repeat(np.arange(start, start + n, dtype=np.int32), counts), start + n
    offsets = np.fromiter(chain.from_iterable(map(_OFFSETS, places)), dtype=np.int64, count=len(terms))
    widths = np.fromiter(map(_WIDTH, places), dtype=np.int64, count=n)
    ends = np.cumsum(widths)
    ends += start
    positions = np.repeat(ends - widths, counts)
    positions += offsets
    return terms, positions.astype(np.int32), int(ends[-1]) if n else start


_TERMS, _OFFSETS, _WIDTH = itemgetter(0), itemgetter(1), itemgetter(2)
