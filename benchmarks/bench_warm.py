"""First passes and warm caches: the analyzer, an add after a parallel build, the rank-bm25 drop-in.

    python benchmarks/bench_warm.py                       # all three parts, 100k documents
    python benchmarks/bench_warm.py --parts analyzer dropin --docs 30000

Three measurements of issue 15, each printed with its target:

* ``analyzer``: a fresh ``Analyzer()`` warmed on the first 2,000 KazNERD
  sentences, then timed over the rest, against
  ``re.findall(r"\\w+", line.lower())`` over the same lines (target: ≤ 4×).
  Wall time and CPU time of this process are both given (the machine is shared).
* ``add``: an ``Index()`` of ``--docs`` resampled documents built on worker
  processes, then 1,000 new documents added in this process; the add as a
  share of the build (target: ≤ 2%). ``--cold-parent`` repeats it with the
  workers' caches not brought home (as before issue 15), for comparison.
* ``dropin``: ``kzsearch.BM25Okapi`` against ``rank_bm25.BM25Okapi`` on
  ``--docs`` resampled documents (``\\w+`` tokens): ``get_scores`` and
  ``get_top_n(n=10)`` over the same queries, split by whether the 11 best
  scores are distinct (targets: ≥ 100× for ``get_scores``, and for
  ``get_top_n`` when they are).
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import statistics
import subprocess
import sys
import time
from typing import Callable, List

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402
from bench_speed import make_queries, tokenize  # noqa: E402

import kzsearch  # noqa: E402

WORD = re.compile(r"\w+")


def clocks(run: Callable[[], object]):
    """(wall seconds, CPU seconds of this process) of one call.

    A full collection first, so that no call pays for garbage the ones before it left
    (the regex baseline used to absorb a collection set off by the imports: 22 of its 71 ms).
    """
    gc.collect()
    w, c = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - w, time.process_time() - c


def _pymorphy_load() -> tuple:
    """(wall, CPU) seconds of pymorphy3's one-time load and first parse, in a fresh process."""
    code = ("import time; import kzsearch; from kzsearch.analysis.russian import _shared_morph_analyzer; "
            "w, c = time.perf_counter(), time.process_time(); _shared_morph_analyzer().parse('медсестра'); "
            "print(time.perf_counter() - w, time.process_time() - c)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, cpu = map(float, out.stdout.split())
    return wall, cpu


def part_analyzer() -> None:
    from kzsearch.analysis import russian

    lines = datasets.kaznerd_sentences()
    warm, rest = lines[:2000], lines[2000:]
    analyzer = kzsearch.Analyzer()
    for line in warm:
        analyzer(line)
    cached = lambda: sum(map(len, analyzer._caches.values()))  # noqa: E731  (token types cached)
    before, morph_before = cached(), russian._MORPH is not None
    regex = clocks(lambda: [WORD.findall(line.lower()) for line in rest])
    first = clocks(lambda: [analyzer(line) for line in rest])
    new_types = cached() - before
    second = clocks(lambda: [analyzer(line) for line in rest])
    tokens = sum(len(WORD.findall(line)) for line in rest)
    print(f"\n## Analyzer first pass over {len(rest):,} KazNERD sentences ({tokens:,} \\w+ tokens), "
          "fresh Analyzer() warmed on the first 2,000\n")
    print("| | wall | CPU | tokens/s (wall) |")
    print("|---|---:|---:|---:|")
    print(f"| re.findall(r'\\w+', line.lower()) | {regex[0]:.2f} s | {regex[1]:.2f} s | {tokens / regex[0]:,.0f} |")
    print(f"| Analyzer(), first pass | {first[0]:.2f} s | {first[1]:.2f} s | {tokens / first[0]:,.0f} |")
    print(f"| Analyzer(), second pass (every token cached) | {second[0]:.2f} s | {second[1]:.2f} s | "
          f"{tokens / second[0]:,.0f} |")
    print(f"| ratio, first pass (target ≤ 4×) | ×{first[0] / regex[0]:.1f} | ×{first[1] / regex[1]:.1f} | |")
    print(f"| ratio, second pass | ×{second[0] / regex[0]:.1f} | ×{second[1] / regex[1]:.1f} | |")
    print(f"\nThe first pass met {new_types:,} new token types: {1e6 * (first[1] - second[1]) / new_types:.1f} µs "
          "of CPU each, beyond the second pass.")
    if not morph_before and russian._MORPH is not None:
        load = _pymorphy_load()
        print(f"It loaded pymorphy3's dictionaries (its first Russian sentence): {load[1]:.3f} s of CPU "
              f"({load[0]:.3f} s wall) in a fresh process; the CPU ratio without that load: "
              f"×{(first[1] - load[1]) / regex[1]:.1f}.")


def part_add(n_docs: int, cold_parent: bool) -> None:
    variants = [False, True] if cold_parent else [False]
    print(f"\n## 1,000 documents added to an index of {n_docs:,} built on worker processes\n")
    print("| parent's analyzer | build (workers) | add 1,000 | add / build (target ≤ 2%) |")
    print("|---|---:|---:|---:|")
    for cold in variants:
        index = kzsearch.Index()
        if cold:
            index.analyzer.absorb_cache = lambda entries: None  # what happened before: caches die with workers
        build = clocks(lambda: index.add(datasets.resampled_documents(n_docs), workers=2))
        extra = list(datasets.resampled_documents(1000, seed=7))
        add = clocks(lambda: index.add(extra, ids=[f"new{i}" for i in range(len(extra))], workers=1))
        label = "cold (caches left in the workers)" if cold else "warm (workers' caches brought home)"
        print(f"| {label} | {build[0]:.1f} s | {add[0]:.2f} s | {100 * add[0] / build[0]:.2f}% |")
        del index


def part_dropin(n_docs: int, n_queries: int) -> None:
    import rank_bm25

    corpus = [tokenize(d) for d in datasets.resampled_documents(n_docs)]
    ours, theirs = kzsearch.BM25Okapi(corpus), rank_bm25.BM25Okapi(corpus)
    queries = [tokenize(q) for q in make_queries(n_queries)]
    positions = list(range(n_docs))
    rows = []
    for q in queries:
        scores = theirs.get_scores(q)
        best = np.sort(scores)[::-1][:11]
        distinct = len(np.unique(best)) == len(best)
        times = {}
        for name, bm in (("ours", ours), ("theirs", theirs)):
            bm.get_scores(q)  # warm: ours computes a term's weights once
            times[name, "scores"] = clocks(lambda: bm.get_scores(q))[0]
            times[name, "top"] = clocks(lambda: bm.get_top_n(q, positions, n=10))[0]
        assert ours.get_top_n(q, positions, n=10) == theirs.get_top_n(q, positions, n=10)
        assert np.array_equal(ours.get_scores(q), theirs.get_scores(q))
        rows.append((distinct, times))
    print(f"\n## rank-bm25 drop-in at {n_docs:,} documents, {n_queries} queries (median ms; "
          "results checked identical)\n")
    print("| call | queries | kzsearch.BM25Okapi | rank_bm25.BM25Okapi | faster (target ≥ 100×) |")
    print("|---|---:|---:|---:|---:|")
    for label, call, keep in (("get_scores", "scores", lambda d: True),
                              ("get_top_n, 11 best distinct", "top", lambda d: d),
                              ("get_top_n, ties among the 11 best", "top", lambda d: not d)):
        chosen = [t for d, t in rows if keep(d)]
        if not chosen:
            continue
        a = statistics.median(t["ours", call] for t in chosen) * 1000
        b = statistics.median(t["theirs", call] for t in chosen) * 1000
        print(f"| {label} | {len(chosen)} | {a:.2f} | {b:.1f} | ×{b / a:.0f} |")


def main(argv: List[str] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", default=["analyzer", "add", "dropin"],
                        choices=["analyzer", "add", "dropin"])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--cold-parent", action="store_true", help="also run the add without caches brought home")
    args = parser.parse_args(argv)
    print(f"kzsearch {kzsearch.__version__}, numpy {np.__version__}")
    if "analyzer" in args.parts:
        part_analyzer()
    if "add" in args.parts:
        part_add(args.docs, args.cold_parent)
    if "dropin" in args.parts:
        part_dropin(args.docs, args.queries)


if __name__ == "__main__":
    main()
