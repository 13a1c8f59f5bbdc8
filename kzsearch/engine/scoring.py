"""BM25 scoring functions: idf from document frequencies, weights per posting.

Every variant splits into two parts that the searcher combines:

* ``idf(df, n_docs)`` for one term (a Python float, computed with ``math.log``
  so that it is bit-for-bit the value rank-bm25 computes);
* ``weights(tf, length_norm, idf, p)`` for a slice of postings: ``tf`` the
  term frequencies, ``length_norm`` the per-document factor
  ``1 - b + b * dl / avgdl`` gathered for those postings.

The variants, with L = 1 - b + b·dl/avgdl:

=========  ====================================  =========================================
method     idf                                   weight of a posting with frequency tf
=========  ====================================  =========================================
lucene     ln(1 + (N - df + 0.5) / (df + 0.5))   idf · tf / (k1·L + tf)
okapi      ln(N - df + 0.5) - ln(df + 0.5),      idf · tf·(k1+1) / (tf + k1·L)
           floored at epsilon · mean idf
bm25l      ln(N + 1) - ln(df + 0.5)              idf · (k1+1)·(c+δ) / (k1 + c + δ), c = tf/L
bm25+      ln((N + 1) / df)                      idf · (δ + tf·(k1+1) / (k1·L + tf))
=========  ====================================  =========================================

``lucene`` is Lucene's BM25Similarity (and bm25s's "lucene" method); ``okapi``
is rank-bm25's ``BM25Okapi``, epsilon floor included; ``bm25l`` and ``bm25+``
follow Lv & Zhai (2011): unlike rank-bm25's classes, a document that lacks the
term gets nothing. The rank-bm25 quirks live in :mod:`kzsearch.compat`.

>>> round(idf("lucene", df=1, n_docs=10), 4)
1.9924
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict

import numpy as np

METHODS = ("lucene", "okapi", "bm25l", "bm25+")


@dataclass(frozen=True)
class BM25Params:
    """The free parameters of BM25.

    ``epsilon`` is used by ``okapi`` (floor of negative idf as a share of the
    mean idf), ``delta`` by ``bm25l`` and ``bm25+``; ``delta=None`` picks the
    usual default of each (0.5 for bm25l, 1.0 for bm25+).
    """

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    delta: float = 0.5

    @classmethod
    def checked(cls, k1: object = 1.5, b: object = 0.75, epsilon: object = 0.25,
                delta: object = 0.5) -> "BM25Params":
        """Parameters from numbers of any kind (NumPy scalars too), as floats, validated.

        >>> BM25Params.checked(k1=np.float32(1.2), b=1).k1
        1.2000000476837158
        """
        values = {"k1": k1, "b": b, "epsilon": epsilon, "delta": delta}
        for name, value in values.items():
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"{name} must be a number, not {type(value).__name__}")
        params = cls(**{name: float(value) for name, value in values.items()})  # type: ignore[arg-type]
        params.validate()
        return params

    def validate(self) -> None:
        """Raise TypeError or ValueError (naming the parameter) unless every value is usable.

        Values are bounded (k1, delta in [0, 1e6], b in [0, 1], |epsilon| <= 1e6)
        so that no score can overflow into inf or NaN.
        """
        for name in ("k1", "b", "epsilon", "delta"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"{name} must be a number, not {type(value).__name__}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")
        if not 0 <= self.k1 <= MAX_PARAM:
            raise ValueError(f"k1 must be between 0 and {MAX_PARAM:g}, got {self.k1!r}")
        if not 0 <= self.b <= 1:
            raise ValueError(f"b must be between 0 and 1, got {self.b!r}")
        if not 0 <= self.delta <= MAX_PARAM:
            raise ValueError(f"delta must be between 0 and {MAX_PARAM:g}, got {self.delta!r}")
        if not abs(self.epsilon) <= MAX_PARAM:
            raise ValueError(f"epsilon must be between -{MAX_PARAM:g} and {MAX_PARAM:g}, got {self.epsilon!r}")


#: the largest k1, delta and |epsilon| accepted (larger values only overflow scores)
MAX_PARAM = 1e6

DEFAULT_DELTA: Dict[str, float] = {"bm25l": 0.5, "bm25+": 1.0}


def check_method(method: object) -> str:
    """Return ``method`` if it names a BM25 variant, else raise."""
    if not isinstance(method, str):
        raise TypeError(f"method must be str, not {type(method).__name__}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    return method


def idf(method: str, df: int, n_docs: int) -> float:
    """Inverse document frequency of a term found in ``df`` of ``n_docs`` documents.

    For ``okapi`` this is the raw value; the epsilon floor needs the mean over
    the vocabulary (:func:`okapi_mean_idf`).
    """
    if method == "lucene":
        return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    if method == "okapi":
        return math.log(n_docs - df + 0.5) - math.log(df + 0.5)
    if method == "bm25l":
        return math.log(n_docs + 1) - math.log(df + 0.5)
    if method == "bm25+":
        return math.log((n_docs + 1) / df) if df else 0.0
    raise ValueError(f"unknown method {method!r}")


def floored_idf(method: str, df: int, n_docs: int, epsilon: float, mean_idf: Callable[[], float]) -> float:
    """:func:`idf` with rank-bm25's Okapi floor: a negative ``okapi`` idf becomes
    ``epsilon`` times the mean idf, which ``mean_idf()`` gives (called only then).

    >>> floored_idf("okapi", df=9, n_docs=10, epsilon=0.25, mean_idf=lambda: 2.0)
    0.5
    """
    value = idf(method, df, n_docs)
    if method == "okapi" and value < 0:
        value = epsilon * mean_idf()
    return value


def per_df(method: str, df: np.ndarray, n_docs: int) -> np.ndarray:
    """:func:`idf` of every entry of ``df``, calling ``math.log`` once per distinct value."""
    values, inverse = np.unique(np.asarray(df, dtype=np.int64), return_inverse=True)
    table = np.array([idf(method, int(v), n_docs) for v in values.tolist()], dtype=np.float64)
    return table[inverse.ravel()]


def okapi_mean_idf(df: np.ndarray, n_docs: int) -> float:
    """Mean raw Okapi idf over the terms whose document frequencies are ``df``.

    rank-bm25 floors negative idf at ``epsilon`` times this mean. ``df`` is in
    vocabulary order and the sum runs left to right (``cumsum``), as in
    rank-bm25's Python loop, so the value agrees bit for bit.
    """
    if len(df) == 0:
        return 0.0
    return float(np.cumsum(per_df("okapi", df, n_docs))[-1]) / len(df)


def length_norm(doc_len: np.ndarray, avgdl: float, b: float) -> np.ndarray:
    """Per-document ``1 - b + b * dl / avgdl`` (in rank-bm25's order of operations)."""
    return 1 - b + b * doc_len / avgdl


def weights(method: str, tf: np.ndarray, norm: np.ndarray, term_idf: float,
            p: BM25Params, inplace: bool = False) -> np.ndarray:
    """BM25 contribution of one term to each posting.

    ``tf`` are the postings' term frequencies, ``norm`` the length norms of
    their documents. The expressions keep rank-bm25's order of operations so
    that scores agree bit for bit. ``inplace=True`` lets ``norm`` (a float64
    array the caller owns) be overwritten and returned: the same operations
    in the same order, without temporaries.

    >>> norm = np.array([1.0, 2.0])
    >>> w = weights("lucene", np.array([1, 3]), norm.copy(), 2.0, BM25Params(k1=1.0))
    >>> w.tolist() == weights("lucene", np.array([1, 3]), norm, 2.0, BM25Params(k1=1.0), inplace=True).tolist()
    True
    """
    k1 = p.k1
    if inplace and norm.dtype == np.float64 and method in ("lucene", "okapi"):
        out = norm
        np.multiply(out, k1, out=out)          # k1 * norm (products commute exactly)
        np.add(out, tf, out=out)               # + tf
        if method == "lucene":
            np.divide(tf, out, out=out)        # tf / (k1 * norm + tf)
        else:
            np.divide(tf * (k1 + 1), out, out=out)
        np.multiply(out, term_idf, out=out)    # idf * (...)
        return out
    if method == "lucene":
        return term_idf * (tf / (k1 * norm + tf))
    if method == "okapi":
        return term_idf * (tf * (k1 + 1) / (tf + k1 * norm))
    if method == "bm25l":
        ctd = tf / norm
        return term_idf * (k1 + 1) * (ctd + p.delta) / (k1 + ctd + p.delta)
    if method == "bm25+":
        return term_idf * (p.delta + (tf * (k1 + 1)) / (k1 * norm + tf))
    raise ValueError(f"unknown method {method!r}")
