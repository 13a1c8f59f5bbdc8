"""The term dictionary: an append-only map from term strings to integer ids.

Ids are handed out in order of first occurrence and never change, so every
segment can store postings under global ids and segments built at different
times are searched and merged without translation tables.

>>> vocab = Vocabulary()
>>> vocab.add_terms(["облыс", "бюджет", "облыс"]).tolist()
[0, 1, 0]
>>> vocab.lookup(["бюджет", "жоқ"]).tolist()
[1, -1]
"""
from __future__ import annotations

from itertools import filterfalse, repeat
from typing import Dict, Iterable, List, Sequence

import numpy as np


class Vocabulary:
    """Append-only term -> id map (see the module docstring)."""

    __slots__ = ("_ids", "_terms")

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self._terms: List[str] = list(terms)
        self._ids: Dict[str, int] = dict(zip(self._terms, range(len(self._terms))))
        if len(self._ids) != len(self._terms):
            raise ValueError("vocabulary terms must be distinct")

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, term: object) -> bool:
        return term in self._ids

    def get(self, term: str, default: int = -1) -> int:
        return self._ids.get(term, default)

    def term(self, term_id: int) -> str:
        return self._terms[term_id]

    @property
    def terms(self) -> Sequence[str]:
        """All terms in id order (do not modify)."""
        return self._terms

    def lookup(self, terms: Sequence[str]) -> np.ndarray:
        """Ids of ``terms`` (int64), -1 for a term not in the vocabulary."""
        get = self._ids.get
        return np.fromiter((get(t, -1) for t in terms), dtype=np.int64, count=len(terms))

    def add_terms(self, terms: Sequence[str]) -> np.ndarray:
        """Ids of ``terms`` (int32), adding the new ones in order of first occurrence.

        One C-level dict lookup per token (``map``); where few terms are new,
        Python code runs only for their tokens, and where many are (a first
        batch), they are added at C speed and looked up once more.
        """
        if not self._ids:
            return self._add_all(terms)
        ids = np.fromiter(map(self._ids.get, terms, repeat(-1)), dtype=np.int64, count=len(terms))
        missing = np.flatnonzero(ids < 0)
        if not len(missing):
            return ids.astype(np.int32)
        if len(missing) * 8 > len(terms):
            return self._add_all(terms)
        missing_list = missing.tolist()
        self._extend(dict.fromkeys(terms[i] for i in missing_list))
        get = self._ids.__getitem__
        ids[missing] = [get(terms[i]) for i in missing_list]
        return ids.astype(np.int32)

    def _add_all(self, terms: Sequence[str]) -> np.ndarray:
        self._extend(filterfalse(self._ids.__contains__, dict.fromkeys(terms)))
        return np.fromiter(map(self._ids.__getitem__, terms), dtype=np.int32, count=len(terms))

    def _extend(self, new_terms: Iterable[str]) -> None:
        new = list(new_terms)
        start = len(self._terms)
        self._terms.extend(new)
        self._ids.update(zip(new, range(start, start + len(new))))

    def truncate(self, size: int) -> None:
        """Forget the terms added after the vocabulary had ``size`` of them (undo)."""
        for term in self._terms[size:]:
            del self._ids[term]
        del self._terms[size:]
