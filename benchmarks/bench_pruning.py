"""Dynamic pruning against exhaustive scoring, side by side on one index.

    python benchmarks/bench_pruning.py                      # 300k documents, plain terms
    python benchmarks/bench_pruning.py --docs 1000000 --analyzer default

Builds an ``Index`` over resampled KazNERD documents (plain ``\\w+`` terms,
or the default Kazakh analyzer), then answers the same 2-4-word queries
with ``search(q)`` (pruned) and ``search(q, exact=True)`` in turn, so both
see the same moments of a shared machine's load, checks that ids and
scores are identical, and prints wall and CPU percentiles of each. Queries
are split by the path that answered them: block-max pruning run to the
end, term-at-a-time MaxScore (block-max handed over: no rare term, or not
worth it), or the exhaustive path (too few postings).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402
from bench_speed import make_queries, tokenize  # noqa: E402

import kzsearch  # noqa: E402
from kzsearch.engine import pruning  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--analyzer", choices=["plain", "default", "prefix6"], default="plain",
                        help="prefix6: the default analyzer with 6-letter prefix views (weight 0.5)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    if args.analyzer == "plain":
        index = kzsearch.Index(analyzer=tokenize)
    elif args.analyzer == "prefix6":
        index = kzsearch.Index(analyzer=kzsearch.Analyzer(views=[{"kind": "prefix", "size": 6, "weight": 0.5}]))
    else:
        index = kzsearch.Index()
    index.add(datasets.resampled_documents(args.docs))
    print(f"{args.docs:,} documents, {args.analyzer} terms, built in {time.perf_counter() - t0:.1f} s "
          f"({len(index.segments)} segments); {args.queries} queries, top 10\n")
    queries = make_queries(args.queries)
    for q in queries:  # warm: block maxima, caches, pages
        index.search(q)
        index.search(q, exact=True)

    path = {"name": "exhaustive"}
    real_rounds, real_taat = pruning._rounds, pruning.term_at_a_time

    def rounds(*a):
        out = real_rounds(*a)
        if out is not None:
            path["name"] = "block-max"
        return out

    def taat(*a):
        out = real_taat(*a)
        if out is not None:
            path["name"] = "term at a time"
        return out

    pruning._rounds, pruning.term_at_a_time = rounds, taat
    rows, names = [], []

    def timed(q, exact):
        w, c = time.perf_counter(), time.process_time()
        hits = index.search(q, exact=exact)
        return hits, time.perf_counter() - w, time.process_time() - c

    for i, q in enumerate(queries):
        path["name"] = "exhaustive"
        if i % 2:  # alternate which goes first, so that neither gains from the other's cache
            exact, ew, ec = timed(q, True)
            pruned, pw, pc = timed(q, False)
        else:
            pruned, pw, pc = timed(q, False)
            exact, ew, ec = timed(q, True)
        assert [(h.id, h.score) for h in pruned] == [(h.id, h.score) for h in exact], q
        rows.append((pw, pc, ew, ec))
        names.append(path["name"])
    pruning._rounds, pruning.term_at_a_time = real_rounds, real_taat
    data = np.array(rows, dtype=float) * 1000
    names = np.array(names)
    print("| queries | n | pruned p50 wall / CPU | exact p50 wall / CPU | pruned p99 wall / CPU "
          "| exact p99 wall / CPU | p50 CPU ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label in ("all", "block-max", "term at a time", "exhaustive"):
        part = data if label == "all" else data[names == label]
        if not len(part):
            continue
        p50, p99 = np.median(part, axis=0), np.quantile(part, 0.99, axis=0)
        print(f"| {label} | {len(part)} | {p50[0]:.2f} / {p50[1]:.2f} ms | {p50[2]:.2f} / {p50[3]:.2f} ms | "
              f"{p99[0]:.2f} / {p99[1]:.2f} ms | {p99[2]:.2f} / {p99[3]:.2f} ms | ×{p50[3] / p50[1]:.2f} |")
    print("\nids and scores identical on every query")


if __name__ == "__main__":
    main()
