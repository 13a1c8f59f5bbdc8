"""Analysis of document batches, in this process or on a pool of processes.

A batch analysed in a worker comes back compact: one int32 array of the
tokens' ids in the worker's own vocabulary (kept for the life of the
pool), the terms that vocabulary gained with this batch, and the number of
tokens per document. The pool keeps, per worker, a table from the worker's
ids to the index's; it adds the new terms to the index's vocabulary and
translates the array with one NumPy gather. A batch's texts go to a worker as
their UTF-16 and lengths (:func:`packed_texts`), not as a list of str that pickle
would encode to UTF-8 and the worker decode again. So no per-token Python object
crosses a process boundary or outlives its batch, and the parent hashes a
term once per worker, not once per batch. In this process the batch's terms
go straight to the index's vocabulary instead. A worker also sends home the tokens its
analyzer cached during the batch, with their laid-out places (when the analyzer offers
``cache_delta``/``absorb_cache``; see :mod:`kzsearch.analysis.handover`), so that after
a parallel build the parent's analyzer is as warm as the workers were.

Workers are forked; no lock is held across the fork: kzsearch's own locks
are :class:`~kzsearch.engine.locks.ForkSafeLock` and the one lock of a
library the analysis takes (pymorphy3's) is re-created in the child.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .engine.docstore import TextBlock
from .engine.vocabulary import Vocabulary
from .engine import codepage, text_zipping
from .engine.text_dictionaries import train_dictionary
from .engine.text_zipping import compress_texts

Analyze = Callable[[str], List[str]]


@dataclass
class AnalyzedBatch:
    """Terms of a batch of documents (see the module docstring).

    With ``term_ids`` and ``terms``, ``terms`` are the batch's distinct
    terms and ``term_ids`` (int32) indexes them, all documents back to back;
    with ``term_ids`` only (``terms`` None), those are already the ids in the
    vocabulary the pool was given; without ``term_ids``, ``terms`` are all
    the tokens' terms back to back. From a worker (``worker``: its pid),
    ``term_ids`` index the worker's vocabulary and ``terms`` are the terms
    it gained with this batch, the first of them numbered ``first_new``.
    """

    terms: Optional[Sequence[str]]
    term_ids: Optional[np.ndarray]
    lengths: np.ndarray  # int32, tokens per document
    positions: Optional[np.ndarray] = None  # int32, each token's position in its text
    cache: Optional[list] = None  # a worker's new analyzer cache entries (see Analyzer.cache_delta)
    zipped: Optional[Dict[str, np.ndarray]] = None  # a worker's compressed hit texts (see AnalysisPool)
    worker: Optional[int] = None
    first_new: int = 0

    def global_ids(self, vocabulary: Vocabulary) -> np.ndarray:
        """The tokens' ids in ``vocabulary``, adding new terms to it."""
        if self.terms is None:
            assert self.term_ids is not None
            return self.term_ids
        if self.term_ids is None:
            return vocabulary.add_terms(self.terms)
        return vocabulary.add_terms(self.terms)[self.term_ids]


def _positions_of(analyze: Analyze) -> Optional[Callable[[str], Tuple[List[str], Sequence[int]]]]:
    return getattr(analyze, "positions_array", None) or getattr(analyze, "analyze_positions", None)


def analyze_batch(analyze: Analyze, texts: Sequence[str], compact: bool = False,
                  positions: bool = False) -> AnalyzedBatch:
    """Analyse ``texts``; ``compact``: number the terms locally (to send them between processes).

    ``positions``: keep each token's position too (see
    :meth:`kzsearch.Analyzer.analyze_positions`; a custom callable's terms
    are at 0, 1, 2, ...). The batch's positions are joined and checked once,
    not per document.
    """
    token_positions = None
    positions_of = _positions_of(analyze) if positions else None
    if positions_of is not None:
        pairs = list(map(positions_of, texts))
        per_doc = [terms for terms, _ in pairs]
        raw = [p for _, p in pairs]
        del pairs
    else:
        per_doc = list(map(analyze, texts))
    lengths = np.fromiter(map(len, per_doc), dtype=np.int32, count=len(per_doc))
    if positions_of is not None:
        if not np.array_equal(np.fromiter(map(len, raw), dtype=np.int64, count=len(raw)), lengths):
            raise ValueError("analyzer: analyze_positions must give one position >= 0 per term")
        joined = np.concatenate(raw) if raw else np.zeros(0, dtype=np.int64)
        joined = joined.astype(np.int64, copy=False)
        if len(joined) and joined.min() < 0:
            raise ValueError("analyzer: analyze_positions must give one position >= 0 per term")
        token_positions = joined.astype(np.int32)
    elif positions:  # 0, 1, 2, ... in each document
        ends = np.cumsum(lengths, dtype=np.int64)
        token_positions = (np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
                           - np.repeat(ends - lengths, lengths)).astype(np.int32)
    flat = list(chain.from_iterable(per_doc))
    if not compact:
        return AnalyzedBatch(flat, None, lengths, token_positions)
    local = Vocabulary()
    term_ids = local.add_terms(flat)
    return AnalyzedBatch(local.terms, term_ids, lengths, token_positions)


