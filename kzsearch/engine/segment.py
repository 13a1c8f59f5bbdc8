"""Segments: immutable blocks of inverted index held in flat NumPy arrays.

A segment covers a run of documents numbered ``0 .. n_docs-1`` locally. Its
postings are sorted by term, then by document::

    terms    int32[T]    the global term ids present, ascending
    offsets  int64[T+1]  postings of terms[i] are docs[offsets[i]:offsets[i+1]]
    docs     int32[P]    local document ids, ascending within each term
    tfs      int32[P]    term frequency of that term in that document
    doc_len  int32[D]    number of terms in each document
    live     bool[D]     False for deleted documents (None when none is deleted)

Optional parts (None when unused; "format 2")::

    field_tfs    int[F, P]    tf of each posting in each text field (F > 1 only);
                              ``tfs`` is their sum; uint8, uint16 or int32, the
                              narrowest that holds the segment's largest
    field_len    int32[F, D]  length of each document's fields (F > 1 only);
                              ``doc_len`` is their sum
    pos_offsets  int64[P+1]   positions of posting p are positions[pos_offsets[p]:pos_offsets[p+1]]
                              (uint32 when the segment holds fewer than 2**32 positions)
    positions    int32[sum(tfs)]  ascending per posting, each ``field << 24 | position``

A segment loaded from a format-3 folder holds the same things in compact
forms that read like them: ``tfs`` (and ``field_tfs``) in the narrowest
unsigned dtype that holds them, ``texts`` a
:class:`~kzsearch.engine.zipped_texts.ZippedTexts` (a TextBlock),
``positions`` a :class:`~kzsearch.engine.compact.PositionStore` and
``pos_offsets`` a :class:`~kzsearch.engine.compact.DerivedOffsets` —
array-likes indexed by an int, a slice or an integer array, and
``np.asarray`` for the whole. Segments built in memory hold plain arrays.
    stored       TextBlock    JSON of each document's other fields and metadata ("" for none)
    columns      {key: Column}  metadata columns for filters (:mod:`.columns`)

Term ids are global (see :mod:`kzsearch.engine.vocabulary`), so segments built at
different times can be searched together and merged by concatenation. The
only part that ever changes is ``live``, and it is replaced, never mutated,
so a reader holding a segment sees a consistent snapshot.

>>> seg = build_segment(np.array([0, 1, 0, 2], dtype=np.int32), np.array([2, 2]))
>>> seg.terms.tolist(), seg.offsets.tolist(), seg.docs.tolist(), seg.tfs.tolist()
([0, 1, 2], [0, 2, 3, 4], [0, 1, 0, 1], [1, 1, 1, 1])
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .columns import Column
from .docstore import TextBlock

#: positions are stored as ``field << FIELD_SHIFT | position within the field``
FIELD_SHIFT = 24
#: tokens at or past this position in one field are not indexed
MAX_POSITION = 1 << FIELD_SHIFT


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
    field_tfs: Optional[np.ndarray] = None
    field_len: Optional[np.ndarray] = None
    pos_offsets: Optional[np.ndarray] = None
    positions: Optional[np.ndarray] = None
    stored: Optional[TextBlock] = None
    columns: Dict[str, Column] = field(default_factory=dict)

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

    @property
    def n_fields(self) -> int:
        return 1 if self.field_len is None else int(self.field_len.shape[0])

    @property
    def has_positions(self) -> bool:
        return self.positions is not None

    def live_length(self) -> int:
        """Total number of terms in the live documents."""
        if self.live is None:
            return int(self.doc_len.sum(dtype=np.int64))
        return int(self.doc_len.sum(where=self.live, dtype=np.int64))

    def live_field_lengths(self) -> np.ndarray:
        """Total length of each field over the live documents (int64[F])."""
        lengths = self.field_len if self.field_len is not None else self.doc_len[None, :]
        if self.live is None:
            return lengths.sum(axis=1, dtype=np.int64)
        return lengths.sum(axis=1, where=self.live[None, :], dtype=np.int64)

    def with_live(self, live: Optional[np.ndarray]) -> "Segment":
        """A copy of this segment sharing every array but ``live``."""
        if live is not None and live.all():
            live = None
        return replace(self, live=live)

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
                  name: str = "", *, positions: Optional[np.ndarray] = None,
                  field_len: Optional[np.ndarray] = None, stored: Optional[TextBlock] = None,
                  columns: Optional[Dict[str, Column]] = None) -> Segment:
    """Invert a flat run of term ids into a segment, without a Python loop.

    ``term_ids`` holds the terms of document 0, then document 1, ...;
    ``doc_len[d]`` says how many of them belong to document d. One int64 key
    per token (term major, document minor) is sorted; runs of equal keys are
    postings and their lengths the term frequencies. Temporaries are reused
    in place: fresh memory is costly to touch.

    With ``positions`` (one encoded position per token) or several fields
    (``field_len`` int32[F, D], each document's tokens field after field),
    each token's position, or field, rides in the low bits of its key, so
    that the one sort also orders positions within a posting; when the key
    has too few bits for it, a stable argsort carries them instead.
    """
    doc_len = np.asarray(doc_len, dtype=np.int32)
    n_docs = len(doc_len)
    if int(doc_len.sum(dtype=np.int64)) != len(term_ids):
        raise ValueError("doc_len must add up to the number of term ids")
    n_fields = 1 if field_len is None else int(field_len.shape[0])
    if field_len is not None and n_fields == 1:
        field_len = None
    extra = dict(stored=stored, columns=columns or {})
    ids = ids if ids is not None else TextBlock.empty(n_docs)
    texts = texts if texts is not None else TextBlock.empty(n_docs)
    if positions is None and field_len is None:
        stride = max(n_docs, 1)
        key = np.multiply(term_ids, stride, dtype=np.int64)
        key += np.repeat(np.arange(n_docs, dtype=np.int32), doc_len)
        key.sort()
        pair, tfs = _runs(key)
        del key
        posting_term, docs = np.divmod(pair, stride)
        first, _ = _runs(posting_term, starts_only=True)
        return Segment(posting_term[first].astype(np.int32), np.append(first, len(pair)),
                       docs.astype(np.int32), tfs, doc_len, ids, texts, None, name, **extra)

    if positions is not None:
        minor = np.asarray(positions)
        if minor.dtype not in (np.int32, np.int64):
            minor = minor.astype(np.int64)
    else:  # the field of each token
        units = np.asarray(field_len, dtype=np.int64).T.ravel()
        minor = np.repeat(np.tile(np.arange(n_fields, dtype=np.int32), n_docs), units)
    doc_bits = max(n_docs - 1, 1).bit_length()
    minor_bits = max(int(minor.max()) if len(minor) else 0, 1).bit_length()
    term_bits = max(int(term_ids.max()) if len(term_ids) else 0, 1).bit_length()
    if term_bits + doc_bits + minor_bits <= 63:
        key = np.left_shift(term_ids, doc_bits + minor_bits, dtype=np.int64)
        key |= np.repeat(np.arange(n_docs, dtype=np.int64) << minor_bits, doc_len)
        key |= minor
        key.sort()
        # int32 straight from the key: no int64 temporary per token
        minor = np.bitwise_and(key, (1 << minor_bits) - 1, out=np.empty(len(key), dtype=np.int32),
                               casting="unsafe")
        key >>= minor_bits
        pair = key
        del key
    else:
        token_docs = np.repeat(np.arange(n_docs, dtype=np.int64), doc_len)
        pair = np.left_shift(term_ids, doc_bits, dtype=np.int64) | token_docs
        order = np.argsort(pair, kind="stable")
        pair, minor = pair[order], minor[order]
        same = pair[1:] == pair[:-1]
        if np.any(same & (minor[1:] < minor[:-1])):
            order = np.lexsort((minor, pair))
            pair, minor = pair[order], minor[order]
    starts, _ = _runs(pair, starts_only=True)
    n_postings = len(starts)
    tfs = np.empty(n_postings, dtype=np.int32)
    np.subtract(starts[1:], starts[:-1], out=tfs[:-1], casting="unsafe")
    if n_postings:
        tfs[-1] = len(pair) - starts[-1]
    posting_pair = pair[starts]
    del pair, starts
    docs = np.bitwise_and(posting_pair, (1 << doc_bits) - 1, out=np.empty(n_postings, dtype=np.int32),
                          casting="unsafe")
    posting_pair >>= doc_bits
    posting_term = posting_pair
    first, _ = _runs(posting_term, starts_only=True)
    field_tfs = None
    if field_len is not None:
        token_field = (minor >> FIELD_SHIFT if positions is not None else minor).astype(np.int64)
        posting_of_token = np.repeat(np.arange(n_postings, dtype=np.int64), tfs)
        field_tfs = narrow_counts(np.bincount(token_field * n_postings + posting_of_token,
                                              minlength=n_fields * n_postings).reshape(n_fields, n_postings))
        field_len = np.asarray(field_len, dtype=np.int32)
    pos_offsets = pos = None
    if positions is not None:
        pos_offsets = offsets_of(tfs)
        pos = minor.astype(np.int32, copy=False)
    return Segment(posting_term[first].astype(np.int32), np.append(first, n_postings).astype(np.int64),
                   docs, tfs, doc_len, ids, texts, None, name, field_tfs, field_len,
                   pos_offsets, pos, **extra)


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


def narrow_counts(counts: np.ndarray) -> np.ndarray:
    """``counts`` (>= 0) as uint8, uint16 or int32: the narrowest dtype that holds them.

    >>> narrow_counts(np.array([3, 255])).dtype, narrow_counts(np.array([256])).dtype
    (dtype('uint8'), dtype('uint16'))
    """
    top = int(counts.max()) if counts.size else 0
    dtype = np.uint8 if top < 2 ** 8 else np.uint16 if top < 2 ** 16 else np.int32
    return counts.astype(dtype)


def offsets_of(lengths: np.ndarray) -> np.ndarray:
    """``[0, l0, l0 + l1, ...]``: uint32 when the total fits, else int64 (half the space on disk).

    >>> offsets_of(np.array([2, 1])).tolist()
    [0, 2, 3]
    """
    total = int(np.sum(lengths, dtype=np.int64))
    out = np.zeros(len(lengths) + 1, dtype=np.uint32 if total < 2 ** 32 else np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


#: positions gathered at a time by a merge (bounds its temporary index arrays)
MERGE_CHUNK = 1 << 22


def gather_runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indices of the runs ``[starts[i], starts[i] + lengths[i])`` back to back.

    >>> gather_runs(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lengths), lengths)
    return np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64) + shift


def merge_segments(segments: Sequence[Segment], name: str = "") -> Segment:
    """One segment holding the live documents of ``segments``, in their order
    (see :mod:`kzsearch.engine.segment_merge`: placement by per-term counts, no sort)."""
    from .segment_merge import merge_segments as merge

    return merge(segments, name)
