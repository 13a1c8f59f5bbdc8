"""How a segment lies on disk: one table of named arrays, and the checks they must pass.

:data:`SEGMENT_PARTS` is the one place that says which arrays make up a
segment on disk — file ``<segment>.<part>.npy`` for each row — and
:func:`segment_arrays` / :func:`segment_from_arrays` convert between a
:class:`~kzsearch.engine.segment.Segment` and those arrays. Adding a part to
the format is adding a row, a line in each of the two functions and its
checks in :func:`check_segment`.

:func:`check_segment` checks the structure of a loaded segment in one
vectorised pass over its arrays (no Python loop per document or posting), so
a folder whose checksums were recomputed after forging still cannot give an
``IndexError``, a NaN score or a silently wrong hit; it returns what is wrong.
:func:`check_ids` checks that the live documents' ids are valid UTF-8 and
distinct across segments, and raises the next default id above every
stored id written as a running number.

>>> from kzsearch.engine.segment import build_segment
>>> seg = build_segment(np.array([0, 1, 0], dtype=np.int32), np.array([2, 1]))
>>> arrays = segment_arrays(seg)
>>> sorted(set(arrays) - {p.name for p in SEGMENT_PARTS if not p.optional})
['texts.z', 'texts.zblocks', 'texts.zdocs']
>>> check_segment(arrays, n_docs=2, vocab_size=2) is None
True
>>> arrays["tfs"] = np.array([0, 1, 1], dtype=np.uint8)
>>> check_segment(arrays, n_docs=2, vocab_size=2)
'term frequencies below 1'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .docstore import TextBlock
from .segment import Segment, narrow_counts
from .segment_parts import optional_arrays, segment_extras
from . import text_zipping
from .text_zipping import compress_texts
from .zipped_texts import ZippedTexts, check_zipped

#: the longest running-number id looked at (10**18 fits in int64)
_MAX_DIGITS = 18


@dataclass(frozen=True)
class Part:
    """One array of a segment on disk: file ``<segment>.<name>.npy`` holding ``dtype``.

    ``narrower``: other dtypes the file may hold (a segment's commit entry
    names the one it uses under ``dtypes``).
    """

    name: str
    dtype: str
    optional: bool = False
    narrower: Tuple[str, ...] = ()

    def allows(self, dtype: str) -> bool:
        return dtype == self.dtype or dtype in self.narrower


_COUNTS = ("uint8", "uint16", "uint32")

SEGMENT_PARTS: Tuple[Part, ...] = (
    Part("terms", "int32"),
    Part("offsets", "int64"),
    Part("docs", "int32", narrower=("uint16", "uint32")),
    Part("tfs", "int32", narrower=_COUNTS),
    Part("doc_len", "int32", narrower=_COUNTS),
    Part("ids.blob", "uint8"),
    Part("ids.offsets", "int64"),
    Part("texts.blob", "uint8", True),  # formats 1 and 2 (format 3: texts.z)
    Part("texts.offsets", "int64", narrower=("uint32",)),  # uint32: format 3, below 4 GB
    # format 2, each only where used (see segment_parts)
    Part("field_tfs", "int32", True, _COUNTS),       # [F * P], field after field
    Part("field_len", "int32", True, _COUNTS),       # [F * D]
    Part("pos_offsets", "int64", True, ("uint32",)),  # format 2 (format 3 derives them)
    Part("positions", "int32", True),                 # format 2 (format 3: positions.*)
    Part("stored.blob", "uint8", True),
    Part("stored.offsets", "int64", True),
    # format 3: compressed texts (zipped_texts) and compact positions (compact)
    Part("texts.z", "uint8", True),
    Part("texts.zblocks", "int64", True, ("uint32",)),
    Part("texts.zdocs", "int64", True, ("uint32",)),
    Part("texts.zdict", "uint8", True),                  # preset dictionaries (zipped_texts), where used
    Part("texts.zdictpos", "int64", True, ("uint32",)),
    Part("texts.zdictblk", "int64", True, ("uint32",)),
    Part("texts.zcodec", "uint8", True),                 # each block's codec (zipped_texts, codepage), where used
    Part("positions.low", "uint8", True, ("uint16", "int32")),
    Part("positions.exc_at", "int64", True),
    Part("positions.exc", "int32", True),
    Part("positions.fields", "uint8", True),
)


def segment_arrays(seg: Segment) -> Dict[str, np.ndarray]:
    """The arrays of ``seg`` to write, by part name (see :func:`segment_arrays_and_columns`)."""
    return segment_arrays_and_columns(seg)[0]


def segment_arrays_and_columns(seg: Segment) -> Tuple[Dict[str, np.ndarray], List[Dict[str, Any]]]:
    """The arrays of ``seg`` to write, by part name (optional parts and columns only when
    present), and the commit's entries for its metadata columns — made in one pass.

    Format 3: term frequencies in the narrowest dtype that holds them, texts
    compressed per block (:mod:`.zipped_texts`), positions compact (:mod:`.compact`).
    """
    ids_blob, ids_offsets = seg.ids.to_arrays()
    arrays = {"terms": seg.terms, "offsets": seg.offsets, "docs": seg.docs, "tfs": narrow_counts(seg.tfs),
              "doc_len": seg.doc_len, "ids.blob": np.asarray(ids_blob), "ids.offsets": ids_offsets}
    if text_zipping.COMPRESS or isinstance(seg.texts, ZippedTexts):
        arrays.update(compress_texts(seg.texts))
    else:
        texts_blob, texts_offsets = seg.texts.to_arrays()
        arrays.update({"texts.blob": np.asarray(texts_blob), "texts.offsets": texts_offsets})
    optional, columns = optional_arrays(seg)
    arrays.update(optional)
    return arrays, columns


def segment_from_arrays(arrays: Dict[str, np.ndarray], live: Optional[np.ndarray], name: str,
                        columns: Sequence[Dict[str, Any]] = (), n_fields: int = 1) -> Segment:
    """The segment made of checked ``arrays`` (see :func:`check_segment`); ValueError when the
    optional parts do not fit (:func:`~kzsearch.engine.segment_parts.segment_extras`)."""
    extras = segment_extras(arrays, columns, arrays["tfs"], arrays["doc_len"], n_fields)
    texts = ZippedTexts.from_parts(arrays) if "texts.z" in arrays else \
        TextBlock(arrays["texts.blob"], arrays["texts.offsets"])
    return Segment(arrays["terms"], arrays["offsets"], arrays["docs"], arrays["tfs"], arrays["doc_len"],
                   TextBlock(arrays["ids.blob"], arrays["ids.offsets"]), texts, live, name, **extras)


def _monotone_block(blob: np.ndarray, offsets: np.ndarray, n: int) -> bool:
    return (len(offsets) == n + 1 and int(offsets[0]) == 0 and int(offsets[-1]) == len(blob)
            and bool(np.all(offsets[1:] >= offsets[:-1])))


def check_segment(arrays: Dict[str, np.ndarray], n_docs: int, vocab_size: int,
                  live: Optional[np.ndarray] = None) -> Optional[str]:
    """What is structurally wrong with a segment's arrays, or None when nothing is.

    Terms strictly ascending within ``[0, vocab_size)``; offsets from 0,
    strictly increasing (no empty posting list), ending at the posting count;
    documents in ``[0, n_docs)`` and strictly ascending within each term;
    term frequencies >= 1; ``n_docs`` lengths >= 0; stored-string offsets
    from 0, non-decreasing, ending at their blob's length; ``live`` of
    ``n_docs`` entries.
    """
    terms, offsets, docs, tfs, doc_len = (arrays[k] for k in ("terms", "offsets", "docs", "tfs", "doc_len"))
    n_terms, n_postings = len(terms), len(docs)
    if len(doc_len) != n_docs:
        return "document lengths do not match the document count"
    if live is not None and len(live) != n_docs:
        return "live mask does not match the document count"
    if not _monotone_block(arrays["ids.blob"], arrays["ids.offsets"], n_docs):
        return "stored ids do not match their offsets"
    if ("texts.blob" in arrays) == ("texts.z" in arrays):
        return "stored texts come either whole or compressed"
    problem = check_zipped(arrays, n_docs) if "texts.z" in arrays else \
        None if _monotone_block(arrays["texts.blob"], arrays["texts.offsets"], n_docs) else \
        "stored texts do not match their offsets"
    if problem:
        return problem
    if n_docs and int(doc_len.min()) < 0:
        return "negative document lengths"
    if len(offsets) != n_terms + 1 or int(offsets[0]) != 0 or int(offsets[-1]) != n_postings \
            or len(tfs) != n_postings:
        return "posting offsets do not match the postings"
    if n_terms and (int(terms[0]) < 0 or int(terms[-1]) >= vocab_size):
        return "terms outside the vocabulary"
    if n_terms > 1 and not bool(np.all(terms[1:] > terms[:-1])):
        return "terms not strictly ascending"
    if n_terms and not bool(np.all(offsets[1:] > offsets[:-1])):
        return "posting offsets not strictly increasing"
    if not n_postings:
        return None
    if int(docs.min()) < 0 or int(docs.max()) >= n_docs:
        return "postings of documents outside the segment"
    if int(tfs.min()) < 1:
        return "term frequencies below 1"
    # documents ascend within each term: a step down may only happen where a term starts
    down = np.flatnonzero(docs[1:] <= docs[:-1]) + 1
    if len(down) and not bool(np.all(np.isin(down, offsets[1:-1], assume_unique=True))):
        return "documents not ascending within a term"
    return None


def _words_at(blob: np.ndarray) -> np.ndarray:
    """A view of ``blob`` (padded with 8 zero bytes) as the uint64 starting at every byte."""
    padded = np.concatenate((blob, np.zeros(8, dtype=np.uint8)))
    return np.ndarray(shape=(len(blob) + 1,), dtype="<u8", buffer=padded, strides=(1,))


def _string_keys(blob: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit key of each string: equal strings, equal keys (its length, first and last 8 bytes)."""
    starts, lengths = offsets[:-1], np.diff(offsets)
    words = _words_at(blob)
    short = np.minimum(lengths, 8).astype(np.uint64) * np.uint64(8)
    # the low `short` bits: (1 << short) - 1, computed without shifting by 64
    mask = np.where(short == 64, np.uint64(0xFFFFFFFFFFFFFFFF),
                    (np.uint64(1) << np.minimum(short, np.uint64(63))) - np.uint64(1))
    head = words[starts] & mask
    tail = words[np.maximum(offsets[1:] - 8, starts)] & mask
    return (head * np.uint64(0x100000001B3) + tail * np.uint64(0x9E3779B97F4A7C15)
            + lengths.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F))


