"""analyze_batch joins and checks a batch's positions once: the same as document by document."""
import random

import numpy as np
import pytest

from kzsearch.analysis import Analyzer
from kzsearch.parallel import analyze_batch

from conftest import split_words

WORDS = ["мектеп", "облыс", "және", "іс-шара", "2025-2027", "AMANAT", "су", ""]


class WithPositions:
    """A custom analyzer with positions of its own, as lists (gaps; a word at two positions)."""

    def __call__(self, text):
        return self.analyze_positions(text)[0]

    def analyze_positions(self, text):
        words = split_words(text)
        return words + words[:1], [2 * i for i in range(len(words))] + ([0] if words else [])


def reference(analyze, texts):
    terms, positions = [], []
    for text in texts:
        of = getattr(analyze, "positions_array", None) or getattr(analyze, "analyze_positions", None)
        if of is None:
            t = analyze(text)
            p = list(range(len(t)))
        else:
            t, p = of(text)
        terms += t
        positions += list(p)
    return terms, positions


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("analyze", [split_words, WithPositions(), Analyzer()], ids=["plain", "lists", "Analyzer"])
def test_batch_positions_equal_per_document_ones(seed, analyze):
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 9))) for _ in range(rng.randint(0, 30))]
    batch = analyze_batch(analyze, texts, positions=True)
    terms, positions = reference(analyze, texts)
    assert list(batch.terms) == terms and batch.positions.dtype == np.int32
    assert batch.positions.tolist() == positions
    assert batch.lengths.sum() == len(terms)


class Bad:
    def __init__(self, positions):
        self.positions = positions

    def __call__(self, text):
        return ["a", "b"]

    def analyze_positions(self, text):
        return ["a", "b"], self.positions


@pytest.mark.parametrize("positions", [[0], [0, 1, 2], [0, -1]])
def test_positions_that_do_not_fit_their_terms_are_a_value_error(positions):
    with pytest.raises(ValueError, match="one position >= 0 per term"):
        analyze_batch(Bad(positions), ["x", "y"], positions=True)
