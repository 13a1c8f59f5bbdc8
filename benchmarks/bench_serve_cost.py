"""The service's CPU per search beyond ``Index.search``, in-process, for two code trees side by side.

    python benchmarks/bench_serve_cost.py --index DIR                       # this tree only
    python benchmarks/bench_serve_cost.py --index DIR --before /tmp/old     # old code vs this tree

``DIR`` is a saved index (``bench_serve.py --keep DIR`` leaves one of 100k
documents); ``--before`` a checkout of the code to compare with (e.g.
``git worktree add /tmp/old main`` or ``git archive main | tar -x -C /tmp/old``).
Each round runs, for each tree in turn, one fresh process that loads the
index with that tree's code, warms up on every planned query once, then
times the same searches as ``bench_serve.py`` (2-4 real words, k=10, one in
ten for page 2) for ``--seconds`` each:

- ``Index.search``: the issue's yardstick;
- ``SearchEngine.search``: what the service calls (search, stored fields,
  snippets, "did you mean", restored query);
- ``+ JSON``: that and the response body (``SearchCall.run``: the JSON
  object and its bytes), everything a ``GET /search`` costs but HTTP;

each from 1 thread (CPU ms a call; the three calls take turns, each on its own
third of the queries, so no call finds the one before's texts in the block
cache) and from ``--threads`` (2) threads (calls/s,
as bench_serve.py's in-process rows). Rounds alternate the trees so that the
machine's load falls on both alike; the table gives medians over ``--rounds``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))


def child(index_dir: str, seconds: float, threads: int, queries: int, snippets: bool) -> Dict[str, float]:
    """Timings of this process's code (run in a fresh process per tree)."""
    sys.path.insert(0, HERE)
    from bench_speed import make_queries

    import kzsearch
    from kzsearch.server.engine import SearchEngine
    from kzsearch.server.fastpath import SearchCall

    index = kzsearch.Index.load(index_dir)
    engine = SearchEngine(index)
    searches = [(q, 10 if n % 10 == 9 else 0) for n, q in enumerate(make_queries(queries))]
    for q, offset in searches:  # warm: every query once (the restorer, caches, the snippet words)
        SearchCall(q, 10, offset, None, snippets).run(engine)
    calls: Dict[str, Callable[[str, int], object]] = {
        "index": lambda q, offset: index.search(q, 10, offset=offset),
        "engine": lambda q, offset: engine.search(q, k=10, offset=offset, snippets=snippets),
        "json": lambda q, offset: SearchCall(q, 10, offset, None, snippets).run(engine),
    }
    out: Dict[str, float] = {}
    # one thread: the three calls in turn, so that the machine's load falls on all alike
    spent, n, stop_at = dict.fromkeys(calls, 0.0), 0, time.monotonic() + seconds * len(calls)
    clock = time.thread_time
    while time.monotonic() < stop_at:
        for j, (name, call) in enumerate(calls.items()):
            # (each call a different query: no call finds the previous one's texts in the block cache)
            q, offset = searches[(n + j * len(searches) // len(calls)) % len(searches)]
            t0 = clock()
            call(q, offset)
            spent[name] += clock() - t0
        n += 1
    for name, call in calls.items():
        out[name + "_cpu_ms"] = spent[name] / n * 1000
        out[name + "_rate"] = threads_rate(call, searches, threads, seconds)
    return out


def threads_rate(call: Callable[[str, int], object], searches: List[Tuple[str, int]], threads: int,
                 seconds: float) -> float:
    stop_at = time.monotonic() + seconds
    done = [0] * threads

    def work(slot: int) -> None:
        n = slot * 7919
        while time.monotonic() < stop_at:
            q, offset = searches[n % len(searches)]
            call(q, offset)
            n += 1
        done[slot] = n - slot * 7919

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / (time.perf_counter() - t0)


def run_tree(tree: str, args: argparse.Namespace) -> Dict[str, float]:
    env = {**os.environ, "PYTHONPATH": tree}
    code = (f"import sys, json; sys.path.insert(0, {HERE!r}); import bench_serve_cost as b; "
            f"print(json.dumps(b.child({args.index!r}, {args.seconds!r}, {args.threads!r}, {args.queries!r}, "
            f"{not args.no_snippets!r})))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tree)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, help="a saved index folder")
    parser.add_argument("--before", default=None, help="a checkout of the code to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--no-snippets", action="store_true")
    args = parser.parse_args(argv)
    trees = ([("before", os.path.abspath(args.before))] if args.before else []) \
        + [("after", os.path.dirname(HERE))]
    runs: Dict[str, List[Dict[str, float]]] = {name: [] for name, _ in trees}
    for r in range(args.rounds):
        for name, tree in (trees if r % 2 == 0 else trees[::-1]):
            runs[name].append(run_tree(tree, args))
            print(f"round {r + 1} {name}: {runs[name][-1]}", file=sys.stderr)
    med = {name: {key: statistics.median(run[key] for run in rs) for key in rs[0]} for name, rs in runs.items()}
    names = [name for name, _ in trees]
    print(f"\nmedians of {args.rounds} rounds, {args.seconds:g} s each, snippets "
          f"{'off' if args.no_snippets else 'on'}; load average at the end {os.getloadavg()[0]:.1f}\n")
    print("| | " + " | ".join(f"{n}: CPU ms a call (1 thread) | {n}: calls/s ({args.threads} threads)"
                               for n in names) + " |")
    print("|---|" + "---:|---:|" * len(names))
    rows = [("Index.search", "index"), ("SearchEngine.search", "engine"), ("SearchEngine.search + JSON", "json")]
    for label, key in rows:
        print(f"| {label} | " + " | ".join(f"{med[n][key + '_cpu_ms']:.3f} | {med[n][key + '_rate']:,.0f}"
                                           for n in names) + " |")
    for n in names:
        m = med[n]
        print(f"{n}: beyond Index.search {m['engine_cpu_ms'] - m['index_cpu_ms']:.3f} ms a call "
              f"(+ JSON: {m['json_cpu_ms'] - m['index_cpu_ms']:.3f} ms); Index.search / SearchEngine.search "
              f"calls/s from {args.threads} threads: {m['index_rate'] / m['engine_rate']:.2f}x "
              f"(+ JSON: {m['index_rate'] / m['json_rate']:.2f}x)")


if __name__ == "__main__":
    main()
