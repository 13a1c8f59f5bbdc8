"""The Kazakh suffix stemmer.

Strips inflection right to left following the morphotactics of
:mod:`.suffixes` (person, case, possessive, plural for nouns; person,
tense/mood, participles and converbs, negation, passive for verbs), checking
vowel harmony and the sound each allomorph needs, then repairs the stem
(:func:`.phonology.repair_stem`: кітаб -> кітап, халқ -> халық). Derivation
(-лық, -шы, -лы, -сыз ...) is kept: a search for *денсаулық* should not
become a search for *денсау*.

A word often has several readings (*алады* = ал-а-ды "takes", or ала-ды;
*баласы* = бала-сы, or балас-ы). The stemmer enumerates them all and picks
one in three steps:

1. Readings must be possible: a verb reading needs a known verb root
   (``data/verbs_kk.txt``) or a stem built like a verb (-ла, -лан, -дыр,
   -ғыз ...); readings that leave a stem of two letters, or use a suffix
   marked ``lexical`` in the tables (the 1st person -м, the word-final
   converb -а), need a known stem.
2. If some readings stop at a known stem (``data/stems_kk.txt`` for nouns,
   ``data/verbs_kk.txt`` for verbs), the one that strips least wins:
   *облысы* -> облыс, *күні* -> күн, *баста* -> баста (a verb).
3. Otherwise the reading that strips most wins: *пирамиданы* -> пирамида.

>>> stem("мектептердегі")
'мектеп'
>>> stem("Қазақстанның"), stem("кітабы"), stem("аузы")
('қазақстан', 'кітап', 'ауыз')
>>> stem("жасалған"), stem("алмайды"), stem("облысы")
('жаса', 'ал', 'облыс')
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Tuple

from . import suffixes as sx
from .normalize import normalize
from .phonology import final_sound, harmony, has_vowel, possible_word_end, repair_stem
from .wordlists import load_words

#: Words longer than this are not stemmed (they are no Kazakh word forms).
MAX_STEMMABLE_LENGTH = 40
#: Clear the per-word cache when it grows past this many word types.
CACHE_LIMIT = 200_000
#: Stems shorter than this need to be known words (бас-ы, not ба-сы).
MIN_FREE_STEM = 3

#: A stem built like a verb: denominal -ла/-да/-та, -лан, -лас, -ландыр;
#: -ай/-ей (көбей); causatives -т, -ыт, -дыр, -ғыз (жоғалт, дамыт, арттыр,
#: жеткіз); and the lexicalised voices -ыл, -ын, -ыс (ұмтыл, түсін, қатыс).
VERB_LIKE = re.compile(
    r"(?:(?:[аәеоөұүыіияюэу]|[рйу])л[ае]|[лмнңзж]д[ае]|[кқпстшфхцчщ]т[ае])(?:[нс]|ндыр|ндір)?$"
    r"|[^аәеоөұүыіияюэу](?:ай|ей)$"
    r"|..[^аәеоөұүыіияюэу](?:ыт|іт|дыр|дір|тыр|тір|ғыз|гіз|қыз|кіз|ыл|іл|ын|ін|ыс|іс)$"
    r"|...(?:[аеыі]|[йл])т$"
)


class Parse(NamedTuple):
    """One reading of a word: its stem, the suffixes stripped (left to right),
    whether the stem is verbal, and whether it may only stand as a known stem."""

    stem: str
    suffixes: Tuple[str, ...]
    verbal: bool
    needs_known: bool = False


_START = tuple(c for c in sx.ALL_CLASSES if c.word_final)
_BY_NAME = {c.name: c for c in sx.ALL_CLASSES + (sx.ORDINAL,)}


def _allomorphs(classes: Iterable[sx.SuffixClass]):
    return tuple((c, a) for c in classes for a in sorted(c.allomorphs, key=lambda a: -len(a.text)))


def _by_last_letter(pairs) -> Dict[str, tuple]:
    """The (class, allomorph) pairs indexed by the allomorph's last letter."""
    index: Dict[str, list] = {}
    for cls, allo in pairs:
        index.setdefault(allo.text[-1], []).append((cls, allo))
    return {letter: tuple(group) for letter, group in index.items()}


