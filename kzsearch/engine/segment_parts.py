"""Format 2's optional segment parts: text fields, positions, stored fields, metadata columns.

A format-2 segment on disk is the format-1 arrays (:mod:`.layout`) plus the
optional parts it uses — ``field_tfs`` and ``field_len`` (flattened, field
after field: every file holds a 1-d array), ``pos_offsets`` and
``positions`` (format 3 writes the compact ``positions.*`` parts of
:mod:`.compact` instead and derives the offsets from the term frequencies),
``stored.blob``/``stored.offsets`` — and one file per array
of each metadata column, ``col<i>.<array>`` (user keys never become file
names; the commit lists each column's key, kind and arrays). The commit
also records, per segment, the dtype of any part that is not its default
(narrower integers), and, for the index, the text fields, whether
positions are kept and the metadata kinds (:func:`schema_entry`).

:func:`segment_extras` checks what was read — shapes, sums and ranges in a
few vectorised passes — and returns the Segment's keyword arguments, or
raises ValueError saying what is wrong.

>>> from kzsearch.engine.segment import build_segment
>>> seg = build_segment(np.array([0, 1, 0], dtype=np.int32), np.array([2, 1]),
...                     positions=np.array([0, 1, 0], dtype=np.int32))
>>> arrays, columns = optional_arrays(seg)
>>> sorted(arrays), columns
(['positions.low'], [])
>>> extras = segment_extras(arrays, columns, seg.tfs, seg.doc_len, n_fields=1)
>>> extras["positions"][0:3].tolist(), extras["pos_offsets"][0:4].tolist()
([0, 0, 1], [0, 1, 2, 3])
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .columns import KINDS, Column
from .compact import POSITION_PARTS, DerivedOffsets, PositionStore, check_positions, encode_positions
from .docstore import TextBlock
from .segment import FIELD_SHIFT, Segment

#: arrays a metadata column may store, and the file-name pattern of one
COLUMN_ARRAYS = ("values", "present", "offsets", "dict_blob", "dict_offsets")
COLUMN_FILE = r"col\d{1,5}\.(?:values|present|offsets|dict_blob|dict_offsets)"

_COLUMN_DTYPES = {"int": "int64", "date": "int64", "float": "float64", "bool": "int8",
                  "str": "int32", "strs": "int32"}


def optional_arrays(seg: Segment) -> Tuple[Dict[str, np.ndarray], List[Dict[str, Any]]]:
    """(part name -> 1-d array, column entries for the commit) of the optional parts ``seg`` uses."""
    out: Dict[str, np.ndarray] = {}
    if seg.field_tfs is not None and seg.field_len is not None:
        out["field_tfs"] = np.ascontiguousarray(seg.field_tfs).ravel()
        out["field_len"] = np.ascontiguousarray(seg.field_len).ravel()
    if seg.positions is not None and seg.pos_offsets is not None:
        out.update(encode_positions(seg.positions, seg.n_fields))  # format 3: offsets derived from tfs
    if seg.stored is not None:
        blob, offsets = seg.stored.to_arrays()
        out["stored.blob"], out["stored.offsets"] = np.asarray(blob), offsets
    columns = []
    for i, (key, column) in enumerate(seg.columns.items()):
        arrays = column.to_arrays()
        for name, array in arrays.items():
            out[f"col{i}.{name}"] = array
        columns.append({"key": key, "kind": column.kind, "arrays": sorted(arrays)})
    return out, columns


def format2_entry(arrays: Dict[str, np.ndarray], columns: List[Dict[str, Any]]) -> Dict[str, Any]:
    """What a segment's commit entry says of its format-2 parts: the dtype of any part
    that is not its default, and its ``columns`` (absent when there is nothing to say)."""
    from .layout import SEGMENT_PARTS

    dtypes = {p.name: str(arrays[p.name].dtype) for p in SEGMENT_PARTS
              if p.name in arrays and str(arrays[p.name].dtype) != p.dtype}
    out: Dict[str, Any] = {}
    if dtypes:
        out["dtypes"] = dtypes
    if columns:
        out["columns"] = columns
    return out


def column_files(columns: Any) -> Dict[str, str]:
    """Part name -> dtype of every file of the commit's column entries (ValueError if malformed)."""
    if not isinstance(columns, list):
        raise ValueError("bad column list")
    out = {}
    for i, entry in enumerate(columns):
        if not (isinstance(entry, dict) and isinstance(entry.get("key"), str)
                and entry.get("kind") in KINDS and isinstance(entry.get("arrays"), list)):
            raise ValueError("bad column entry")
        for array in entry["arrays"]:
            if array not in COLUMN_ARRAYS:
                raise ValueError(f"unknown column array {str(array)[:40]!r}")
            dtype = {"present": "bool", "offsets": "int64", "dict_blob": "uint8",
                     "dict_offsets": "int64"}.get(array, _COLUMN_DTYPES[entry["kind"]])
            out[f"col{i}.{array}"] = dtype
    return out


