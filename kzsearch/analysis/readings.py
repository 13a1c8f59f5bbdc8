"""The reading search: every way to read a word as a stem plus a suffix chain.

The suffix tables of :mod:`.suffixes` are compiled once into
:class:`Table` objects, one per *state* (the suffix class stripped last,
or the word's end, and which class must come next). A table holds its
:class:`Step` objects — one per (class, allomorph) pair that may stand to
the left, with the checks the search reads — in a fixed order, and files
them in a trie of their suffixes read backwards, so that the steps that
end a word are found by reading its last letters down the trie (two or
three dict lookups) instead of testing every suffix.

The search strips right to left, depth first, in that order (the
stemmer's choice among readings relies on it). A step applies when the
stem it leaves is long enough, has a vowel, ends in a sound the allomorph
follows, and does not clash with its vowel harmony. It keeps no readings
between words: memoising inner results measured slower (15% of inner
searches recur in a first pass over news text, and the kept tuples cost
the garbage collector more than they save). What it keeps, bounded, are
verdicts: for a stem of four letters or more, those checks read only the
stem's last three letters (harmony, when they decide it), so each step
keeps its verdict per three-letter ending (:func:`_verdict`: applies,
leaves a reading, may strip more), and a new word whose candidate stems end
in letters met before costs a dict lookup per step instead of five checks.
A stem whose last three letters leave a check open goes the long way.

>>> [stem for stem, *_ in search("алады")]
['алад', 'ал', 'ала']
>>> search("мектептерде")[1]
('мектеп', ('тер', 'де'), False, False)
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Tuple

from . import suffixes as sx
from .phonology import _SOUND, VOWELS, final_sound, harmony, possible_word_end, window_harmony

#: One reading: (stem, suffixes stripped, left to right, verbal, risky). A
#: risky reading needs a known stem (a ``lexical`` suffix, or a word-final
#: suffix that ends words only after a known stem).
Reading = Tuple[str, Tuple[str, ...], bool, bool]

#: Every suffix class the search knows, by name (the ordinal only ends
#: numbers, see :func:`is_ending`).
_BY_NAME = {c.name: c for c in sx.ALL_CLASSES + (sx.ORDINAL,)}


def _allomorphs(classes: Iterable[sx.SuffixClass]):
    """(class, allomorph) pairs, the longest allomorphs of a class first."""
    return tuple((c, a) for c in classes for a in sorted(c.allomorphs, key=lambda a: -len(a.text)))


#: The pairs that may end a word, and those that may stand left of each class.
_START_PAIRS = _allomorphs(c for c in sx.ALL_CLASSES if c.word_final)
#: The state of a chain of suffixes standing alone (after a number or an
#: abbreviation: 55-ші), where the ordinal may end it too.
_ENDING = "ending"
_ENDING_PAIRS = _allomorphs(tuple(c for c in sx.ALL_CLASSES if c.word_final) + (sx.ORDINAL,))
_LEFT_PAIRS = {c.name: _allomorphs(_BY_NAME[n] for n in sorted(c.left) if n in _BY_NAME)
               for c in _BY_NAME.values()}


class Step(NamedTuple):
    """One (class, allomorph) pair compiled into what the search reads."""

    text: str
    cut: int                  # len(text)
    restore: str              # letters the suffix absorbed from the stem
    min_stem: int             # the allomorph's, else the class's
    after: FrozenSet[str]     # sound classes the stem may end in
    needs_end: Tuple[str, ...]
    harmony: str              # "" for none
    risky: bool               # lexical, or word-final only after a known stem
    reading: bool             # a stem may stand here (no needs, class after a noun or verb)
    verbal: bool
    inner: int                # index of the table of what may be stripped next
    free: bool                # no class is needed to the left (a chain may stop here)


class Table:
    """The steps of one state, in search order, and which of them end a given word.

    The steps are also filed in a trie of their suffixes read backwards;
    each node holds the steps whose suffix ends the letters read so far,
    so the deepest node a word reaches holds exactly the steps that end it.

    >>> [s.text for s in TABLES[START].match("кітаптардың")]
    ['ың', 'ң', 'дың', 'ң']
    """

    __slots__ = ("steps", "trie")

    def __init__(self) -> None:
        self.steps: Tuple[Step, ...] = ()
        #: letter -> child node; ``""`` -> the steps ending here, as plain
        #: tuples (unpacked faster than named ones, see :func:`_plain`).
        self.trie: dict = {"": ()}

    def match(self, word: str) -> Tuple[Step, ...]:
        """The steps whose suffix ends ``word``, in search order (what :meth:`found` finds)."""
        return tuple(s for s in self.steps if word.endswith(s.text))

    def found(self, word: str) -> tuple:
        """The steps ending ``word`` as the search finds them: down the trie, as plain tuples.

        >>> [step[0] for step in TABLES[START].found("кітаптардың")]
        ['ың', 'ң', 'дың', 'ң']
        """
        node = self.trie
        for letter in reversed(word):  # the walk _below does inline
            child = node.get(letter)
            if child is None:
                break
            node = child
        return node[""]

    def build(self, tables: List["Table"]) -> None:
        """File the steps in the trie (every table's trie, for ``inner``, must exist)."""
        for step in self.steps:
            node = self.trie
            for letter in reversed(step.text):
                node = node.setdefault(letter, {"": ()})
        self._fill(self.trie, "", tables)

    def _fill(self, node: dict, read: str, tables: List["Table"]) -> None:
        node[""] = tuple(_plain(s, tables) for s in self.match(read)) if read else ()
        for letter, child in node.items():
            if letter:
                self._fill(child, letter + read, tables)


#: (state, needs) of each table, in table order.
_TABLE_KEYS: List[Tuple[Optional[str], FrozenSet[str]]] = []


#: Sound class of a stem's last letter (:func:`.phonology.final_sound`);
#: None for a soft or hard sign, whose sound is the letter before it; "T"
#: for any other letter.
_SOUND_OF: Dict[str, Optional[str]] = {**_SOUND, **dict.fromkeys(VOWELS, "V"), "у": "R",
                                       "ь": None, "ъ": None}


def _plain(step: Step, tables: List["Table"]) -> tuple:
    """A step as the search reads it: (text, cut, restore, shortest word, the
    verdict of ``after`` on each last letter of the stem (None: ask
    final_sound) and on any other letter, after, needs_end, harmony, risky,
    reading, verbal, the inner table's trie, free, the step's verdicts by a
    stem's last three letters (see :func:`_verdict`), ``(text,)``)."""
    verdicts = {letter: None if sound is None else sound in step.after for letter, sound in _SOUND_OF.items()}
    return (step.text, step.cut, step.restore, step.min_stem + step.cut - len(step.restore), verdicts,
            "T" in step.after, step.after, step.needs_end, step.harmony, step.risky, step.reading,
            step.verbal, tables[step.inner].trie, step.free, _VERDICTS.setdefault(step, {}), (step.text,))


#: Per step, what its checks say of a stem of four letters or more by the
#: stem's last three letters (learnt as met, bounded): the checks of
#: :func:`_below` read no further left, except that a stem with no vowel among
#: them, one ending in a sign, or one whose harmony they leave open ("?" of
#: :func:`.phonology.window_harmony`) goes the long way (:data:`ASK`).
_VERDICTS: Dict[Step, Dict[str, int]] = {}
#: Verdict bits: the step applies; it leaves a reading; the inner table may strip more; ask.
APPLIES, READS, INNER, ASK = 1, 2, 4, 8
#: Verdicts kept over all steps (a few MB at most; past it, new ones are computed each time).
_VERDICT_LIMIT = 100_000
_verdicts_kept = [0]


def _verdict(step: tuple, window: str) -> int:
    """The verdict of ``step`` (as :func:`_plain` makes it) on any stem of four
    letters or more ending in the three letters ``window``.

    >>> [(step[0], _verdict(step, "тер")) for step in TABLES[START].found("мектептерде")]
    [('де', 7), ('е', 0), ('е', 3)]

    (мектептер-де: the locative applies, leaves a reading, and the plural may
    come off next; the 3rd person -е needs a stem ending in a vowel.)
    """
    (_, _, _, _, verdicts, other_letter, _, needs_end, harm, _, reading, _, inner, _, memo, _) = step
    if VOWELS.isdisjoint(window) or window[-1] in "ьъ" or any(len(e) > 3 for e in needs_end):
        code = ASK
    else:
        h = _HARMONY.get(window, None) if harm else ""  # learnt as _below learns it
        if h is None:
            h = _learn_harmony(window)
        if h == "?":
            code = ASK
        elif (not verdicts.get(window[-1], other_letter) or (needs_end and not window.endswith(needs_end))
              or (h and h != harm)):
            code = 0
        else:
            if reading:
                may_end = _WORD_END.get(window[-2:])
                if may_end is None:
                    may_end = _learn_word_end(window)
            code = APPLIES | (READS if reading and may_end else 0) | (INNER if window[-1] in inner else 0)
    if _verdicts_kept[0] < _VERDICT_LIMIT:
        _verdicts_kept[0] += 1
        memo[window] = code
    return code


def _compile_tables() -> Tuple[List[Table], int]:
    """One table per reachable (state, needs); the index of the word-end table."""
    index: Dict[Tuple[Optional[str], FrozenSet[str]], int] = {}
    tables: List[Table] = []
    pending: List[Tuple[Optional[str], FrozenSet[str]]] = []

    def table_of(state: Optional[str], needs: FrozenSet[str]) -> int:
        key = (state, needs)
        if key not in index:
            index[key] = len(tables)
            tables.append(Table())
            pending.append(key)
        return index[key]

    start = table_of(None, frozenset())
    table_of(_ENDING, frozenset())
    while pending:
        state, needs = key = pending.pop()
        pairs = _START_PAIRS if state is None else _ENDING_PAIRS if state == _ENDING else _LEFT_PAIRS[state]
        steps = []
        for cls, allo in pairs:
            if needs and cls.name not in needs:
                continue
            steps.append(Step(
                allo.text, len(allo.text), allo.restore, allo.min_stem or cls.min_stem,
                frozenset(allo.after), allo.needs_end, allo.harmony,
                bool(allo.lexical) or (state is None and cls.word_final == sx.IF_KNOWN),
                not allo.needs and (sx.NOUN in cls.left or sx.VERB in cls.left),
                sx.VERB in cls.left and (cls.verbal or sx.NOUN not in cls.left),
                table_of(cls.name, frozenset(allo.needs)), not allo.needs))
        tables[index[key]].steps = tuple(steps)
    # The stemmer takes a known bare word without searching its readings,
    # which holds because no reading's stem is longer than the word.
    assert all(len(s.restore) <= s.cut for t in tables for s in t.steps)
    for table in tables:
        table.build(tables)
    _TABLE_KEYS[:] = sorted(index, key=index.__getitem__)
    return tables, start


#: The compiled tables; :data:`START` is the table of a word's end.
TABLES, START = _compile_tables()


_TRIES = [table.trie for table in TABLES]


#: Facts about a stem's last letters, learnt as met (bounded): the last two
#: decide :func:`.phonology.possible_word_end`, the last three of a longer
#: stem often decide its harmony (:func:`.phonology.window_harmony`).
_WORD_END: Dict[str, bool] = {}
_HARMONY: Dict[str, str] = {}
_LEARN_LIMIT = 50_000


#: The trie of the word-end table: ``below(word, START_TRIE) == search(word)``.
START_TRIE = _TRIES[START]


def search(word: str) -> List[Reading]:
    """The readings of a lowercase word, without the bare word, in search order."""
    return _below(word, START_TRIE)


def _below(word: str, node: dict, _no_vowel=VOWELS.isdisjoint,
           _word_end=_WORD_END.get, _harmony=_HARMONY.get) -> List[Reading]:
    """Readings of ``word`` reached by stripping the steps filed in the trie ``node``, and on."""
    for letter in reversed(word):
        child = node.get(letter)
        if child is None:
            break
        node = child
    out: List[Reading] = []
    n = len(word)
    for step in node[""]:
        (text, cut, restore, shortest, verdicts, other_letter, after, needs_end, harm, risky, reading,
         verbal, inner, _, memo, alone) = step
        if n < shortest:  # the stem would be shorter than the step allows
            continue
        stem = word[:-cut] + restore if restore else word[:-cut]
        if len(stem) > 3:  # what the checks below say, read off the stem's last three letters
            window = stem[-3:]
            code = memo.get(window)
            if code is None:
                code = _verdict(step, window)
            if code != ASK:
                if code & READS:
                    out.append((stem, alone, verbal, risky))
                if code & INNER:
                    for inner_stem, suffixes, inner_verbal, inner_risky in _below(stem, inner):
                        out.append((inner_stem, suffixes + alone, inner_verbal, risky or inner_risky))
                continue
        if _no_vowel(stem):
            continue
        follows = verdicts.get(stem[-1], other_letter)
        if not (follows if follows is not None else final_sound(stem) in after):
            continue
        if needs_end and not stem.endswith(needs_end):
            continue
        if harm:
            h = _harmony(stem[-3:]) if len(stem) > 3 else "?"
            if h is None:
                h = _learn_harmony(stem[-3:])
            if h == "?":
                h = harmony(stem)
            if h and h != harm:
                continue
        if reading:
            may_end = _word_end(stem[-2:])
            if may_end is None:
                may_end = _learn_word_end(stem)
            if may_end:
                out.append((stem, alone, verbal, risky))
        if stem[-1] in inner:  # some step of the inner table may end the stem
            for inner_stem, suffixes, inner_verbal, inner_risky in _below(stem, inner):
                out.append((inner_stem, suffixes + alone, inner_verbal, risky or inner_risky))
    return out


def _learn_harmony(window: str) -> str:
    h = window_harmony(window)
    if len(_HARMONY) < _LEARN_LIMIT:
        _HARMONY[window] = h
    return h


def _learn_word_end(stem: str) -> bool:
    ok = possible_word_end(stem)  # depends on the last two letters only
    if len(_WORD_END) < _LEARN_LIMIT:
        _WORD_END[stem[-2:]] = ok
    return ok


@lru_cache(maxsize=4096)
def is_ending(text: str) -> bool:
    """True if ``text`` is a whole chain of inflectional suffixes, as the part
    after the hyphen in ``АҚШ-та``, ``ЕЭА-ларды``, ``55-ші``, ``2018-ге``.

    Sound and harmony are not checked: the base is an abbreviation or a
    number, whose spoken form is unknown.

    >>> is_ending("ларды"), is_ending("ші"), is_ending("шара")
    (True, True, False)
    """
    return bool(text) and _chain(text, _ENDING_TRIE)


def _chain(text: str, node: dict) -> bool:
    """Whether ``text`` is a chain of the steps filed in the trie ``node`` and on."""
    for letter in reversed(text):
        child = node.get(letter)
        if child is None:
            break
        node = child
    for step in node[""]:
        rest = text[: -step[1]]
        if (step[13] if not rest else _chain(rest, step[12])):
            return True
    return False


#: :func:`_below`, for the stemmer (one call less per word).
below = _below

_ENDING_TRIE = next(t.trie for t, key in zip(TABLES, _TABLE_KEYS) if key[0] == _ENDING)