_START_ALLOMORPHS = _allomorphs(_START)
_LEFT_ALLOMORPHS = {
    c.name: _allomorphs(_BY_NAME[n] for n in sorted(c.left) if n in _BY_NAME)
    for c in _BY_NAME.values()
}
#: What may be stripped next, by the state (None: the word's end) and the
#: letter the remaining word ends in.
_NEXT = {None: _by_last_letter(_START_ALLOMORPHS)}
_NEXT.update({name: _by_last_letter(pairs) for name, pairs in _LEFT_ALLOMORPHS.items()})


def parses(word: str) -> List[Parse]:
    """All readings of ``word`` (lowercase) as a stem plus a suffix chain.

    >>> sorted(p.stem for p in parses("алады"))
    ['ал', 'ала', 'алад', 'алады']
    """
    out: List[Parse] = [Parse(word, (), False)]
    out.extend(Parse(*reading) for reading in _readings(word, None, None))
    return out


_Reading = Tuple[str, Tuple[str, ...], bool, bool]


class _Step(NamedTuple):
    """One (class, allomorph) pair compiled into the fields the search reads."""

    text: str
    cut: int                 # len(text)
    restore: str
    min_stem: int            # the allomorph's, else the class's
    after: FrozenSet[str]
    needs_end: Tuple[str, ...]
    harmony: str
    lexical: bool
    if_known: bool           # word-final only before a known stem (cls.word_final == IF_KNOWN)
    cls_name: str
    reading: bool            # a stem is left here (no needs, class after a noun or verb)
    verbal: bool
    next_needs: Optional[FrozenSet[str]]


def _compile(pairs) -> Tuple[_Step, ...]:
    return tuple(_Step(allo.text, len(allo.text), allo.restore, allo.min_stem or cls.min_stem, allo.after,
                       allo.needs_end, allo.harmony, bool(allo.lexical), cls.word_final == sx.IF_KNOWN,
                       cls.name, not allo.needs and (sx.NOUN in cls.left or sx.VERB in cls.left),
                       sx.VERB in cls.left and (cls.verbal or sx.NOUN not in cls.left), allo.needs or None)
                 for cls, allo in pairs)


#: :data:`_NEXT` compiled: state -> last letter -> steps, in the same order.
_STEPS = {state: {letter: _compile(pairs) for letter, pairs in by_letter.items()}
          for state, by_letter in _NEXT.items()}


def _readings(word: str, state: Optional[str], needs: Optional[FrozenSet[str]]) -> Tuple[_Reading, ...]:
    """Readings of ``word`` reached by stripping suffixes that may stand left of ``state``.

    Each is (stem, suffixes stripped here, left to right, verbal, risky), in
    the order of a depth-first search over the candidates, which the choice
    relies on. The candidates are compiled tuples (:class:`_Step`).
    """
    out: List[_Reading] = []
    for step in _STEPS[state].get(word[-1:], ()):
        text = step.text
        if not word.endswith(text) or (needs and step.cls_name not in needs):
            continue
        stem = word[: len(word) - step.cut] + step.restore
        if len(stem) < step.min_stem or not has_vowel(stem):
            continue
        if final_sound(stem) not in step.after:
            continue
        if step.needs_end and not stem.endswith(step.needs_end):
            continue
        if step.harmony:
            h = _harmony(stem)
            if h is not None and h != step.harmony:
                continue
        risky = step.lexical or (state is None and step.if_known)
        if step.reading and possible_word_end(stem):
            out.append((stem, (text,), step.verbal, risky))
        for inner_stem, inner, verbal, inner_risky in _readings(stem, step.cls_name, step.next_needs):
            out.append((inner_stem, inner + (text,), verbal, risky or inner_risky))
    return tuple(out)


_harmony = harmony
_repair_stem = repair_stem  # (memoising these and _readings measured slower: few sub-results recur)


