"""What users pass to ``Index.add``, checked: documents, ids, metadata, in batches.

A document is a str (its text), an ``(id, text)`` pair, or a dict::

    {"id": "n1", "title": "...", "text": "...", "region": "Түркістан",
     "date": "2025-03-01", "views": 120, "tags": ["бюджет", "мәслихат"]}

The index's declared text fields are analysed (a missing one is empty);
every other key but ``id`` is stored metadata (str, int, float, bool, ISO
date, list of str; None reads as missing) and becomes a column for filters
(:mod:`kzsearch.engine.columns`). A dict's fields other than the hit text
are stored as JSON, so that hits and ``Index.get`` return the document.
Documents are read in batches and checked before anything is analysed
(:mod:`kzsearch.ingest` analyses and inverts them).

>>> rows = list(batches([{"id": "a", "text": "x", "n": 1}], None, iter(()), ("text",), "text"))
>>> rows[0].ids, rows[0].units, rows[0].stored, rows[0].meta
(['a'], ['x'], ['{"n": 1}'], [{'n': 1}])
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .engine.columns import kind_of, merge_kinds
from .errors import IndexFormatError

Document = Union[str, Tuple[str, str], Mapping[str, Any]]


@dataclass
class Batch:
    """Checked documents: ids, field texts (``units``: F per document), hit texts, stored JSON, metadata."""

    ids: List[str]
    units: List[str]
    texts: List[str]
    stored: Optional[List[str]]
    meta: Optional[List[Optional[Dict[str, Any]]]]
    explicit: List[str] = field(default_factory=list)  # the ids not handed out by ``default_ids``


def _document(n: int, item: Mapping[str, Any], fields: Sequence[str], text_field: str,
              schema: Dict[str, str], default_ids: Iterator[str]
              ) -> Tuple[str, List[str], str, str, Optional[Dict[str, Any]]]:
    """(id, field texts, hit text, stored JSON, metadata) of a dict document; updates ``schema``."""
    doc_id = item.get("id")
    if doc_id is None:
        doc_id = next(default_ids)
    elif not isinstance(doc_id, str):
        raise TypeError(f"texts[{n}]: key 'id' must be str, not {type(doc_id).__name__}")
    units = []
    for name in fields:
        value = item.get(name, "")
        if not isinstance(value, str):
            raise TypeError(f"document {doc_id!r}: text field {name!r} must be str, "
                            f"not {type(value).__name__}")
        units.append(value)
    meta: Dict[str, Any] = {}
    for key, value in item.items():
        if key == "id" or key in fields:
            continue
        if not isinstance(key, str):
            raise TypeError(f"document {doc_id!r}: keys must be str, not {type(key).__name__}")
        try:
            kind = kind_of(value)
        except TypeError as e:
            raise TypeError(f"document {doc_id!r}: key {key!r}: {e}") from None
        if kind is None:
            continue
        merged = merge_kinds(schema.get(key), kind)
        if merged is None:
            raise TypeError(f"document {doc_id!r}: key {key!r} holds {schema[key]} values in this "
                            f"index, not {kind}")
        schema[key] = merged
        meta[key] = list(value) if kind == "strs" else value
    others = {k: _plain(v) for k, v in item.items() if k != "id" and k != text_field}
    stored = json.dumps(others, ensure_ascii=False) if others else ""
    text = item.get(text_field, "")
    return doc_id, units, text, stored, meta or None


def _plain(value: Any) -> Any:
    """A metadata value as JSON stores it (tuples as lists, NumPy scalars as Python numbers)."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def batches(texts: Iterable[Document], ids: Optional[Iterable[str]], default_ids: Iterator[str],
            fields: Sequence[str], text_field: str,
            schema: Optional[Dict[str, str]] = None, size: int = 1000) -> Iterator[Batch]:
    """Checked batches of ``size`` documents; ``schema`` (key -> column kind) grows as keys appear."""
    if ids is not None and isinstance(ids, (str, bytes)):
        raise TypeError("ids must be an iterable of str, not a single str")
    schema = schema if schema is not None else {}
    id_iter = iter(ids) if ids is not None else None
    plain_units = len(fields) == 1
    text_index = list(fields).index(text_field)
    batch = Batch([], [], [], None, None)
    for n, item in enumerate(texts):
        stored: Optional[str] = None
        meta = None
        if isinstance(item, str):
            text = item
            if id_iter is not None:
                doc_id = next(id_iter, _MISSING)
                if doc_id is _MISSING:
                    raise ValueError(f"ids: fewer ids than texts (texts has more than {n})")
            else:
                doc_id = next(default_ids)
            units = [text] if plain_units else [text if i == text_index else "" for i in range(len(fields))]
        elif isinstance(item, tuple) and len(item) == 2 and id_iter is None:
            doc_id, text = item
            if not isinstance(text, str):
                raise TypeError(f"texts[{n}] text must be str, not {type(text).__name__}")
            units = [text] if plain_units else [text if i == text_index else "" for i in range(len(fields))]
        elif isinstance(item, Mapping) and id_iter is None:
            doc_id, units, text, stored, meta = _document(n, item, fields, text_field, schema, default_ids)
        else:
            raise TypeError(f"texts[{n}] must be str, an (id, text) pair or a dict, "
                            f"not {type(item).__name__}")
        if not isinstance(doc_id, str):
            raise TypeError(f"ids[{n}] must be str, not {type(doc_id).__name__}")
        if id_iter is not None or not (isinstance(item, str) or (isinstance(item, Mapping)
                                                                 and item.get("id") is None)):
            batch.explicit.append(doc_id)
        batch.ids.append(doc_id)
        batch.units.extend(units)
        batch.texts.append(text)
        if stored is not None or batch.stored is not None:
            if batch.stored is None:
                batch.stored = [""] * (len(batch.ids) - 1)
                batch.meta = [None] * (len(batch.ids) - 1)
            batch.stored.append(stored or "")
            batch.meta.append(meta)  # type: ignore[union-attr]
        if len(batch.ids) >= size:
            yield batch
            batch = Batch([], [], [], None, None)
    if id_iter is not None and next(id_iter, _MISSING) is not _MISSING:
        raise ValueError("ids: more ids than texts")
    if batch.ids:
        yield batch


_MISSING = object()


def _running_number(doc_id: str) -> int:
    """The number an id handed out by ``default_ids`` stands for ("17"), else -1."""
    if doc_id.isascii() and doc_id.isdigit() and (doc_id[0] != "0" or doc_id == "0") and len(doc_id) < 19:
        return int(doc_id)
    return -1


def stored_document(doc_id: str, text_field: str, text: str, stored: str) -> Dict[str, Any]:
    """The document as it was added: ``id``, its other fields and metadata, and the hit text.

    >>> stored_document("n1", "text", "Мәтін", '{"title": "Тақырып"}')
    {'id': 'n1', 'title': 'Тақырып', 'text': 'Мәтін'}
    """
    out: Dict[str, Any] = {"id": doc_id}
    if stored:
        try:
            fields = json.loads(stored)
        except (ValueError, RecursionError):
            fields = None
        if not isinstance(fields, dict):  # only a damaged or forged folder stores anything else
            raise IndexFormatError(f"the stored fields of document {doc_id[:80]!r} are damaged")
        out.update(fields)
    out[text_field] = text
    return out
