"""The analysis chain: character filters -> tokenizer -> token filters.

::

    text ──normalize──> text ──route──> sentences (kk / ru)
         ──tokenize──> tokens ──token filters──> terms

The token filters (:mod:`.filters`: addresses, numbers, compounds) hand
each word to :meth:`Analyzer.word_terms`: stopwords (Kazakh by surface
form, Russian by lemma), then the Kazakh stemmer (:mod:`.stemmer`) or the
Russian lemmatizer (:mod:`.russian`), then the sub-word views
(:mod:`.views`). Settings are in :mod:`.settings`.

What a token becomes depends only on the token and its sentence's language,
so it is computed once per token type and cached (:mod:`.cache`): the
per-token work of an analysed text is one dict lookup.

Tokens longer than :data:`MAX_TOKEN_LENGTH` (64) characters are cut to
that length before any filter sees them, and the token caches are cleared
before a text that would take them past :data:`CACHE_LIMIT` entries (never
in the middle of one), so that neither a million-letter
"word" nor an endless stream of distinct tokens grows memory without bound.

>>> analyze = Analyzer(views=())  # stems only (the default adds sub-word views)
>>> analyze("Мектептердегі оқушылар АҚШ-та 2025-2027 жылдары оқиды.")
['мектеп', 'оқуш', 'ақш', '2025', '2027', 'жыл', 'оқ']
>>> analyze("Министерства образования и науки")
['министерство', 'образование', 'наука']
"""
from __future__ import annotations

from functools import partial
from itertools import chain
from operator import itemgetter
from typing import Any, Callable, Dict, Iterable, List, Tuple

import numpy as np

from ..script import to_cyrillic
from .cache import CACHE_LIMIT, TokenCache, TokenPlaces, lay_out
from .filters import CYRILLIC, address_term, compound_parts, number_terms, token_layout
from .handover import CacheDelta
from .language import KAZAKH, KAZAKH_LETTER, LATIN_LETTER, RUSSIAN, RUSSIAN_MARKERS, route
from .normalize import normalize
from .russian import RussianLemmatizer
from .settings import MAX_TOKEN_LENGTH, AnalyzerSettings
from .stemmer import POLITE_ENDINGS, KazakhStemmer
from .stopwords import KAZAKH_STOPWORDS, RUSSIAN_STOPWORDS
from .tokenize import tokenize
from .views import view_terms_of, view_weight
from .wordlists import load_pairs

_TERMS = itemgetter(0)

__all__ = ["Analyzer", "AnalyzerSettings", "TokenCache", "CACHE_LIMIT", "MAX_TOKEN_LENGTH",
           "ABBREVIATIONS", "address_term", "compound_parts", "number_terms"]

#: Abbreviations indexed as the word they stand for (ж. -> жыл, ғ. -> ғасыр).
ABBREVIATIONS: Dict[str, str] = load_pairs("abbreviations_kk.txt")


