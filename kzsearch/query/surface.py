"""Surface words: every word as written in the documents, with its frequency.

The index keeps stems; completions and typo correction need the words people
actually type. :class:`SurfaceWords` counts the lower-cased letter runs of a
collection's texts (:func:`count_words`, one regular-expression pass over the
texts joined, no analysis) and keeps them in two sorted orders for prefix
ranges: by the word, and by its loose keyboard fold
(:func:`kzsearch.script.loose_fold`: қ->к, і->и, й->и ...), so that a prefix
typed on a Russian keyboard or read from Latin meets its Kazakh words.

Memory is bounded: past ``max_words`` distinct words only the most frequent
are kept (a word seen once in a huge collection is rarely worth completing).

>>> words = SurfaceWords.from_texts(["Қазақ тілі. Қазақстан", "қазақ әні"])
>>> words.top(words.prefix_range("қаз"), 5)
[('қазақ', 2), ('қазақстан', 1)]
>>> words.top(words.folded_range("каз"), 1)
[('қазақ', 2)]
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from typing import Iterable, List, Sequence, Tuple

import numpy as np

from ..script import loose_fold

#: a word: a run of letters (hyphens, digits and apostrophes split words)
WORD = re.compile(r"[^\W\d_]+")
#: most distinct words kept (the most frequent ones)
MAX_WORDS = 1_000_000
#: texts joined per regular-expression pass (bounds the temporary string)
CHUNK_TEXTS = 1_000


def count_words(texts: Iterable[str]) -> Counter:
    """Lower-cased letter runs of ``texts`` and how often each occurs.

    >>> count_words(["Мектеп, мектепке!", "МЕКТЕП 2025"]).most_common()
    [('мектеп', 2), ('мектепке', 1)]
    """
    counts: Counter = Counter()
    chunk: List[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) >= CHUNK_TEXTS:
            counts.update(WORD.findall("\n".join(chunk).lower()))
            chunk = []
    if chunk:
        counts.update(WORD.findall("\n".join(chunk).lower()))
    return counts


def _upper_bound(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix``."""
    return prefix + "\U0010ffff"


class SurfaceWords:
    """Surface words with counts, in word order and in fold order (see the module docstring)."""

    __slots__ = ("words", "counts", "_folded", "_fold_order")

    def __init__(self, counts: Counter, max_words: int = MAX_WORDS) -> None:
        if len(counts) > max_words:
            counts = Counter(dict(counts.most_common(max_words)))
        self.words: List[str] = sorted(counts)
        self.counts = np.fromiter((counts[w] for w in self.words), dtype=np.int64, count=len(self.words))
        keys = [loose_fold(w) for w in self.words]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._folded: List[str] = [keys[i] for i in order]
        self._fold_order = np.array(order, dtype=np.int64)

    @classmethod
    def from_texts(cls, texts: Iterable[str], max_words: int = MAX_WORDS) -> "SurfaceWords":
        return cls(count_words(texts), max_words)

    def __len__(self) -> int:
        return len(self.words)

    def count(self, word: str) -> int:
        """How often ``word`` (lower case) occurs; 0 if never."""
        i = bisect_left(self.words, word)
        return int(self.counts[i]) if i < len(self.words) and self.words[i] == word else 0

    def prefix_range(self, prefix: str) -> np.ndarray:
        """Numbers of the words that start with ``prefix``."""
        lo = bisect_left(self.words, prefix)
        hi = bisect_left(self.words, _upper_bound(prefix), lo)
        return np.arange(lo, hi, dtype=np.int64)

    def folded_range(self, folded_prefix: str) -> np.ndarray:
        """Numbers of the words whose loose fold starts with ``folded_prefix``."""
        lo = bisect_left(self._folded, folded_prefix)
        hi = bisect_left(self._folded, _upper_bound(folded_prefix), lo)
        return self._fold_order[lo:hi]

    def top(self, numbers: np.ndarray, k: int) -> List[Tuple[str, int]]:
        """The ``k`` most frequent of the words ``numbers``, most frequent first,
        ties in word order."""
        if k <= 0 or not len(numbers):
            return []
        counts = self.counts[numbers]
        if len(numbers) > k:
            kth = np.partition(counts, len(counts) - k)[len(counts) - k]
            keep = counts >= kth
            numbers, counts = numbers[keep], counts[keep]
        order = np.lexsort((numbers, -counts))[:k]
        return [(self.words[i], int(c)) for i, c in zip(numbers[order].tolist(), counts[order].tolist())]

    def nbytes(self) -> int:
        """Approximate memory: the strings, two lists and the arrays."""
        strings = sum(49 + 2 * len(w) for w in self.words) * 2  # words and their fold keys
        return strings + 8 * 2 * len(self.words) + self.counts.nbytes + self._fold_order.nbytes


def words_of(query: str) -> Sequence[str]:
    """Lower-cased words of a typed query, as :class:`SurfaceWords` counts them."""
    return WORD.findall(query.lower())
