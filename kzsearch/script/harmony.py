"""Re-spelling folded Kazakh by vowel harmony.

A folded word has lost ә ғ қ ң ө ұ ү і; in a native word they come back
with its harmony: back words have а о ұ ы and қ ғ, front words ә е ө ү і
and к г, and a suffix follows the stem (кітап-тарынан, мектеп-терінде).
н/ң is left to the vocabulary where the grammar cannot tell it.

>>> respell_suffix("мектеп", "теринде")[0]
'терінде'
"""
from __future__ import annotations

from itertools import product
from typing import List

_BACK = frozenset("аоұы")
_FRONT = frozenset("әеөүі")
_VOWELS = frozenset("аәеоөұүыіиуэяюё")
_FULL_VOWELS = frozenset("аәеоөұүыэ")
_FRONT_OF = {"а": "ә", "о": "ө"}


def _harmony(stem: str, suffix: str) -> str:
    """"back" or "front": the suffix's own а/ы or е if it has one, else the
    last vowel of the stem (у does not count; и takes front suffixes)."""
    for letter in suffix:
        if letter in "аы":
            return "back"
        if letter == "е":
            return "front"
    for letter in reversed(stem):
        if letter in _BACK:
            return "back"
        if letter in _FRONT or letter == "и":  # Ленин-нің, социалист-ік
            return "front"
    return "back"


def _is_ng(before: str, rest: str) -> bool:
    """Whether a folded н is ң, from the word spelt so far (``before``) and
    the folded letters after it (``rest``): the genitive -ның/-дың/-тың (not
    the participle -атын/-етін) and the polite -ңыз/-ңіз."""
    if rest in ("ыз", "из") or rest.startswith(("ыздар", "издер")):
        return before[-1:] in _VOWELS
    if rest or len(before) < 3 or before[-1] not in "ыиі":
        return False
    consonant = before[-2]
    if consonant in ("н", "д"):
        return True
    return consonant == "т" and before[-3] not in _VOWELS and before[-3] != "й"


def respell_suffix(stem: str, suffix: str) -> List[str]:
    """Proper spellings of a folded ``suffix`` after a properly spelled
    ``stem``, likeliest first (they differ in н/ң, which harmony cannot tell).

    >>> respell_suffix("мектеп", "теринде")[0], respell_suffix("қоғам", "ына")[0]
    ('терінде', 'ына')
    >>> respell_suffix("кітап", "тын")
    ['тың', 'тын']
    """
    back = _harmony(stem, suffix) == "back"
    letters: List[str] = []
    ng_positions: List[int] = []
    for i, letter in enumerate(suffix):
        before = letters[-1] if letters else stem[-1:]
        after = suffix[i + 1:i + 2]
        if letter == "и":
            if before in _FULL_VOWELS:
                letter = "й"
            elif not back and after not in _VOWELS:
                letter = "і"
        elif letter in "кг" and back and after != "и":  # к, г before и: -гі, -кі
            letter = "қ" if letter == "к" else "ғ"
        elif letter == "н":
            ng_positions.append(i)
            if _is_ng(stem + "".join(letters), suffix[i + 1:]):
                letter = "ң"
        letters.append(letter)
    spellings = ["".join(letters)]
    for choice in product("нң", repeat=min(len(ng_positions), 3)):
        variant = list(letters)
        for position, letter in zip(ng_positions, choice):
            variant[position] = letter
        if "".join(variant) not in spellings:
            spellings.append("".join(variant))
    return spellings


def respell_word(folded: str) -> List[str]:
    """Spellings of a whole folded word under each vowel harmony it allows:
    back (а о ұ ы with қ ғ; not if it has е) and front (ә е ө ү і with к г;
    not if it has ы); у between consonants may be ұ/ү. Used with a stemmer,
    for stems too short to be found as a prefix (екі -> ек, ірі -> ір).

    >>> respell_word("еки"), respell_word("кала")
    (['екі'], ['қала', 'кәлә'])
    """
    harmonies = [back for back, barred in ((True, "е"), (False, "ы")) if barred not in folded]
    spellings: List[str] = []
    for back in harmonies:
        variants = [""]
        for i, letter in enumerate(folded):
            before = folded[i - 1:i]
            after = folded[i + 1:i + 2]
            options = [letter]
            if letter in _FRONT_OF and not back:
                options = [_FRONT_OF[letter]]
            elif letter in "кг" and back:
                options = ["қ" if letter == "к" else "ғ"]
            elif letter == "и":
                options = ["й" if before in _FULL_VOWELS else ("і" if not back and after not in _VOWELS else "и")]
            elif letter == "у" and before and before not in _VOWELS and after not in _VOWELS:
                options = [letter, "ұ" if back else "ү"]  # алуға, but тұр, күн
            variants = [v + option for v in variants for option in options][:8]
        spellings += [v for v in variants if v not in spellings]
    return spellings


def ng_variants(word: str) -> List[str]:
    """``word`` and its spellings with ң for some н (at most three)."""
    positions = [i for i, letter in enumerate(word) if letter == "н"][:3]
    out = []
    for choice in product("нң", repeat=len(positions)):
        letters = list(word)
        for position, letter in zip(positions, choice):
            letters[position] = letter
        out.append("".join(letters))
    return out
