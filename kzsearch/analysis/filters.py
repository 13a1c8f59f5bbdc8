"""Token filters: what one raw token contributes to the index.

A raw token (as :mod:`.tokenize` finds it) becomes zero or more terms, each
with its position offset within the token (:func:`token_layout`):

* :func:`address_term` — a URL becomes its host (``gov.kz``), an e-mail stays whole;
* :func:`number_terms` — ``5,8`` and ``5.8`` -> ``5,8``; ``2025-2027`` -> ``2025 2027``;
  ``18.11.2025`` -> ``18 11 2025``; ``55-ші`` -> ``55``;
* :func:`compound_parts` — ``АҚШ-та`` is one word with an ending (-> ``ақш``);
  ``іс-шара`` gives its parts and, as one more term, the whole (``ісшара``);
* a word (letters only) goes to the analyzer's word function (stopwords,
  then the stemmer or the Russian lemmatizer, then the views).

>>> token_layout("іс-шара", lambda word: [word[:3]])
(['іс', 'шар', 'ісш'], [0, 1, 0])
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, List, Optional, Tuple

from .readings import is_ending
from .tokenize import is_address
from .views import is_view_term

#: Terms of a token and the position offset of each within the token.
Layout = Tuple[List[str], List[int]]

CYRILLIC = re.compile("[\u0400-\u04ff]")
_PART_SEPARATOR = re.compile("['–-]")
#: Dots, commas and underscores inside a token, except a decimal separator.
_SOFT_SEPARATOR = re.compile(r"_+|(?<!\d)[.,]|[.,](?!\d)")
_LETTERS_OR_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
#: A number, a range of numbers, and an optional ending after a hyphen.
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:[-–]\d+(?:[.,]\d+)*)*(?:-[^\W\d_].*)?")
_NUMBER_RANGE = re.compile("[-–]")


def address_term(token: str) -> str:
    """A URL's host without ``www.``; an e-mail address as it is.

    >>> address_term("https://www.gov.kz/memleket/entities?lang=kk")
    'gov.kz'
    """
    if "@" in token and "://" not in token:
        return token.strip(".")
    host = token.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def number_terms(token: str) -> Tuple[List[str], str]:
    """Numbers of a number token, and the text after a hyphen if any.

    A single decimal separator is a decimal comma (``5.8`` -> ``5,8``); more
    separators make a date or a list (``18.11.2025`` -> three numbers).

    >>> number_terms("5.8"), number_terms("2025-2027"), number_terms("55-ші")
    ((['5,8'], ''), (['2025', '2027'], ''), (['55'], 'ші'))
    """
    ending = ""
    head = token
    dash = head.find("-", 1)
    while dash != -1 and dash + 1 < len(head) and head[dash + 1].isdigit():
        dash = head.find("-", dash + 1)
    if dash != -1:
        head, ending = head[:dash], head[dash + 1:]
    numbers: List[str] = []
    for number in _NUMBER_RANGE.split(head):
        if not number:
            continue
        separators = number.count(".") + number.count(",")
        if separators == 1:
            numbers.append(number.replace(".", ","))
        elif separators:
            numbers.extend(n for n in re.split("[.,]", number) if n)
        else:
            numbers.append(number)
    return numbers, ending


def compound_parts(token: str) -> Tuple[List[str], Optional[str]]:
    """Parts of a hyphenated token to analyse, and the whole to add (or None).

    An ending after the hyphen stays with its base (``АҚШ-та``); otherwise
    the parts are words of their own and the whole, written solid, is one
    more term: ``іс-шара`` -> ``іс``, ``шара`` + ``ісшара``.

    >>> compound_parts("ақш-та"), compound_parts("іс-шаралар")
    ((['ақш'], None), (['іс', 'шаралар'], 'ісшаралар'))
    """
    parts = [p for p in _PART_SEPARATOR.split(token) if p]
    if len(parts) <= 1:
        return parts, None
    if is_ending("".join(parts[1:])):
        return parts[:1], None
    return parts, "".join(parts)


def token_layout(token: str, word_terms: Callable[[str], List[str]], compounds: bool = True) -> Layout:
    """Terms of one raw token and the position offset of each within the token.

    ``word_terms`` gives the terms of one word (letters only); ``compounds``
    adds the solid whole of a hyphenated compound, at its first part's position.

    >>> token_layout("2025-2027", str.split), token_layout("ikomek109", lambda w: [w])
    ((['2025', '2027'], [0, 1]), (['ikomek', '109'], [0, 1]))
    """
    if token.isalpha():
        terms = word_terms(token)
        return terms, [0] * len(terms)
    if token.isdigit():
        return [token], [0]
    if is_address(token):
        return [address_term(token)], [0]
    pieces = [p for p in _SOFT_SEPARATOR.split(token) if p]
    if pieces != [token]:
        return _chain(token_layout(p, word_terms, compounds) for p in pieces)
    if _NUMBER_TOKEN.fullmatch(token):
        numbers, ending = number_terms(token)
        layout = (numbers, list(range(len(numbers))))
        if ending and not is_ending(ending):
            return _chain([layout, token_layout(ending, word_terms, compounds)])
        return layout
    if "-" in token or "'" in token or "–" in token:
        if not CYRILLIC.search(token):
            return [token], [0]  # a Latin word with an apostrophe or hyphen: o'zi, covid-19
        parts, whole = compound_parts(token)
        terms, offsets = _chain(token_layout(p, word_terms, compounds) for p in parts)
        if whole and compounds and sum(not is_view_term(t) for t in terms) > 1:
            solid = word_terms(whole)
            terms, offsets = terms + solid, offsets + [offsets[0]] * len(solid)
        return terms, offsets
    runs = _LETTERS_OR_NUMBERS.findall(token)
    if runs == [token] or not runs:
        return [token], [0]  # other number-like characters (Ⅻ, ²)
    return _chain(token_layout(run, word_terms, compounds) for run in runs)


def _chain(layouts: Iterable[Tuple[List[str], List[int]]]) -> Tuple[List[str], List[int]]:
    """Layouts of consecutive pieces of a token as one; a piece without terms takes one position."""
    terms: List[str] = []
    offsets: List[int] = []
    start = 0
    for piece_terms, piece_offsets in layouts:
        terms += piece_terms
        offsets += [start + o for o in piece_offsets]
        start += max(piece_offsets) + 1 if piece_offsets else 1
    return terms, offsets
