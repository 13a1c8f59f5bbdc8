"""Kazakh sound rules the stemmer relies on: vowel harmony, the sound a stem
ends in, and the repairs that undo sound changes at the stem boundary.

>>> harmony("мектеп"), harmony("кітап"), harmony("институт"), harmony("су")
('front', 'back', 'back', None)
>>> final_sound("бала"), final_sound("тау"), final_sound("оқу"), final_sound("кітап")
('V', 'R', 'R', 'T')
>>> repair_stem("кітаб"), repair_stem("халқ"), repair_stem("модель")
('кітап', 'халық', 'модел')
"""
from __future__ import annotations

from typing import Optional, Tuple

from .suffixes import BACK, FRONT

BACK_VOWELS = frozenset("аоұыяёэ")  # э: only in loans (экономика), back by default
FRONT_VOWELS = frozenset("әеөүі")
NEUTRAL_VOWELS = frozenset("иую")  # и = ый/ій, у = ұу/үу, ю = йу/йү: no harmony of their own
VOWELS = BACK_VOWELS | FRONT_VOWELS | NEUTRAL_VOWELS

#: Sound class of a final consonant (see :mod:`.suffixes`); у is always R.
_SOUND = {
    **dict.fromkeys("рй", "R"), "л": "L", **dict.fromkeys("мнң", "N"),
    **dict.fromkeys("зж", "Z"), **dict.fromkeys("кқпстшфхцчщһ", "T"),
    **dict.fromkeys("бвгғд", "D"),
}

#: Consonant pairs between which the high vowel of a two-syllable word drops
#: when a vowel-initial suffix follows (орын -> орны, халық -> халқы,
#: ауыз -> аузы, ерік -> еркі); a one-syllable stem ending in one gets the
#: vowel back.
ELISION_CLUSTERS = frozenset({"рн", "йн", "лн", "рқ", "лқ", "рк", "лк", "рп", "лп", "уз", "йз"})

#: Final voiced consonants that stand for voiceless ones: кітап -> кітабы,
#: бақ -> бағы, тілек -> тілегі.
DEVOICE = {"б": "п", "ғ": "қ", "г": "к"}


def harmony(stem: str) -> Optional[str]:
    """``'back'`` or ``'front'`` by the stem's last harmonic vowel, None if unknown.

    A soft sign marks a front loan (модель -> моделі). ``и`` and ``у`` have
    no harmony of their own (тарих-тың, оқу-ға), except that in a loan ``у``
    before a consonant is back (ресурс-тар, институт-қа). ``е`` after a
    vowel is /je/ and does not count (Назарбаев-тың).
    """
    if stem.endswith("ь"):
        return FRONT
    if len(stem) > 1 and stem[-1] == "у" and stem[-2] not in VOWELS:
        return None  # a final у after a consonant is ұу or үу: су-ға, Жетісу-ға, ту-ды
    for i in range(len(stem) - 1, -1, -1):
        ch = stem[i]
        if ch in BACK_VOWELS:
            return BACK
        if ch in FRONT_VOWELS:
            if ch == "е" and i > 0 and stem[i - 1] in VOWELS:
                continue
            return FRONT
        if ch == "у" and 0 < i < len(stem) - 1 and stem[i + 1] not in VOWELS \
                and stem[i - 1] not in VOWELS:
            return BACK
    return None


def window_harmony(window: str) -> str:
    """What :func:`harmony` says of every stem of four letters or more that ends in
    the three letters ``window``: ``'back'``, ``'front'``, ``''`` (None), or
    ``'?'`` when the letters before them decide.

    >>> window_harmony("теп"), window_harmony("ауы"), window_harmony("сту"), window_harmony("епс")
    ('front', 'back', '', '?')
    """
    if window.endswith("ь"):
        return FRONT
    if window[2] == "у" and window[1] not in VOWELS:
        return ""
    for i in (2, 1):  # the scan of harmony(), with both neighbours in the window
        ch = window[i]
        if ch in BACK_VOWELS:
            return BACK
        if ch in FRONT_VOWELS:
            if ch == "е" and window[i - 1] in VOWELS:
                continue
            return FRONT
        if ch == "у" and i == 1 and window[2] not in VOWELS and window[0] not in VOWELS:
            return BACK
    ch = window[0]  # its left neighbour is outside: only a vowel that needs none decides
    if ch in BACK_VOWELS:
        return BACK
    if ch in FRONT_VOWELS and ch != "е":
        return FRONT
    return "?"


def final_sound(stem: str) -> str:
    """Sound class of the stem's last letter (see :mod:`.suffixes`)."""
    last = stem[-1]
    if last == "у":
        return "R"  # у is /w/ or /uw/: it takes the suffixes of р, й (тауы, оқуы, оқудың)
    if last in VOWELS:
        return "V"
    if last in "ьъ" and len(stem) > 1:
        return final_sound(stem[:-1])
    return _SOUND.get(last, "T")


