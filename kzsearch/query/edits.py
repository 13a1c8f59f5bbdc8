"""Typing distance between words: Damerau–Levenshtein with a Kazakh keyboard.

:func:`edit_distance` is the restricted Damerau–Levenshtein distance
(optimal string alignment): insertions, deletions, substitutions and swaps
of two adjacent letters each cost one edit. :func:`typing_cost` refines it
for ranking candidates of a typo: the same edits, but hitting a key next to
the intended one on the Kazakh keyboard (or the Russian-keyboard twin of a
Kazakh letter, қ/к, і/и ...) costs :data:`NEAR_KEY_COST`, and an edit that
changes the first letter costs one edit more (people rarely get the first
letter wrong, so a candidate that needs it is less likely).

:class:`TypoSchedule` says how many edits a word of a given length may
carry, like Meilisearch's "one typo from 5 letters, two from 9".

>>> edit_distance("денсаулық", "денсалық"), edit_distance("ақын", "қаын")
(1, 1)
>>> typing_cost("ерекшеленеді", "ерекшеленедi"), typing_cost("мектеп", "нектеп")
(0.5, 2.0)
>>> TypoSchedule().max_edits("денсалық"), TypoSchedule().max_edits("қала")
(1, 0)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, List, Tuple

#: The Kazakh keyboard (KZ layout), row by row: the number row carries the Kazakh letters.
KAZAKH_KEYBOARD_ROWS = (
    "әіңғ__үұқөһ",
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
)
#: What an edit costs when the two letters are neighbours or keyboard twins.
NEAR_KEY_COST = 0.5
#: Kazakh letters and the Russian-keyboard letter typed for them.
_TWINS = {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и"}


def _near_keys() -> FrozenSet[Tuple[str, str]]:
    pairs = set()
    rows = KAZAKH_KEYBOARD_ROWS
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            if key == "_":
                continue
            around = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c), (r + 1, c - 1)]
            for rr, cc in around:
                if 0 <= rr < len(rows) and 0 <= cc < len(rows[rr]) and rows[rr][cc] != "_":
                    pairs.add((key, rows[rr][cc]))
    for kazakh, russian in _TWINS.items():
        pairs.update({(kazakh, russian), (russian, kazakh)})
    pairs.update({("i", "і"), ("і", "i")})  # the Latin i typed for і
    return frozenset(pairs)


NEAR_KEYS: FrozenSet[Tuple[str, str]] = _near_keys()


def edit_distance(a: str, b: str) -> int:
    """Restricted Damerau–Levenshtein distance (adjacent swaps cost 1).

    >>> edit_distance("қазақ", "қазақ"), edit_distance("ab", "ba"), edit_distance("", "abc")
    (0, 1, 3)
    """
    return int(_distance(a, b, False))


def typing_cost(typed: str, word: str) -> float:
    """How unlikely it is that ``typed`` is ``word`` with typing errors (0: the same).

    :func:`edit_distance` with near-key substitutions at :data:`NEAR_KEY_COST`
    and one more edit when the first letters differ.
    """
    cost = _distance(typed, word, True)
    if typed[:1] != word[:1]:
        cost += 1.0
    return cost


def _distance(a: str, b: str, keyboard: bool) -> float:
    if a == b:
        return 0.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return float(la or lb)
    before: List[float] = [0.0] * (lb + 1)
    prev: List[float] = [float(j) for j in range(lb + 1)]
    for i in range(1, la + 1):
        cur = [float(i)] + [0.0] * lb
        ca = a[i - 1]
        for j in range(1, lb + 1):
            cb = b[j - 1]
            if ca == cb:
                sub = prev[j - 1]
            elif keyboard and (ca, cb) in NEAR_KEYS:
                sub = prev[j - 1] + NEAR_KEY_COST
            else:
                sub = prev[j - 1] + 1.0
            best = min(prev[j] + 1.0, cur[j - 1] + 1.0, sub)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and best > before[j - 2] + 1.0:
                best = before[j - 2] + 1.0
            cur[j] = best
        before, prev = prev, cur
    return prev[lb]


@dataclass(frozen=True)
class TypoSchedule:
    """Edits allowed in a typed word by its length: ``one_from`` letters
    allow one edit, ``two_from`` letters two (0 edits below ``one_from``)."""

    one_from: int = 5
    two_from: int = 9

    def __post_init__(self) -> None:
        for name in ("one_from", "two_from"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.two_from < self.one_from:
            raise ValueError("two_from must be >= one_from")

    def max_edits(self, word: str) -> int:
        n = len(word)
        return 2 if n >= self.two_from else 1 if n >= self.one_from else 0

