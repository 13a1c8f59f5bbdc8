"""The analysis chain: character filters -> tokenizer -> token filters.

::

    text ──normalize──> text ──route──> sentences (kk / ru)
         ──tokenize──> tokens ──token filters──> terms

Token filters, each a small function of one token:

* :func:`address_term` — a URL becomes its host (``gov.kz``), an e-mail stays whole;
* :func:`number_terms` — ``5,8`` and ``5.8`` -> ``5,8``; ``2025-2027`` -> ``2025 2027``;
  ``18.11.2025`` -> ``18 11 2025``; ``55-ші`` -> ``55``;
* :func:`compound_parts` — ``АҚШ-та`` is one word with an ending (-> ``ақш``);
  ``іс-шара`` gives its parts and, as one more term, the whole (``ісшара``);
* stopwords (Kazakh by surface form, Russian by lemma), then the Kazakh
  stemmer (:mod:`.stemmer`) or the Russian lemmatizer (:mod:`.russian`).

What a token becomes depends only on the token and its sentence's language,
so it is computed once per token type and cached: the per-token work of an
analysed text is one dict lookup.

Tokens longer than :data:`MAX_TOKEN_LENGTH` (64) characters are cut to
that length before any filter sees them, and the token caches are cleared
when they pass :data:`CACHE_LIMIT` entries, so that neither a million-letter
"word" nor an endless stream of distinct tokens grows memory without bound.

>>> analyze = Analyzer()
>>> analyze("Мектептердегі оқушылар АҚШ-та 2025-2027 жылдары оқиды.")
['мектеп', 'оқуш', 'ақш', '2025', '2027', 'жыл', 'оқ']
>>> analyze("Министерства образования и науки")
['министерство', 'образование', 'наука']
"""
from __future__ import annotations

import re
from itertools import repeat
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple, Union

import numpy as np

from .language import KAZAKH, KAZAKH_LETTER, LATIN_LETTER, RUSSIAN, RUSSIAN_MARKERS, route
from .normalize import normalize
from .russian import RussianLemmatizer
from .stemmer import KazakhStemmer, is_ending
from .stopwords import KAZAKH_STOPWORDS, RUSSIAN_STOPWORDS
from .tokenize import is_address, tokenize
from .views import View, is_view_term, parse_views, view_terms, view_weight
from .wordlists import load_pairs
from ..script import to_cyrillic

#: Longest token, in characters, that reaches the token filters (longer ones are cut).
MAX_TOKEN_LENGTH = 64
#: Each token cache (one per language) is cleared when it holds this many types.
CACHE_LIMIT = 200_000

#: Abbreviations indexed as the word they stand for (ж. -> жыл, ғ. -> ғасыр).
ABBREVIATIONS: Dict[str, str] = load_pairs("abbreviations_kk.txt")

_CYRILLIC = re.compile("[\u0400-\u04ff]")
_PART_SEPARATOR = re.compile("['–-]")
#: Dots, commas and underscores inside a token, except a decimal separator.
_SOFT_SEPARATOR = re.compile(r"_+|(?<!\d)[.,]|[.,](?!\d)")
_LETTERS_OR_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
#: A number, a range of numbers, and an optional ending after a hyphen.
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:[-–]\d+(?:[.,]\d+)*)*(?:-[^\W\d_].*)?")
_NUMBER_RANGE = re.compile("[-–]")


# --- token filters --------------------------------------------------------------