def _largest_number(blob: np.ndarray, offsets: np.ndarray, digits: int) -> int:
    """The largest id written as a running number ("0", "17": no sign, no leading zero)
    of ``digits`` to 18 digits, or -1; longer ones can never meet a default id."""
    starts, lengths = offsets[:-1], np.diff(offsets)
    non_digit = np.concatenate(([0], np.cumsum((blob - np.uint8(48)) > 9, dtype=np.int64)))
    ok = (lengths >= max(digits, 1)) & (lengths <= _MAX_DIGITS) & (non_digit[offsets[1:]] == non_digit[starts])
    picked = np.flatnonzero(ok)
    if len(picked):
        picked = picked[(blob[starts[picked]] != 48) | (lengths[picked] == 1)]
    if not len(picked):
        return -1
    longest = int(lengths[picked].max())
    at = starts[picked[lengths[picked] == longest]]
    for column in range(longest):  # equal lengths: the largest number is the lexicographic max
        digit = blob[at + column]
        at = at[digit == digit.max()]
    return int(blob[int(at[0]):int(at[0]) + longest].tobytes())


def check_ids(blocks: Sequence[Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]],
              next_id: int) -> Tuple[Optional[str], int]:
    """(what is wrong, next default id) for the ids of segments given as (blob, offsets, live).

    Ids must be UTF-8 and the live ones distinct across all segments; the next
    default id is raised above every id written as a running number, so that
    ``add`` never hands out an id that is already stored.
    """
    keys: List[np.ndarray] = []
    digits = len(str(next_id))
    for blob, offsets, live in blocks:
        blob = np.asarray(blob)
        try:
            blob.tobytes().decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return "stored ids are not UTF-8", next_id
        inner = offsets[1:-1]
        inner = inner[inner < len(blob)]
        if len(inner) and bool(np.any((blob[inner] & 0xC0) == 0x80)):
            return "stored ids are not UTF-8", next_id
        k = _string_keys(blob, offsets)
        keys.append(k if live is None else k[live])
        next_id = max(next_id, _largest_number(blob, offsets, digits) + 1)
        digits = len(str(next_id))
    if keys:
        every = np.sort(np.concatenate(keys))
        if bool(np.any(every[1:] == every[:-1])):  # perhaps equal: compare the strings themselves
            strings = [s for blob, offsets, live in blocks
                       for i, s in enumerate(TextBlock(blob, offsets)) if live is None or live[i]]
            if len(set(strings)) != len(strings):
                return "two live documents share an id", next_id
    return None, next_id
