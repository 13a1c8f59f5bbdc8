"""Drop-in replacements for rank-bm25's ``BM25Okapi``, ``BM25L`` and ``BM25Plus``.

Same constructor arguments, same methods, same numbers — rank-bm25's quirks
included: a repeated query token counts each time, an unknown token adds 0,
``BM25Plus`` adds δ·idf to every document for every query token, and
``BM25L`` multiplies its whole term by the term frequency. The expressions
follow rank-bm25's order of floating-point operations, so scores agree bit
for bit and ``get_top_n`` breaks ties the same way. Only the speed differs:
postings are flat NumPy arrays and a query touches only the documents that
contain its tokens.

>>> from kzsearch import BM25Okapi
>>> corpus = [["облыс", "бюджет"], ["мектеп"], ["облыс", "әкім"], ["жол"]]
>>> bm25 = BM25Okapi(corpus)
>>> bm25.get_top_n(["мектеп"], ["a", "b", "c", "d"], n=1)
['b']

Two deliberate differences: an empty corpus raises ``ValueError`` (rank-bm25
fails with ``ZeroDivisionError``), and an empty document scores 0 where
rank-bm25 divides 0 by 0 and returns NaN (with ``b=1``).
"""
from __future__ import annotations

from itertools import chain
from typing import Any, Callable, Dict, Hashable, List, Optional, Sequence

import numpy as np

from .engine.scoring import BM25Params, length_norm, okapi_mean_idf, per_df, weights
from .engine.segment import build_segment
from .engine.vocabulary import Vocabulary


class _CompatBM25:
    """Shared machinery: one segment over the corpus, rank-bm25's attributes."""

    def __init__(self, corpus: Sequence[Sequence[Hashable]], tokenizer: Optional[Callable] = None,
                 k1: float = 1.5, b: float = 0.75) -> None:
        if tokenizer is not None:
            corpus = [tokenizer(doc) for doc in corpus]
        else:
            corpus = list(corpus)
        if not corpus:
            raise ValueError("corpus must hold at least one document")
        self.k1 = k1
        self.b = b
        self.tokenizer = tokenizer
        self._vocab = Vocabulary()
        lengths = np.fromiter(map(len, corpus), dtype=np.int64, count=len(corpus))
        flat: List[Any] = list(chain.from_iterable(corpus))
        term_ids = self._vocab.add_terms(flat)
        self._segment = build_segment(term_ids, lengths)
        self.corpus_size = len(corpus)
        self.avgdl = int(lengths.sum()) / self.corpus_size
        self._doc_len = self._segment.doc_len
        # document frequency per term id; terms are numbered by first occurrence
        self._df = np.zeros(len(self._vocab), dtype=np.int64)
        self._df[self._segment.terms] = np.diff(self._segment.offsets)
        self._norm = length_norm(self._doc_len, self.avgdl, b)
        self._params = BM25Params(k1=k1, b=b)
        self._idf = self._compute_idf()
        self._weights: Dict[int, Any] = {}

    # -- rank-bm25's public attributes, built on demand ---------------------
    @property
    def doc_len(self) -> List[int]:
        return self._doc_len.tolist()

    @property
    def idf(self) -> Dict[Hashable, float]:
        return dict(zip(self._vocab.terms, self._idf.tolist()))

    @property
    def doc_freqs(self) -> List[Dict[Hashable, int]]:
        """Per-document term counts (materialised only when asked for)."""
        seg = self._segment
        out: List[Dict[Hashable, int]] = [{} for _ in range(self.corpus_size)]
        terms = self._vocab.terms
        for t, lo, hi in zip(seg.terms.tolist(), seg.offsets[:-1].tolist(), seg.offsets[1:].tolist()):
            term = terms[t]
            for d, tf in zip(seg.docs[lo:hi].tolist(), seg.tfs[lo:hi].tolist()):
                out[d][term] = tf
        return out

    # -- scoring --------------------------------------------------------------
    def _compute_idf(self) -> np.ndarray:
        raise NotImplementedError

    def _postings(self, token: Hashable):
        """(documents, weights, idf) of a token, or None; weights are computed once per term."""
        term_id = self._vocab.get(token)
        if term_id < 0:
            return None
        hit = self._weights.get(term_id)
        if hit is None:
            seg = self._segment
            lo, hi = seg.offsets[term_id], seg.offsets[term_id + 1]
            term_idf = float(self._idf[term_id]) or 0
            docs = seg.docs[lo:hi]
            # the weights of a term never change: the same expression gives the same floats
            hit = self._weights[term_id] = (docs, self._weight(docs, seg.tfs[lo:hi], term_idf), term_idf)
        return hit

    def _weight(self, docs: np.ndarray, tf: np.ndarray, term_idf: float) -> np.ndarray:
        """Contribution of one term to each of its documents."""
        raise NotImplementedError

    def _add(self, score: np.ndarray, docs: np.ndarray, w: np.ndarray, term_idf: float) -> None:
        score[docs] += w

    def _scores(self, query: Sequence[Hashable], touched: Optional[np.ndarray] = None) -> np.ndarray:
        score = np.zeros(self.corpus_size)
        for token in query:
            hit = self._postings(token)
            if hit is not None:
                docs, w, term_idf = hit
                self._add(score, docs, w, term_idf)
                if touched is not None:
                    touched[docs] = True
        return score

    def get_scores(self, query: Sequence[Hashable]) -> np.ndarray:
        """Score of every document for ``query`` (a list of tokens)."""
        return self._scores(query)

    def get_batch_scores(self, query: Sequence[Hashable], doc_ids: Sequence[int]) -> List[float]:
        """Scores of the documents ``doc_ids`` only, as a list."""
        assert all(di < self.corpus_size for di in doc_ids)
        return self.get_scores(query)[np.asarray(doc_ids, dtype=np.int64)].tolist()

    def get_top_n(self, query: Sequence[Hashable], documents: Sequence[Any], n: int = 5) -> List[Any]:
        """The ``n`` best of ``documents`` (the corpus, in any form) for ``query``."""
        assert self.corpus_size == len(documents), "The documents given don't match the index corpus!"
        touched = np.zeros(self.corpus_size, dtype=bool)
        scores = self._scores(query, touched)
        return [documents[i] for i in _top_n_like_argsort(scores, n, touched)]


