"""What typo tolerance and completions cost: time per query, completion time, memory.

    python benchmarks/bench_typos.py                        # 100k documents for queries, 1M for complete
    python benchmarks/bench_typos.py --docs 20000 --complete-docs 100000 --queries 300

Documents are resampled from real KazNERD sentences (as in bench_scale) and
indexed by the public ``Index`` with its default analyzer. Queries are 2-4
consecutive words of real sentences (bench_speed's), searched top 10:

* **extra time per query** — each query is searched with ``typos=False`` and
  ``typos=True`` side by side; the table gives the p50 of each and the p50 of
  the per-query difference, for the queries as they are and for the same
  queries with one typing error (a letter dropped, doubled, swapped with its
  neighbour, or a neighbouring key) in one word of five or more letters;
* the **first-use build** of the typo structures (they are built lazily on
  the first query with an unknown word) and their **memory**, against the
  resident memory the index added: what they hold after the build
  (tracemalloc) and the resident memory the build added (which also keeps
  the freed temporaries of counting words, as CPython rarely returns memory);
* ``complete`` p50 at ``--complete-docs`` documents, for prefixes of 1-5
  letters of words from real sentences, typed properly and on a Russian keyboard.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from typing import Callable, List, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import datasets  # noqa: E402
from bench_speed import make_queries, rss_bytes  # noqa: E402

from kzsearch import Index  # noqa: E402
from kzsearch.query.edits import KAZAKH_KEYBOARD_ROWS  # noqa: E402
from kzsearch.query.typos import TypoTolerance  # noqa: E402
from kzsearch.script import fold  # noqa: E402

_ROWS = [row.replace("_", "") for row in KAZAKH_KEYBOARD_ROWS]


def neighbour_key(letter: str, rng: random.Random) -> str:
    for row in _ROWS:
        i = row.find(letter)
        if i >= 0:
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            return rng.choice(near)
    return letter


def with_typo(query: str, rng: random.Random) -> str:
    """``query`` with one typing error in one of its words of five or more letters
    (unchanged if it has none)."""
    words = query.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return query
    i = rng.choice(long)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:p] + w[p + 1:]
    elif kind == 1:
        w = w[:p] + w[p] + w[p:]
    elif kind == 2:
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    else:
        w = w[:p] + neighbour_key(w[p], rng) + w[p + 1:]
    words[i] = w
    return " ".join(words)


def timed(run: Callable[[str], object], query: str) -> float:
    t0 = time.perf_counter()
    run(query)
    return time.perf_counter() - t0


def p50_ms(times: Sequence[float]) -> float:
    return 1000 * statistics.median(times)


def query_table(index: Index, queries: List[str], label: str) -> str:
    off = [timed(lambda q: index.search(q, typos=False), q) for q in queries]
    on = [timed(lambda q: index.search(q, typos=True), q) for q in queries]
    # a second pass, interleaved, so that both settings see the same machine state
    off2, on2 = [], []
    for q in queries:
        off2.append(timed(lambda q: index.search(q, typos=False), q))
        on2.append(timed(lambda q: index.search(q, typos=True), q))
    off = [min(a, b) for a, b in zip(off, off2)]
    on = [min(a, b) for a, b in zip(on, on2)]
    extra = [b - a for a, b in zip(off, on)]
    return (f"| {label} | {len(queries)} | {p50_ms(off):.3f} | {p50_ms(on):.3f} | {p50_ms(extra):.3f} |")


def completion_prefixes(n: int, rng: random.Random) -> List[str]:
    words = [w for q in make_queries(n, seed=7) for w in q.split() if w.isalpha() and len(w) >= 2]
    out = []
    for w in words[:n]:
        out.append(w[: rng.randint(1, min(5, len(w)))].lower())
    return out


def build(n_docs: int) -> Index:
    index = Index()
    index.add(datasets.resampled_documents(n_docs))
    index.wait_for_merges()
    return index


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--complete-docs", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args(argv or None)
    rng = random.Random(3)

    gc.collect()
    base = rss_bytes()
    t0 = time.perf_counter()
    index = build(args.docs)
    build_s = time.perf_counter() - t0
    gc.collect()
    index_rss = rss_bytes() - base
    queries = make_queries(args.queries, seed=5)
    typo_queries = [with_typo(q, rng) for q in queries]
    for q in queries[:20]:
        index.search(q, typos=False)
    t0 = time.perf_counter()
    index._typos.corrector(index._index_view(index._snapshot))  # what the first query with an unknown word builds
    first_s = time.perf_counter() - t0
    gc.collect()
    typo_rss = rss_bytes() - base - index_rss
    # what they hold, traced on a second build (tracing slows the build down, so not the one timed)
    fresh = TypoTolerance(index.analyzer)
    tracemalloc.start()
    fresh.corrector(index._index_view(index._snapshot))
    gc.collect()
    typo_traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del fresh
    corrector = index._typos.built()
    print(f"{args.docs:,} documents (KazNERD sentences resampled), index built in {build_s:.1f} s, "
          f"{len(index.vocabulary):,} terms, {len(corrector.surface):,} surface words")
    print()
    print("| queries | n | p50 typos=False (ms) | p50 typos=True (ms) | p50 extra per query (ms) |")
    print("|---|---:|---:|---:|---:|")
    print(query_table(index, queries, "as typed (2-4 words of real sentences)"))
    print(query_table(index, typo_queries, "one typing error in one word"))
    print()
    print("| typo structures | value |")
    print("|---|---:|")
    print(f"| first query with an unknown word (builds them) | {first_s:.2f} s |")
    print(f"| resident memory the index added | {index_rss / 2**20:,.0f} MB |")
    print(f"| resident memory the first build added | {typo_rss / 2**20:,.0f} MB "
          f"({typo_rss / index_rss:.1%} of the index) |")
    print(f"| memory they hold after the build (tracemalloc) | {typo_traced / 2**20:,.0f} MB "
          f"({typo_traced / index_rss:.1%} of the index) |")
    print(f"| their size by count (arrays, strings, dicts) | {corrector.nbytes() / 2**20:,.0f} MB |")
    del index, corrector
    gc.collect()

    if args.complete_docs:
        t0 = time.perf_counter()
        index = build(args.complete_docs)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.complete("а")
        first_s = time.perf_counter() - t0
        prefixes = completion_prefixes(args.queries, rng)
        folded = [fold(p) for p in prefixes]
        print()
        print(f"complete(prefix, k=10) at {args.complete_docs:,} documents (built in {build_s:.0f} s; "
              f"surface words gathered from the stored texts on first use in {first_s:.1f} s)")
        print()
        print("| prefixes | n | p50 (ms) | p99 (ms) |")
        print("|---|---:|---:|---:|")
        for label, ps in (("1-5 letters of real words", prefixes), ("the same on a Russian keyboard", folded)):
            times = sorted(timed(index.complete, p) for p in ps)
            print(f"| {label} | {len(ps)} | {p50_ms(times):.3f} | "
                  f"{1000 * times[int(len(times) * 0.99)]:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