def possible_word_end(stem: str) -> bool:
    """False if the stem ends in two consonants no Kazakh word (native or
    loan) ends in: қ, ғ, ң before a consonant (Қазақс-тан is not Қазақс +
    -тан), ң before anything but қ/к (даңқ), a consonant before л (жоспарл-ады
    is жоспарла-ды), з/ж/ш before с/т.

    >>> possible_word_end("конкурс"), possible_word_end("қазақс")
    (True, False)
    """
    if len(stem) < 2:
        return True
    first, last = stem[-2], stem[-1]
    if first in VOWELS or last in VOWELS or last in "ьъ":
        return True
    if first in "қғ" and stem[-2:] not in ELISION_CLUSTERS:
        return False
    if first == "ң" and last not in "қк":
        return False
    if last == "л" and first != "л":
        return False
    return not (first in "зжш" and last in "ст")


def has_vowel(text: str) -> bool:
    return not VOWELS.isdisjoint(text)


def syllables(word: str) -> int:
    """Vowel nuclei in ``word`` (у/и after a vowel are glides: тау, ауыз)."""
    count = 0
    for i, ch in enumerate(word):
        if ch in VOWELS and not (ch in "уи" and i and word[i - 1] in VOWELS):
            count += 1
    return count


def repair_stem(stem: str, keep_final_vowel: bool = False) -> str:
    """Undo the sound changes a stripped suffix left at the end of a stem.

    Applied to every stem, stripped or not, so both sides of each alternation
    meet on one key:

    * a final high vowel after a consonant is dropped (оқушы, оқушы-лар,
      оқуш-ы: a stem-final ы/і cannot be told from the possessive), unless
      ``keep_final_vowel`` (for known nouns such as екі, жеті);
    * a loan's final soft/hard sign is dropped (модель, моделі -> модел);
    * a final б/ғ/г is devoiced (кітаб-ы -> кітап, құқығ-ы -> құқық);
    * a final double consonant is simplified (процесс, процес-ке -> процес);
    * the vowel a two-syllable word drops before a vowel suffix is put back
      (орн-ы -> орын, халқ-ы -> халық, ауз-ы -> ауыз).

    >>> [repair_stem(s) for s in ("оқушы", "моделі", "кітаб", "халқ", "аузы")]
    ['оқуш', 'модел', 'кітап', 'халық', 'ауыз']
    """
    if not keep_final_vowel and _drops_final_vowel(stem):
        stem = stem[:-1]
    return _repair_end(stem)


def repair_pair(stem: str) -> Tuple[str, str]:
    """``(repair_stem(stem), repair_stem(stem, True))``, sharing the work.

    >>> repair_pair("оқушы"), repair_pair("мектеп")
    (('оқуш', 'оқушы'), ('мектеп', 'мектеп'))
    """
    keep = _repair_end(stem)
    return (_repair_end(stem[:-1]) if _drops_final_vowel(stem) else keep), keep


#: The lowercase Cyrillic letters (Russian and Kazakh) the repairs are tabulated for.
CYRILLIC_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"


def _plain_end(before: str, last: str) -> bool:
    """True if no repair touches a stem of two letters or more ending in ``before + last``:
    :func:`_repair_end` only acts on a final sign, б/ғ/г, a double consonant or an
    elision cluster, and only a final ы/і after a consonant may be dropped.

    >>> _plain_end("а", "н"), _plain_end("е", "п"), _plain_end("ш", "і"), _plain_end("а", "б")
    (True, True, False, False)
    >>> "ан" in PLAIN_ENDS, "ші" in PLAIN_ENDS, repair_pair("жазушы")
    (True, False, ('жазуш', 'жазушы'))
    """
    if last in "ьъ" or last in DEVOICE:
        return False
    if last in VOWELS:
        return last not in "ыі" or before in VOWELS
    return before != last and before + last not in ELISION_CLUSTERS


#: Two-letter endings after which ``repair_pair(stem) == (stem, stem)`` for any stem
#: of two letters or more (a two-letter stem is never repaired), so that the stemmer
#: needs no lookup for most candidate stems.
PLAIN_ENDS = frozenset(a + b for a in CYRILLIC_LETTERS for b in CYRILLIC_LETTERS if _plain_end(a, b))


def _drops_final_vowel(stem: str) -> bool:
    """Whether :func:`repair_stem` drops the final high vowel (unless told to keep it)."""
    return (len(stem) > 2 and stem[-1] in "ыі" and stem[-2] not in VOWELS
            and possible_word_end(stem[:-1]))


def _repair_end(stem: str) -> str:
    """The repairs after the final vowel's: signs, devoicing, double consonants, elision."""
    while len(stem) > 2 and stem[-1] in "ьъ":
        stem = stem[:-1]
    last = stem[-1:]
    if last in DEVOICE and len(stem) > 2:
        stem = stem[:-1] + DEVOICE[last]
    if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in VOWELS:
        stem = stem[:-1]
    if (len(stem) >= 3 and stem[-2:] in ELISION_CLUSTERS and stem[-3] in VOWELS
            and syllables(stem) == 1):
        stem = stem[:-1] + ("і" if harmony(stem) == FRONT else "ы") + stem[-1]
    return stem
