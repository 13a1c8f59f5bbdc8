"""Speed of kzsearch against rank-bm25 and bm25s on one corpus, side by side.

    python benchmarks/bench_speed.py                  # 10k and 100k documents
    python benchmarks/bench_speed.py --sizes 1000 10000 --queries 200

The corpus is Kazakh documents resampled from real KazNERD sentences
(``datasets.resampled_documents``). Every engine sees the same tokens: text
lowercased and split by ``re.findall(r"\\w+")``, so only the engines differ —
for kzsearch that regex is the Index's analyzer. Index time includes this
tokenisation for every engine. Measured per engine and size:

* index time (tokenise + build), and the peak resident memory the build adds;
* median single-query latency for the top 10 over 2–4-word queries drawn from
  the corpus's own sentences; each engine answers the same queries;
* batch throughput: queries per second through each engine's batch API
  (kzsearch ``search_many`` on all cores, bm25s ``retrieve`` with all cores,
  rank-bm25 one query after another, as it has no batch API).

Rows: the kzsearch ``Index`` (one process for the build, to compare like
with like); ``kzsearch.BM25Okapi``, the rank-bm25 drop-in, answering
``get_top_n`` exactly as rank-bm25 does; bm25s; rank-bm25. The last column
divides each engine's build time and median latency by the Index's.

Each engine runs in a fresh Python process per size, so none inherits
another's warm heap. rank-bm25 answers a subset of the queries (``--slow-queries``) since each
takes a large share of a second at 100k documents. bm25s runs its
"robertson" method; kzsearch its default "lucene" method (the same cost).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from typing import Callable, List, Sequence

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


def rss_bytes() -> int:
    """Resident memory of this process now (Linux), else 0."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def peak_rss_bytes() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def measure_build(build: Callable[[], object]):
    """(engine, seconds, bytes): build time, and peak resident memory above the start."""
    gc.collect()
    before = rss_bytes()
    t0 = time.perf_counter()
    engine = build()
    seconds = time.perf_counter() - t0
    return engine, seconds, max(0, peak_rss_bytes() - before)


def median_latency(run: Callable[[str], object], queries: Sequence[str]) -> float:
    for q in queries[:5]:
        run(q)  # warm caches
    times = []
    for q in queries:
        t0 = time.perf_counter()
        run(q)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_kzsearch(docs, queries, workers, batch=True):
    def build():
        index = kzsearch.Index(analyzer=tokenize)
        index.add(docs, workers=1)
        return index

    index, build_s, peak = measure_build(build)
    latency = median_latency(lambda q: index.search(q, k=10), queries)
    qps = 0.0
    if batch:
        t0 = time.perf_counter()
        index.search_many(queries, k=10, workers=workers)
        qps = len(queries) / (time.perf_counter() - t0)
    return dict(build=build_s, peak=peak, latency=latency, qps=qps)


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


def bench_top_n(bm25_class, docs, queries):
    """A rank-bm25-style class: build from token lists, ``get_top_n`` one query at a time."""
    bm25, build_s, peak = measure_build(lambda: bm25_class([tokenize(d) for d in docs]))
    positions = list(range(len(docs)))

    def one(q):
        return bm25.get_top_n(tokenize(q), positions, n=10)

    latency = median_latency(one, queries)
    return dict(build=build_s, peak=peak, latency=latency, qps=1 / latency)


def run_engine(engine: str, size: int, n_queries: int, workers: int) -> dict:
    """Measure one engine at one size (in a fresh process: see ``measure``)."""
    docs = list(datasets.resampled_documents(size))
    queries = make_queries(n_queries)
    if engine == "kzsearch":
        return bench_kzsearch(docs, queries, workers)
    if engine == "drop-in":
        return bench_top_n(kzsearch.BM25Okapi, docs, queries)
    if engine == "bm25s":
        return bench_bm25s(docs, queries, workers)
    if engine == "rank-bm25":
        import rank_bm25

        return bench_top_n(rank_bm25.BM25Okapi, docs, queries)
    if engine == "kzsearch-subset":  # kzsearch's latency on rank-bm25's smaller query set
        return bench_kzsearch(docs, queries, workers, batch=False)
    raise ValueError(engine)


def measure(engine: str, size: int, n_queries: int, workers: int) -> dict:
    """Run ``run_engine`` in a new Python process, so that no engine inherits
    another's warm heap (touching fresh memory is slow on some machines)."""
    cmd = [sys.executable, __file__, "--child", engine, str(size), str(n_queries), str(workers)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def row(name, r, base=None):
    """One table row; the last cell says how many times slower than ``base`` (kzsearch)."""
    cells = [f"{name:<22}", f"{r['build']:6.2f} s", f"{r['peak'] / 2**20:7.0f} MB",
             f"{r['latency'] * 1000:8.3f} ms", f"{r['qps']:7.0f} q/s"]
    cells.append("" if base is None else
                 f"×{r['build'] / base['build']:.1f} / ×{r['latency'] / base['latency']:.0f}")
    return "| " + " | ".join(cells) + " |"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--slow-queries", type=int, default=50, help="queries for rank-bm25")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--skip", nargs="*", default=[], choices=["rank-bm25", "bm25s"])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        engine, size, n_queries, n_workers = args.child
        print(json.dumps(run_engine(engine, int(size), int(n_queries), int(n_workers))))
        return
    workers = args.workers or len(os.sched_getaffinity(0))
    print(f"kzsearch {kzsearch.__version__}, numpy {np.__version__}, {workers} cores; "
          f"{args.queries} queries of 2-4 words (rank-bm25: the first {args.slow_queries}), top 10")
    for size in args.sizes:
        tokens = sum(len(tokenize(d)) for d in datasets.resampled_documents(size))
        print(f"\n{size:,} documents, {tokens / 1e6:.1f}M tokens")
        print("| engine                 |  index   | peak mem  | p50 query   |  batch      "
              "| slower than kzsearch: index / query |")
        print("|---|---:|---:|---:|---:|---:|")
        kz = measure("kzsearch", size, args.queries, workers)
        print(row("kzsearch Index", kz), flush=True)
        print(row("kzsearch.BM25Okapi", measure("drop-in", size, args.queries, workers), kz), flush=True)
        if "bm25s" not in args.skip:
            print(row("bm25s (robertson)", measure("bm25s", size, args.queries, workers), kz), flush=True)
        if "rank-bm25" not in args.skip:
            # the same (first) queries for both, so that the latency ratio is like for like
            kz_slow = measure("kzsearch-subset", size, args.slow_queries, workers)
            rank = measure("rank-bm25", size, args.slow_queries, workers)
            print(row("rank-bm25 BM25Okapi", rank, dict(kz, latency=kz_slow["latency"])), flush=True)


if __name__ == "__main__":
    main()
