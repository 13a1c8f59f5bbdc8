"""Search-as-you-type: completing the last word of a partial query.

The last word of what was typed is a prefix; its completions are the surface
words of the collection (:class:`~kzsearch.query.surface.SurfaceWords`) that
start with it, most frequent first, each returned as the whole query with
that word completed (earlier words kept as typed). A prefix with Kazakh
letters completes as written; one without (typed on a Russian keyboard,
*каз*) or in Latin (*qaz*) completes by keyboard fold, so it meets *қазақ*.
A query that ends in a space or punctuation has no word to complete.

>>> from kzsearch.query.surface import SurfaceWords
>>> words = SurfaceWords.from_texts(["Қазақстан қазақ қазақ тілі", "денсаулық сақтау"])
>>> complete(words, "денсаулық са", 3)
['денсаулық сақтау']
>>> complete(words, "каз", 2), complete(words, "Qaz", 1)
(['қазақ', 'қазақстан'], ['қазақ'])
"""
from __future__ import annotations

import re
from typing import List, Tuple

import numpy as np

from ..analysis.language import KAZAKH_LETTER, LATIN_LETTER
from ..script import loose_fold, to_folded
from .surface import SurfaceWords

_LAST_WORD = re.compile(r"[^\W\d_]+$")


def split_last_word(query: str) -> Tuple[str, str]:
    """(what comes before the last word, the last word); ("query", "") when it ends in no word.

    >>> split_last_word("денсаулық сақ")
    ('денсаулық ', 'сақ')
    """
    match = _LAST_WORD.search(query)
    if match is None:
        return query, ""
    return query[:match.start()], match.group()


def prefix_matches(words: SurfaceWords, prefix: str) -> np.ndarray:
    """Numbers of the surface words a typed prefix may stand for (see the module docstring)."""
    low = prefix.lower()
    if LATIN_LETTER.search(low):
        return words.folded_range(to_folded(low))
    if KAZAKH_LETTER.search(low):
        return words.prefix_range(low)
    return words.folded_range(loose_fold(low))


def complete(words: SurfaceWords, query: str, k: int = 10) -> List[str]:
    """Up to ``k`` completions of ``query``'s last word, most frequent first
    (see the module docstring)."""
    head, last = split_last_word(query)
    if not last or k <= 0:
        return []
    return [head + word for word, _ in words.top(prefix_matches(words, last), k)]