def _top_n_like_argsort(scores: np.ndarray, n: int, touched: Optional[np.ndarray] = None) -> np.ndarray:
    """``np.argsort(scores)[::-1][:n]`` without sorting everything when that is safe.

    When the n + 1 best scores are all distinct, the answer does not depend
    on how a sort orders ties, so selecting them with ``argpartition`` gives
    exactly rank-bm25's result. Otherwise fall back to rank-bm25's own call.
    ``touched`` marks the documents that hold a query token: every other
    document has one same score (0, or BM25+'s δ·idf sum), so the n + 1 best
    are chosen among the touched ones when they all beat that score.
    """
    size = len(scores)
    if not isinstance(n, (int, np.integer)) or n <= 0 or n + 1 >= size:
        return np.argsort(scores)[::-1][:n]
    pool = None
    if touched is not None:
        pool = np.flatnonzero(touched)
        if len(pool) <= n or len(pool) == size:
            pool = None
    values_from = scores if pool is None else scores[pool]
    m = len(values_from)
    best = np.argpartition(values_from, m - n - 1)[m - n - 1:]
    values = values_from[best]
    if pool is not None:
        rest = scores[int(np.argmin(touched))]  # the score of every untouched document
        if not rest < values.min():
            return np.argsort(scores)[::-1][:n]
        best = pool[best]
    if len(np.unique(values)) < len(values):
        return np.argsort(scores)[::-1][:n]
    return best[np.argsort(values)[::-1][:n]]


class BM25Okapi(_CompatBM25):
    """rank_bm25.BM25Okapi: idf ln((N-df+0.5)/(df+0.5)) floored at epsilon · mean idf."""

    def __init__(self, corpus, tokenizer=None, k1=1.5, b=0.75, epsilon=0.25):
        self.epsilon = epsilon
        super().__init__(corpus, tokenizer, k1, b)

    def _compute_idf(self) -> np.ndarray:
        values = per_df("okapi", self._df, self.corpus_size)
        self.average_idf = okapi_mean_idf(self._df, self.corpus_size)
        eps = self.epsilon * self.average_idf
        values[values < 0] = eps
        return values

    def _weight(self, docs: np.ndarray, tf: np.ndarray, term_idf: float) -> np.ndarray:
        return weights("okapi", tf, self._norm[docs], term_idf, self._params)


class BM25L(_CompatBM25):
    """rank_bm25.BM25L: idf ln(N+1) - ln(df+0.5); its term is multiplied by tf."""

    def __init__(self, corpus, tokenizer=None, k1=1.5, b=0.75, delta=0.5):
        self.delta = delta
        super().__init__(corpus, tokenizer, k1, b)

    def _compute_idf(self) -> np.ndarray:
        return per_df("bm25l", self._df, self.corpus_size)

    def _weight(self, docs: np.ndarray, tf: np.ndarray, term_idf: float) -> np.ndarray:
        k1, delta = self.k1, self.delta
        ctd = tf / self._norm[docs]
        return term_idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)


class BM25Plus(_CompatBM25):
    """rank_bm25.BM25Plus: idf ln((N+1)/df); δ·idf goes to every document."""

    def __init__(self, corpus, tokenizer=None, k1=1.5, b=0.75, delta=1):
        self.delta = delta
        super().__init__(corpus, tokenizer, k1, b)

    def _compute_idf(self) -> np.ndarray:
        return per_df("bm25+", self._df, self.corpus_size)

    def _weight(self, docs: np.ndarray, tf: np.ndarray, term_idf: float) -> np.ndarray:
        k1, delta = self.k1, self.delta
        return term_idf * (delta + (tf * (k1 + 1)) / (k1 * self._norm[docs] + tf))

    def _add(self, score: np.ndarray, docs: np.ndarray, w: np.ndarray, term_idf: float) -> None:
        matched = score[docs]
        score += term_idf * (self.delta + 0.0)   # rank-bm25 scores absent tokens as tf = 0
        score[docs] = matched + w