def address_term(token: str) -> str:
    """A URL's host without ``www.``; an e-mail address as it is.

    >>> address_term("https://www.gov.kz/memleket/entities?lang=kk")
    'gov.kz'
    """
    if "@" in token and "://" not in token:
        return token.strip(".")
    host = token.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def number_terms(token: str) -> Tuple[List[str], str]:
    """Numbers of a number token, and the text after a hyphen if any.

    A single decimal separator is a decimal comma (``5.8`` -> ``5,8``); more
    separators make a date or a list (``18.11.2025`` -> three numbers).

    >>> number_terms("5.8"), number_terms("2025-2027"), number_terms("55-ші")
    ((['5,8'], ''), (['2025', '2027'], ''), (['55'], 'ші'))
    """
    ending = ""
    head = token
    dash = head.find("-", 1)
    while dash != -1 and dash + 1 < len(head) and head[dash + 1].isdigit():
        dash = head.find("-", dash + 1)
    if dash != -1:
        head, ending = head[:dash], head[dash + 1:]
    numbers: List[str] = []
    for number in _NUMBER_RANGE.split(head):
        if not number:
            continue
        separators = number.count(".") + number.count(",")
        if separators == 1:
            numbers.append(number.replace(".", ","))
        elif separators:
            numbers.extend(n for n in re.split("[.,]", number) if n)
        else:
            numbers.append(number)
    return numbers, ending


def compound_parts(token: str) -> Tuple[List[str], Optional[str]]:
    """Parts of a hyphenated token to analyse, and the whole to add (or None).

    An ending after the hyphen stays with its base (``АҚШ-та``); otherwise
    the parts are words of their own and the whole, written solid, is one
    more term: ``іс-шара`` -> ``іс``, ``шара`` + ``ісшара``.

    >>> compound_parts("ақш-та"), compound_parts("іс-шаралар")
    ((['ақш'], None), (['іс', 'шаралар'], 'ісшаралар'))
    """
    parts = [p for p in _PART_SEPARATOR.split(token) if p]
    if len(parts) <= 1:
        return parts, None
    if is_ending("".join(parts[1:])):
        return parts[:1], None
    return parts, "".join(parts)


# --- settings ---------------------------------------------------------------------

@dataclass(frozen=True)
class AnalyzerSettings:
    """Settings of an :class:`Analyzer` (all JSON-serialisable).

    stemming: Kazakh suffix stemming and Russian lemmatization.
    stopwords: True for the built-in Kazakh and Russian lists, False for none,
        or a sequence of words (any language, normalised like the text).
    russian: route Russian sentences to pymorphy3 (else everything is Kazakh).
    compounds: add the solid form of a hyphenated compound as one more term.
    max_token_length: tokens are cut to this many characters.
    latin: Latin-script Kazakh (any official orthography, or informal) is
        read as Cyrillic before analysis (:func:`kzsearch.script.to_cyrillic`);
        English and other Latin words stay as they are.
    stem_prefix: if above 0, a Kazakh stem is indexed by its first
        ``stem_prefix`` letters only (``6``: президенттік and президент both
        -> ``презид``), a coarser key that also meets derived words and
        compounds written solid; 0 (the default) keeps the whole stem.
    views: sub-word views emitted beside each word's term (see
        :mod:`.views`): :class:`~.views.View` objects or dicts such as
        ``{"kind": "prefix", "size": 6, "weight": 1.0}``; none by default
        (:data:`~.views.RECOMMENDED_VIEWS` ranks best; :class:`kzsearch.Index` uses none by default).
    """

    stemming: bool = True
    stopwords: Union[bool, Tuple[str, ...]] = True
    russian: bool = True
    compounds: bool = True
    max_token_length: int = MAX_TOKEN_LENGTH
    stem_prefix: int = 0
    latin: bool = True
    views: Tuple[View, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "views", parse_views(self.views))
        if not isinstance(self.stem_prefix, int) or self.stem_prefix < 0:
            raise ValueError("stem_prefix must be an int >= 0")
        if not isinstance(self.stopwords, bool):
            if isinstance(self.stopwords, str):
                raise TypeError("stopwords must be a bool or an iterable of words, not str")
            words = sorted({normalize(str(w)).strip() for w in self.stopwords} - {""})
            object.__setattr__(self, "stopwords", tuple(words))
        if not isinstance(self.max_token_length, int) or self.max_token_length < 1:
            raise ValueError("max_token_length must be a positive int")

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        if not isinstance(self.stopwords, bool):
            d["stopwords"] = list(self.stopwords)
        d["views"] = [v.to_dict() for v in self.views]  # a config without "views" has none
        return d


