"""What the default sub-word views cost in CPU: ``Analyzer()`` against ``Analyzer(views=())``.

    python benchmarks/bench_views_cpu.py                 # 5 rounds, build of 50,000 documents
    python benchmarks/bench_views_cpu.py --rounds 3 --docs 100000

Two measurements of issue 15, stems only and with ``DEFAULT_VIEWS`` side by side,
each in a fresh process, the two taking turns (the machine is shared: medians of
CPU seconds of the measuring process):

* ``analyzer``: a fresh analyzer warmed on the first 2,000 KazNERD sentences,
  then its first pass over the rest (most token types new) and a second pass
  (every token cached), as in ``bench_warm.py --parts analyzer``;
* ``build``: ``Index.add`` of ``--docs`` resampled documents on this process
  (``workers=1``: analysis, term ids and inversion all counted) and the save.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def child(part: str, views: bool, docs: int) -> dict:
    import shutil
    import tempfile

    import datasets

    import kzsearch

    analyzer = kzsearch.Analyzer() if views else kzsearch.Analyzer(views=())
    if part == "analyzer":
        lines = datasets.kaznerd_sentences()
        for line in lines[:2000]:
            analyzer(line)
        rest = lines[2000:]
        c = time.process_time()
        for line in rest:
            analyzer(line)
        first = time.process_time() - c
        c = time.process_time()
        for line in rest:
            analyzer(line)
        return {"first": first, "second": time.process_time() - c}
    texts = list(datasets.resampled_documents(docs))
    c = time.process_time()
    index = kzsearch.Index(analyzer=analyzer)
    index.add(texts, workers=1)
    index.wait_for_merges()
    build = time.process_time() - c
    folder = tempfile.mkdtemp(prefix="kzsearch-viewscpu-")
    try:
        index.save(os.path.join(folder, "index"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"build": build, "build + save": time.process_time() - c,
            "postings": int(sum(len(seg.docs) for seg in index.segments))}


def run(part: str, views: bool, docs: int) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", part, str(int(views)), str(docs)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        part, views, docs = args.child
        print(json.dumps(child(part, views == "1", int(docs))))
        return
    for part, measures in (("analyzer", ("first", "second")), ("build", ("build", "build + save"))):
        rows = {False: [], True: []}
        for _ in range(args.rounds):
            for views in (False, True):
                rows[views].append(run(part, views, args.docs))
        what = ("analyzer passes over KazNERD" if part == "analyzer"
                else f"Index.add of {args.docs:,} documents, workers=1")
        print(f"\n## {what}: median CPU seconds of {args.rounds} rounds\n")
        print("| measure | stems only | DEFAULT_VIEWS | views / stems |")
        print("|---|---:|---:|---:|")
        for m in measures:
            stems = statistics.median(r[m] for r in rows[False])
            views = statistics.median(r[m] for r in rows[True])
            print(f"| {m} | {stems:.3f} s | {views:.3f} s | ×{views / stems:.2f} |")
        if part == "build":
            print(f"| postings | {rows[False][0]['postings']:,} | {rows[True][0]['postings']:,} | "
                  f"×{rows[True][0]['postings'] / rows[False][0]['postings']:.2f} |")


if __name__ == "__main__":
    main()