@lru_cache(maxsize=4096)
def is_ending(text: str) -> bool:
    """True if ``text`` is a whole chain of inflectional suffixes, as the part
    after the hyphen in ``АҚШ-та``, ``ЕЭА-ларды``, ``55-ші``, ``2018-ге``.

    Sound and harmony are not checked: the base is an abbreviation or a
    number, whose spoken form is unknown.

    >>> is_ending("ларды"), is_ending("ші"), is_ending("шара")
    (True, True, False)
    """
    return bool(text) and _chain(text, _ENDING_START)


_ENDING_START = _allomorphs(_START + (sx.ORDINAL,))


def _chain(text: str, candidates) -> bool:
    for cls, allo in candidates:
        if text.endswith(allo.text):
            rest = text[: len(text) - len(allo.text)]
            if not rest:
                if not allo.needs:
                    return True
            elif _chain(rest, [(c, a) for c, a in _LEFT_ALLOMORPHS[cls.name]
                               if not allo.needs or c.name in allo.needs]):
                return True
    return False


def _keys(words: Iterable[str], keep_final_vowel: bool) -> FrozenSet[str]:
    return frozenset(repair_stem(w, keep_final_vowel) for w in words)


#: Endings of the polite 2nd person (-ңыз, -ңыздар).
_POLITE_ENDINGS = ("ңыз", "ңіз", "ңыздар", "ңіздер")

#: A closed syllable with a single final consonant: нүк, тұл, мағ (not бұлт, банк).
_ONE_CLOSED_SYLLABLE = re.compile(
    "[^аәеоөұүыіияюэу]*[аәеоөұүыіиэ][^аәеоөұүыіияюэуьъ]$")


def _bare_noun_reading(word: str, parse: Parse, short_stems: FrozenSet[str]) -> bool:
    """True if ``word`` is better read as a bare noun ending in -а/-е than as
    an unknown one-syllable stem plus a dative or locative ending: нүкте is
    no нүк + -те, тұлға no тұл + -ға, мағына no мағ + -ы + -на. Nouns of one
    closed syllable are few and common, and listed (``data/short_stems_kk.txt``:
    көл-де, мұз-ға); an unlisted one is more often the start of a longer noun."""
    if word[-1] not in "ае" or parse.suffixes[-1][-1] not in "ае" or parse.verbal:
        return False
    key = repair_stem(parse.stem)
    return _ONE_CLOSED_SYLLABLE.match(key) is not None and key not in short_stems


