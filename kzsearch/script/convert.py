"""Keyboard folding and Latin <-> Cyrillic transliteration of Kazakh.

>>> fold("Қазақстан")
'Казакстан'
>>> to_latin("Қазақстан", "2021")
'Qazaqstan'
>>> read_latin_word("Qazaqstan", "2021")
'Қазақстан'
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from .tables import (
    CYRILLIC_TO_LATIN,
    E_AS_EH_ALWAYS,
    E_AS_EH_WITH_BACK_VOWEL,
    I_EXCEPTIONS,
    KEYBOARD_FOLD,
    LATIN_TO_CYRILLIC,
    LOOSE_FOLD,
    LOOSE_FOLD_SEQUENCES,
    ORTHOGRAPHIES,
)

_KEYBOARD_FOLD = str.maketrans({**KEYBOARD_FOLD, **{k.upper(): v.upper() for k, v in KEYBOARD_FOLD.items()}})
_LOOSE_FOLD = str.maketrans(LOOSE_FOLD)

#: A run of Cyrillic letters (Kazakh and Russian).
CYRILLIC_WORD = re.compile(r"[Ѐ-ӿ]+")
#: Latin letters, with apostrophes inside or after them (2017 spells ә as a').
_LATIN_LETTER = "A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ"
LATIN_WORD = re.compile(rf"[{_LATIN_LETTER}]+(?:'[{_LATIN_LETTER}]+)*'?")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "´": "'", "‘": "'"})

_VOWELS = frozenset("аәеоөұүыіиэяюё")
_BACK_VOWELS = frozenset("аоұыяё")
_FRONT_VOWELS = frozenset("әеөүіэ")
#: Vowels after which a written i is the consonant й (у and и are glides).
_FULL_VOWELS = frozenset("аәеоөұүыэ")
_LONGEST_READING = 4


def fold(text: str) -> str:
    """Type ``text`` as on a Russian keyboard: ә->а, ғ->г, қ->к, ң->н, ө->о,
    ұ->у, ү->у, һ->х, і->и (case kept). Used as the key that joins a proper
    spelling and a Russian-keyboard one.

    >>> fold("Өскемен қаласының")
    'Оскемен каласынын'
    """
    return text.translate(_KEYBOARD_FOLD)


def loose_fold(text: str) -> str:
    """Lower-case keyboard fold that also drops what Latin spellings lose:
    й->и, я->иа, ю->иу, ё->ио, ц->тс, щ->шш, э->е, ь and ъ unwritten, сх->ш.

    Every Latin spelling of a word, in any orthography, has the same loose
    key as the Cyrillic word (see :func:`to_folded`).

    >>> loose_fold("Аллегорияның")
    'аллегориианын'
    """
    key = fold(text.lower()).translate(_LOOSE_FOLD)
    for sequence, replacement in LOOSE_FOLD_SEQUENCES.items():
        key = key.replace(sequence, replacement)
    return key


# ---------------------------------------------------------------- to Latin


def check_orthography(orthography: str) -> None:
    if orthography not in ORTHOGRAPHIES:
        raise ValueError(f"orthography must be one of {ORTHOGRAPHIES}, not {orthography!r}")


def _latin_upper(latin: str, orthography: str) -> str:
    # 2021 pairs I ı (і) with İ i (и, й), as Turkish does.
    if orthography == "2021":
        latin = latin.replace("i", "İ")
    return latin.upper()


def _word_to_latin(word: str, orthography: str) -> str:
    table = CYRILLIC_TO_LATIN[orthography]
    all_caps = len(word) > 1 and word.isupper()
    out: List[str] = []
    for letter in word:
        lower = letter.lower()
        latin = table.get(lower, letter)
        if letter != lower and latin:
            latin = _latin_upper(latin, orthography) if all_caps else (
                _latin_upper(latin[0], orthography) + latin[1:])
        out.append(latin)
    return "".join(out)


def to_latin(text: str, orthography: str = "2021") -> str:
    """Transliterate the Cyrillic letters of ``text`` into a Latin orthography:
    ``"2017"`` (apostrophes), ``"2018"`` (acute accents), ``"2021"`` or
    ``"informal"``. Everything that is not Cyrillic is left as it is.

    >>> to_latin("Шыңғыс хан", "2018")
    'Shyńǵys han'
    >>> to_latin("Шыңғыс хан", "2017")
    "S'yn'g'ys han"
    >>> to_latin("ҚАЗАҚСТАН РЕСПУБЛИКАСЫ", "2021")
    'QAZAQSTAN RESPUBLİKASY'
    """
    check_orthography(orthography)
    return CYRILLIC_WORD.sub(lambda m: _word_to_latin(m.group(), orthography), text)


# -------------------------------------------------------------- to Cyrillic
# A Latin word is read in two steps: a greedy longest-match reading through
# the orthography's table, which leaves placeholders (I J Y, see tables.py)
# for ambiguous letters, then a pass that resolves them, and т+с and е, from
# the neighbouring letters with rules of Kazakh spelling.

#: Reading tables by (orthography, whether a 2018 text writes и and й as ı).
_READINGS: Dict[Tuple[str, bool], Dict[str, str]] = {
    **{(name, False): table for name, table in LATIN_TO_CYRILLIC.items()},
    **{(name, True): table for name, table in LATIN_TO_CYRILLIC.items()},
    ("2018", True): {**LATIN_TO_CYRILLIC["2018"], "i": "і"},
}


def _lower_for_reading(word: str, orthography: str) -> str:
    """Lower-case a Latin word, keeping an undotted capital I as "I" where it is
    ambiguous (2018: і, и or й; 2021 in practice: і or и)."""
    if orthography in ("2018", "2021"):
        return "".join("I" if ch == "I" else "i" if ch == "İ" else ch.lower() for ch in word)
    return word.lower()


def _strip_accent(letter: str) -> str:
    base = unicodedata.normalize("NFD", letter)[0]
    return base if base.isascii() else letter


def _read(word: str, table: Dict[str, str]) -> List[str]:
    """Greedy longest-match reading of a lower-cased Latin word into units."""
    units: List[str] = []
    i = 0
    while i < len(word):
        for size in range(min(_LONGEST_READING, len(word) - i), 0, -1):
            chunk = word[i:i + size]
            if chunk in table:
                units.append(table[chunk])
                i += size
                break
        else:
            letter = word[i]
            units.append(table.get(_strip_accent(letter), letter) if letter != "'" else "")
            i += 1
    return [u for u in units if u]


def _next_vowel_is_back(units: List[str], k: int) -> bool:
    """True if a back vowel follows ``units[k]`` in the word: in a native word
    no front і comes before a back vowel, so the i is и (қиын, техника)."""
    return any(unit in _BACK_VOWELS for unit in units[k + 1:])


def _harmony_of_i(units: List[str], k: int, resolved: List[str]) -> str:
    """і or и for an ambiguous i with no other clue: the nearest vowel to the
    left decides (a front vowel, or и ending a loan stem, gives і), else і."""
    for letter in reversed(resolved):
        if letter in _FRONT_VOWELS or letter == "и":
            return "і"
        if letter in _BACK_VOWELS:
            return "и"
    return "і"


def _resolve_i(units: List[str], k: int, resolved: List[str]) -> str:
    """Resolve I (і/и/й) or J (и/й) at ``units[k]``. Returns я or ю for
    i+a and i+u, in which case the caller skips the next unit."""
    unit = units[k]
    prev = resolved[-1] if resolved else None
    nxt = units[k + 1] if k + 1 < len(units) else None
    if nxt == "а" and (prev is None or prev in _VOWELS):
        return "я"
    if nxt in ("у", "ұ") and prev not in ("и", "і") and (unit, nxt) != ("J", "ұ"):
        return "ю"  # 2017 i'y', 2018 ıý (or iý, iu), 2021 iu; but 2021 iū is йұ
    if prev in _FULL_VOWELS or (unit == "J" and prev in ("и", "і")):
        return "й"
    if unit == "J" or nxt in _VOWELS or nxt in ("I", "J"):
        return "и"  # і never stands before a vowel; 2018 "ii" is и+і (киім)
    if prev in ("и", "і"):
        return "і"
    if _next_vowel_is_back(units, k):
        return "и"
    return _harmony_of_i(units, k, resolved)


def _resolve_ts(units: List[str], k: int, resolved: List[str]) -> str:
    """т+с or ц for Latin "ts": ц starts a word and comes before и (-ция),
    у (француз) or е (процент); тс is the stem + suffix of айтса, кетсе,
    сәтсіз, айтсын."""
    rest = units[k + 2:]
    nxt = rest[0] if rest else ""
    after = rest[1] if len(rest) > 1 else ""
    if not resolved:
        return "ц"
    if nxt in ("и", "J") or (nxt == "I" and not (after == "з" or (after == "н" and len(rest) == 2))):
        return "ц"
    if nxt == "у" or (nxt == "е" and len(rest) > 2):
        return "ц"  # француз, процент; but кетсе
    return "тс"


def _resolve_e(units: List[str], k: int, resolved: List[str]) -> str:
    """е or э: э after о (поэма) and starting some loans (экономика, эпос)."""
    if resolved:
        return "э" if resolved[-1] == "о" else "е"
    nxt = units[k + 1] if k + 1 < len(units) else ""
    if nxt and nxt in E_AS_EH_ALWAYS:
        return "э"
    if nxt and nxt in E_AS_EH_WITH_BACK_VOWEL and _next_vowel_is_back(units, k):
        return "э"
    return "е"


def _resolve(units: List[str]) -> str:
    """Replace the placeholders I J Y, and т+с, е where the spelling is
    ambiguous, by the Cyrillic letters that the neighbours call for."""
    resolved: List[str] = []
    k = 0
    while k < len(units):
        unit = units[k]
        nxt = units[k + 1] if k + 1 < len(units) else ""
        if unit in ("I", "J"):
            letter = _resolve_i(units, k, resolved)
            k += letter in ("я", "ю")
        elif unit == "Y":  # informal y: й after a vowel, else ы
            letter = "й" if resolved and resolved[-1] in _FULL_VOWELS else "ы"
        elif unit == "т" and nxt == "с":
            letter = _resolve_ts(units, k, resolved)
            k += 1
        elif unit == "е":
            letter = _resolve_e(units, k, resolved)
        else:
            letter = unit
        resolved.append(letter)
        k += 1
    word = "".join(resolved)
    for wrong, right in I_EXCEPTIONS.items():
        if word.startswith(wrong):
            return right + word[len(wrong):]
    return word


def with_case_of(word: str, like: str) -> str:
    """``word`` in the case of ``like``: all capitals, a capital first letter, or as it is.

    >>> with_case_of("қазақстан", "QAZAQSTAN"), with_case_of("қазақстан", "Qazaqstan")
    ('ҚАЗАҚСТАН', 'Қазақстан')
    """
    letters = [ch for ch in like if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return word.upper()
    if letters and letters[0].isupper():
        return word[:1].upper() + word[1:]
    return word


def normalize_latin(text: str) -> str:
    """NFC-compose accents (a + U+0301 -> á) and write every apostrophe as '."""
    return unicodedata.normalize("NFC", text).translate(_APOSTROPHES)


@lru_cache(maxsize=65536)
def read_latin_word(word: str, orthography: str, dotless_i: Optional[bool] = None) -> str:
    """Read one Latin word in a known orthography as Cyrillic (best guess;
    letters the spelling does not tell apart are resolved by rule).
    ``dotless_i``: whether a 2018 text writes и, й as ı, as the decree does
    (then its i is only і); None: whether this word has a ı.

    >>> read_latin_word("ertegisindegi", "2018")
    'ертегісіндегі'
    >>> read_latin_word("territoriiasynda", "2018")
    'территориясында'
    """
    check_orthography(orthography)
    word = normalize_latin(word)
    if orthography != "2017":
        word = word.rstrip("'")
    lowered = _lower_for_reading(word, orthography)
    if dotless_i is None:
        dotless_i = "ı" in lowered
    table = _READINGS[orthography, dotless_i]
    return with_case_of(_resolve(_read(lowered, table)), word)
