"""Running a resolved query over a snapshot: matching documents and their scores.

Every node evaluates to a :class:`Matches`: the global numbers of the
documents it matches (distinct; ascending for terms and phrases) and each
one's score, in flat arrays:

* a term: its live postings, BM25-weighted (times the node's weight);
* a phrase: the documents holding all its terms, then the phrase matches in
  their position arrays (:mod:`.phrase`); it scores like one term whose
  frequency is the number of matches and whose idf is the sum of its
  terms' idf (Lucene's PhraseQuery);
* a Boolean node: the intersection of its ``must`` clauses (or, with none,
  the union of its ``should`` clauses), minus every document a ``must_not``
  clause matches; a document's score is the sum of the scores of the
  ``must`` and ``should`` clauses it matches, in clause order. Excluded
  clauses only filter.

Terms and phrases are set operations on sorted arrays (binary searches of
the shorter list in the longer, ``np.searchsorted``); Boolean nodes add their clauses' scores into dense
per-thread buffers (``acc[docs] += scores``, as the bag-of-words searcher
does) and clear what they touched: no Python loop per document or posting.

>>> from kzsearch import Index
>>> from kzsearch.query.resolve import TermNode, BoolNode
>>> index = Index(analyzer=str.split)
>>> index.add(["a b", "a c", "b c"])
>>> ctx = Scorer(index._snapshot, "lucene", index.settings.params, len(index.vocabulary))
>>> node = BoolNode(should=(TermNode("a", 0),), must_not=(TermNode("c", 2),))
>>> evaluate(node, ctx).docs.tolist()
[0]
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..engine.searcher import Snapshot, top_k
from .phrase import match_phrase
from .resolve import BoolNode, Node, PhraseNode, TermNode
from .scorer import Scorer  # noqa: F401  (re-exported)

from ..engine.segment import FIELD_SHIFT

_NO_DOCS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Matches:
    """Documents (global numbers, distinct) and their scores."""

    docs: np.ndarray
    scores: np.ndarray

    @staticmethod
    def empty() -> "Matches":
        return Matches(_NO_DOCS, np.zeros(0))


def term_postings(snapshot: Snapshot, term_id: int, field: Optional[int],
                  per_field: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """(global docs as int64, term frequencies) of a term's live postings, in one field or all.

    ``per_field`` (whole document only): the frequencies per field, int32[F, n].
    """
    if term_id < 0:
        return _NO_DOCS, (np.zeros((snapshot.n_fields, 0), dtype=np.int32) if per_field else _NO_DOCS)
    if field is None:
        docs, tfs = snapshot.postings(np.array([term_id], dtype=np.int64), fields=per_field)[0]
        return docs.astype(np.int64, copy=False), tfs
    docs_parts, tf_parts = [], []
    for seg_no, seg, lo, hi in _directory_rows(snapshot, term_id):
        field_tfs = seg.field_tfs
        if field_tfs is None:  # a one-field segment
            field_tfs = seg.tfs[None, :]
        docs = seg.docs[lo:hi].astype(np.int64) + int(snapshot.bases[seg_no])
        tfs = field_tfs[field, lo:hi]
        keep = tfs > 0
        if seg.live is not None:
            keep &= seg.live[seg.docs[lo:hi]]
        docs_parts.append(docs[keep])
        tf_parts.append(tfs[keep])
    if not docs_parts:
        return _NO_DOCS, _NO_DOCS
    return np.concatenate(docs_parts), np.concatenate(tf_parts)


def _directory_rows(snapshot: Snapshot, term_id: int):
    """(segment number, segment, lo, hi) of each segment's postings of ``term_id``."""
    terms, which, lo, hi = snapshot.term_directory()
    a = int(np.searchsorted(terms, term_id, side="left"))
    b = int(np.searchsorted(terms, term_id, side="right"))
    for s, l, h in zip(which[a:b].tolist(), lo[a:b].tolist(), hi[a:b].tolist()):
        yield s, snapshot.segments[s], l, h