def segment_extras(arrays: Dict[str, np.ndarray], columns: Sequence[Dict[str, Any]],
                   tfs: np.ndarray, doc_len: np.ndarray, n_fields: int) -> Dict[str, Any]:
    """Segment keyword arguments from the optional ``arrays``; ValueError if they do not fit."""
    n_docs, n_postings = len(doc_len), len(tfs)
    field_tfs = arrays.get("field_tfs")
    field_len = arrays.get("field_len")
    if (field_tfs is None) != (field_len is None):
        raise ValueError("field_tfs and field_len come together")
    if field_tfs is None and n_fields > 1 and n_docs:
        raise ValueError(f"no field arrays in an index of {n_fields} text fields")
    if field_tfs is not None and field_len is not None:
        if n_fields < 2 or len(field_tfs) != n_fields * n_postings or len(field_len) != n_fields * n_docs:
            raise ValueError("field arrays do not match the fields, postings and documents")
        field_tfs = field_tfs.reshape(n_fields, n_postings)
        field_len = field_len.reshape(n_fields, n_docs)
        if n_postings and not np.array_equal(field_tfs.sum(axis=0, dtype=np.int64), tfs):
            raise ValueError("field term frequencies do not add up to the term frequencies")
        if n_docs and not np.array_equal(field_len.sum(axis=0, dtype=np.int64), doc_len):
            raise ValueError("field lengths do not add up to the document lengths")
    pos_offsets = arrays.get("pos_offsets")
    positions = arrays.get("positions")
    if "positions.low" in arrays:
        if positions is not None or pos_offsets is not None:
            raise ValueError("positions come in one format")
        pos_offsets = DerivedOffsets(tfs)
        problem = check_positions(arrays, pos_offsets.total, n_fields)
        if problem:
            raise ValueError(problem)
        positions = PositionStore.from_parts(arrays)
    elif any(p in arrays for p in POSITION_PARTS):
        raise ValueError("position escapes or fields without positions")
    elif (pos_offsets is None) != (positions is None):
        raise ValueError("pos_offsets and positions come together")
    elif pos_offsets is not None and positions is not None:
        if len(pos_offsets) != n_postings + 1 or int(pos_offsets[0]) != 0 \
                or int(pos_offsets[-1]) != len(positions) \
                or not np.array_equal(np.diff(pos_offsets.astype(np.int64)), tfs):
            raise ValueError("position offsets do not match the term frequencies")
        if len(positions) and (int(positions.min()) < 0 or int(positions.max() >> FIELD_SHIFT) >= n_fields):
            raise ValueError("positions outside their fields")
    stored = None
    if "stored.blob" in arrays or "stored.offsets" in arrays:
        blob, offsets = arrays.get("stored.blob"), arrays.get("stored.offsets")
        if blob is None or offsets is None or len(offsets) != n_docs + 1 or int(offsets[0]) != 0 \
                or int(offsets[-1]) != len(blob) or bool(np.any(np.diff(offsets) < 0)):
            raise ValueError("stored fields do not match their offsets")
        stored = TextBlock(blob, offsets)
    out_columns: Dict[str, Column] = {}
    for i, entry in enumerate(columns):
        parts = {a: arrays[f"col{i}.{a}"] for a in entry["arrays"]}
        if entry["key"] in out_columns:
            raise ValueError(f"column {entry['key'][:40]!r} listed twice")
        out_columns[entry["key"]] = Column.from_arrays(entry["kind"], parts, n_docs)
    return {"field_tfs": field_tfs, "field_len": field_len, "pos_offsets": pos_offsets,
            "positions": positions, "stored": stored, "columns": out_columns}


def schema_entry(fields: Dict[str, Any], positions: bool, schema: Dict[str, str]) -> Dict[str, Any]:
    """The commit's record of an index's text fields, positions and metadata kinds."""
    return {"fields": [[name, f.weight, f.b] for name, f in fields.items()],
            "positions": positions, "schema": dict(schema)}


def read_schema(entry: Optional[Dict[str, Any]]) -> Tuple[Optional[Dict[str, Any]], bool, Dict[str, str]]:
    """(fields for ``Index(fields=...)``, positions, metadata kinds) of a commit; format 1:
    one text field, no positions. TypeError / ValueError when malformed."""
    from .fields import Field

    if entry is None:
        return None, False, {}
    if not isinstance(entry, dict) or not isinstance(entry.get("fields"), list) \
            or not isinstance(entry.get("schema"), dict) or type(entry.get("positions")) is not bool:
        raise ValueError("bad text_fields entry")
    fields = {}
    for item in entry["fields"]:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)):
            raise ValueError("bad text field")
        fields[item[0]] = Field(item[1], item[2])
    schema = {}
    for key, kind in entry["schema"].items():
        if kind not in KINDS:
            raise ValueError(f"unknown metadata kind {str(kind)[:20]!r}")
        schema[key] = kind
    return fields, entry["positions"], schema


def fields_count(commit: Dict[str, Any]) -> int:
    """How many text fields a commit's index has (1 for format 1)."""
    entry = commit.get("text_fields")
    if isinstance(entry, dict) and isinstance(entry.get("fields"), list):
        return max(1, len(entry["fields"]))
    return 1
