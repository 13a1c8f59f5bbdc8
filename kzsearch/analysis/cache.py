"""The analyzer's per-language token cache: a raw token -> its terms, computed once.

What a token becomes depends only on the token and its sentence's
language, so the per-token work of an analysed text is one dict lookup;
a token not seen before is analysed by :meth:`TokenCache.__missing__`.
A word of letters only — most new tokens — goes straight to the
analyzer's word function; anything else goes through the token filters
(:func:`.filters.token_layout`).

>>> from kzsearch.analysis import Analyzer
>>> cache = Analyzer()._caches["kk"]
>>> cache["оқушылар"], cache["іс-шара"], cache["және"]
('оқуш', 'іс шара ісшара', '')
>>> cache.layouts["іс-шара"], "іс-шара" in cache.special
([0, 1, 0], True)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Tuple

from .language import LATIN_LETTER
from .views import is_view_term

if TYPE_CHECKING:  # pragma: no cover
    from .analyzer import Analyzer

#: Each token cache (one per language) is cleared when it holds this many types.
CACHE_LIMIT = 200_000


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
    when it holds :data:`CACHE_LIMIT` tokens.
    """

    def __init__(self, analyzer: "Analyzer", lang: str, markers: FrozenSet[str]) -> None:
        super().__init__()
        self.analyzer, self.lang, self.markers = analyzer, lang, markers
        self.special = set(markers)
        self.fresh: Optional[List[Tuple[str, str, Optional[List[int]]]]] = None  # new entries, when tracked
        #: position offsets of the terms of multi-term tokens, when not 0, 1, 2, ...
        self.layouts: Dict[str, List[int]] = {}
        settings = analyzer.settings
        self._latin = settings.latin
        self._views = bool(settings.views)
        #: a word gives one term at most (no views, word_terms not overridden): a word's
        #: joined terms are its term
        from .analyzer import Analyzer
        self._one_term = not settings.views and type(analyzer).word_terms is Analyzer.word_terms
        self._max_length = settings.max_token_length

    def __missing__(self, token: str) -> str:
        if len(self) >= CACHE_LIMIT:
            self.clear()
            self.special.clear()
            self.special.update(self.markers)
            self.layouts.clear()
        if self._one_term and token.isalpha() and len(token) <= self._max_length:
            # the common case, what put() would do for a word of one term or none
            terms = self.analyzer._word_term(token, self.lang)
            joined = terms[0] if terms else ""
            if self._latin and LATIN_LETTER.search(token):
                self.special.add(token)
            self[token] = joined
            layout = None
        else:
            terms, offsets = self.analyzer.token_layout(token, self.lang)
            layout = offsets if len(terms) > 1 and offsets != list(range(len(terms))) else None
            joined = self.put(token, " ".join(terms), layout)
        if self.fresh is not None:
            self.fresh.append((token, joined, layout))
        return joined

    def put(self, token: str, joined: str, layout: Optional[List[int]] = None) -> str:
        """Store the terms of ``token`` (one string, as :meth:`__missing__` makes it)."""
        several = joined.count(" ")
        if several and self._views:  # a word and its views are one term
            several = sum(not is_view_term(t) for t in joined.split()) > 1
        if several or (self._latin and LATIN_LETTER.search(token)):
            self.special.add(token)
        if layout is not None:
            self.layouts[token] = layout
        self[token] = joined
        return joined

    def __reduce__(self):  # rebuilt empty by the analyzer, never pickled with content
        return (dict, ())