def occurrences(snapshot: Snapshot, term_id: int, docs: np.ndarray,
                field: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """(document, position) of every occurrence of a term in the sorted ``docs``.

    Positions are as stored (``field << 24 | position in field``); with
    ``field`` only that field's occurrences are kept.
    """
    doc_parts, pos_parts = [], []
    for seg_no, seg, lo, hi in _directory_rows(snapshot, term_id):
        positions = getattr(seg, "positions", None)
        pos_offsets = getattr(seg, "pos_offsets", None)
        if positions is None or pos_offsets is None:
            raise ValueError("phrase queries need positions, and this index keeps none "
                             f"(segment {seg.name!r}: built with positions=False or an older format)")
        base = int(snapshot.bases[seg_no])
        # the documents asked for that fall in this segment find their postings by binary search
        a, b = np.searchsorted(docs, [base, base + seg.n_docs])
        wanted = docs[a:b] - base
        seg_docs = seg.docs[lo:hi]
        at = np.searchsorted(seg_docs, wanted)
        at[at == len(seg_docs)] = 0
        selected = at[seg_docs[at] == wanted] if len(seg_docs) else _NO_DOCS
        if not len(selected):
            continue
        starts = pos_offsets[lo + selected].astype(np.int64)
        counts = pos_offsets[lo + selected + 1].astype(np.int64) - starts
        run_start = np.cumsum(counts) - counts
        flat = np.repeat(starts - run_start, counts) + np.arange(int(counts.sum()), dtype=np.int64)
        found_docs = np.repeat(seg_docs[selected].astype(np.int64) + base, counts)
        found_pos = positions[flat]
        if field is not None:
            keep = (found_pos >> FIELD_SHIFT) == field
            found_docs, found_pos = found_docs[keep], found_pos[keep]
        doc_parts.append(found_docs)
        pos_parts.append(found_pos)
    if not doc_parts:
        return _NO_DOCS, _NO_DOCS
    return np.concatenate(doc_parts), np.concatenate(pos_parts)


def phrase_frequencies(node: PhraseNode, scorer: Scorer) -> Tuple[np.ndarray, np.ndarray, List[int]]:
    """(documents with a phrase match, matches in each, local df of each phrase term).

    Under BM25F a whole-document phrase counts its matches per field (int32[F, n]).
    """
    postings = [term_postings(scorer.snapshot, t, node.field) for t in node.term_ids]
    local_df = [_local_df(scorer, t, d, node.field) for t, (d, _) in zip(node.term_ids, postings)]
    if min(len(d) for d, _ in postings) == 0:
        return _NO_DOCS, _NO_DOCS, local_df
    candidates = min((d for d, _ in postings), key=len)
    for docs, _ in postings:
        if docs is not candidates and len(candidates):
            at = np.searchsorted(docs, candidates)  # the smaller list probes the larger one
            at[at == len(docs)] = 0
            candidates = candidates[docs[at] == candidates]
    if not len(candidates):
        return _NO_DOCS, _NO_DOCS, local_df
    found = {t: occurrences(scorer.snapshot, t, candidates, node.field) for t in set(node.term_ids)}
    matches = match_phrase([found[t][0] for t in node.term_ids], [found[t][1] for t in node.term_ids],
                           node.offsets, node.slop)
    docs, counts = matches.counts()
    if scorer.bm25f and node.field is None and len(docs):
        row = np.searchsorted(docs, matches.docs)
        per_field = np.zeros((scorer.snapshot.n_fields, len(docs)), dtype=np.int32)
        np.add.at(per_field, (matches.first >> FIELD_SHIFT, row), 1)
        return docs, per_field, local_df
    return docs, counts, local_df


def evaluate(node: Node, scorer: Scorer) -> Matches:
    """The documents ``node`` matches and their scores (see the module docstring)."""
    if isinstance(node, TermNode):
        per_field = scorer.bm25f and node.field is None
        docs, tfs = term_postings(scorer.snapshot, node.term_id, node.field, per_field)
        if not len(docs):
            return Matches.empty()
        term_idf = scorer.idf(node.term, _local_df(scorer, node.term_id, docs, node.field))
        return Matches(docs, scorer.score(docs, tfs, node.field, term_idf, node.weight))
    if isinstance(node, PhraseNode):
        docs, counts, local_df = phrase_frequencies(node, scorer)
        if not len(docs):
            return Matches.empty()
        phrase_idf = phrase_idf_sum(node, local_df, scorer)
        return Matches(docs, scorer.score(docs, counts, node.field, phrase_idf, 1.0))
    return _evaluate_bool(node, scorer)


def _local_df(scorer: Scorer, term_id: int, docs: np.ndarray, field: Optional[int]) -> int:
    """Live documents holding the term anywhere (df counts documents, whatever the field)."""
    if field is None:
        return len(docs)
    if term_id < 0:  # a term the index does not know (not df of the last term, as [-1] would give)
        return 0
    return int(scorer.snapshot.document_frequencies(scorer.vocab_size)[term_id])


def phrase_idf_sum(node: PhraseNode, local_df: Sequence[int], scorer: Scorer) -> float:
    """Sum of the idf of the phrase's terms, left to right."""
    total = 0.0
    for term, df in zip(node.terms, local_df):
        total += scorer.idf(term, df)
    return total


def matching_docs(node: Node, scorer: Scorer) -> np.ndarray:
    """The documents ``node`` matches, without scoring when that can be skipped."""
    if isinstance(node, TermNode):
        return term_postings(scorer.snapshot, node.term_id, node.field)[0]
    return evaluate(node, scorer).docs


class _Buffers(threading.local):
    """Per-thread dense arrays over all stored documents, one set per nesting depth.

    They are all zero between uses: whoever writes entries clears exactly
    those, so a query costs what it touches, never a pass over the corpus.
    """

    def __init__(self) -> None:
        self.free: List[Tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def take(self, size: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        while self.free:
            acc, count, flag = self.free.pop()
            if len(acc) >= size:
                return acc, count, flag
        size = max(size, 1)
        return np.zeros(size), np.zeros(size, dtype=np.int32), np.zeros(size, dtype=bool)

    def give_back(self, buffers: Tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.free.append(buffers)


_buffers = _Buffers()


def _evaluate_bool(node: BoolNode, scorer: Scorer) -> Matches:
    """Dense accumulation: scores add up per document in clause order (must, then should)."""
    if not node.must and not node.should:
        return Matches.empty()
    buffers = _buffers.take(scorer.snapshot.n_stored)
    acc, count, flag = buffers
    touched: List[np.ndarray] = []
    try:
        must_docs: List[np.ndarray] = []
        for clause in node.must:
            m = evaluate(clause, scorer)
            if not len(m.docs):
                return Matches.empty()
            acc[m.docs] += m.scores
            count[m.docs] += 1
            touched.append(m.docs)
            must_docs.append(m.docs)
        fresh: List[np.ndarray] = []
        for clause in node.should:
            m = evaluate(clause, scorer)
            if not len(m.docs):
                continue
            acc[m.docs] += m.scores
            touched.append(m.docs)
            if not node.must:
                new = m.docs[~flag[m.docs]]
                flag[new] = True
                fresh.append(new)
        if node.must:
            smallest = min(must_docs, key=len)
            docs = smallest[count[smallest] == len(node.must)] if len(node.must) > 1 else smallest
        elif fresh:
            docs = np.concatenate(fresh) if len(fresh) > 1 else fresh[0]
            flag[docs] = False
        else:
            return Matches.empty()
        for clause in node.must_not:
            if not len(docs):
                break
            excluded = matching_docs(clause, scorer)
            if isinstance(clause, TermNode) and len(excluded) > len(docs):
                # a long sorted posting list: probe it with the few candidates
                at = np.searchsorted(excluded, docs)
                at[at == len(excluded)] = 0
                docs = docs[excluded[at] != docs]
            else:
                flag[excluded] = True
                docs = docs[~flag[docs]]
                flag[excluded] = False
        return Matches(docs, acc[docs])
    finally:
        for part in touched:
            acc[part] = 0.0
            count[part] = 0
        _buffers.give_back(buffers)


def search(node: Optional[Node], scorer: Scorer, k: int,
           keep: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Top ``k`` (global positions, scores), best first, ties in insertion order.

    ``keep`` (bool over all stored documents) drops the documents a filter
    rejects; it changes no statistic.
    """
    if node is None or k == 0 or scorer.snapshot.n_live == 0 or scorer.n_docs == 0:
        return _NO_DOCS, np.zeros(0)
    if keep is None:
        from .exclusion import top_k_excluding  # words with exclusions: the pruned path

        found = top_k_excluding(node, scorer, k, matching_docs)
        if found is not None:
            return found
    result = evaluate(node, scorer)
    docs, scores = result.docs, result.scores
    if keep is not None and len(docs):
        passing = keep[docs]
        docs, scores = docs[passing], scores[passing]
    return top_k(docs, scores, k)


def uses_positions(node: Optional[Node]) -> bool:
    """Whether running ``node`` reads positions (it holds a phrase)."""
    if isinstance(node, PhraseNode):
        return True
    if isinstance(node, BoolNode):
        return any(uses_positions(c) for c in node.must + node.should + node.must_not)
    return False


