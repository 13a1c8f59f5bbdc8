"""A live index: the cost of adds, deletes and many segments, against rebuilding.

    python benchmarks/bench_live.py            # 100k documents, 1,000 changed
    python benchmarks/bench_live.py --size 20000 --change 200

On documents resampled from real KazNERD sentences, tokenised by
``re.findall(r"\\w+")`` (as in bench_speed.py, so that engines compare like
for like), one run measures:

* rebuild: a fresh index over size + change documents;
* add: ``index.add`` of ``change`` new documents to a size-document index,
  then the first search (which pays for any statistics refresh);
* delete: ``index.delete`` of ``change`` documents, then the first search;
* p50 single-query latency on an index of 10 segments, on the same index
  after ``optimize()``, and for bm25s and rank-bm25 on the same documents
  (the core engine's targets: 10x faster than bm25s, 100x than rank-bm25).

Targets: add <= 5% of rebuild, delete <= 1%, 10 segments <= 1.5x merged.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402
from bench_speed import make_queries, median_latency, tokenize  # noqa: E402

import kzsearch  # noqa: E402
from kzsearch.engine.merging import MergePolicy  # noqa: E402


def timed(action):
    t0 = time.perf_counter()
    action()
    return time.perf_counter() - t0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--change", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--segments", type=int, default=10)
    args = parser.parse_args(argv)
    size, change = args.size, args.change
    docs = list(datasets.resampled_documents(size + change))
    base, extra = docs[:size], docs[size:]
    ids = [str(i) for i in range(size + change)]
    queries = make_queries(args.queries)
    probe = queries[0]

    def fresh():
        index = kzsearch.Index(analyzer=tokenize)
        index.add(docs, ids=ids, workers=1)
        index.search(probe)

    rebuild = timed(fresh)

    index = kzsearch.Index(analyzer=tokenize)
    index.add(base, ids=ids[:size], workers=1)
    index.search(probe)

    def add():
        index.add(extra, ids=ids[size:], workers=1)
        index.search(probe)

    add_s = timed(add)
    victims = ids[: size : max(1, size // change)][:change]

    def delete():
        index.delete(victims)
        index.search(probe)

    delete_s = timed(delete)

    # the same documents as `segments` segments (no merging), then merged
    parts = kzsearch.Index(analyzer=tokenize, merge_policy=MergePolicy(factor=10**9), background_merges=False)
    step = -(-size // args.segments)
    for start in range(0, size, step):
        parts.add(base[start:start + step], ids=ids[start:start + step], workers=1)
    many = median_latency(lambda q: parts.search(q, k=10), queries)
    n_segments = len(parts.segments)
    parts.optimize()
    merged = median_latency(lambda q: parts.search(q, k=10), queries)

    import bm25s
    import rank_bm25

    retriever = bm25s.BM25(method="robertson")
    retriever.index([tokenize(d) for d in base], show_progress=False)
    vocab = retriever.vocab_dict
    bm25s_p50 = median_latency(lambda q: retriever.retrieve(
        [[vocab[t] for t in tokenize(q) if t in vocab] or [0]], k=10, show_progress=False, n_threads=1), queries)
    slow = queries[:50]
    okapi = rank_bm25.BM25Okapi([tokenize(d) for d in base])
    positions = list(range(size))
    rank_p50 = median_latency(lambda q: okapi.get_top_n(tokenize(q), positions, n=10), slow)
    merged_slow = median_latency(lambda q: parts.search(q, k=10), slow)

    print(f"kzsearch {kzsearch.__version__}: {size:,} documents, {change:,} added / deleted")
    print("| measure | time | ratio | target |")
    print("|---|---:|---:|---:|")
    print(f"| rebuild {size + change:,} documents | {rebuild:.2f} s | 1 | |")
    print(f"| add {change:,} + first search | {add_s * 1000:.0f} ms | {add_s / rebuild:.2%} of rebuild | <= 5% |")
    print(f"| delete {change:,} + first search | {delete_s * 1000:.1f} ms | {delete_s / rebuild:.2%} of rebuild "
          f"| <= 1% |")
    print(f"| p50 query, {n_segments} segments | {many * 1000:.3f} ms | {many / merged:.2f}x merged | <= 1.5x |")
    print(f"| p50 query, after optimize() | {merged * 1000:.3f} ms | | |")
    print(f"| p50 query, bm25s (robertson) | {bm25s_p50 * 1000:.3f} ms | {bm25s_p50 / merged:.0f}x slower "
          f"| >= 10x |")
    print(f"| p50 query, rank-bm25 (first 50 queries) | {rank_p50 * 1000:.1f} ms | "
          f"{rank_p50 / merged_slow:.0f}x slower | >= 100x |")


if __name__ == "__main__":
    main()
