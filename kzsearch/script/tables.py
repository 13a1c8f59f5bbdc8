"""Letter tables for Kazakh script conversion, kept as data.

Sources, and what is ours rather than theirs:

* Cyrillic: the 42-letter Kazakh alphabet (33 Russian letters + ә ғ қ ң ө ұ ү һ і).
* ``"2017"``: the Latin alphabet annexed to Presidential Decree No. 569 of
  26 October 2017 (32 letters, apostrophes: A' G' N' O' U' Y' S' C' I').
* ``"2018"``: the amended alphabet of Decree No. 637 of 19 February 2018
  (acute accents Á Ǵ Ń Ó Ú Ý, digraphs Sh Ch; I i = і, I ı = и and й;
  U u = ұ, Ú ú = ү, Ý ý = у, Y y = ы; H h = х and һ).
* ``"2021"``: the alphabet the Government presented on 28 January 2021
  (31 letters: Ä Ğ Ñ Ö Ū Ü Ş, I ı = і, İ i = и and й, U u = у, Y y = ы;
  H h = х and һ).
* ``"informal"``: the ASCII romanisation common in chats and on the web
  (sh zh ch kh gh ng, q for қ, y for ы and й, ya yu); not an official standard.

None of the decrees spells the letters Kazakh uses only in Russian loans
(в ф х ц ч щ ъ ь э ю я ё, as far as they are not in the alphabet). For those
we follow what published transliterations (and the KazQAD Latin question sets)
do: ц = ts, ь ъ dropped, э = e, я = ia, ю = iu, ё = io, and in 2021 ч = ch.
Our own choices, not in any source: щ = s's' / shsh / şş (Kazakh says [ʃʃ]),
and in 2017 / 2018 я ю ё spelt as the letter for й plus a vowel
(i'a i'y' i'o / ıa ıý ıo), which keeps those orthographies' own logic.

In practice many 2018 texts (the KazQAD 2018 question set among them)
write i for ı, so that i stands for і, и and й, and write ю as iu; reading
accepts both, :func:`~kzsearch.script.to_latin` writes the decree's ı.
"""
from __future__ import annotations

from typing import Dict, Tuple

ORTHOGRAPHIES: Tuple[str, ...] = ("2017", "2018", "2021", "informal")

#: Letters of the Kazakh Cyrillic alphabet that a Russian keyboard lacks.
KAZAKH_LETTERS = "әғқңөұүһі"

#: Keyboard folding: each Kazakh letter as people type it on a Russian keyboard.
KEYBOARD_FOLD: Dict[str, str] = {
    "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о",
    "ұ": "у", "ү": "у", "һ": "х", "і": "и",
}

#: Loose folding, applied after keyboard folding: the distinctions a Latin
#: spelling loses (и = й in 2018/2021, я = i+a, ь and ъ unwritten, ...).
#: "сх" -> "ш" because 2018 "sh" is both ш and с+х.
LOOSE_FOLD: Dict[str, str] = {
    "й": "и", "я": "иа", "ю": "иу", "ё": "ио", "ц": "тс",
    "щ": "шш", "ь": "", "ъ": "", "э": "е",
}
LOOSE_FOLD_SEQUENCES: Dict[str, str] = {"сх": "ш"}

# Cyrillic -> Latin, lower case; "-" means the letter is not written.
#   cyrillic   2017   2018   2021   informal
_CYRILLIC_TO_LATIN = """
    а          a      a      a      a
    ә          a'     á      ä      a
    б          b      b      b      b
    в          v      v      v      v
    г          g      g      g      g
    ғ          g'     ǵ      ğ      gh
    д          d      d      d      d
    е          e      e      e      e
    ё          i'o    ıo     io     yo
    ж          j      j      j      zh
    з          z      z      z      z
    и          i'     ı      i      i
    й          i'     ı      i      y
    к          k      k      k      k
    қ          q      q      q      q
    л          l      l      l      l
    м          m      m      m      m
    н          n      n      n      n
    ң          n'     ń      ñ      ng
    о          o      o      o      o
    ө          o'     ó      ö      o
    п          p      p      p      p
    р          r      r      r      r
    с          s      s      s      s
    т          t      t      t      t
    у          y'     ý      u      u
    ұ          u      u      ū      u
    ү          u'     ú      ü      u
    ф          f      f      f      f
    х          h      h      h      kh
    һ          h      h      h      h
    ц          ts     ts     ts     ts
    ч          c'     ch     ch     ch
    ш          s'     sh     ş      sh
    щ          s's'   shsh   şş     shch
    ъ          -      -      -      -
    ы          y      y      y      y
    і          i      i      ı      i
    ь          -      -      -      -
    э          e      e      e      e
    ю          i'y'   ıý     iu     yu
    я          i'a    ıa     ia     ya
"""


