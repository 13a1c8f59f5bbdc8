"""The optional parts of a segment on disk (format 2): fields, positions, stored fields, columns.

A format-2 segment is its format-1 arrays plus whichever of these it uses,
each one file ``<segment>.<part>.npy``; the commit lists the parts a
segment has (``parts``) and its metadata columns (``columns``: key, kind,
and the arrays of each, stored as ``col<i>.<array>``: user keys never
become file names). :func:`optional_arrays` gives what to write,
:func:`segment_extras` checks what was read — shapes, sums and ranges in a
few vectorised passes — and returns the Segment's keyword arguments, or
raises ValueError saying what is wrong.

>>> import numpy as np
>>> from kzsearch.engine.segment import build_segment
>>> seg = build_segment(np.array([0, 1, 0], dtype=np.int32), np.array([2, 1]),
...                     positions=np.array([0, 1, 0], dtype=np.int32))
>>> arrays, columns = optional_arrays(seg)
>>> sorted(arrays), columns
(['pos_offsets', 'positions'], [])
>>> sorted(segment_extras(arrays, columns, seg.tfs, seg.doc_len))
['columns', 'field_len', 'field_tfs', 'pos_offsets', 'positions', 'stored']
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .columns import Column
from .docstore import TextBlock
from .segment import FIELD_SHIFT, Segment

#: integer dtypes a stored count or id array may have (narrower ones save space)
INT_DTYPES = ("int32", "int64", "uint8", "uint16", "uint32")

#: optional part -> (allowed dtypes, number of dimensions)
OPTIONAL_PARTS: Dict[str, Tuple[Tuple[str, ...], int]] = {
    "field_tfs": (INT_DTYPES, 2),
    "field_len": (INT_DTYPES, 2),
    "pos_offsets": (("int64", "uint32"), 1),
    "positions": (("int32",), 1),
    "stored.blob": (("uint8",), 1),
    "stored.offsets": (("int64",), 1),
}

#: column array -> (allowed dtypes, ndim)
COLUMN_ARRAYS: Dict[str, Tuple[Tuple[str, ...], int]] = {
    "values": (("int64", "float64", "int8", "int32"), 1),
    "present": (("bool",), 1),
    "offsets": (("int64",), 1),
    "dict_blob": (("uint8",), 1),
    "dict_offsets": (("int64",), 1),
}


def optional_arrays(seg: Segment) -> Tuple[Dict[str, np.ndarray], List[Dict[str, Any]]]:
    """(part name -> array, column entries for the commit) of the optional parts ``seg`` uses."""
    out: Dict[str, np.ndarray] = {}
    if seg.field_tfs is not None and seg.field_len is not None:
        out["field_tfs"], out["field_len"] = seg.field_tfs, seg.field_len
    if seg.positions is not None and seg.pos_offsets is not None:
        out["pos_offsets"], out["positions"] = seg.pos_offsets, seg.positions
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


def part_spec(name: str) -> Tuple[Tuple[str, ...], int]:
    """(allowed dtypes, ndim) of an optional part or column array file name."""
    if name in OPTIONAL_PARTS:
        return OPTIONAL_PARTS[name]
    head, _, array = name.partition(".")
    if head.startswith("col") and head[3:].isdigit() and array in COLUMN_ARRAYS:
        return COLUMN_ARRAYS[array]
    raise ValueError(f"unknown segment part {name!r}")


def column_part_names(columns: Sequence[Dict[str, Any]]) -> List[str]:
    """The file parts of the commit's column entries (checked to be well formed)."""
    names = []
    for i, entry in enumerate(columns):
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) \
                or not isinstance(entry.get("arrays"), list):
            raise ValueError("a column entry must name its key and arrays")
        for array in entry["arrays"]:
            if array not in COLUMN_ARRAYS:
                raise ValueError(f"unknown column array {array!r}")
            names.append(f"col{i}.{array}")
    return names


def segment_extras(arrays: Dict[str, np.ndarray], columns: Sequence[Dict[str, Any]],
                   tfs: np.ndarray, doc_len: np.ndarray) -> Dict[str, Any]:
    """Segment keyword arguments from checked optional ``arrays``; ValueError if they do not fit."""
    n_docs, n_postings = len(doc_len), len(tfs)
    field_tfs = arrays.get("field_tfs")
    field_len = arrays.get("field_len")
    if (field_tfs is None) != (field_len is None):
        raise ValueError("field_tfs and field_len come together")
    if field_tfs is not None and field_len is not None:
        n_fields = field_len.shape[0]
        if field_tfs.shape != (n_fields, n_postings) or field_len.shape != (n_fields, n_docs) or n_fields < 2:
            raise ValueError("field arrays do not match the postings and documents")
        if n_postings and not np.array_equal(field_tfs.sum(axis=0, dtype=np.int64), tfs):
            raise ValueError("field term frequencies do not add up to the term frequencies")
        if n_docs and not np.array_equal(field_len.sum(axis=0, dtype=np.int64), doc_len):
            raise ValueError("field lengths do not add up to the document lengths")
    pos_offsets = arrays.get("pos_offsets")
    positions = arrays.get("positions")
    if (pos_offsets is None) != (positions is None):
        raise ValueError("pos_offsets and positions come together")
    if pos_offsets is not None and positions is not None:
        if len(pos_offsets) != n_postings + 1 or int(pos_offsets[0]) != 0 \
                or int(pos_offsets[-1]) != len(positions) \
                or not np.array_equal(np.diff(pos_offsets), tfs):
            raise ValueError("position offsets do not match the term frequencies")
        if len(positions):
            n_fields = 1 if field_len is None else field_len.shape[0]
            if int(positions.min()) < 0 or int(positions.max() >> FIELD_SHIFT) >= n_fields:
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
            raise ValueError(f"column {entry['key']!r} listed twice")
        out_columns[entry["key"]] = Column.from_arrays(str(entry.get("kind")), parts, n_docs)
    return {"field_tfs": field_tfs, "field_len": field_len, "pos_offsets": pos_offsets,
            "positions": positions, "stored": stored, "columns": out_columns}


def schema_entry(fields: Dict[str, Any], positions: bool, schema: Dict[str, str]) -> Dict[str, Any]:
    """The commit's record of an index's text fields, positions and metadata kinds."""
    return {"fields": [[name, f.weight, f.b] for name, f in fields.items()],
            "positions": positions, "schema": dict(schema)}


def read_schema(entry: Optional[Dict[str, Any]]) -> Tuple[Optional[Dict[str, Any]], bool, Dict[str, str]]:
    """(fields for ``Index(fields=...)``, positions, metadata kinds) from a commit; format 1: text, no positions."""
    from .columns import KINDS
    from .fields import Field

    if entry is None:
        return None, False, {}
    fields = {str(name): Field(weight, b) for name, weight, b in entry["fields"]}
    schema = {str(k): str(v) for k, v in dict(entry["schema"]).items()}
    if any(kind not in KINDS for kind in schema.values()):
        raise ValueError("unknown metadata kind in the schema")
    positions = entry["positions"]
    if not isinstance(positions, bool):
        raise ValueError("positions must be a bool")
    return fields, positions, schema
