"""What scoring a resolved query needs: the snapshot, the BM25 variant, the statistics.

:class:`Scorer` gives idf (with the Okapi floor, as the bag-of-words
searcher applies it), document and field lengths, and the BM25 or BM25F
weights of a clause's postings; :mod:`.execute` runs the query with it.

>>> from kzsearch import Index
>>> index = Index(analyzer=str.split)
>>> index.add(["a b", "a c", "b c"])
>>> scorer = Scorer(index._snapshot, "lucene", index.settings.params, len(index.vocabulary))
>>> scorer.n_docs, round(scorer.avgdl, 1)
(3, 2.0)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ..engine.fields import combined_tf
from ..engine.scoring import BM25Params, floored_idf, weights
from ..engine.searcher import CollectionStats, FieldWeights, Snapshot


@dataclass
class Scorer:
    """What scoring needs: the snapshot, the BM25 variant and the collection statistics.

    ``stats`` replaces the snapshot's statistics by collection-wide ones; its
    ``df`` maps term strings to document frequencies. ``fields`` (weight and
    b of each text field) turns on BM25F for an index of several fields, as
    in the bag-of-words searcher (:mod:`kzsearch.engine.fields`): a clause
    over the whole document combines its per-field frequencies, a clause
    restricted to one field uses that field's frequency and length norm
    (weight 1).
    """

    snapshot: Snapshot
    method: str
    params: BM25Params
    vocab_size: int
    stats: Optional[CollectionStats] = None
    fields: Optional[FieldWeights] = None

    @property
    def n_docs(self) -> int:
        return self.snapshot.n_live if self.stats is None else self.stats.n_docs

    @property
    def avgdl(self) -> float:
        if self.stats is None:
            return self.snapshot.avgdl
        return self.stats.total_len / self.stats.n_docs if self.stats.n_docs else 0.0

    @property
    def bm25f(self) -> bool:
        return self.fields is not None and self.snapshot.n_fields > 1

    def df(self, term: str, local_df: int) -> int:
        if self.stats is None:
            return local_df
        return int(self.stats.df.get(term, 0))  # type: ignore[union-attr]

    def idf(self, term: str, local_df: int) -> float:
        """The term's idf, with the "okapi" floor applied as the searcher applies it."""
        return floored_idf(self.method, self.df(term, local_df), self.n_docs, self.params.epsilon,
                           lambda: self.snapshot.okapi_mean_idf(self.vocab_size) if self.stats is None
                           else self.stats.okapi_mean_idf)

    def avg_field_lengths(self) -> np.ndarray:
        """Average length of each text field over the live documents (float64[F])."""
        totals = self.snapshot.field_totals() if self.stats is None or self.stats.field_len is None \
            else np.asarray(self.stats.field_len, dtype=np.int64)
        return totals / self.n_docs if self.n_docs else np.zeros(len(totals))

    def field_factors(self, whole: bool) -> np.ndarray:
        """BM25F's ``w_f / (1 - b_f + b_f len_f / avglen_f)`` (weights 1 unless ``whole``), float64[F, D]."""
        assert self.fields is not None
        weights_ = self.fields.weights if whole else np.ones(len(self.fields.weights))
        return self.snapshot.field_norms(weights_, self.fields.bs, self.avg_field_lengths())

    def score(self, docs: np.ndarray, tfs: np.ndarray, field: Optional[int], term_idf: float,
              weight: float) -> np.ndarray:
        """BM25 of postings: ``tfs`` per document — int32[F, n] per field for a whole-document
        clause under BM25F, else 1-D (the field's, or the document's)."""
        if not self.bm25f:
            w = weights(self.method, tfs, self.snapshot.length_norm(self.params.b, self.avgdl)[docs],
                        term_idf, self.params)
        else:
            unit = BM25Params(self.params.k1, 1.0, self.params.epsilon, self.params.delta)
            if field is None:
                tilde = combined_tf(tfs, self.field_factors(True)[:, docs])
            else:
                tilde = tfs * self.field_factors(False)[field, docs]
            w = weights(self.method, tilde, 1.0, term_idf, unit)
        if weight != 1:
            w *= weight
        return w

    def lengths(self, field: Optional[int]) -> Tuple[np.ndarray, float]:
        """(length of every stored document — or of its ``field`` —, the average over live ones)."""
        if field is None:
            return _doc_lengths(self.snapshot), self.avgdl
        lengths = np.concatenate([np.asarray(s.field_len[field]) for s in self.snapshot.segments])
        return lengths, float(self.avg_field_lengths()[field])


def _doc_lengths(snapshot: Snapshot) -> np.ndarray:
    def make() -> np.ndarray:
        segs = snapshot.segments
        return np.concatenate([s.doc_len for s in segs]) if segs else np.zeros(0, dtype=np.int32)
    return snapshot._cached("doc_len", make)
