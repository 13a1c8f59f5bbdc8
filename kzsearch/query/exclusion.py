"""Words with exclusions (``облыс бюджеті -мектеп``) on the bag-of-words searcher's pruned path.

Excluded clauses only filter, so the top k of such a query are the first k
documents of the plain words' own ranking that no excluded clause matches.
The bag-of-words searcher finds the plain words' top ``k + MARGIN`` with
dynamic pruning (:mod:`kzsearch.engine.pruning`); the excluded documents
among those few are dropped with binary searches; if at least ``k`` are
left, or the ranking had no more documents, they are the answer — the same
ids and scores the exhaustive evaluation gives — else None, and the caller
evaluates the query exhaustively.

>>> from kzsearch import Index
>>> from kzsearch.query.execute import Scorer, matching_docs
>>> from kzsearch.query.resolve import BoolNode, TermNode
>>> index = Index(analyzer=str.split)
>>> index.add(["a b", "a c", "a"])
>>> node = BoolNode(should=(TermNode("a", 0),), must_not=(TermNode("c", 2),))
>>> scorer = Scorer(index._snapshot, "lucene", index.settings.params, len(index.vocabulary))
>>> top_k_excluding(node, scorer, 5, matching_docs)[0].tolist()
[2, 0]
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import numpy as np

from ..engine import searcher
from .resolve import BoolNode, Node, TermNode

#: extra documents asked of the pruned search, to make up for excluded ones
MARGIN = 10


def plain_terms(node: Node) -> Optional[List[Tuple[int, float]]]:
    """(term id, weight) if ``node`` is distinct whole-document optional terms (plus exclusions).

    (Syntax whose excluded words are all stopwords leaves plain words.)
    """
    if not isinstance(node, BoolNode) or node.must or not node.should:
        return None
    if not all(isinstance(c, TermNode) and c.field is None for c in node.should):
        return None
    ids = [c.term_id for c in node.should]  # type: ignore[union-attr]
    if len(set(ids)) != len(ids):
        return None  # repeated words: the searcher would weight, not add, them
    return [(c.term_id, c.weight) for c in node.should if c.term_id >= 0]  # type: ignore[union-attr]


def _holds(snapshot, term_id: int, positions: np.ndarray) -> np.ndarray:
    """Whether each of the (live) documents ``positions`` holds the term: binary searches in
    each segment's postings, never a copy of them."""
    out = np.zeros(len(positions), dtype=bool)
    if term_id < 0:
        return out
    terms, which, lo, hi = snapshot.term_directory()
    a = int(np.searchsorted(terms, term_id, side="left"))
    b = int(np.searchsorted(terms, term_id, side="right"))
    for s, l, h in zip(which[a:b].tolist(), lo[a:b].tolist(), hi[a:b].tolist()):
        base = int(snapshot.bases[s])
        docs = snapshot.segments[s].docs[l:h]
        inside = (positions >= base) & (positions < base + snapshot.segments[s].n_docs)
        local = positions[inside] - base
        at = np.searchsorted(docs, local)
        at[at == len(docs)] = 0
        out[inside] = docs[at] == local
    return out


def top_k_excluding(node: Node, scorer, k: int,
                    matching_docs: Callable[[Node, object], np.ndarray]) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """The top ``k`` of words-with-exclusions from the pruned searcher, or None (see the module docstring)."""
    terms = plain_terms(node)
    if terms is None or scorer.stats is not None or scorer.bm25f:
        return None
    asked = k + MARGIN if node.must_not else k  # type: ignore[union-attr]
    positions, scores = searcher.search(scorer.snapshot, terms, asked, scorer.method, scorer.params,
                                        scorer.vocab_size)
    keep = np.ones(len(positions), dtype=bool)
    assert isinstance(node, BoolNode)
    for clause in node.must_not:
        if not len(positions):
            break
        if isinstance(clause, TermNode) and clause.field is None:
            keep &= ~_holds(scorer.snapshot, clause.term_id, positions)
        else:
            keep &= ~np.isin(positions, matching_docs(clause, scorer))
    if int(keep.sum()) < k and len(positions) == asked:
        return None
    return positions[keep][:k], scores[keep][:k]