def words(n_terms: int, positions: Optional[np.ndarray]) -> int:
    """Terms not at the same position as the term before them (``n_terms`` without positions):
    a word and its view terms count once, a compound's parts each count.

    >>> words(5, np.array([0, 0, 1, 2, 2]))
    3
    """
    if positions is None or not len(positions):
        return n_terms
    return len(positions) - int(np.count_nonzero(positions[1:] == positions[:-1]))


_worker_analyze: Optional[Analyze] = None
_worker_vocab: Optional[Vocabulary] = None


def _init_worker(analyze: Analyze) -> None:
    global _worker_analyze, _worker_vocab
    _worker_analyze = analyze
    _worker_vocab = Vocabulary()
    if hasattr(analyze, "cache_delta"):
        analyze.cache_delta()  # start tracking: what this worker learns goes home


def packed_texts(texts: Sequence[str]) -> Any:
    """``texts`` to send to a worker: their UTF-16 and lengths, which pickle and unpickle at
    memory speed (a list of str is encoded to UTF-8 and decoded back, about 3.5 CPU-s a million
    KazNERD documents), or the list itself when it holds a lone surrogate (UTF-16 would pair two).

    >>> unpacked_texts(packed_texts(["ас", "", "𝔘 a"])), unpacked_texts(packed_texts(["\\ud800"]))
    (['ас', '', '𝔘 a'], ['\\ud800'])
    """
    try:
        raw = "".join(texts).encode("utf-16-le")
    except UnicodeEncodeError:
        return list(texts)
    return raw, np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))


def unpacked_texts(packed: Any) -> List[str]:
    """The texts :func:`packed_texts` packed."""
    if isinstance(packed, list):
        return packed
    raw, lengths = packed
    joined = raw.decode("utf-16-le")
    ends = np.cumsum(lengths).tolist()
    return list(map(joined.__getitem__, map(slice, [0] + ends[:-1], ends)))


def _analyze_in_worker(texts: Any, positions: bool,
                       hit_texts: Optional[Tuple[int, int]] = None, zdict: bytes = b"") -> AnalyzedBatch:
    """Analyse a batch (``texts``: a list, or as :func:`packed_texts` packed it) in a worker."""
    assert _worker_analyze is not None and _worker_vocab is not None
    texts = unpacked_texts(texts)
    batch = analyze_batch(_worker_analyze, texts, positions=positions)
    zipped = None
    if hit_texts is not None:  # compressed here, on the worker's core, as a save stores them
        which, every = hit_texts
        zipped = compress_texts(TextBlock.from_strings(texts[which::every]), threads=1, zdict=zdict)
        zipped.pop("texts.zdict", None)  # the pool has it: not sent home with every batch
    first_new = len(_worker_vocab)
    term_ids = _worker_vocab.add_terms(batch.terms)  # type: ignore[arg-type]
    batch = AnalyzedBatch(list(_worker_vocab.terms[first_new:]), term_ids, batch.lengths, batch.positions,
                          worker=os.getpid(), first_new=first_new, zipped=zipped)
    if hasattr(_worker_analyze, "cache_delta"):
        batch.cache = _worker_analyze.cache_delta()
    return batch


class _IdTable:
    """A worker's term ids -> the pool vocabulary's ids (a growable int32 array)."""

    def __init__(self) -> None:
        self.ids = np.zeros(1024, dtype=np.int32)
        self.size = 0

    def extend(self, new_ids: np.ndarray) -> None:
        end = self.size + len(new_ids)
        if end > len(self.ids):
            grown = np.zeros(max(end, 2 * len(self.ids)), dtype=np.int32)
            grown[:self.size] = self.ids[:self.size]
            self.ids = grown
        self.ids[self.size:end] = new_ids
        self.size = end