def _parse_columns(table: str) -> Dict[str, Dict[str, str]]:
    """Turn the whitespace table above into ``{orthography: {cyr: latin}}``."""
    columns: Dict[str, Dict[str, str]] = {name: {} for name in ORTHOGRAPHIES}
    for line in table.strip().splitlines():
        cyrillic, *latin = line.split()
        for name, spelling in zip(ORTHOGRAPHIES, latin):
            columns[name][cyrillic] = "" if spelling == "-" else spelling
    return columns


#: ``CYRILLIC_TO_LATIN[orthography][cyrillic_letter]`` -> Latin spelling.
CYRILLIC_TO_LATIN: Dict[str, Dict[str, str]] = _parse_columns(_CYRILLIC_TO_LATIN)

# Latin -> Cyrillic reading tables, lower case. Ambiguous readings are
# written with placeholders that convert.py resolves from the neighbouring
# letters:   I = і, и or й      J = и or й      Y = ы or й (informal y)
# "ts" is read as т + с and convert.py decides where тс is ц; е may become э.
# A capital "I" is kept upper case in 2018 and 2021, where it is ambiguous
# (2018: І and И; 2021: I is І, but many write I for İ = И).
# Letters shared by every orthography:
_COMMON_READINGS: Dict[str, str] = {
    "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х",
    "j": "ж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
    "q": "қ", "r": "р", "s": "с", "t": "т", "v": "в", "z": "з",
    # letters outside every Kazakh alphabet, read as in Russian loans
    "c": "ц", "w": "у", "x": "кс", "ch": "ч",
}

_ORTHOGRAPHY_READINGS: Dict[str, Dict[str, str]] = {
    "2017": {
        "a'": "ә", "g'": "ғ", "n'": "ң", "o'": "ө", "u'": "ү", "y'": "у",
        "s'": "ш", "c'": "ч", "i'": "J", "i": "і", "y": "ы", "u": "ұ", "s's'": "щ",
    },
    "2018": {
        "á": "ә", "ǵ": "ғ", "ń": "ң", "ó": "ө", "ú": "ү", "ý": "у",
        "sh": "ш", "ı": "J", "i": "I", "I": "I", "y": "ы", "u": "ұ", "shsh": "щ",
        # common slips: the 2021 letters for the same sounds
        "ä": "ә", "ğ": "ғ", "ñ": "ң", "ö": "ө", "ü": "ү", "ş": "ш",
    },
    "2021": {
        "ä": "ә", "ğ": "ғ", "ñ": "ң", "ö": "ө", "ū": "ұ", "ü": "ү",
        "ş": "ш", "ı": "і", "i": "J", "I": "I", "y": "ы", "u": "у", "şş": "щ",
        # common slips: the 2018 letters for the same sounds
        "á": "ә", "ǵ": "ғ", "ń": "ң", "ó": "ө", "ú": "ү", "ý": "у",
    },
    "informal": {
        "sh": "ш", "zh": "ж", "kh": "х", "gh": "ғ", "ng": "ң", "shch": "щ",
        "ya": "я", "yu": "ю", "yo": "ё", "i": "I", "y": "Y", "u": "у",
    },
}

#: ``LATIN_TO_CYRILLIC[orthography][latin]`` -> Cyrillic (maybe a placeholder).
LATIN_TO_CYRILLIC: Dict[str, Dict[str, str]] = {
    name: {**_COMMON_READINGS, **extra} for name, extra in _ORTHOGRAPHY_READINGS.items()
}

#: Letters that mark each orthography when found in a Latin word.
ORTHOGRAPHY_MARKS: Dict[str, str] = {
    "2018": "áǵńóúý",
    "2021": "äğñöūüş",
}
#: 2017 letters written with an apostrophe (the apostrophe follows them).
APOSTROPHE_LETTERS = "agnouysci"

#: Frequent words whose і breaks vowel harmony (бір- compounds, loans), as the
#: harmony rules spell them from an ambiguous Latin i -> their real spelling.
#: Matched at the start of a word.
I_EXCEPTIONS: Dict[str, str] = {
    "бирақ": "бірақ", "бираз": "біраз", "бирқатар": "бірқатар", "биршама": "біршама",
    "қазир": "қазір", "китап": "кітап", "китаб": "кітаб", "қауип": "қауіп",
    "мұғалим": "мұғалім",
}

#: Consonants after which a word-initial e is э (loans: экономика, энергия,
#: эпос, эфир), always, or only in a word with a back vowel (else е: ел, ер).
E_AS_EH_ALWAYS = "пф"
E_AS_EH_WITH_BACK_VOWEL = "кнтв"

#: Latin letters that look like Cyrillic ones, for words typed with both
#: scripts mixed (a Latin "e" or "i" in a Cyrillic word, and back).
HOMOGLYPHS: Dict[str, str] = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К",
    "M": "М", "O": "О", "P": "Р", "T": "Т", "X": "Х",
    "a": "а", "c": "с", "e": "е", "i": "і", "o": "о", "p": "р", "x": "х", "y": "у",
}