class Analyzer:
    """Callable turning a text into its index terms, in text order.

    >>> Analyzer(views=())("Облыс бюджеті 5,8 миллиард теңгеге нақтыланды")
    ['облыс', 'бюджет', '5,8', 'миллиард', 'теңге', 'нақтыла']
    >>> Analyzer()("Облыс бюджеті 5,8")  # the default views: a word's first 6 letters after its stem
    ['облыс', '~облыс', 'бюджет', '~бюджет', '5,8']
    >>> Analyzer(stemming=False, stopwords=False, views=())("Бұл облыс бюджеті")
    ['бұл', 'облыс', 'бюджеті']
    >>> a = Analyzer(stopwords=["облыс"]); Analyzer.from_config(a.config) == a
    True
    """

    def __init__(self, **settings: Any) -> None:
        self.settings = AnalyzerSettings(**settings)
        self._setup()

    def _setup(self) -> None:
        s = self.settings
        if s.stopwords is True:
            self._kk_stop, self._ru_stop = KAZAKH_STOPWORDS, RUSSIAN_STOPWORDS
        elif s.stopwords is False:
            self._kk_stop = self._ru_stop = frozenset()
        else:
            self._kk_stop = self._ru_stop = frozenset(s.stopwords)
        self._stemming, self._stem_prefix = s.stemming, s.stem_prefix
        self._stem: Callable[[str], str] = KazakhStemmer()
        self._lemmatize: Callable[[str], str] = RussianLemmatizer()
        markers = RUSSIAN_MARKERS if s.russian else frozenset()
        self._caches = {KAZAKH: TokenCache(self, KAZAKH, markers),
                        RUSSIAN: TokenCache(self, RUSSIAN, markers)}
        self._kazakh_terms = self._caches[KAZAKH].__getitem__
        self._kazakh_special = self._caches[KAZAKH].special
        # each token's terms split, with their positions (see .cache): the texts of an analyzer
        # with views, and texts with compounds, ranges or Russian, are laid out from these
        self._places = {lang: TokenPlaces(cache).__getitem__ for lang, cache in self._caches.items()}
        self._views = bool(s.views)
        self._view_terms = view_terms_of(s.views)

    # configuration and pickling
    @property
    def config(self) -> Dict[str, Any]:
        """JSON-serialisable settings; ``Analyzer.from_config(a.config)`` rebuilds it."""
        return self.settings.to_dict()

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Analyzer":
        """The analyzer of a stored ``config``; one without ``"views"`` (saved before
        views existed) has none, whatever today's default."""
        return cls(**{"views": [], **config})

    def __getstate__(self) -> Dict[str, Any]:
        return {"settings": self.config}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.settings = AnalyzerSettings(**state["settings"])
        self._setup()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Analyzer) and other.settings == self.settings

    def __hash__(self) -> int:
        return hash(self.settings)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"Analyzer({args})"

    # caches shared between processes
    def cache_delta(self) -> List[CacheDelta]:
        """What the token caches learned since the last call (one :class:`~.handover.CacheDelta`
        per language, or more); the first call starts tracking.

        A worker process sends these home with its results, and the parent's
        :meth:`absorb_cache` takes them in, so that the parent's next text
        finds the tokens the workers already analysed, and their places.
        """
        return [delta for cache in self._caches.values() for delta in cache.take_delta()]

    def absorb_cache(self, deltas: Iterable[CacheDelta]) -> None:
        """Take in deltas from :meth:`cache_delta` (of an analyzer with the same settings)."""
        for delta in deltas:
            self._caches[delta.lang].absorb(delta)

    # the chain
    def __call__(self, text: str) -> List[str]:
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        text = normalize(text)
        tokens = tokenize(text)
        self._make_room(len(tokens))
        places = None  # the tokens' places (with views), when they hold for the text as it ends up
        if self._views:
            places = list(map(self._places[KAZAKH], tokens))
            if self._kazakh_special.isdisjoint(tokens):  # the common case, as below
                return list(chain.from_iterable(map(_TERMS, places)))
        else:
            terms = list(filter(None, map(self._kazakh_terms, tokens)))
            if self._kazakh_special.isdisjoint(tokens):
                # the common case: no Russian, no compounds, no ranges, no Latin
                return terms
        if self.settings.latin and LATIN_LETTER.search(text):
            converted = to_cyrillic(text)  # Latin-script Kazakh; other Latin words stay
            if converted != text:
                text = normalize(converted)
                tokens = tokenize(text)
                places = None
                terms = list(filter(None, map(self._kazakh_terms, tokens)))
        if self.settings.russian and not RUSSIAN_MARKERS.isdisjoint(tokens):
            out: List[str] = []
            for lang, run in route(text):
                out += map(self._caches[lang].__getitem__, tokenize(run))
            return " ".join(out).split()
        if places is not None:  # each place's terms are its token's entry, split
            return list(chain.from_iterable(map(_TERMS, places)))
        return " ".join(terms).split()

    def _make_room(self, n: int) -> None:
        """Clear a token cache before a text of ``n`` tokens if they would not fit (never within a
        text: the special tokens it met must hold to its end)."""
        for cache in self._caches.values():
            cache.make_room(n)

    def analyze_positions(self, text: str) -> Tuple[List[str], List[int]]:
        """The terms of ``text`` (exactly those of ``analyzer(text)``) and their positions.

        Each raw token takes the next position; a stopword or a dropped
        token leaves a gap; the terms of one token (a range, a compound's
        parts) take consecutive positions, and a compound's solid whole sits
        at its first part's position.

        >>> Analyzer(views=()).analyze_positions("Облыс және іс-шара 2025-2027")
        (['облыс', 'іс', 'шара', 'ісшара', '2025', '2027'], [0, 2, 3, 2, 4, 5])
        """
        terms, positions = self.positions_array(text)
        return terms, positions.tolist()

    def positions_array(self, text: str) -> Tuple[List[str], np.ndarray]:
        """:meth:`analyze_positions` with the positions as an int32 array (for indexing)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        text = normalize(text)
        tokens = tokenize(text)
        self._make_room(len(tokens))
        kazakh = self._caches[KAZAKH]
        places = None  # the tokens' places, when they hold for the text as it ends up
        if self._views:  # a word's view terms share its position
            places = list(map(self._places[KAZAKH], tokens))
            if kazakh.special.isdisjoint(tokens):  # the common case, as in __call__
                return lay_out(places)[:2]
        else:
            joined = list(map(kazakh.__getitem__, tokens))
            if kazakh.special.isdisjoint(tokens):  # the common case, as in __call__
                lengths = np.fromiter(map(len, joined), dtype=np.int32, count=len(joined))
                return list(filter(None, joined)), np.flatnonzero(lengths).astype(np.int32)
        if self.settings.latin and LATIN_LETTER.search(text):
            converted = to_cyrillic(text)
            if converted != text:
                text = normalize(converted)
                tokens = tokenize(text)
                places = None
        if self.settings.russian and not RUSSIAN_MARKERS.isdisjoint(tokens):
            terms: List[str] = []
            positions: List[np.ndarray] = []
            start = 0
            for lang, run in route(text):
                run_terms, run_positions, start = lay_out(list(map(self._places[lang], tokenize(run))), start)
                terms += run_terms
                positions.append(run_positions)
            return terms, np.concatenate(positions) if positions else np.zeros(0, dtype=np.int32)
        return lay_out(list(map(self._places[KAZAKH], tokens)) if places is None else places)[:2]

    def token_terms(self, token: str, lang: str = KAZAKH) -> List[str]:
        """Terms of one raw token (as the tokenizer gives it) in a sentence of ``lang``.

        >>> a = Analyzer(views=())
        >>> a.token_terms("үй-коммуналдық"), a.token_terms("т.б"), a.token_terms("ikomek109")
        (['үй', 'коммуналдық', 'үйкоммуналдық'], [], ['ikomek', '109'])
        """
        return self.token_layout(token, lang)[0]

    def token_layout(self, token: str, lang: str = KAZAKH) -> Tuple[List[str], List[int]]:
        """Terms of one raw token and the position offset of each within the token.

        >>> Analyzer(views=()).token_layout("іс-шара")
        (['іс', 'шара', 'ісшара'], [0, 1, 0])
        """
        return token_layout(token[: self.settings.max_token_length],
                            partial(self.word_terms, lang=lang), self.settings.compounds)

    def word_terms(self, word: str, lang: str = KAZAKH) -> List[str]:
        """The term of one word (zero or one term), followed by its view terms if any.

        >>> Analyzer().word_terms("және"), Analyzer().word_terms("оқушылар")
        ([], ['оқуш', '~оқушыл'])
        >>> Analyzer(views=[{"kind": "prefix", "size": 5}]).word_terms("оқушылар")
        ['оқуш', '~оқушы']
        """
        terms = self._word_term(word, lang)
        if terms and self._views:
            terms += self._view_terms(ABBREVIATIONS.get(word, word), terms[0])
        return terms

    def query_weight(self, term: str) -> float:
        """Weight of ``term`` in a query: its view's weight, 1.0 for a stem.

        >>> Analyzer(views=[{"kind": "ngrams", "size": 4, "weight": 0.25}]).query_weight("^мект")
        0.25
        """
        return view_weight(term, self.settings.views)

    def _kazakh_term(self, word: str) -> str:
        """``_word_term(word, KAZAKH)`` of a word of lowercase Cyrillic letters, as one string.

        >>> Analyzer()._kazakh_term("оқушылар"), Analyzer()._kazakh_term("және")
        ('оқуш', '')
        """
        word = ABBREVIATIONS.get(word, word)
        if word in self._kk_stop:
            return ""
        if not self._stemming:
            return word
        if self._kk_stop and word.endswith(POLITE_ENDINGS) and self._stem.addresses_reader(word):
            return ""
        term = self._stem(word)
        return term[: self._stem_prefix] if self._stem_prefix else term

    def _kazakh_view_terms(self, word: str) -> str:
        """``word_terms(word, KAZAKH)`` of a word of lowercase Cyrillic letters, joined by spaces.

        >>> Analyzer()._kazakh_view_terms("оқушылар"), Analyzer()._kazakh_view_terms("және")
        ('оқуш ~оқушыл', '')
        """
        return " ".join(self._kazakh_word_terms(word))

    def _kazakh_word_terms(self, word: str) -> List[str]:
        """``word_terms(word, KAZAKH)`` of a word of lowercase Cyrillic letters
        (:meth:`_kazakh_term` and the view terms, in one call).

        >>> Analyzer()._kazakh_word_terms("оқушылар"), Analyzer()._kazakh_word_terms("және")
        (['оқуш', '~оқушыл'], [])
        """
        word = ABBREVIATIONS.get(word, word)
        if word in self._kk_stop:
            return []
        if not self._stemming:
            term = word
        elif self._kk_stop and word.endswith(POLITE_ENDINGS) and self._stem.addresses_reader(word):
            return []
        else:
            term = self._stem(word)
            if self._stem_prefix:
                term = term[: self._stem_prefix]
        return [term, *self._view_terms(word, term)]

    def _word_term(self, word: str, lang: str) -> List[str]:
        if not CYRILLIC.search(word):
            return [] if word in self._kk_stop else [word]
        if lang == RUSSIAN and not KAZAKH_LETTER.search(word):
            lemma = self._lemmatize(word) if self.settings.stemming else word
            if word in self._ru_stop or lemma in self._ru_stop:
                return []
            return [lemma]
        word = ABBREVIATIONS.get(word, word)
        if word in self._kk_stop:
            return []
        if not self._stemming:
            return [word]
        if self._kk_stop and word.endswith(POLITE_ENDINGS) and self._stem.addresses_reader(word):
            return []  # белгілеңіз, көрсетіңіз: a verb addressed to the reader
        term = self._stem(word)
        return [term[: self._stem_prefix]] if self._stem_prefix else [term]
