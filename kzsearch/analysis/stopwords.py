"""Stopword lists (``data/stopwords_kk.txt``, ``data/stopwords_ru.txt``).

Kazakh stopwords are matched on the token's surface form (the list spells out
the inflected pronouns), Russian ones on the pymorphy3 lemma.

>>> "және" in KAZAKH_STOPWORDS, "мектеп" in KAZAKH_STOPWORDS
(True, False)
>>> "который" in RUSSIAN_STOPWORDS
True
"""
from __future__ import annotations

from typing import FrozenSet

from .wordlists import load_words

KAZAKH_STOPWORDS: FrozenSet[str] = load_words("stopwords_kk.txt")
RUSSIAN_STOPWORDS: FrozenSet[str] = load_words("stopwords_ru.txt")