def _renew_library_locks_in_child() -> None:
    """Locks of libraries the analysis uses, re-created in a forked child (see engine.locks).

    pymorphy3 builds its analyzer under a class-level lock: a worker forked while
    another thread of the parent was building one would wait on it forever.
    """
    morph = sys.modules.get("pymorphy3.analyzer")
    analyzer_class = getattr(morph, "MorphAnalyzer", None)
    if analyzer_class is not None and hasattr(analyzer_class, "_lock"):
        analyzer_class._lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_library_locks_in_child)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class AnalysisPool:
    """Analyse batches on ``workers`` processes, results in input order.

    At most ``2 * workers`` batches are in flight, so a generator of millions
    of documents streams through in bounded memory.

    ``vocabulary``: where a worker's batch's terms are numbered (see the
    module docstring; by default a vocabulary of the pool's own).
    ``hit_texts``: (i, F): workers also compress every F-th text from the
    i-th (each document's hit text among its F field texts) into format 3's
    blocks (:func:`~kzsearch.engine.text_zipping.compress_texts`), returned
    as ``AnalyzedBatch.zipped``; in this process they are left to the caller.
    All workers use one preset dictionary, trained here from the hit texts
    of the first batch (:func:`~kzsearch.engine.text_dictionaries.train_dictionary`),
    so that a segment's batches share it (``zdict``: the pool's, once made).

    >>> from kzsearch.analysis import Analyzer
    >>> with AnalysisPool(Analyzer(views=()), workers=1) as pool:
    ...     [b.lengths.tolist() for b in pool.map([["мектеп оқушылары"], ["облыс"]])]
    [[2], [1]]
    """

    def __init__(self, analyze: Analyze, workers: int, positions: bool = False,
                 vocabulary: Optional[Vocabulary] = None, hit_texts: Optional[Tuple[int, int]] = None) -> None:
        self.analyze = analyze
        self.hit_texts = hit_texts
        self.workers = workers
        self.positions = positions
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary()
        self._tables: Dict[int, _IdTable] = {}
        self._executor: Optional[ProcessPoolExecutor] = None
        self.zdict: Optional[np.ndarray] = None

    def __enter__(self) -> "AnalysisPool":
        if self.workers > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context,
                                                 initializer=_init_worker, initargs=(self.analyze,))
        return self

    def __exit__(self, *exc) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def map(self, batches: Iterable[Sequence[str]]) -> Iterator[AnalyzedBatch]:
        zdict = self.zdict.tobytes() if self.zdict is not None else b""
        if self._executor is None:
            for texts in batches:
                yield analyze_batch(self.analyze, texts, positions=self.positions)
            return
        in_flight: Deque[Future] = deque()
        for texts in batches:
            if self.zdict is None and self.hit_texts is not None:
                which, every = self.hit_texts
                sample = "".join(texts[which::every])
                kazakh = text_zipping.CODEPAGE and codepage.mostly_in(sample)
                if kazakh and text_zipping.HUFFMAN:
                    zdict = b""  # code page blocks, entropy-coded only: no dictionary
                else:  # a dictionary in the blocks' encoding
                    zdict = train_dictionary(codepage.encode_lossy(sample) if kazakh else
                                             sample.encode("utf-8", "surrogatepass"))
                self.zdict = np.frombuffer(zdict, dtype=np.uint8)
            in_flight.append(self._executor.submit(_analyze_in_worker, packed_texts(texts), self.positions,
                                                   self.hit_texts, zdict))
            if len(in_flight) >= 2 * self.workers:
                yield self._home(in_flight.popleft().result())
        while in_flight:
            yield self._home(in_flight.popleft().result())

    def _home(self, batch: AnalyzedBatch) -> AnalyzedBatch:
        """Number a worker's batch in the pool's vocabulary; bring its cache entries home,
        so that the next ``add`` here runs warm."""
        if batch.cache:
            absorb = getattr(self.analyze, "absorb_cache", None)
            if absorb is not None:
                absorb(batch.cache)
            batch.cache = None
        if batch.zipped is not None and "texts.zdictblk" in batch.zipped:
            batch.zipped["texts.zdict"] = self.zdict  # one array for all batches: concat joins their runs
        if batch.worker is not None and batch.term_ids is not None and batch.terms is not None:
            table = self._tables.setdefault(batch.worker, _IdTable())
            if batch.first_new != table.size:  # a worker's batches come back in the order it made them
                raise RuntimeError("analysis worker results out of order")
            if batch.terms:
                table.extend(self.vocabulary.add_terms(batch.terms))
            batch.term_ids = table.ids[batch.term_ids]
            batch.terms, batch.worker = None, None
        return batch
