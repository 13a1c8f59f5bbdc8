"""Finding the words within a few edits of a typed word: a deletion index.

The symmetric-deletion idea (SymSpell): two words within ``d`` edits share a
string made by deleting at most ``d`` letters from each. The index stores,
for every word, the hashes of its deletion variants (the word itself
included) in one sorted uint32 array beside an int32 array of word numbers;
a lookup hashes the typed word's variants and finds them all with one
``np.searchsorted``, then checks the few words that come back with the real
distance (:func:`kzsearch.query.edits.edit_distance`), so hash collisions
never leak through.

How many letters a word stores deletions for follows the
:class:`~kzsearch.query.edits.TypoSchedule`: a typed word of ``n`` letters
may carry ``max_edits(n)`` edits, and a stored word needs ``k`` deletions
only if some typed word allowed ``k`` edits can reach it (see
:meth:`DeletionIndex.stored_deletions`), so short words cost one entry.

>>> index = DeletionIndex(["денсаулық", "денсаулығы", "сақтау", "қала"])
>>> [(index.words[i], d) for i, d in index.lookup("денсалық")]
[('денсаулық', 1)]
>>> index.lookup("қаоа")   # four letters: no edit allowed
[]
"""
from __future__ import annotations

from typing import Iterable, List, Sequence, Set, Tuple

import numpy as np

from .edits import TypoSchedule, edit_distance


def deletion_variants(word: str, max_deletions: int) -> Set[str]:
    """``word`` and every string made by deleting up to ``max_deletions`` of its letters.

    >>> sorted(deletion_variants("қол", 1))
    ['ол', 'қл', 'қо', 'қол']
    """
    out = {word}
    level = [word]
    for _ in range(max_deletions):
        level = list({w[:i] + w[i + 1:] for w in level for i in range(len(w))})
        out.update(level)
    return out


class DeletionIndex:
    """Words within a few edits of a typed word (see the module docstring)."""

    __slots__ = ("words", "schedule", "_keys", "_ids")

    def __init__(self, words: Iterable[str], schedule: TypoSchedule = TypoSchedule()) -> None:
        self.words: List[str] = list(words)
        self.schedule = schedule
        keys: List[np.ndarray] = []
        counts: List[int] = []
        for word in self.words:
            variants = deletion_variants(word, self.stored_deletions(word))
            keys.append(np.fromiter(map(hash, variants), dtype=np.int64, count=len(variants)))
            counts.append(len(variants))
        key_array = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        ids = np.repeat(np.arange(len(self.words), dtype=np.int32), counts)
        key_array = (key_array & 0xFFFFFFFF).astype(np.uint32)  # 4 bytes: collisions are checked anyway
        order = np.argsort(key_array)
        self._keys = key_array[order]
        self._ids = ids[order]

    def stored_deletions(self, word: str) -> int:
        """Deletions a stored word needs: one per substitution, swap or dropped
        letter between it and a typed word, which has about its length."""
        return self.schedule.max_edits(word)

    @property
    def nbytes(self) -> int:
        """Memory of the arrays (the word list itself not counted)."""
        return int(self._keys.nbytes + self._ids.nbytes)

    def __len__(self) -> int:
        return len(self.words)

    def lookup(self, typed: str, max_edits: int = -1) -> List[Tuple[int, int]]:
        """(word number, edit distance) of the stored words within ``max_edits``
        of ``typed`` (default: what the schedule allows for its length), nearest
        first, then in storage order. ``typed`` itself is included when stored."""
        if max_edits < 0:
            max_edits = self.schedule.max_edits(typed)
        if not len(self._keys):
            return []
        hashes = (np.fromiter(map(hash, deletion_variants(typed, max_edits)), dtype=np.int64)
                  & 0xFFFFFFFF).astype(np.uint32)
        lo = np.searchsorted(self._keys, hashes, side="left")
        hi = np.searchsorted(self._keys, hashes, side="right")
        found = lo < hi
        if not found.any():
            return []
        lo, hi = lo[found], hi[found]
        spans = np.concatenate([self._ids[a:b] for a, b in zip(lo.tolist(), hi.tolist())])
        out = []
        for number in np.unique(spans).tolist():
            distance = edit_distance(typed, self.words[number])
            if distance <= max_edits:
                out.append((number, distance))
        out.sort(key=lambda pair: pair[1])
        return out


def brute_force_lookup(words: Sequence[str], typed: str, max_edits: int) -> List[Tuple[int, int]]:
    """What :meth:`DeletionIndex.lookup` must return, by comparing with every word."""
    out = [(i, edit_distance(typed, w)) for i, w in enumerate(words)]
    return sorted(((i, d) for i, d in out if d <= max_edits), key=lambda pair: pair[1])
