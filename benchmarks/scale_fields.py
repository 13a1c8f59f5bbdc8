"""What fields, metadata filters and positions cost at scale (``bench_scale.py --fields``).

    python benchmarks/bench_scale.py --fields --sizes 300000
    python benchmarks/bench_scale.py --fields --sizes 1000000 --baseline /tmp/kzsearch-main
    python benchmarks/scale_fields.py --sort      # positions in the sort key vs a stable argsort

Documents are resampled from real KazNERD sentences as in ``bench_scale``;
each has a title (its first sentence), a body (the other sentences), a
``region`` (one of 30) and a ``date`` (a day of 2024-2025). Each
configuration is built in a fresh process, on one worker (the machine is
shared), and measured there: index time (generator to searchable index),
peak resident memory, size on disk after ``save``, then p50/p99 latency of
the same 2-4-word queries (in memory), unfiltered and with a filter that
keeps about 1% of the documents (one region and 30% of the dates).

Configurations (the one-field ones index title and body as one text):

* ``before``: the code at ``--baseline`` (e.g. ``git archive main``), one field;
* ``1 field, no positions``: ``Index(positions=False)``;
* ``1 field``: ``Index()`` (positions on, the default);
* ``2 fields``: ``Index(fields={"title": 2.0, "text": 1.0})`` with region and date;
* ``2 fields, no positions``.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from typing import Iterator, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if sys.argv[1:2] == ["--sort"]:  # this checkout's kzsearch (children get theirs by PYTHONPATH)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import datasets  # noqa: E402
from bench_scale import timed_queries  # noqa: E402
from bench_speed import make_queries, peak_rss_bytes  # noqa: E402

REGIONS = [f"Аудан-{i:02d}" for i in range(30)]
FIRST_DAY = date(2024, 1, 1)
DAYS = 731
#: the filter that keeps ~1%: one region of 30, and 30% of the dates
FILTER = {"region": REGIONS[7], "date": {"gte": "2024-03-01", "lt": str(FIRST_DAY + timedelta(days=60 + 219))}}

CONFIGS = {
    "before": {"fields": None, "positions": None},
    "1 field, no positions": {"fields": None, "positions": False},
    "1 field": {"fields": None, "positions": True},
    "2 fields": {"fields": {"title": 2.0, "text": 1.0}, "positions": True},
    "2 fields, no positions": {"fields": {"title": 2.0, "text": 1.0}, "positions": False},
}


def fielded_documents(n_docs: int, mean_sentences: int = 7, seed: int = 0) -> Iterator[dict]:
    """``n_docs`` documents: id, title (first sentence), text (the rest), region, date."""
    sentences = datasets.kaznerd_sentences()
    rng = random.Random(seed)
    pick = rng.choice
    hi = 2 * mean_sentences - 1
    for i in range(n_docs):
        chosen = [pick(sentences) for _ in range(rng.randint(1, hi))]
        yield {"id": str(i), "title": chosen[0], "text": " ".join(chosen[1:]),
               "region": pick(REGIONS), "date": str(FIRST_DAY + timedelta(days=rng.randrange(DAYS)))}


def child(config: str, size: int, n_queries: int, folder: str) -> dict:
    """Build, save and query one configuration (run in a fresh process)."""
    import kzsearch

    spec = CONFIGS[config]
    t0 = time.perf_counter()
    if spec["fields"] is None:
        kwargs = {} if spec["positions"] is None else {"positions": spec["positions"]}
        index = kzsearch.Index(**kwargs)
        index.add(((d["id"], d["title"] + " " + d["text"]) for d in fielded_documents(size)), workers=1)
    else:
        index = kzsearch.Index(fields=spec["fields"], positions=spec["positions"])
        index.add(fielded_documents(size), workers=1)
    index.wait_for_merges()
    index_s = time.perf_counter() - t0
    peak_mb = peak_rss_bytes() / 2**20
    index.save(folder)
    disk_mb = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) / 2**20
    queries = make_queries(n_queries)
    out = {"index_s": index_s, "peak_mb": peak_mb, "disk_mb": disk_mb}
    out.update(timed_queries(lambda q: index.search(q, k=10), queries))
    if spec["fields"] is not None:
        out["kept"] = index.count(filter=FILTER) / len(index)
        out.update({f"filtered_{k}": v for k, v in
                    timed_queries(lambda q: index.search(q, k=10, filter=FILTER), queries).items()})
    return out


def sort_costs(n_docs: int = 100_000, per_doc: int = 80) -> None:
    """Inverting one segment of ``n_docs * per_doc`` tokens: without positions, with the
    position packed into the sort key, and with a stable argsort carrying it (forced
    by term ids too large to pack). Best of 3."""
    import numpy as np

    from kzsearch.engine.segment import build_segment

    rng = np.random.default_rng(0)
    doc_len = np.full(n_docs, per_doc, dtype=np.int32)
    term_ids = (rng.zipf(1.2, size=n_docs * per_doc) % 300_000).astype(np.int32)
    positions = np.tile(np.arange(per_doc, dtype=np.int32), n_docs)

    def best(run) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return min(times)

    base = best(lambda: build_segment(term_ids, doc_len))
    packed = best(lambda: build_segment(term_ids, doc_len, positions=positions))
    wide = term_ids.astype(np.int64) + (1 << 40)
    argsorted = best(lambda: build_segment(wide, doc_len, positions=positions))
    print(f"{n_docs * per_doc / 1e6:.0f}M tokens: no positions {base:.2f} s; positions in the key "
          f"{packed:.2f} s ({packed / base:.2f}x); stable argsort {argsorted:.2f} s ({argsorted / base:.2f}x)")


def run_child(config: str, size: int, n_queries: int, baseline: Optional[str]) -> dict:
    folder = tempfile.mkdtemp(prefix="kzsearch-fields-")
    env = dict(os.environ)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = baseline if config == "before" else here
    cmd = [sys.executable, os.path.abspath(__file__), "--child", config, str(size), str(n_queries), folder]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"{config} failed: {proc.stderr.strip().splitlines()[-1:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(sizes: List[int], n_queries: int, baseline: Optional[str]) -> None:
    for size in sizes:
        rows = {}
        print(f"\n{size:,} documents, {n_queries} queries, one worker")
        print("| configuration | index | peak memory | on disk | p50 | p99 | p50 1% filter | p99 1% filter |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for config in CONFIGS:
            if config == "before" and not baseline:
                continue
            r = rows[config] = run_child(config, size, n_queries, baseline)
            filtered = (f"{r['filtered_p50_ms']:.2f} ms | {r['filtered_p99_ms']:.2f} ms"
                        if "filtered_p50_ms" in r else " | ")
            print(f"| {config} | {r['index_s']:.1f} s | {r['peak_mb']:,.0f} MB | {r['disk_mb']:,.0f} MB | "
                  f"{r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {filtered} |", flush=True)
        one, nopos, two = rows["1 field"], rows["1 field, no positions"], rows["2 fields"]
        print(f"\nfilter keeps {two['kept']:.2%} of the documents")
        print(f"two fields / one field: build {two['index_s'] / one['index_s']:.2f}x, "
              f"peak memory {two['peak_mb'] / one['peak_mb']:.2f}x")
        print(f"1% filter / unfiltered (2 fields): p50 {two['filtered_p50_ms'] / two['p50_ms']:.2f}x, "
              f"p99 {two['filtered_p99_ms'] / two['p99_ms']:.2f}x")
        print(f"positions / no positions (1 field): disk {one['disk_mb'] / nopos['disk_mb']:.2f}x, "
              f"build {one['index_s'] / nopos['index_s']:.2f}x, p50 {one['p50_ms'] / nopos['p50_ms']:.2f}x")
        if "before" in rows:
            before = rows["before"]
            print(f"one field now / before: p50 {one['p50_ms'] / before['p50_ms']:.2f}x, "
                  f"p50 without positions {nopos['p50_ms'] / before['p50_ms']:.2f}x, "
                  f"build {one['index_s'] / before['index_s']:.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sort"]:
        sort_costs()
    elif sys.argv[1:2] == ["--child"]:
        config, size, n_queries, folder = sys.argv[2:6]
        print(json.dumps(child(config, int(size), int(n_queries), folder)))
    else:
        main([int(s) for s in sys.argv[1:]] or [300_000], 1000, None)