# --- the analyzer -------------------------------------------------------------------

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

    def __missing__(self, token: str) -> str:
        if len(self) >= CACHE_LIMIT:
            self.clear()
            self.special.clear()
            self.special.update(self.markers)
            self.layouts.clear()
        terms, offsets = self.analyzer.token_layout(token, self.lang)
        layout = offsets if len(terms) > 1 and offsets != list(range(len(terms))) else None
        joined = self.put(token, " ".join(terms), layout)
        if self.fresh is not None:
            self.fresh.append((token, joined, layout))
        return joined

    def put(self, token: str, joined: str, layout: Optional[List[int]] = None) -> str:
        """Store the terms of ``token`` (one string, as :meth:`__missing__` makes it)."""
        several = joined.count(" ")
        if several and self.analyzer.settings.views:  # a word and its views are one term
            several = sum(not is_view_term(t) for t in joined.split()) > 1
        if several or (self.analyzer.settings.latin and LATIN_LETTER.search(token)):
            self.special.add(token)
        if layout is not None:
            self.layouts[token] = layout
        self[token] = joined
        return joined

    def __reduce__(self):  # rebuilt empty by the analyzer, never pickled with content
        return (dict, ())


class Analyzer:
    """Callable turning a text into its index terms, in text order.

    >>> Analyzer()("Облыс бюджеті 5,8 миллиард теңгеге нақтыланды")
    ['облыс', 'бюджет', '5,8', 'миллиард', 'теңге', 'нақтыла']
    >>> Analyzer(stemming=False, stopwords=False)("Бұл облыс бюджеті")
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
        self._stem: Callable[[str], str] = KazakhStemmer()
        self._lemmatize: Callable[[str], str] = RussianLemmatizer()
        markers = RUSSIAN_MARKERS if s.russian else frozenset()
        self._caches = {KAZAKH: TokenCache(self, KAZAKH, markers),
                        RUSSIAN: TokenCache(self, RUSSIAN, markers)}
        self._kazakh_terms = self._caches[KAZAKH].__getitem__
        self._kazakh_special = self._caches[KAZAKH].special

    # configuration and pickling
    @property
    def config(self) -> Dict[str, Any]:
        """JSON-serialisable settings; ``Analyzer.from_config(a.config)`` rebuilds it."""
        return self.settings.to_dict()

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Analyzer":
        return cls(**config)

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
    def cache_delta(self) -> List[Tuple[str, str, str, Optional[List[int]]]]:
        """(language, token, terms, layout) cached since the last call; the first call starts tracking.

        A worker process sends these home with its results, and the parent's
        :meth:`absorb_cache` takes them in, so that the parent's next text
        finds the tokens the workers already analysed.
        """
        out: List[Tuple[str, str, str, Optional[List[int]]]] = []
        for lang, cache in self._caches.items():
            if cache.fresh is not None:
                out.extend((lang, token, joined, layout) for token, joined, layout in cache.fresh)
            cache.fresh = []
        return out

    def absorb_cache(self, entries: Iterable[Tuple[str, str, str, Optional[List[int]]]]) -> None:
        """Take in entries from :meth:`cache_delta` (of an analyzer with the same settings)."""
        for lang, token, joined, layout in entries:
            cache = self._caches[lang]
            if len(cache) < CACHE_LIMIT and token not in cache:
                cache.put(token, joined, layout)

    # the chain
    def __call__(self, text: str) -> List[str]:
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        text = normalize(text)
        tokens = tokenize(text)
        terms = list(filter(None, map(self._kazakh_terms, tokens)))
        if self._kazakh_special.isdisjoint(tokens):
            # the common case: no Russian, no compounds, no ranges, no Latin
            return " ".join(terms).split() if self.settings.views else terms
        if self.settings.latin and LATIN_LETTER.search(text):
            converted = to_cyrillic(text)  # Latin-script Kazakh; other Latin words stay
            if converted != text:
                text = normalize(converted)
                tokens = tokenize(text)
                terms = list(filter(None, map(self._kazakh_terms, tokens)))
        if self.settings.russian and not RUSSIAN_MARKERS.isdisjoint(tokens):
            out: List[str] = []
            for lang, run in route(text):
                out += map(self._caches[lang].__getitem__, tokenize(run))
            return " ".join(out).split()
        return " ".join(terms).split()

    def analyze_positions(self, text: str) -> Tuple[List[str], List[int]]:
        """The terms of ``text`` (exactly those of ``analyzer(text)``) and their positions.

        Each raw token takes the next position; a stopword or a dropped
        token leaves a gap; the terms of one token (a range, a compound's
        parts) take consecutive positions, and a compound's solid whole sits
        at its first part's position.

        >>> Analyzer().analyze_positions("Облыс және іс-шара 2025-2027")
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
        kazakh = self._caches[KAZAKH]
        joined = list(map(kazakh.__getitem__, tokens))
        if kazakh.special.isdisjoint(tokens):  # the common case, as in __call__
            if self.settings.views:  # a word's view terms share its position
                n = len(joined)
                spaces = np.fromiter(map(str.count, joined, repeat(" ")), dtype=np.int32, count=n)
                counts = (spaces + 1) * np.fromiter(map(bool, joined), dtype=bool, count=n)
                return " ".join(joined).split(), np.repeat(np.arange(n, dtype=np.int32), counts)
            lengths = np.fromiter(map(len, joined), dtype=np.int32, count=len(joined))
            return list(filter(None, joined)), np.flatnonzero(lengths).astype(np.int32)
        if self.settings.latin and LATIN_LETTER.search(text):
            converted = to_cyrillic(text)
            if converted != text:
                text = normalize(converted)
                tokens = tokenize(text)
        if self.settings.russian and not RUSSIAN_MARKERS.isdisjoint(tokens):
            terms: List[str] = []
            positions: List[int] = []
            start = 0
            for lang, run in route(text):
                start = self._lay_out(tokenize(run), self._caches[lang], start, terms, positions)
            return terms, np.array(positions, dtype=np.int32)
        terms, positions = [], []
        self._lay_out(tokens, kazakh, 0, terms, positions)
        return terms, np.array(positions, dtype=np.int32)

    @staticmethod
    def _lay_out(tokens: List[str], cache: "TokenCache", start: int,
                 terms: List[str], positions: List[int]) -> int:
        """Append the terms of ``tokens`` and their positions from ``start``; the next position."""
        p = start
        layouts = cache.layouts
        for token in tokens:
            joined = cache[token]
            if " " not in joined and joined:
                terms.append(joined)
                positions.append(p)
                p += 1
                continue
            parts = joined.split()
            if not parts:
                p += 1  # a stopword or dropped token leaves a gap
                continue
            offsets = layouts.get(token)
            if offsets is None or len(offsets) != len(parts):
                offsets = list(range(len(parts)))
            terms.extend(parts)
            positions.extend(p + o for o in offsets)
            p += max(offsets) + 1
        return p

    def token_terms(self, token: str, lang: str = KAZAKH) -> List[str]:
        """Terms of one raw token (as the tokenizer gives it) in a sentence of ``lang``.

        >>> a = Analyzer()
        >>> a.token_terms("үй-коммуналдық"), a.token_terms("т.б"), a.token_terms("ikomek109")
        (['үй', 'коммуналдық', 'үйкоммуналдық'], [], ['ikomek', '109'])
        """
        return self.token_layout(token, lang)[0]

    def token_layout(self, token: str, lang: str = KAZAKH) -> Tuple[List[str], List[int]]:
        """Terms of one raw token and the position offset of each within the token.

        >>> Analyzer().token_layout("іс-шара")
        (['іс', 'шара', 'ісшара'], [0, 1, 0])
        """
        token = token[: self.settings.max_token_length]
        if token.isalpha():
            terms = self.word_terms(token, lang)
            return terms, [0] * len(terms)
        if token.isdigit():
            return [token], [0]
        if is_address(token):
            return [address_term(token)], [0]
        pieces = [p for p in _SOFT_SEPARATOR.split(token) if p]
        if pieces != [token]:
            return _chain(self.token_layout(p, lang) for p in pieces)
        if _NUMBER_TOKEN.fullmatch(token):
            numbers, ending = number_terms(token)
            layout = (numbers, list(range(len(numbers))))
            if ending and not is_ending(ending):
                return _chain([layout, self.token_layout(ending, lang)])
            return layout
        if "-" in token or "'" in token or "–" in token:
            if not _CYRILLIC.search(token):
                return [token], [0]  # a Latin word with an apostrophe or hyphen: o'zi, covid-19
            parts, whole = compound_parts(token)
            terms, offsets = _chain(self.token_layout(p, lang) for p in parts)
            if whole and self.settings.compounds and sum(not is_view_term(t) for t in terms) > 1:
                solid = self.word_terms(whole, lang)
                terms, offsets = terms + solid, offsets + [offsets[0]] * len(solid)
            return terms, offsets
        runs = _LETTERS_OR_NUMBERS.findall(token)
        if runs == [token] or not runs:
            return [token], [0]  # other number-like characters (Ⅻ, ²)
        return _chain(self.token_layout(run, lang) for run in runs)

    def word_terms(self, word: str, lang: str = KAZAKH) -> List[str]:
        """The term of one word (zero or one term), followed by its view terms if any.

        >>> Analyzer().word_terms("және"), Analyzer().word_terms("оқушылар")
        ([], ['оқуш'])
        >>> Analyzer(views=[{"kind": "prefix", "size": 5}]).word_terms("оқушылар")
        ['оқуш', '~оқушы']
        """
        terms = self._word_term(word, lang)
        if terms and self.settings.views:
            terms += view_terms(ABBREVIATIONS.get(word, word), self.settings.views, terms[0])
        return terms

    def query_weight(self, term: str) -> float:
        """Weight of ``term`` in a query: its view's weight, 1.0 for a stem.

        >>> Analyzer(views=[{"kind": "ngrams", "size": 4, "weight": 0.25}]).query_weight("^мект")
        0.25
        """
        return view_weight(term, self.settings.views)

    def _word_term(self, word: str, lang: str) -> List[str]:
        if not _CYRILLIC.search(word):
            return [] if word in self._kk_stop else [word]
        if lang == RUSSIAN and not KAZAKH_LETTER.search(word):
            lemma = self._lemmatize(word) if self.settings.stemming else word
            if word in self._ru_stop or lemma in self._ru_stop:
                return []
            return [lemma]
        word = ABBREVIATIONS.get(word, word)
        if word in self._kk_stop:
            return []
        if self._kk_stop and self.settings.stemming and self._stem.addresses_reader(word):
            return []  # белгілеңіз, көрсетіңіз: a verb addressed to the reader
        if not self.settings.stemming:
            return [word]
        term = self._stem(word)
        return [term[: self.settings.stem_prefix] if self.settings.stem_prefix else term]


def _chain(layouts: Iterable[Tuple[List[str], List[int]]]) -> Tuple[List[str], List[int]]:
    """Layouts of consecutive pieces of a token as one; a piece without terms takes one position."""
    terms: List[str] = []
    offsets: List[int] = []
    start = 0
    for piece_terms, piece_offsets in layouts:
        terms += piece_terms
        offsets += [start + o for o in piece_offsets]
        start += max(piece_offsets) + 1 if piece_offsets else 1
    return terms, offsets
