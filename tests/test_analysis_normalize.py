"""Character filters: what the text should have been."""
import unicodedata

import pytest

from kzsearch.analysis.normalize import fix_mixed_script, normalize, roman_to_arabic


@pytest.mark.parametrize("raw,expected", [
    # Latin look-alikes inside Cyrillic words, as in the seed texts
    ("көздерi", "көздері"),                  # Latin i
    ("жүйелерiнен", "жүйелерінен"),
    ("«АМАNАТ»", "«аманат»"),                # Latin N
    ("«Eр Төстік»", "«ер төстік»"),          # Latin E (KazQAD question)
    ("Төстiк", "төстік"),
    # Latin/Turkish stand-ins for Kazakh letters inside a Cyrillic word
    ("əлем", "әлем"), ("сөз", "сөз"), ("өнер", "өнер"),
    # old-font letter variants
    ("ҡала", "қала"), ("таӊ", "таң"), ("ґасыр", "ғасыр"),
    # invisible characters and stray marks are removed
    ("жүйе\u00adлері", "жүйелері"),          # soft hyphen
    ("мек\u200bтеп", "мектеп"),              # zero-width space
    ("\ufeffбала", "бала"),                  # BOM
    ("приве\u0301т", "привет"),              # stress accent
    ("ёлка", "елка"),
    # Unicode NFC: и + combining breve is й
    ("и\u0306", "й"),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_pure_latin_words_are_kept():
    assert normalize("AMANAT iPhone Smart Data") == "amanat iphone smart data"
    assert fix_mixed_script("iPhone-ға") == "iPhone-ға"


def test_kazakh_i_is_the_ukrainian_letter():
    # Kazakh і is U+0456, the same code point as Ukrainian і: nothing to map
    assert normalize("\u0456") == "\u0456"
    assert unicodedata.name("і") == "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I"


@pytest.mark.parametrize("numeral,value", [
    ("ХХ", "20"), ("ХІХ", "19"), ("XIX", "19"), ("XV", "15"), ("II", "2"), ("XІX", "19"),
    ("IIV", "IIV"), ("VX", "VX"),
])
def test_roman_numerals(numeral, value):
    assert roman_to_arabic(numeral) == value


def test_roman_numerals_in_text():
    assert normalize("ХХ ғасырдың басы, XIV-XV ғасырлар") == "20 ғасырдың басы, 14-15 ғасырлар"
    assert normalize("Мен Хан") == "мен хан"  # single letters are initials, not numerals


def test_quotes_and_dashes_are_kept_as_separators():
    assert normalize("«Абай» — ақын") == "«абай» — ақын"


@pytest.mark.parametrize("text", ["", " ", "\x00", "\ud800", "😀", "ә" * 10_000])
def test_any_string(text):
    assert isinstance(normalize(text), str)
