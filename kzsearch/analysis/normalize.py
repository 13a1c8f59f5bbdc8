"""Character filters: the text as it should have been typed.

1. Unicode NFC (``и`` + combining breve -> ``й``).
2. Roman numerals of two or more letters become Arabic (``ХІХ ғасыр`` ->
   ``19 ғасыр``), so that they meet the digits other texts use.
3. Latin look-alikes inside a Cyrillic word are mapped back to Cyrillic
   (``көздерi`` with a Latin ``i``, ``АМАNАТ`` with a Latin ``N``, ``Eр``
   with a Latin ``E``), as are the Latin/Turkish stand-ins for Kazakh letters
   typed on a foreign keyboard (``ə`` -> ``ә``, ``ö`` -> ``ө``, ``ı`` -> ``і``).
4. Lowercase.
5. Deleted: soft hyphens, zero-width characters, directional marks and the
   combining marks left over after NFC (stress accents). Substituted: the
   letter variants of old Kazakh fonts (``ҡ`` -> ``қ``, ``ӊ`` -> ``ң``, ``ґ`` ->
   ``ғ``), ``ё`` -> ``е``, the Latin/Ukrainian-style ``ї`` -> ``і``, and typographic
   hyphens/apostrophes to their ASCII forms. Quotes and dashes need no
   mapping: they are not word characters, so the tokenizer skips them.

Kazakh ``і`` is U+0456, the same letter as Ukrainian ``і``; only look-alikes
from other scripts need mapping.

>>> normalize("«АМАNАТ» көздерi, «Eр Төстік»")
'«аманат» көздері, «ер төстік»'
>>> normalize("жүйе\\u00adлерi\\u200b")
'жүйелері'
"""
from __future__ import annotations

import re
import unicodedata
from functools import partial

#: Latin (and Latin-Turkish) letters that stand for Cyrillic/Kazakh ones when
#: they occur inside a Cyrillic word. Case-sensitive: ``H`` looks like ``Н``,
#: ``h`` like ``һ``.
LOOKALIKES = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М",
    "N": "Н", "O": "О", "P": "Р", "T": "Т", "X": "Х", "Y": "У",
    "a": "а", "c": "с", "e": "е", "h": "һ", "i": "і", "k": "к", "m": "м", "n": "н",
    "o": "о", "p": "р", "t": "т", "x": "х", "y": "у",
    "Ə": "Ә", "ə": "ә", "Ö": "Ө", "ö": "ө", "Ü": "Ү", "ü": "ү", "Ğ": "Ғ", "ğ": "ғ",
    "ı": "і", "İ": "І", "Ş": "Ш", "ş": "ш", "Ç": "Ч", "ç": "ч",
}
_LOOKALIKE_TABLE = str.maketrans(LOOKALIKES)

_CYR = "\u0400-\u052f"
_LAT = "A-Za-z\u00c0-\u024f\u0259\u018f"
#: A word mixing Cyrillic and Latin letters (matched from its first letter).
_MIXED_WORD = re.compile(
    rf"[{_CYR}]+[{_LAT}][{_CYR}{_LAT}]*|[{_LAT}]+[{_CYR}][{_CYR}{_LAT}]*"
)

_DELETE = (
    "\u00ad"                      # soft hyphen
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space/non-joiner/joiner, word joiner, BOM
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"  # directional marks
    + "".join(chr(c) for c in range(0x0300, 0x0370))  # combining diacritics
    + "".join(chr(c) for c in range(0x0483, 0x048a))  # Cyrillic combining marks
)
_SUBSTITUTE = {
    "ё": "е",
    "ҡ": "қ", "ӄ": "қ", "ќ": "қ",
    "ӊ": "ң", "ҥ": "ң", "ӈ": "ң",
    "ґ": "ғ", "ӻ": "ғ",
    "ї": "і", "ӏ": "і",
    "ə": "ә", "ǝ": "ә",
    "ɵ": "ө", "ӫ": "ө",
    "\u2010": "-", "\u2011": "-",    # hyphen, non-breaking hyphen
    "\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'",
}
CHAR_TABLE = str.maketrans({**{c: None for c in _DELETE}, **_SUBSTITUTE})
#: One fast pre-check: a text without Latin letters, Roman-numeral letters
#: or characters of the table only needs lowercasing.
_NEEDS_WORK = re.compile(
    "[" + re.escape("".join(_DELETE) + "".join(_SUBSTITUTE) + "ЁҠӃЌӉҤӇҐӺЇӀƏƎƟӪ") + f"{_LAT}ІХ]"
)


_is_nfc = partial(unicodedata.is_normalized, "NFC")
_needs_work = _NEEDS_WORK.search


def _fix_mixed(match: "re.Match[str]") -> str:
    word = match.group(0)
    cyr = sum(1 for ch in word if "\u0400" <= ch <= "\u052f")
    # Only a word that is mostly Cyrillic is a Cyrillic word with stray Latin
    # letters; "iPhone-ға" style mixes are left alone.
    if cyr * 2 >= len(word) or len(word) <= 3:
        return word.translate(_LOOKALIKE_TABLE)
    return word


def fix_mixed_script(text: str) -> str:
    """Map Latin look-alikes inside mostly-Cyrillic words to Cyrillic.

    >>> fix_mixed_script("АМАNАТ iPhone")
    'АМАНАТ iPhone'
    """
    return _MIXED_WORD.sub(_fix_mixed, text)


_ROMAN_LETTERS = str.maketrans("ІХ", "IX")
#: Roman numerals of two or more letters I, V, X (Latin or Cyrillic І, Х), as
#: in centuries and ordinals: ХІХ ғасыр, XV ғ., II Николай.
_ROMAN_TOKEN = re.compile(r"(?<!\w)[IVXІХ]{2,7}(?!\w)")
_ROMAN_VALID = re.compile(r"X{0,3}(IX|IV|V?I{0,3})")
_ROMAN_VALUE = {"I": 1, "V": 5, "X": 10}


def roman_to_arabic(numeral: str) -> str:
    """``XIX`` or Cyrillic ``ХІХ`` -> ``19``; anything else unchanged.

    >>> roman_to_arabic("ХІХ"), roman_to_arabic("XV"), roman_to_arabic("IIV")
    ('19', '15', 'IIV')
    """
    latin = numeral.translate(_ROMAN_LETTERS)
    if not _ROMAN_VALID.fullmatch(latin):
        return numeral
    values = [_ROMAN_VALUE[c] for c in latin]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v
                for i, v in enumerate(values))
    return str(total)


def _roman(match: "re.Match[str]") -> str:
    return roman_to_arabic(match.group(0))


def normalize(text: str) -> str:
    """Apply all character filters: NFC, script repair, lowercase, char table.

    >>> normalize("Ер Төстiк")
    'ер төстік'
    """
    if not _is_nfc(text):
        text = unicodedata.normalize("NFC", text)
    if _needs_work(text) is None:
        return text.lower()
    text = fix_mixed_script(_ROMAN_TOKEN.sub(_roman, text))
    return text.lower().translate(CHAR_TABLE)
