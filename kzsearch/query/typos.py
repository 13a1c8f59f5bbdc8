"""Typo tolerance: query words the index does not know, matched to words it does.

A query word is a typo suspect only when one of its analysed terms is not in
the index vocabulary; a query whose terms are all known is never touched, so
properly typed queries rank exactly as with ``typos=False`` and pay only the
vocabulary lookup they already made. For a suspect word the corrector looks
up, within the edits the :class:`~kzsearch.query.edits.TypoSchedule` allows
for its length,

* **surface words** of the collection (as written in the documents, see
  :mod:`kzsearch.query.surface`): the typo may sit in an ending, where the
  stemmer would turn it into a wrong stem (*әкесініу* -> *әкесінің* -> *әке*);
  in a collection of more than 20,000 distinct words, only words seen at
  least twice (half the structure, for 0.4 points of nDCG on the dev typos);
* **vocabulary terms** (stems): the typed word's own stem against the stems
  (*денсалықты* -> stem *денсалық* -> *денсаулық*), for inflections that no
  document happens to contain.

Both lookups run on loose keyboard folds (:func:`kzsearch.script.loose_fold`),
so a word typed on a Russian keyboard *and* with a typo still meets its
Kazakh word. Candidates are ranked by typing cost (near keys and keyboard
twins cost half an edit, a changed first letter one more; see
:mod:`kzsearch.query.edits`), then by frequency; the best
:attr:`TypoSettings.candidates` terms at the lowest cost are kept, each with
weight ``weight_one`` (cost up to one edit) or ``weight_two`` (more), shared
by their document frequencies, so a corrected word never weighs more
than a correctly typed one.

>>> from kzsearch import Index
>>> index = Index()
>>> index.add(["Денсаулық сақтау министрлігі", "Денсаулығы жақсы", "Сақтау қоймасы"])
>>> [hit.id for hit in index.search("денсалық сақтау")][:1]
['0']
>>> index.suggest_query("денсалық сақтау")
'денсаулық сақтау'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..analysis.views import is_view_term

from ..engine.locks import ForkSafeLock
from ..script import loose_fold
from .deletions import DeletionIndex
from .edits import TypoSchedule, typing_cost
from .surface import SurfaceWords, words_of

#: rebuild when the vocabulary or the live documents grew (or shrank) by this share
REBUILD_CHANGE = 0.05
#: surface words are counted over at most this many live documents, evenly spaced
SAMPLE_DOCS = 100_000

Analyze = Callable[[str], List[str]]


@dataclass(frozen=True)
class TypoSettings:
    """How typos are corrected (see the module docstring)."""

    schedule: TypoSchedule = TypoSchedule(one_from=5, two_from=8)
    candidates: int = 3
    weight_one: float = 0.8
    weight_two: float = 0.5
    #: candidates whose cost exceeds the best one's by more than this are dropped
    slack: float = 0.5
    #: in collections of more than ``small_surface`` distinct words, surface words
    #: seen fewer times than this are not proposed (their stems still are)
    min_surface_count: int = 2
    small_surface: int = 20_000


@dataclass(frozen=True)
class Correction:
    """What a suspect word became: ``terms`` (term, weight) and the word to show."""

    word: str
    shown: Optional[str]
    terms: Tuple[Tuple[str, float], ...]


class TypoCorrector:
    """Candidates for typo suspects over one state of an index (see the module docstring).

    ``vocabulary`` is (term, document frequency) of the live terms; ``surface``
    the collection's surface words; ``analyzer`` the index's analyzer.
    """

    def __init__(self, vocabulary: Iterable[Tuple[str, int]], surface: SurfaceWords, analyzer: Analyze,
                 settings: TypoSettings = TypoSettings()) -> None:
        self.settings = settings
        self.analyzer = analyzer
        self.surface = surface
        terms, df = [], []
        for term, count in vocabulary:
            terms.append(term)
            df.append(count)
        self.terms: List[str] = terms
        self.df: Dict[str, int] = dict(zip(terms, df))
        self._terms_by_key, term_keys = _group_by_key(terms)
        least = settings.min_surface_count if len(surface) > settings.small_surface else 1
        frequent = np.flatnonzero(surface.counts >= least).tolist()
        self._words_by_key, word_keys = _group_by_key([surface.words[i] for i in frequent])
        self._term_index = DeletionIndex(term_keys, settings.schedule)
        self._word_index = DeletionIndex(word_keys, settings.schedule)
        self._analysed: Dict[str, List[str]] = {}

    def nbytes(self) -> int:
        """Approximate memory of the structures (the surface table included)."""
        keys = sum(49 + 2 * len(k) for k in self._term_index.words + self._word_index.words)
        groups = 120 * (len(self._terms_by_key) + len(self._words_by_key))
        return self._term_index.nbytes + self._word_index.nbytes + keys + groups + self.surface.nbytes()

    def _terms_of(self, word: str) -> List[str]:
        terms = self._analysed.get(word)
        if terms is None:
            if len(self._analysed) > 100_000:
                self._analysed.clear()
            terms = self._analysed[word] = self.analyzer(word)
        return terms

    def correct_word(self, word: str, known: Optional[Callable[[str], bool]] = None) -> Optional[Correction]:
        """The correction of one typed word (lower case) whose terms are not all
        ``known`` (default: in this corrector's vocabulary), or None when
        nothing close enough is in the index."""
        typed_terms = self._terms_of(word)
        is_known = known if known is not None else self.df.__contains__
        unknown = [t for t in typed_terms if not is_known(t)]
        if not unknown:
            return None
        scored: Dict[str, Tuple[float, str]] = {}  # term -> (cost, surface word to show)
        key = loose_fold(word)
        for number, _ in self._word_index.lookup(key):
            for surface in self._words_by_key[number]:
                if surface == word:
                    continue
                cost = _cost(word, surface)
                for term in self._terms_of(surface) or [""]:  # "": a stopword, shown but not searched
                    if term and (term not in self.df or term in typed_terms):
                        continue  # analysed differently in its documents, or already searched
                    if term not in scored or cost < scored[term][0]:
                        scored[term] = (cost, surface)
        for stem in unknown:
            for number, _ in self._term_index.lookup(loose_fold(stem)):
                for term in self._terms_by_key[number]:
                    cost = _cost(stem, term)
                    if term not in scored or cost < scored[term][0]:
                        ending = word[len(stem):] if word.startswith(stem) else ""
                        scored[term] = (cost, term + ending)
        if not scored:
            return None
        best = min(cost for cost, _ in scored.values())
        limit = best + self.settings.slack
        kept = sorted(((term, cost, shown) for term, (cost, shown) in scored.items() if cost <= limit),
                      key=lambda row: (-self.df.get(row[0], 0) - (1 << 40) * (row[0] == ""),
                                       row[0]))[: self.settings.candidates]
        shown = kept[0][2]
        if "" in scored and scored[""][0] <= best:
            return Correction(word, scored[""][1], ())  # most likely a stopword: nothing to search
        searched = [(term, cost) for term, cost, _ in kept if term]
        total = sum(self.df[term] for term, _ in searched)
        weights = []
        for term, cost in searched:
            weight = self.settings.weight_one if cost <= 1.0 else self.settings.weight_two
            weights.append((term, weight * self.df[term] / total))
        return Correction(word, shown, tuple(weights))


def _cost(typed: str, word: str) -> float:
    """Typing cost, on keyboard folds when ``typed`` was typed without Kazakh letters."""
    if loose_fold(typed) == typed.lower():
        return typing_cost(typed, loose_fold(word))
    return typing_cost(typed, word)


def _group_by_key(words: Sequence[str]) -> Tuple[List[Tuple[str, ...]], List[str]]:
    """Words grouped by loose fold: (groups, their keys), in order of first key."""
    groups: Dict[str, List[str]] = {}
    for word in words:
        groups.setdefault(loose_fold(word), []).append(word)
    return [tuple(g) for g in groups.values()], list(groups)


@dataclass(frozen=True)
class IndexView:
    """What the typo structures are built from: ``terms`` (the vocabulary by
    id), ``df()`` their live document frequencies, ``texts(step)`` every
    ``step``-th live document's text and ``n_live`` their number."""

    terms: Sequence[str]
    df: Callable[[], np.ndarray]
    texts: Callable[[int], Iterable[str]]
    n_live: int


def _changed(now: int, then: int) -> bool:
    return abs(now - then) > then * REBUILD_CHANGE


class TypoTolerance:
    """Keeps the surface words and a :class:`TypoCorrector` in step with an index.

    Both are built on first need and rebuilt when the vocabulary or the
    number of live documents has changed by more than :data:`REBUILD_CHANGE`
    since; words added in between are not proposed until then. Surface words
    are counted over every document of a collection up to
    :data:`SAMPLE_DOCS` documents, over an evenly spaced sample of that many
    beyond (frequent words keep their order; a word seen only outside the
    sample is not completed, and its typos are corrected through its stem).
    """

    def __init__(self, analyzer: Analyze, settings: TypoSettings = TypoSettings()) -> None:
        self.analyzer = analyzer
        self.settings = settings
        self._surface: Optional[SurfaceWords] = None
        self._surface_for = 0
        self._corrector: Optional[TypoCorrector] = None
        self._corrector_for = (0, 0)
        self._lock = ForkSafeLock(reentrant=True)  # fresh in forked search workers

    def surface(self, view: IndexView) -> SurfaceWords:
        with self._lock:
            if self._surface is None or _changed(view.n_live, self._surface_for):
                step = -(-view.n_live // SAMPLE_DOCS) or 1
                self._surface = SurfaceWords.from_texts(view.texts(step))
                self._surface_for = view.n_live
            return self._surface

    def corrector(self, view: IndexView) -> TypoCorrector:
        with self._lock:
            size, live = self._corrector_for
            surface = self.surface(view)
            if (self._corrector is None or self._corrector.surface is not surface
                    or _changed(len(view.terms), size)):
                counts = view.df()
                n = len(view.terms)
                live_terms = np.flatnonzero(counts[:n]).tolist()
                terms = view.terms  # sub-word view terms are never proposed
                self._corrector = TypoCorrector(((terms[i], int(counts[i])) for i in live_terms
                                                 if not is_view_term(terms[i])),
                                                surface, self.analyzer, self.settings)
                self._corrector_for = (n, view.n_live)
            return self._corrector

    def built(self) -> Optional[TypoCorrector]:
        """The current corrector, if one was built."""
        return self._corrector

    def query_terms(self, text: str, terms: List[str], ids: Callable[[List[str]], List[int]],
                    view: Callable[[], IndexView]) -> Tuple[List[Tuple[int, float]], List["Correction"]]:
        """(term id, weight) of the analysed ``text`` with typo suspects corrected,
        in order of first occurrence, and the corrections made. ``ids`` maps
        terms to ids (-1 unknown); ``view`` is called only when a term is unknown."""
        term_ids = ids(terms)
        if all(i >= 0 for i in term_ids):
            return _summed(zip(term_ids, [1.0] * len(term_ids))), []
        corrector = self.corrector(view())
        known = {t for t, i in zip(terms, term_ids) if i >= 0}
        weighted, corrections = corrected_terms(text, terms, known.__contains__, lambda: corrector)
        names = [t for t, _ in weighted]
        return _summed(zip(ids(names), [w for _, w in weighted])), corrections


def _summed(pairs: Iterable[Tuple[int, float]]) -> List[Tuple[int, float]]:
    """Weights added up per id, in order of first occurrence, unknown ids dropped."""
    out: Dict[int, float] = {}
    for term_id, weight in pairs:
        if term_id >= 0:
            out[term_id] = out.get(term_id, 0.0) + weight
    return list(out.items())


def corrected_terms(query: str, terms: List[str], known: Callable[[str], bool],
                    corrector: Callable[[], TypoCorrector]) -> Tuple[List[Tuple[str, float]], List[Correction]]:
    """(term, weight) of ``query`` with its typo suspects corrected, and the corrections.

    ``terms`` is the analysis of the whole query; its known terms keep weight
    1 each (repeats add up), exactly as without correction; each suspect word
    adds its candidates. ``corrector`` is called only if a term is unknown.
    """
    weighted = [(t, 1.0) for t in terms if known(t)]
    if len(weighted) == len(terms):
        return weighted, []
    fixer = corrector()
    corrections = []
    for word in dict.fromkeys(words_of(query)):
        correction = fixer.correct_word(word, known)
        if correction is not None:
            corrections.append(correction)
            weighted.extend(correction.terms)
    return weighted, corrections


def suggested(query: str, corrections: Sequence[Correction]) -> Optional[str]:
    """``query`` with each corrected word replaced by its shown correction, or None."""
    replace = {c.word: c.shown for c in corrections if c.shown and c.shown != c.word}
    if not replace:
        return None
    out = []
    for token in _split_keep(query):
        low = token.lower()
        out.append(_same_case(replace[low], token) if low in replace else token)
    return "".join(out)


def _split_keep(text: str) -> List[str]:
    from .surface import WORD

    parts, last = [], 0
    for match in WORD.finditer(text):
        parts.append(text[last:match.start()])
        parts.append(match.group())
        last = match.end()
    parts.append(text[last:])
    return parts


def _same_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
