"""The Kazakh suffix stemmer.

Strips inflection right to left following the morphotactics of
:mod:`.suffixes` (person, case, possessive, plural for nouns; person,
tense/mood, participles and converbs, negation, passive for verbs), checking
vowel harmony and the sound each allomorph needs, then repairs the stem
(:func:`.phonology.repair_stem`: кітаб -> кітап, халқ -> халық). Derivation
(-лық, -шы, -лы, -сыз ...) is kept: a search for *денсаулық* should not
become a search for *денсау*.

A word often has several readings (*алады* = ал-а-ды "takes", or ала-ды;
*баласы* = бала-сы, or балас-ы). The stemmer enumerates them all
(:mod:`.readings`, over the tables compiled into reversed-suffix tries)
and picks one in three steps:

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
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Tuple

from .normalize import normalize
from .phonology import PLAIN_ENDS, VOWELS, has_vowel, repair_pair, repair_stem
from .readings import START_TRIE, Reading, below, is_ending, search
from .wordlists import load_words

__all__ = ["KazakhStemmer", "Parse", "parses", "stem", "is_ending", "POLITE_ENDINGS"]

#: Words longer than this are not stemmed (they are no Kazakh word forms).
MAX_STEMMABLE_LENGTH = 40
#: Clear the per-word cache when it grows past this many word types.
CACHE_LIMIT = 200_000
#: The repaired forms of candidate stems kept are cleared past this many stems.
REPAIR_CACHE_LIMIT = 50_000
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


def parses(word: str) -> List[Parse]:
    """All readings of ``word`` (lowercase) as a stem plus a suffix chain.

    >>> sorted(p.stem for p in parses("алады"))
    ['ал', 'ала', 'алад', 'алады']
    """
    return [Parse(word, (), False)] + [Parse(*reading) for reading in search(word)]


def _keys(words: Iterable[str], keep_final_vowel: bool) -> FrozenSet[str]:
    return frozenset(repair_stem(w, keep_final_vowel) for w in words)


#: Endings of the polite 2nd person (-ңыз, -ңыздар).
POLITE_ENDINGS = ("ңыз", "ңіз", "ңыздар", "ңіздер")

#: A closed syllable with a single final consonant: нүк, тұл, мағ (not бұлт, банк).
_ONE_CLOSED_SYLLABLE = re.compile(
    "[^аәеоөұүыіияюэу]*[аәеоөұүыіиэ][^аәеоөұүыіияюэуьъ]$")


def _bare_noun_key(key: str) -> bool:
    """True if a word ending in -а/-е is better read as a bare noun than as
    the unknown stem ``key`` (repaired) plus a dative or locative ending:
    нүкте is no нүк + -те, тұлға no тұл + -ға, мағына no мағ + -ы + -на.
    Nouns of one closed syllable are few and common, and listed
    (``data/short_stems_kk.txt``: көл-де, мұз-ға); an unlisted one is more
    often the start of a longer noun."""
    return _ONE_CLOSED_SYLLABLE.match(key) is not None and key not in SHORT_STEMS


class KazakhStemmer:
    """Rule-based Kazakh stemmer with a bounded per-word cache.

    ``nouns``/``verbs``: known nominal stems and verb roots (default: the
    package's ``data/stems_kk.txt`` and ``data/verbs_kk.txt``). Besides the
    words it stemmed, a stemmer keeps (bounded) the repaired form of each
    candidate stem it met, so that the inflections of one word share that
    work; both caches map strings to strings, which the garbage collector
    never walks. Most candidate stems end in two letters no repair touches
    (:data:`.phonology.PLAIN_ENDS`) and are their own repair without a lookup.

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
        #: candidate stem -> repair_stem(stem), and with keep_final_vowel
        self._keys: Dict[str, str] = {}
        self._keeps: Dict[str, str] = {}

    def __call__(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is None:
            cached = self.stem_uncached(word)
        return cached

    def stem_uncached(self, word: str) -> str:
        """Stem a lowercase, normalised word without looking it up in the cache.

        The stem is stemmed again until it no longer changes (a repaired
        stem such as мұрын, from мұрны, may read as a stem plus suffixes
        itself), so that stemming is idempotent. The word and every stem on
        its way are cached with the result: each of them stems to it.
        """
        cache = self._cache
        if len(cache) >= CACHE_LIMIT - 1:
            cache.clear()
        if len(word) > MAX_STEMMABLE_LENGTH or VOWELS.isdisjoint(word):
            cache[word] = word
            return word
        reading, known_noun = self._choose(word)  # self._stem_once(word), one call less
        following = reading[0]
        if following[-2:] not in PLAIN_ENDS:
            following = self._repaired(following, known_noun) or word
        if following == word:  # the common cases first: a stem, or a stem seen before
            cache[word] = word
            return word
        known = cache.get(following)
        if known is not None:
            cache[word] = known
            return known
        path = [word, following]
        while True:
            current = path[-1]
            if len(current) > MAX_STEMMABLE_LENGTH or not has_vowel(current):
                result = current
                break
            following = self._stem_once(current)
            if following == current:
                result = current
                break
            if following in path:  # a cycle (never seen in practice): settle on its least member
                return min(path[path.index(following):])
            known = cache.get(following)
            if known is not None:  # the rest of the way is known (a stem seen before)
                result = known
                break
            path.append(following)
        if len(cache) + len(path) > CACHE_LIMIT:
            cache.clear()
        for member in path:
            cache[member] = result
        return result

    def _stem_once(self, word: str) -> str:
        reading, known_noun = self._choose(word)
        stem = reading[0]
        if stem[-2:] in PLAIN_ENDS:  # nothing to repair (most stems)
            return stem
        return self._repaired(stem, known_noun) or word

    def _repaired(self, stem: str, known_noun: bool) -> str:
        """The chosen stem repaired (kept from :meth:`_choose`'s look at it)."""
        repaired = (self._keeps if known_noun else self._keys).get(stem)
        if repaired is None:  # the caches were cleared meanwhile
            repaired = repair_stem(stem, known_noun)
        return repaired

    def _repair(self, stem: str) -> Tuple[str, str]:
        """:func:`.phonology.repair_pair` of ``stem``, kept."""
        keys, keeps = self._keys, self._keeps
        if len(keys) >= REPAIR_CACHE_LIMIT:
            keys.clear()
            keeps.clear()
        key, keep = keys[stem], keeps[stem] = repair_pair(stem)
        return key, keep

    def addresses_reader(self, word: str) -> bool:
        """True for a verb in the polite 2nd person (атаңыз, көрсетіңіз,
        белгілеңіз, келдіңіз, қарасаңыз): in a text it speaks to the reader,
        in a question it tells the reader what to do; it names no topic.

        >>> KazakhStemmer().addresses_reader("белгілеңіз"), KazakhStemmer().addresses_reader("теңіз")
        (True, False)
        """
        if not word.endswith(POLITE_ENDINGS):
            return False
        parse = self.best_parse(word)
        return parse.verbal and bool(parse.suffixes) and parse.suffixes[-1].endswith(POLITE_ENDINGS)

    def best_parse(self, word: str) -> Parse:
        """The chosen reading of ``word`` (see the module docstring)."""
        return Parse(*self._choose(word)[0])

    def _choose(self, word: str) -> Tuple[Reading, bool]:
        """The chosen reading and whether it stops at a known noun.

        Among readings that stop at a known stem, risky suffixes come last,
        then the reading that strips least: a known verb root thus stays
        whole (баста, not бас + -та), which also keeps every form of the
        verb (бастады, бастап) on it. A known stem reached only through a
        risky suffix stacked on others (қап-атын-ың) loses to a regular
        reading of an unknown stem (қабат-ы-ның); a risky suffix right on a
        known root (біл-сін, ат-ым) stands. Without a known stem, the
        possible reading that strips most wins. Ties go to the first
        reading in search order.

        A known bare word wins outright (no reading is longer or strips
        less), so its readings are not searched.
        """
        keys, keeps = self._keys, self._keeps
        verb_keys, noun_keys = self._verb_keys, self._noun_keys
        bare: Reading = (word, (), False, False)
        if word[-2:] in PLAIN_ENDS:  # repair_pair(word) == (word, word), see PLAIN_ENDS
            key = keep = word
        else:
            key = keys.get(word)
            keep = keeps.get(word)
            if key is None or keep is None:
                key, keep = self._repair(word)
        if key in verb_keys:
            return bare, False
        if keep in noun_keys:
            return bare, True
        known: Optional[Reading] = None
        known_key: Tuple[bool, int, int] = (True, 0, 0)
        known_noun = False
        possible, possible_key = bare, (len(word), 0, False)
        suffixed_possible = False
        bare_noun_ending = word[-1:] in ("а", "е")
        for reading in below(word, START_TRIE):
            stem, suffixes, verbal, risky = reading
            if stem[-2:] in PLAIN_ENDS:
                key = keep = stem
            else:
                key = keys.get(stem)
                keep = keeps.get(stem)
                if key is None or keep is None:
                    key, keep = self._repair(stem)
            is_known = key in verb_keys if verbal else keep in noun_keys
            if is_known:
                rank = (risky, -len(stem), len(suffixes))
                if known is None or rank < known_key:
                    known, known_key, known_noun = reading, rank, not verbal
                continue
            if risky or len(key) < MIN_FREE_STEM:
                continue
            if verbal:
                if VERB_LIKE.search(stem) is None:
                    continue
            elif bare_noun_ending and _bare_noun_key(key):
                continue
            suffixed_possible = True
            rank2 = (len(stem), -len(suffixes), verbal)
            if rank2 < possible_key:
                possible, possible_key = reading, rank2
        if known is not None and not (known[3] and len(known[1]) > 1 and suffixed_possible):
            return known, known_noun
        return possible, False

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
