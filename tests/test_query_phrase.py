"""Phrase matching over position arrays against a brute force over every choice of occurrences."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kzsearch.query.phrase import match_phrase


def occurrences(docs_tokens, term):
    docs, positions = [], []
    for d, tokens in enumerate(docs_tokens):
        for p, t in enumerate(tokens):
            if t == term:
                docs.append(d)
                positions.append(p)
    return np.array(docs, dtype=np.int64), np.array(positions, dtype=np.int64)


def brute_force(docs_tokens, phrase, offsets, slop):
    """{doc: matches}: occurrences of the first word from which every other word has an
    occurrence such that all adjusted positions (position - offset) lie within slop."""
    found = {}
    for d, tokens in enumerate(docs_tokens):
        where = [[p for p, t in enumerate(tokens) if t == term] for term in phrase]
        count = 0
        for anchor in where[0]:
            a = anchor - offsets[0]
            for choice in itertools.product(*where[1:]):
                adjusted = [a] + [p - q for p, q in zip(choice, offsets[1:])]
                if max(adjusted) - min(adjusted) <= slop:
                    count += 1
                    break
        if count:
            found[d] = count
    return found


def run(docs_tokens, phrase, offsets, slop):
    occ = [occurrences(docs_tokens, t) for t in phrase]
    m = match_phrase([d for d, _ in occ], [p for _, p in occ], offsets, slop)
    docs, counts = m.counts()
    return dict(zip(docs.tolist(), counts.tolist())), m


def test_exact_phrase_spans():
    docs = [["x", "a", "b", "a", "b"], ["b", "a"]]
    found, m = run(docs, ["a", "b"], [0, 1], 0)
    assert found == {0: 2}
    assert m.first.tolist() == [1, 3] and m.last.tolist() == [2, 4]


def test_a_stopword_gap_in_the_phrase_must_be_there_in_the_text():
    docs = [["a", "stop", "b"], ["a", "b"]]
    assert run(docs, ["a", "b"], [0, 2], 0)[0] == {0: 1}


def test_slop_counts_like_lucene():
    docs = [["a", "x", "b"], ["b", "a"], ["b", "x", "a"]]
    assert run(docs, ["a", "b"], [0, 1], 0)[0] == {}
    assert run(docs, ["a", "b"], [0, 1], 1)[0] == {0: 1}
    assert run(docs, ["a", "b"], [0, 1], 2)[0] == {0: 1, 1: 1}      # a swap costs 2
    assert run(docs, ["a", "b"], [0, 1], 3)[0] == {0: 1, 1: 1, 2: 1}


def test_bad_arguments():
    with pytest.raises(ValueError):
        match_phrase([], [], [])
    with pytest.raises(ValueError):
        match_phrase([np.zeros(1)], [np.zeros(1)], [0], slop=-1)


VOCAB = ["a", "b", "c", "d"]


@settings(max_examples=300, deadline=None)
@given(docs=st.lists(st.lists(st.sampled_from(VOCAB), max_size=9), min_size=1, max_size=6),
       phrase=st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4),
       gaps=st.lists(st.integers(1, 2), min_size=3, max_size=3),
       slop=st.integers(0, 4))
def test_matches_agree_with_brute_force(docs, phrase, gaps, slop):
    offsets = [0] + list(itertools.accumulate(gaps[:len(phrase) - 1]))
    found, m = run(docs, phrase, offsets, slop)
    assert found == brute_force(docs, phrase, offsets, slop)
    # each match's span holds the phrase's words and is no wider than the phrase plus the slop
    for d, first, last in zip(m.docs.tolist(), m.first.tolist(), m.last.tolist()):
        assert 0 <= first <= last < len(docs[d])
        assert last - first <= offsets[-1] - offsets[0] + slop
        assert docs[d][first] in phrase and docs[d][last] in phrase
