"""Russian lemmas through pymorphy3, created lazily and cached per word.

The pymorphy3 ``MorphAnalyzer`` is built on first use, shared by all
lemmatizers of the process, and is not part of the pickled state, so a
:class:`RussianLemmatizer` is cheap to send to worker processes.

>>> lemmatize = RussianLemmatizer()
>>> [lemmatize(w) for w in "министерства образования и науки".split()]
['министерство', 'образование', 'и', 'наука']
"""
from __future__ import annotations

import os
from typing import Dict, Optional

#: Clear the per-word cache when it grows past this many word types.
CACHE_LIMIT = 200_000
#: Words longer than this are returned as they are.
MAX_LEMMATIZABLE_LENGTH = 40


_MORPH = None


def _shared_morph_analyzer():
    global _MORPH
    if _MORPH is None:
        import pymorphy3

        _MORPH = pymorphy3.MorphAnalyzer(path=_dictionary_path(pymorphy3), lang="ru")
    return _MORPH


def _dictionary_path(pymorphy3) -> Optional[str]:
    """The folder of pymorphy3's Russian dictionary package, or None to let pymorphy3 find it.

    Without a path pymorphy3 looks the dictionary up among the entry points of every
    installed package (``importlib.metadata``), which took about a quarter of its
    load (10 of 41 ms CPU); the package it finds for ``"ru"`` is
    ``pymorphy3_dicts_ru``, asked here directly. Its environment variable still wins.
    """
    if pymorphy3.MorphAnalyzer.DICT_PATH_ENV_VARIABLE in os.environ:
        return None
    try:
        import pymorphy3_dicts_ru
    except ImportError:  # another dictionary package: pymorphy3's own search
        return None
    return pymorphy3_dicts_ru.get_path()


class RussianLemmatizer:
    """Callable: one lowercase Russian word -> its dictionary form."""

    def __init__(self) -> None:
        self._morph = None
        self._cache: Dict[str, str] = {}

    @property
    def morph(self):
        if self._morph is None:
            self._morph = _shared_morph_analyzer()
        return self._morph

    def __call__(self, word: str) -> str:
        lemma = self._cache.get(word)
        if lemma is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            lemma = self._cache[word] = self._lemmatize(word)
        return lemma

    def _lemmatize(self, word: str) -> str:
        if len(word) > MAX_LEMMATIZABLE_LENGTH:
            return word
        try:
            lemma = self.morph.parse(word)[0].normal_form
        except Exception:  # pymorphy3 on odd input (surrogates, symbols): keep the word
            return word
        return lemma.replace("ё", "е") or word

    def __getstate__(self):
        return {}

    def __setstate__(self, state) -> None:
        self.__init__()

    def __eq__(self, other) -> bool:
        return isinstance(other, RussianLemmatizer)

    def __hash__(self) -> int:
        return hash(RussianLemmatizer)
