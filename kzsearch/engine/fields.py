"""Text fields and BM25F: a document's searchable fields, each with a weight and a b.

An index declares its text fields as ``{"title": 2.0, "text": 1.0}`` (name ->
weight) or with :class:`Field` for a field's own length normalisation.
With one field, scores are exactly the index's BM25 method
(:mod:`.scoring`). With several, a term's frequencies in the fields are
combined before saturation — Robertson & Zaragoza's simple BM25F::

    tf~ = sum over fields f of  w_f * tf_f / (1 - b_f + b_f * len_f / avglen_f)

    lucene   idf * tf~ / (k1 + tf~)
    okapi    idf * tf~ * (k1 + 1) / (tf~ + k1)           (idf floored as in BM25)
    bm25l    idf * (k1 + 1) * (tf~ + δ) / (k1 + tf~ + δ)
    bm25+    idf * (δ + tf~ * (k1 + 1) / (k1 + tf~))

that is, each method's weight with the length norm already inside ``tf~``
(L = 1). ``avglen_f`` is the field's total length over live documents
divided by the number of live documents; ``df`` counts documents that have
the term in any field; ``b_f`` is the index's ``b`` unless the field sets
its own.

>>> check_fields({"title": 2.0, "text": Field(1.0, b=0.6)})
{'title': Field(weight=2.0, b=None), 'text': Field(weight=1.0, b=0.6)}
>>> field_norms(np.array([[2, 4]]), np.array([2.0]), np.array([0.5]), np.array([3.0])).round(4).tolist()
[[2.4, 1.7143]]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

import numpy as np

#: the field of an index that declares none
DEFAULT_FIELDS = {"text": 1.0}


@dataclass(frozen=True)
class Field:
    """A text field's BM25F settings: its weight, and its own ``b`` (None: the index's)."""

    weight: float = 1.0
    b: Optional[float] = None

    def validate(self, name: str) -> None:
        for attr in ("weight", "b"):
            value = getattr(self, attr)
            if value is None and attr == "b":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"fields[{name!r}].{attr} must be a number, not {type(value).__name__}")
            if not math.isfinite(value):
                raise ValueError(f"fields[{name!r}].{attr} must be finite, got {value!r}")
        if self.weight <= 0:
            raise ValueError(f"fields[{name!r}] weight must be > 0, got {self.weight!r}")
        if self.b is not None and not 0 <= self.b <= 1:
            raise ValueError(f"fields[{name!r}] b must be between 0 and 1, got {self.b!r}")


def check_fields(fields: Optional[Mapping[str, Any]]) -> Dict[str, Field]:
    """``fields`` as an ordered {name: Field}; TypeError / ValueError naming what is wrong."""
    if fields is None:
        fields = DEFAULT_FIELDS
    if not isinstance(fields, Mapping):
        raise TypeError(f"fields must be a mapping of name to weight, not {type(fields).__name__}")
    if not fields:
        raise ValueError("fields must name at least one text field")
    out: Dict[str, Field] = {}
    for name, spec in fields.items():
        if not isinstance(name, str):
            raise TypeError(f"fields: a field name must be str, not {type(name).__name__}")
        if not name or name == "id":
            raise ValueError(f"fields: {name!r} cannot be a text field name")
        if isinstance(spec, Field):
            field = spec
        elif isinstance(spec, bool) or not isinstance(spec, (int, float)):
            raise TypeError(f"fields[{name!r}] must be a number or a Field, not {type(spec).__name__}")
        else:
            field = Field(float(spec))
        field.validate(name)
        out[name] = Field(float(field.weight), None if field.b is None else float(field.b))
    if len(out) > 127:
        raise ValueError(f"fields: at most 127 text fields, got {len(out)}")
    return out


def text_key(fields: Mapping[str, Field]) -> str:
    """The field a hit's ``text`` shows: ``text`` if declared, else the first field."""
    return "text" if "text" in fields else next(iter(fields))


def field_norms(field_len: np.ndarray, weights: np.ndarray, bs: np.ndarray,
                avglens: np.ndarray) -> np.ndarray:
    """``w_f / (1 - b_f + b_f * len_f / avglen_f)`` for every field and document (float64[F, D]).

    A field empty in every document (``avglen_f`` 0) has a norm of 1 - b_f
    there; where that is 0 the factor is irrelevant (tf_f is 0) and set to w_f.
    """
    ratio = np.zeros(field_len.shape, dtype=np.float64)
    for f in range(field_len.shape[0]):
        if avglens[f] > 0:
            ratio[f] = field_len[f] / avglens[f]
    denom = (1 - bs)[:, None] + bs[:, None] * ratio
    denom[denom == 0] = 1.0
    return weights[:, None] / denom


def combined_tf(field_tfs: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """BM25F's ``tf~`` of postings: ``sum_f field_tfs[f] * norms[f]`` (norms gathered per posting)."""
    out = field_tfs[0] * norms[0]
    for f in range(1, field_tfs.shape[0]):
        out += field_tfs[f] * norms[f]
    return out
