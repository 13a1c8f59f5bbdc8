"""Queries as people type them: Russian-keyboard and Latin-script Kazakh.

A query with no Kazakh letter ("казакстан когамы") or in a Latin orthography
("Qazaqstan qoǵamy") is re-spelled before analysis by a
:class:`kzsearch.script.Restorer` built from the index's own vocabulary (each
term weighted by its document frequency), so it meets the terms the properly
written query would meet. Folding the index instead would merge words Kazakh
keeps apart (қол/кол/көл).

A query is left exactly as typed when it has Kazakh letters and no Latin
word, or when it reads as Russian (see :mod:`kzsearch.analysis.language`):
properly typed queries rank as they always did.

The restorer is built on the first query that needs it and rebuilt when the
vocabulary has grown by more than :data:`REBUILD_GROWTH` since; terms added
in between are not proposed until then.

>>> from kzsearch import Index
>>> index = Index()
>>> index.add(["Қазақстан қоғамы туралы", "Мектеп оқушылары"])
>>> index.search("казакстан когамы")[0].id
'0'
"""
from __future__ import annotations

import re
from typing import Callable, Optional, Sequence

import numpy as np

from .engine.locks import ForkSafeLock
from .analysis.views import is_view_term
from .analysis.language import KAZAKH_LETTER, LATIN_LETTER, RUSSIAN, sentence_language

#: rebuild the restorer when the vocabulary has grown by this share
REBUILD_GROWTH = 0.05

_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")


def needs_restoration(query: str) -> bool:
    """Whether ``query`` may be Kazakh typed without Kazakh letters or in Latin."""
    if LATIN_LETTER.search(query):
        return True
    if not _CYRILLIC_LETTER.search(query) or KAZAKH_LETTER.search(query):
        return False
    return sentence_language(query) != RUSSIAN


class QueryRestorer:
    """Re-spells folded and Latin queries against a vocabulary (see the module docstring)."""

    def __init__(self, stem: Callable[[str], str]) -> None:
        self.stem = stem
        self._restorer = None
        self._built_for = 0  # vocabulary size the restorer was built from
        self._lock = ForkSafeLock()  # fresh in forked search workers

    def restore(self, query: str, terms: Sequence[str], df: Callable[[], np.ndarray]) -> str:
        """``query`` re-spelled; ``terms`` is the vocabulary, ``df()`` its document frequencies."""
        restorer = self._current(terms, df)
        return restorer.restore_text(query, stem=self.stem) if restorer is not None else query

    def _current(self, terms: Sequence[str], df: Callable[[], np.ndarray]):
        from .script import Restorer

        with self._lock:
            size = len(terms)
            if self._restorer is None or size > self._built_for * (1 + REBUILD_GROWTH):
                counts = df()
                live = np.flatnonzero(counts[:size]).tolist()
                self._restorer = Restorer((terms[i], int(counts[i])) for i in live
                                          if not is_view_term(terms[i]))
                self._built_for = size
            return self._restorer


def restored_text(query: str, restorer: Optional[QueryRestorer], terms: Sequence[str],
                  df: Callable[[], np.ndarray]) -> str:
    """``query`` re-spelled when it needs it, else as it is."""
    if restorer is not None and needs_restoration(query):
        return restorer.restore(query, terms, df)
    return query
