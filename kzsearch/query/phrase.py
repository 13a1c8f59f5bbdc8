"""Phrase and sloppy-phrase matching over position arrays, vectorised.

Input: for each word of the phrase, its occurrences as two parallel arrays
(``docs``, ``positions``) sorted by document, then position, and the word's
offset within the phrase (``offsets``, from the analysed phrase: a stopword
inside the phrase leaves a gap, as it does in the index).

An occurrence of word i at position p stands for a phrase start at
``p - offsets[i]`` (its *adjusted* position). Every match is anchored at an
occurrence of the first word:

* exact phrase (``slop=0``): the other words all have an occurrence whose
  adjusted position equals the anchor's — one shift and one binary search
  per word over (document, position) keys;
* sloppy phrase (``slop=k``): Lucene's rule — the chosen occurrences'
  adjusted positions lie within ``k`` of each other (their *match length*
  ``max - min`` is at most ``k``). Moving one word by one position costs 1;
  swapping two adjacent words costs 2, so ``"a b"~2`` finds ``b a``.

The number of matches in a document (the phrase's term frequency) is the
number of first-word occurrences that anchor a match. Each word of the
phrase picks its occurrence independently, so a word repeated inside a
sloppy phrase may be matched by one occurrence twice.

Only the occurrences of each word just before and just after the anchor
(in adjusted positions) can be the best choice for a window that holds the
anchor, so the sloppy search is a handful of array operations per word,
never a loop over documents or positions.

>>> docs = [np.array([0, 0, 1]), np.array([0, 1])]
>>> positions = [np.array([0, 5, 2]), np.array([1, 1])]
>>> m = match_phrase(docs, positions, offsets=[0, 1])
>>> m.docs.tolist(), m.first.tolist(), m.last.tolist()
([0], [0], [1])
>>> match_phrase(docs, positions, [0, 1], slop=2).docs.tolist()  # "b a" in doc 1
[0, 1]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

_POS_BITS = 34          # positions (biased) take the low 34 bits of a key
_BIAS = 1 << 32         # added to adjusted positions so that they stay >= 0
_ABSENT = 1 << 40       # distance to an occurrence that does not exist


@dataclass(frozen=True)
class PhraseMatches:
    """Matches in (document, position) order: document, first and last matched position."""

    docs: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def counts(self) -> "tuple[np.ndarray, np.ndarray]":
        """(documents with a match, number of matches in each), documents ascending."""
        if not len(self.docs):
            return self.docs, np.zeros(0, dtype=np.int64)
        change = np.flatnonzero(np.diff(self.docs)) + 1
        starts = np.concatenate(([0], change))
        return self.docs[starts], np.diff(np.append(starts, len(self.docs)))


def _keys(docs: np.ndarray, positions: np.ndarray, offset: int) -> np.ndarray:
    """(document, adjusted position) as one sortable int64 key."""
    key = np.asarray(docs, dtype=np.int64) << _POS_BITS
    key += np.asarray(positions, dtype=np.int64) + (_BIAS - offset)
    return key


def match_phrase(docs: Sequence[np.ndarray], positions: Sequence[np.ndarray],
                 offsets: Sequence[int], slop: int = 0) -> PhraseMatches:
    """Every match of the phrase (see the module docstring).

    ``docs[i]``/``positions[i]`` are the occurrences of word i, sorted by
    (document, position); ``offsets[i]`` its offset within the phrase.
    """
    if not (len(docs) == len(positions) == len(offsets)) or not len(docs):
        raise ValueError("docs, positions and offsets must have one entry per phrase word")
    if slop < 0:
        raise ValueError(f"slop must be >= 0, got {slop}")
    keys = [_keys(d, p, q) for d, p, q in zip(docs, positions, offsets)]
    anchor = keys[0]
    offsets = [int(q) for q in offsets]
    if slop == 0:
        keep = np.ones(len(anchor), dtype=bool)
        for other in keys[1:]:
            keep &= _contains(other, anchor)
        anchor = anchor[keep]
        start = (anchor & ((1 << _POS_BITS) - 1)) - _BIAS
        return PhraseMatches(anchor >> _POS_BITS, start + min(offsets), start + max(offsets))
    return _sloppy(anchor, keys[1:], offsets, slop)


def _contains(sorted_keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``sorted_keys``."""
    if not len(sorted_keys):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_keys, values)
    at[at == len(sorted_keys)] = 0
    return sorted_keys[at] == values


def _sloppy(anchor: np.ndarray, others: Sequence[np.ndarray], offsets: Sequence[int],
            slop: int) -> PhraseMatches:
    n = len(anchor)
    left = np.empty((len(others), n), dtype=np.int64)    # anchor - nearest at or before
    right = np.empty((len(others), n), dtype=np.int64)   # nearest at or after - anchor
    for row, keys in enumerate(others):
        if not len(keys):
            left[row] = right[row] = _ABSENT
            continue
        after = np.searchsorted(keys, anchor, side="left")
        before = np.searchsorted(keys, anchor, side="right") - 1
        right[row] = np.where(after < len(keys), keys[np.minimum(after, len(keys) - 1)] - anchor, _ABSENT)
        left[row] = np.where(before >= 0, anchor - keys[np.maximum(before, 0)], _ABSENT)
    np.minimum(left, _ABSENT, out=left)
    np.minimum(right, _ABSENT, out=right)
    # the window reaches `reach` to the left of the anchor: 0 or one word's left distance;
    # words farther left than that must be taken on the right
    best_span = np.full(n, 2 * _ABSENT, dtype=np.int64)
    best_reach = np.zeros(n, dtype=np.int64)
    for reach in [np.zeros(n, dtype=np.int64)] + list(left):
        span = reach + np.where(left <= reach, 0, right).max(axis=0, initial=0)
        better = span < best_span
        best_span[better] = span[better]
        best_reach[better] = reach[better]
    ok = best_span <= slop
    anchor, best_reach = anchor[ok], best_reach[ok]
    start = (anchor & ((1 << _POS_BITS) - 1)) - _BIAS
    first = start + offsets[0]
    last = first.copy()
    for row in range(len(others)):
        take_left = left[row][ok] <= best_reach
        chosen = np.where(take_left, start - left[row][ok], start + right[row][ok]) + offsets[row + 1]
        np.minimum(first, chosen, out=first)
        np.maximum(last, chosen, out=last)
    return PhraseMatches(anchor >> _POS_BITS, first, last)