class KazakhStemmer:
    """Rule-based Kazakh stemmer with a bounded per-word cache.

    ``nouns``/``verbs``: known nominal stems and verb roots (default: the
    package's ``data/stems_kk.txt`` and ``data/verbs_kk.txt``).

    >>> KazakhStemmer()("оқушыларымызға")
    'оқуш'
    """

    def __init__(self, nouns: Optional[Iterable[str]] = None,
                 verbs: Optional[Iterable[str]] = None) -> None:
        self.nouns = frozenset(nouns) if nouns is not None else KNOWN_NOUNS
        self.verbs = frozenset(verbs) if verbs is not None else KNOWN_VERBS
        self._noun_keys = _keys(self.nouns, keep_final_vowel=True)
        self._verb_keys = _keys(self.verbs, keep_final_vowel=False)
        self._cache: Dict[str, str] = {}

    def __call__(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            cached = self._cache[word] = self.stem_uncached(word)
        return cached

    def stem_uncached(self, word: str) -> str:
        """Stem a lowercase, normalised word without the cache.

        The stem is stemmed again until it no longer changes (a repaired
        stem such as мұрын, from мұрны, may read as a stem plus suffixes
        itself), so that stemming is idempotent.
        """
        path = [word]
        while True:
            current = path[-1]
            if len(current) > MAX_STEMMABLE_LENGTH or not has_vowel(current):
                return current
            following = self._stem_once(current)
            if following == current:
                return current
            if following in path:  # a cycle (never seen in practice): settle on its least member
                return min(path[path.index(following):])
            if following in self._cache:  # the rest of the way is known (a stem seen before)
                return self._cache[following]
            path.append(following)

    def _stem_once(self, word: str) -> str:
        parse, known_noun = self._choose(word)
        return _repair_stem(parse.stem, known_noun) or word

    def _known(self, parse: Parse, key: str) -> Tuple[bool, bool]:
        """(known, known as a noun): whether the reading stops at a known stem.
        ``key`` is the repaired stem."""
        if parse.verbal or not parse.suffixes:
            if key in self._verb_keys:
                return True, False
            if parse.verbal:
                return False, False
        known_noun = _repair_stem(parse.stem, True) in self._noun_keys
        return known_noun, known_noun

    def addresses_reader(self, word: str) -> bool:
        """True for a verb in the polite 2nd person (атаңыз, көрсетіңіз,
        белгілеңіз, келдіңіз, қарасаңыз): in a text it speaks to the reader,
        in a question it tells the reader what to do; it names no topic.

        >>> KazakhStemmer().addresses_reader("белгілеңіз"), KazakhStemmer().addresses_reader("теңіз")
        (True, False)
        """
        if not word.endswith(_POLITE_ENDINGS):
            return False
        parse = self.best_parse(word)
        return parse.verbal and bool(parse.suffixes) and parse.suffixes[-1].endswith(_POLITE_ENDINGS)

    def best_parse(self, word: str) -> Parse:
        """The chosen reading of ``word`` (see the module docstring)."""
        return self._choose(word)[0]

    def _choose(self, word: str) -> Tuple[Parse, bool]:
        known: List[Tuple[Parse, bool]] = []
        possible: List[Parse] = []
        for p in parses(word):
            key = _repair_stem(p.stem)
            is_known, as_noun = self._known(p, key)
            if is_known:
                known.append((p, as_noun))
            elif not p.suffixes or (
                    not p.needs_known and len(key) >= MIN_FREE_STEM
                    and (not p.verbal or VERB_LIKE.search(p.stem))
                    and not _bare_noun_reading(word, p, SHORT_STEMS)):
                possible.append(p)
        if known:
            best = min(known, key=self._known_preference)
            # A known stem reached only through a risky suffix stacked on
            # others (қап-атын-ың) loses to a regular reading of an unknown
            # stem (қабат-ы-ның); a risky suffix right on a known root
            # (біл-сін, ат-ым) stands.
            if not (best[0].needs_known and len(best[0].suffixes) > 1
                    and any(p.suffixes for p in possible)):
                return best
        return min(possible, key=lambda p: (len(p.stem), -len(p.suffixes), p.verbal)), False

    @staticmethod
    def _known_preference(known: Tuple[Parse, bool]):
        """Sort key among readings that stop at a known stem: risky suffixes
        last, then the reading that strips least. A known verb root thus
        stays whole (баста, not бас + -та), which also keeps every form of
        the verb (бастады, бастап) on it: the stem of a stem is itself."""
        parse = known[0]
        return (parse.needs_known, -len(parse.stem), len(parse.suffixes))

    def __getstate__(self):
        return {"nouns": self.nouns, "verbs": self.verbs}

    def __setstate__(self, state):
        self.__init__(state["nouns"], state["verbs"])


KNOWN_NOUNS = load_words("stems_kk.txt")
KNOWN_VERBS = load_words("verbs_kk.txt")
#: Nouns of one closed syllable (see :func:`_bare_noun_reading`).
SHORT_STEMS = load_words("short_stems_kk.txt")
_default = KazakhStemmer()


def stem(word: str) -> str:
    """Stem one Kazakh word; lowercases and normalises it first.

    Never empty for a non-empty word, and idempotent:
    ``stem(stem(w)) == stem(w)``. In a hyphenated word the last part is
    stemmed, or dropped if it is an ending (``АҚШ-та`` -> ``ақш``).

    >>> stem("мектептердегі"), stem("оқушылар")
    ('мектеп', 'оқуш')
    """
    if not isinstance(word, str):
        raise TypeError(f"word must be str, not {type(word).__name__}")
    norm = normalize(word).strip()
    if not norm:
        return word
    head, dash, last = norm.rpartition("-")
    if dash and head and last:
        if is_ending(last):
            return stem(head)  # АҚШ-та -> ақш
        return head + dash + _default(last)  # оңтүстік-батысында -> оңтүстік-батыс
    return _default(norm)
