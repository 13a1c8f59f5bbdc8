"""Speed of kzsearch against rank-bm25 and bm25s on one corpus, side by side.

    python benchmarks/bench_speed.py                  # 10k and 100k documents
    python benchmarks/bench_speed.py --sizes 1000 10000 --queries 200

The corpus is Kazakh documents resampled from real KazNERD sentences
(``datasets.resampled_documents``). Every engine sees the same tokens: text
lowercased and split by ``re.findall(r"\\w+")``, so only the engines differ —
for kzsearch that regex is the Index's analyzer. Index time includes this
tokenisation for every engine. Measured per engine and size:

* index time (tokenise + build), and peak memory of the build (measured in a
  second build under tracemalloc, which sees Python and NumPy allocations);
* median single-query latency for the top 10 over 2–4-word queries drawn from
  the corpus's own sentences; each engine answers the same queries;
* batch throughput: queries per second through each engine's batch API
  (kzsearch ``search_many`` on all cores, bm25s ``retrieve`` with all cores,
  rank-bm25 one query after another, as it has no batch API).

rank-bm25 answers a subset of the queries (``--slow-queries``) since each
takes a large share of a second at 100k documents. bm25s runs its
"robertson" method; kzsearch its default "lucene" method (the same cost).
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import re
import statistics
import sys
import time
import tracemalloc
from typing import Callable, Dict, List, Sequence

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402

import kzsearch  # noqa: E402

WORD = re.compile(r"\w+")


def tokenize(text: str) -> List[str]:
    return WORD.findall(text.lower())


def make_queries(n: int, seed: int = 1) -> List[str]:
    """2-4 consecutive words from random real sentences (as people type them)."""
    rng = random.Random(seed)
    sentences = datasets.kaznerd_sentences()
    out = []
    while len(out) < n:
        words = tokenize(rng.choice(sentences))
        length = rng.randint(2, 4)
        if len(words) < length:
            continue
        start = rng.randrange(len(words) - length + 1)
        out.append(" ".join(words[start:start + length]))
    return out


def measure_build(build: Callable[[], object]):
    """(engine, seconds, peak bytes): timed untraced, then rebuilt under tracemalloc."""
    gc.collect()
    t0 = time.perf_counter()
    engine = build()
    seconds = time.perf_counter() - t0
    gc.collect()
    tracemalloc.start()
    build()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return engine, seconds, peak


def median_latency(run: Callable[[str], object], queries: Sequence[str]) -> float:
    for q in queries[:5]:
        run(q)  # warm caches
    times = []
    for q in queries:
        t0 = time.perf_counter()
        run(q)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_kzsearch(docs, queries, workers):
    index, build_s, peak = measure_build(lambda: _kz_build(docs))
    latency = median_latency(lambda q: index.search(q, k=10), queries)
    t0 = time.perf_counter()
    index.search_many(queries, k=10, workers=workers)
    qps = len(queries) / (time.perf_counter() - t0)
    return dict(build=build_s, peak=peak, latency=latency, qps=qps), index


def _kz_build(docs):
    index = kzsearch.Index(analyzer=tokenize)
    index.add(docs, workers=1)
    return index


def bench_bm25s(docs, queries, workers):
    import bm25s

    def build():
        retriever = bm25s.BM25(method="robertson")
        retriever.index([tokenize(d) for d in docs], show_progress=False)
        return retriever

    retriever, build_s, peak = measure_build(build)
    vocab = retriever.vocab_dict

    def ids(q):
        return [[vocab[t] for t in tokenize(q) if t in vocab] or [0]]

    def one(q):
        return retriever.retrieve(ids(q), k=10, show_progress=False, n_threads=1)

    latency = median_latency(one, queries)
    batch = [ids(q)[0] for q in queries]
    t0 = time.perf_counter()
    retriever.retrieve(batch, k=10, show_progress=False, n_threads=workers)
    qps = len(queries) / (time.perf_counter() - t0)
    return dict(build=build_s, peak=peak, latency=latency, qps=qps)


def bench_rank_bm25(docs, queries):
    import rank_bm25

    bm25, build_s, peak = measure_build(lambda: rank_bm25.BM25Okapi([tokenize(d) for d in docs]))
    positions = list(range(len(docs)))

    def one(q):
        return bm25.get_top_n(tokenize(q), positions, n=10)

    latency = median_latency(one, queries)
    return dict(build=build_s, peak=peak, latency=latency, qps=1 / latency)


def row(name, r, base=None):
    cells = [f"{name:<10}", f"{r['build']:8.2f} s", f"{r['peak'] / 2**20:8.0f} MB",
             f"{r['latency'] * 1000:9.3f} ms", f"{r['qps']:9.0f} q/s"]
    if base is not None:
        cells.append(f"build ×{r['build'] / base['build']:.1f}, query ×{r['latency'] / base['latency']:.0f}")
    return " | ".join(cells)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--slow-queries", type=int, default=50, help="queries for rank-bm25")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--skip", nargs="*", default=[], choices=["rank-bm25", "bm25s"])
    args = parser.parse_args(argv)
    workers = args.workers or len(os.sched_getaffinity(0))
    queries = make_queries(args.queries)
    print(f"kzsearch {kzsearch.__version__}, numpy {np.__version__}, {workers} cores; "
          f"{len(queries)} queries of 2-4 words, top 10")
    for size in args.sizes:
        docs = list(datasets.resampled_documents(size))
        tokens = sum(len(tokenize(d)) for d in docs)
        print(f"\n{size:,} documents, {tokens / 1e6:.1f}M tokens")
        print("engine     |    index   | peak mem    |  p50 query   |  batch      | vs kzsearch")
        kz, _ = bench_kzsearch(docs, queries, workers)
        print(row("kzsearch", kz), flush=True)
        if "bm25s" not in args.skip:
            print(row("bm25s", bench_bm25s(docs, queries, workers), kz), flush=True)
        if "rank-bm25" not in args.skip:
            print(row("rank-bm25", bench_rank_bm25(docs, queries[:args.slow_queries]), kz), flush=True)


if __name__ == "__main__":
    main()
