"""Latin-script Kazakh in running text: is it Kazakh, in which orthography,
and its Cyrillic spelling (or fold key).

Each Latin word gets evidence points from its letters: Kazakh-only letters
(á ǵ ń ä ğ ñ ū ...), 2017 apostrophe letters, q, ы written as y between
consonants and Kazakh suffixes count for Kazakh; letters and clusters that
Kazakh spellings never use (w, c outside ch, th, ee, -tion) count against,
and so do English function words. A text is judged as a whole, so that
"Abaidyń qandai poemalary bar?" is Kazakh although "bar" alone is not, and
a lone word needs strong evidence: "AMANAT", "Windows", "email" stay Latin.

>>> detect_orthography("Abaidyń qandai poemalary bar?")
'2018'
>>> detect_orthography("Saq qoğamynda adamdardyñ qandai üş toby bar?")
'2021'
>>> detect_orthography("Windows update for the computer") is None
True
>>> to_cyrillic("«AMANAT» партиясы")
'«AMANAT» партиясы'
>>> to_cyrillic("«AMANAT» partiiasy Qazaqstanda")
'«АМАНАТ» партиясы Қазақстанда'
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, List, Optional, Tuple

from .convert import (
    CYRILLIC_WORD,
    LATIN_WORD,
    check_orthography,
    loose_fold,
    normalize_latin,
    read_latin_word,
)
from .tables import APOSTROPHE_LETTERS, HOMOGLYPHS, ORTHOGRAPHY_MARKS

# ------------------------------------------------------------ evidence tables

#: Kazakh function words and very common words in Latin spellings.
KAZAKH_WORDS = frozenset(
    "jane jáne jäne zhane ushin úshin üşın men sen biz siz ol osy sol bul bul "
    "bolyp bolady bolǵan bolğan bolgan qandai qanday qalai qalay qai qay kim kım "
    "joq zhoq jok emes edi eken degen dep turaly týraly boiynsha boyynsha "
    "ne nege neshe qazaq qazaqstan".split()
)
#: English (and other European) function words. Some are Kazakh words too
#: (on = он, is = іс in 2018, men = мен), so they count only towards
#: judging a text, never to keep a word of a Kazakh text in Latin.
FOREIGN_WORDS = frozenset(
    "the and of to in is are was were be been for with on at by from this that "
    "these those it its or as an not but have has had will would can could "
    "you your we they he she his her our their what which who how new all "
    "der die das und ist nicht ein eine le la les des et est une du".split()
)
#: Word endings typical of Kazakh suffixes (ASCII forms included).
KAZAKH_ENDINGS = (
    "lyq", "dyq", "tyq", "lyk", "dyk", "tyk", "yp", "ymyz", "imiz", "ımız",
    "syz", "sız", "nyn", "dyn", "tyn", "nyng", "dyng", "tyng", "ǵa", "ğa",
    "qa", "da", "ta", "ny", "dy", "ty", "sy", "yn", "lar", "dar", "tar",
    "ler", "der", "ter", "ady", "edi", "atyn", "etin", "etın", "ǵan", "ğan",
    "qan", "gen", "ken",
)
#: Letter clusters never (or almost never) found in Kazakh Latin spellings.
FOREIGN_CLUSTERS = (
    "w", "th", "ph", "ck", "ee", "oo", "ou", "ea", "tion", "sion", "ght",
    "ç", "é", "è", "ß", "x",
)
ENGLISH_ENDINGS = ("ing", "ed", "ness", "ment", "ful", "ous", "able")

_CONTRACTION = re.compile(r"'(?:s|t|re|ll|ve|d|m)$")
_Y_AS_VOWEL = re.compile(r"[bdfgjklmnpqrstvzǵğ]y[bdfgjklmnpqrstvzǵğńñş]")
_APOSTROPHE_LETTER = re.compile(rf"[{APOSTROPHE_LETTERS}]'")
_KAZAKH_MARKS = ORTHOGRAPHY_MARKS["2018"] + ORTHOGRAPHY_MARKS["2021"] + "ı"
_LATIN_LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ]")

#: Points a run of several words needs, and a lone word.
_RUN_SCORE = 2.0
_LONE_WORD_SCORE = 3.0
#: A word of a Kazakh run with letter evidence this low stays Latin.
_FOREIGN_LETTERS_SCORE = -2.0


@lru_cache(maxsize=65536)
def letter_evidence(word: str) -> float:
    """Points for a Latin word being Kazakh from its letters alone (negative
    for letters Kazakh spellings do not use).

    >>> letter_evidence("qoǵamynda"), letter_evidence("Windows")
    (7.0, -2.0)
    """
    w = normalize_latin(word).lower()
    if _CONTRACTION.search(w):
        return -3.0
    score = 3.0 * sum(w.count(ch) for ch in _KAZAKH_MARKS)
    score += 2.0 * len(_APOSTROPHE_LETTER.findall(w))
    score += 2.0 if "q" in w.replace("qu", "") else (1.0 if "qu" in w else 0.0)
    score += 1.0 * len(_Y_AS_VOWEL.findall(w))
    if len(w) > 3 and w.endswith(KAZAKH_ENDINGS):
        score += 1.0
    score -= 2.0 * sum(cluster in w for cluster in FOREIGN_CLUSTERS)
    if "c" in w.replace("ch", "").replace("c'", ""):
        score -= 2.0
    if len(w) > 4 and w.endswith(ENGLISH_ENDINGS):
        score -= 1.0
    return score


def word_evidence(word: str) -> float:
    """Points for a Latin word being Kazakh: :func:`letter_evidence`, or a
    fixed score for a Kazakh or English function word.

    >>> word_evidence("qandai"), word_evidence("the")
    (3.0, -3.0)
    """
    lowered = word.lower()
    if lowered in FOREIGN_WORDS:
        return -3.0
    if lowered in KAZAKH_WORDS:
        return 3.0
    return letter_evidence(word)


def is_roman_numeral(word: str) -> bool:
    """XIX, IV, V; a lone M, C, D or L is rather an initial."""
    if len(word) == 1:
        return word in "IVX"
    return word.isupper() and all(ch in "IVXLCDM" for ch in word)


def is_kazakh_run(words: List[str]) -> bool:
    """Whether a run of Latin words (a text, or the Latin stretch of a
    Cyrillic text) reads as Kazakh: enough evidence overall, no fewer words
    with evidence for than against, and strong evidence for a single word."""
    scores = [word_evidence(w) for w in words if _LATIN_LETTER.search(w) and not is_roman_numeral(w)]
    if not scores:
        return False
    kazakh_looking = sum(score > 0 for score in scores)
    foreign_looking = sum(score < 0 for score in scores)
    needed = _LONE_WORD_SCORE if len(scores) == 1 else _RUN_SCORE
    return sum(scores) >= needed and kazakh_looking >= foreign_looking


def guess_orthography(words: Iterable[str]) -> str:
    """Which orthography a run of (Kazakh) Latin words is written in, from
    the letters that tell them apart; ASCII-only text counts as informal.

    >>> guess_orthography(["S'yn'g'ys", "han"]), guess_orthography(["qazaq", "tili"])
    ('2017', 'informal')
    """
    text = normalize_latin(" ".join(words)).lower()
    counts = {
        "2017": len(_APOSTROPHE_LETTER.findall(text)),
        "2018": sum(text.count(ch) for ch in ORTHOGRAPHY_MARKS["2018"]),
        "2021": sum(text.count(ch) for ch in ORTHOGRAPHY_MARKS["2021"]),
    }
    best = max(counts, key=counts.__getitem__)
    if counts[best]:
        return best
    if "ı" in text:  # ı alone: 2021 і (frequent) rather than 2018 и, unless sh/ch
        return "2018" if re.search("sh|ch", text) else "2021"
    return "informal"


def detect_orthography(text: str) -> Optional[str]:
    """The Latin orthography ``text`` is written in ("2017", "2018", "2021" or
    "informal"), or None if its Latin words do not read as Kazakh.

    >>> detect_orthography("Qazaqstan Respy'bli'kasy")
    '2017'
    >>> detect_orthography("AMANAT") is None
    True
    """
    words = LATIN_WORD.findall(normalize_latin(text))
    return guess_orthography(words) if is_kazakh_run(words) else None


# ------------------------------------------------------------ word tokens

#: A word in any script, with apostrophes inside it (or after a Latin one).
_WORD_TOKEN = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*(?:(?<=[A-Za-z])['’ʼ`])?")
_TO_CYRILLIC_HOMOGLYPHS = str.maketrans(HOMOGLYPHS)
_TO_LATIN_HOMOGLYPHS = str.maketrans({c: l for l, c in HOMOGLYPHS.items()})

Spans = List[Tuple[int, int]]


def split_words(text: str) -> Tuple[Spans, List[str]]:
    """The word tokens of ``text`` (any script) and where they are."""
    spans = [m.span() for m in _WORD_TOKEN.finditer(text)]
    return spans, [text[start:end] for start, end in spans]


def join_words(text: str, spans: Spans, words: List[str]) -> str:
    """``text`` with the words at ``spans`` replaced by ``words``."""
    out: List[str] = []
    last = 0
    for (start, end), word in zip(spans, words):
        out += [text[last:start], word]
        last = end
    out.append(text[last:])
    return "".join(out)


def script_of(word: str) -> str:
    """"cyrillic", "latin", "mixed" or "other" for one word token."""
    cyrillic = bool(CYRILLIC_WORD.search(word))
    latin = bool(_LATIN_LETTER.search(word))
    if cyrillic and latin:
        return "mixed"
    return "cyrillic" if cyrillic else "latin" if latin else "other"


def repair_mixed_script(word: str) -> str:
    """Spell a word typed with look-alike letters of both scripts (Latin "E" in
    "Eр", Cyrillic "І" in "XІX") in one script: the one with more letters.

    >>> repair_mixed_script("Eр"), repair_mixed_script("XІX")
    ('Ер', 'XIX')
    """
    cyrillic = sum(len(run) for run in CYRILLIC_WORD.findall(word))
    latin = sum(ch.isalpha() for ch in word) - cyrillic
    as_cyrillic = word.translate(_TO_CYRILLIC_HOMOGLYPHS)
    as_latin = word.translate(_TO_LATIN_HOMOGLYPHS)
    if cyrillic >= latin and script_of(as_cyrillic) == "cyrillic":
        return as_cyrillic
    if script_of(as_latin) == "latin":
        return as_latin
    return as_cyrillic if script_of(as_cyrillic) == "cyrillic" else word


# ------------------------------------------------------------- conversion


def _latin_runs(words: List[str]) -> List[List[int]]:
    """Indices of the Latin words, grouped into runs that no Cyrillic word
    interrupts."""
    runs: List[List[int]] = [[]]
    for index, word in enumerate(words):
        script = script_of(word)
        if script == "latin":
            runs[-1].append(index)
        elif script == "cyrillic" and runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _convert_run(words: List[str], orthography: Optional[str]) -> List[str]:
    """Cyrillic spellings of a run of Latin words; words left alone stay."""
    forced = orthography is not None
    if not forced:
        if not is_kazakh_run(words):
            return words
        orthography = guess_orthography(words)
    dotless_i = orthography == "2018" and any("ı" in w for w in words)
    out = []
    for word in words:
        keep = is_roman_numeral(word) or (not forced and letter_evidence(word) <= _FOREIGN_LETTERS_SCORE)
        out.append(word if keep else read_latin_word(word, orthography, dotless_i=dotless_i))
    return out


def to_cyrillic(text: str, orthography: Optional[str] = None) -> str:
    """Spell the Latin-script Kazakh in ``text`` in Cyrillic.

    With ``orthography=None`` each run of Latin words (a stretch no Cyrillic
    word interrupts) is checked as :func:`detect_orthography` does; runs that
    do not read as Kazakh, Roman numerals, and words with foreign letters
    (w, c, th ...) inside Kazakh runs are left alone. With an orthography
    every Latin word but Roman numerals is converted. Words mixing
    look-alike letters of both scripts are repaired first. Letters a Latin
    spelling does not tell apart (2018 i: і/и/й, h: х/һ, ts: ц/тс, ь) get
    the likeliest reading by rule; :class:`~kzsearch.script.Restorer`
    resolves them against a vocabulary.

    >>> to_cyrillic("Abaidyń qandai poemalary bar?")
    'Абайдың қандай поэмалары бар?'
    >>> to_cyrillic("Microsoft Windows жүйесі XIX ғасыр")
    'Microsoft Windows жүйесі XIX ғасыр'
    """
    if orthography is not None:
        check_orthography(orthography)
    text = unicodedata.normalize("NFC", text)
    if not _LATIN_LETTER.search(text):
        return text
    spans, words = split_words(text)
    words = [repair_mixed_script(w) if script_of(w) == "mixed" else w for w in words]
    for run in _latin_runs(words):
        for index, converted in zip(run, _convert_run([words[i] for i in run], orthography)):
            words[index] = converted
    return join_words(text, spans, words)


def to_folded(text: str, orthography: Optional[str] = None) -> str:
    """The loose fold key (see :func:`~kzsearch.script.convert.loose_fold`) of
    a Latin-script (or Cyrillic, or mixed) Kazakh text: every Latin word is
    read as Kazakh, so a Latin query word can be looked up among the keys of
    the vocabulary. Any orthography's spelling of a word gives the key of its
    Cyrillic spelling.

    >>> to_folded("Qoǵamynda"), to_folded("qoğamynda"), to_folded("qogamynda")
    ('когамында', 'когамында', 'когамында')
    >>> loose_fold("қоғамында")
    'когамында'
    """
    if orthography is None:
        orthography = guess_orthography(LATIN_WORD.findall(normalize_latin(text)))
    return loose_fold(to_cyrillic(text, orthography))
