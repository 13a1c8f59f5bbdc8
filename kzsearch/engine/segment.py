"""Segments: immutable blocks of inverted index held in flat NumPy arrays.

A segment covers a run of documents numbered ``0 .. n_docs-1`` locally. Its
postings are sorted by term, then by document::

    terms    int32[T]    the global term ids present, ascending
    offsets  int64[T+1]  postings of terms[i] are docs[offsets[i]:offsets[i+1]]
    docs     int32[P]    local document ids, ascending within each term
    tfs      int32[P]    term frequency of that term in that document
    doc_len  int32[D]    number of terms in each document
    live     bool[D]     False for deleted documents (None when none is deleted)

Term ids are global (see :mod:`kzsearch.engine.vocabulary`), so segments built at
different times can be searched together and merged by concatenation. The
only part that ever changes is ``live``, and it is replaced, never mutated,
so a reader holding a segment sees a consistent snapshot.

>>> seg = build_segment(np.array([0, 1, 0, 2], dtype=np.int32), np.array([2, 2]))
>>> seg.terms.tolist(), seg.offsets.tolist(), seg.docs.tolist(), seg.tfs.tolist()
([0, 1, 2], [0, 2, 3, 4], [0, 1, 0, 1], [1, 1, 1, 1])
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from .docstore import TextBlock


@dataclass(eq=False)
class Segment:
    """One immutable block of the inverted index (see the module docstring)."""

    terms: np.ndarray
    offsets: np.ndarray
    docs: np.ndarray
    tfs: np.ndarray
    doc_len: np.ndarray
    ids: TextBlock
    texts: TextBlock
    live: Optional[np.ndarray] = None
    name: str = ""

    @property
    def n_docs(self) -> int:
        """Documents stored, deleted ones included."""
        return len(self.doc_len)

    @property
    def n_live(self) -> int:
        return self.n_docs if self.live is None else int(np.count_nonzero(self.live))

    @property
    def n_postings(self) -> int:
        return len(self.docs)

    def live_length(self) -> int:
        """Total number of terms in the live documents."""
        if self.live is None:
            return int(self.doc_len.sum(dtype=np.int64))
        return int(self.doc_len.sum(where=self.live, dtype=np.int64))

    def with_live(self, live: Optional[np.ndarray]) -> "Segment":
        """A copy of this segment sharing every array but ``live``."""
        if live is not None and live.all():
            live = None
        return Segment(self.terms, self.offsets, self.docs, self.tfs, self.doc_len,
                       self.ids, self.texts, live, self.name)

    def term_df(self) -> Tuple[np.ndarray, np.ndarray]:
        """(terms, live document frequency of each) for this segment."""
        if self.live is None:
            return self.terms, np.diff(self.offsets)
        alive = self.live[self.docs].astype(np.int64)
        counts = np.add.reduceat(alive, self.offsets[:-1]) if len(alive) else alive
        # reduceat gives a wrong value for empty runs; segments never have those
        return self.terms, counts



def build_segment(term_ids: np.ndarray, doc_len: np.ndarray,
                  ids: Optional[TextBlock] = None, texts: Optional[TextBlock] = None,
                  name: str = "") -> Segment:
    """Invert a flat run of term ids into a segment, without a Python loop.

    ``term_ids`` holds the terms of document 0, then document 1, ...;
    ``doc_len[d]`` says how many of them belong to document d. One int64 key
    per token (term major, document minor) is sorted; runs of equal keys are
    postings and their lengths the term frequencies. Temporaries are reused
    in place: fresh memory is costly to touch.
    """
    doc_len = np.asarray(doc_len, dtype=np.int32)
    n_docs = len(doc_len)
    if int(doc_len.sum(dtype=np.int64)) != len(term_ids):
        raise ValueError("doc_len must add up to the number of term ids")
    stride = max(n_docs, 1)
    key = np.multiply(term_ids, stride, dtype=np.int64)
    key += np.repeat(np.arange(n_docs, dtype=np.int32), doc_len)
    key.sort()
    pair, tfs = _runs(key)
    del key
    posting_term, docs = np.divmod(pair, stride)
    first, _ = _runs(posting_term, starts_only=True)
    return Segment(posting_term[first].astype(np.int32), np.append(first, len(pair)),
                   docs.astype(np.int32), tfs, doc_len,
                   ids if ids is not None else TextBlock.empty(n_docs),
                   texts if texts is not None else TextBlock.empty(n_docs),
                   None, name)


def _runs(sorted_values: np.ndarray, starts_only: bool = False):
    """(first value of each run of equal values, run lengths as int32) — or run starts."""
    n = len(sorted_values)
    change = np.empty(n, dtype=bool)
    if n:
        change[0] = True
        np.not_equal(sorted_values[1:], sorted_values[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    if starts_only:
        return starts, None
    lengths = np.diff(starts, append=n).astype(np.int32)
    return sorted_values[starts], lengths


def merge_segments(segments: Sequence[Segment], name: str = "") -> Segment:
    """One segment holding the live documents of ``segments``, in their order.

    Deleted documents are dropped and the survivors renumbered, so a merge is
    where the space of deletions is reclaimed.
    """
    parts_terms, parts_docs, parts_tfs, lens = [], [], [], []
    ids_blocks, text_blocks = [], []
    base = 0
    for seg in segments:
        live = seg.live if seg.live is not None else np.ones(seg.n_docs, dtype=bool)
        new_id = np.cumsum(live, dtype=np.int64) - 1  # local renumbering of survivors
        posting_term = np.repeat(seg.terms.astype(np.int64), np.diff(seg.offsets))
        keep = live[seg.docs]
        parts_terms.append(posting_term[keep])
        parts_docs.append(new_id[seg.docs[keep]] + base)
        parts_tfs.append(seg.tfs[keep])
        lens.append(seg.doc_len[live])
        keep_docs = np.flatnonzero(live)
        ids_blocks.append(seg.ids.take(keep_docs))
        text_blocks.append(seg.texts.take(keep_docs))
        base += int(live.sum())
    n_docs = base
    doc_len = np.concatenate(lens) if lens else np.zeros(0, dtype=np.int32)
    if not parts_terms:
        return build_segment(np.zeros(0, dtype=np.int64), doc_len, name=name)
    posting_term = np.concatenate(parts_terms)
    docs = np.concatenate(parts_docs)
    tfs = np.concatenate(parts_tfs)
    order = np.argsort(posting_term * max(n_docs, 1) + docs)  # keys are distinct
    posting_term, docs, tfs = posting_term[order], docs[order], tfs[order]
    first, _ = _runs(posting_term, starts_only=True)
    return Segment(posting_term[first].astype(np.int32), np.append(first, len(docs)).astype(np.int64),
                   docs.astype(np.int32), tfs.astype(np.int32), doc_len.astype(np.int32),
                   TextBlock.concat(ids_blocks), TextBlock.concat(text_blocks), None, name)
