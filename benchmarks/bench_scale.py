"""How costs grow with size: kzsearch, tantivy-py, bm25s and rank-bm25 from 10k to 1M documents.

    python benchmarks/bench_scale.py                         # 10k 30k 100k 300k 1M
    python benchmarks/bench_scale.py --sizes 10000 30000 --out /tmp/scale
    python benchmarks/bench_scale.py --views --sizes 1000000   # cost of sub-word views
    python benchmarks/bench_scale.py --sizes 1000000 --engines kzsearch kzsearch-plain tantivy
    python benchmarks/bench_scale.py --query-language --sizes 300000   # phrases, -term
    python benchmarks/bench_scale.py --fields --sizes 1000000 --baseline DIR   # see scale_fields.py

Documents are resampled from real KazNERD sentences (~70 words each), made
on the fly by a generator. For each engine and size, in a fresh process:

* kzsearch: the public ``Index`` with its default Kazakh analyzer, fed the
  generator (a streaming build on all cores), saved to disk; then, in another
  fresh process, ``Index.load`` (memory-mapped) plus the first query, the
  median latency of the first 100 queries right after loading (pages still
  faulting in), and the p50/p99 latency of 2-4-word queries once warm;
* kzsearch-plain: the same with ``Index(analyzer=plain)``, plain lowercase
  ``\w+`` terms (``re.findall(r"\w+", text.lower())``);
* tantivy-py: one stored text field with tantivy's default tokenizer, built
  with 2 writer threads and committed, in one process; loaded, queried right
  after loading and warm in another (the query parser's default OR query,
  top 10, with the stored texts of the hits read as kzsearch reads them, and
  ``count=False``: kzsearch counts no matches, and tantivy-py's default count
  makes it visit every match, about 10% of its time at 300k);
* when several of these run at one size, their warm p50/p99 are measured
  again in one process, one query on each engine in turn, so that all see
  the same moments of a shared machine's load; those replace the solo ones;
* bm25s ("robertson") and rank-bm25 (``BM25Okapi``), given the documents
  tokenised by ``re.findall(r"\w+", text.lower())``, texts not stored.

Measured: index time (from the document generator to a searchable index:
making the documents, tokenising or analysing them, building), peak
memory of the build (kzsearch and tantivy: of the whole process tree, worker
processes included, sampled as summed PSS by ``memwatch.TreeMemory``; the
old measure, RUSAGE_SELF of the building process alone, is printed beside it
as "own process"; bm25s and rank-bm25: RUSAGE_SELF), size on disk (kzsearch and tantivy store
the texts, bm25s and rank-bm25 do not: bm25s ``save``, rank-bm25 pickled),
load time plus first query, and query latency. A peer is skipped at a size where, extrapolating linearly from the
previous size, its run would pass 10 minutes or 16 GB; the output says so.
Prints, for the largest size, every ratio of issue 15's targets. Writes
``scale.csv`` and ``scale.png`` (log-log, one curve per engine and
measure) to ``--out`` (default ``benchmarks/results``).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's kzsearch
import datasets  # noqa: E402
from bench_speed import make_queries, peak_rss_bytes, tokenize  # noqa: E402
from memwatch import TreeMemory  # noqa: E402

ENGINES = ("kzsearch", "kzsearch-plain", "tantivy", "bm25s", "rank-bm25")
MEASURES = ("index_s", "peak_mb", "disk_mb", "load_first_query_s", "first100_p50_ms", "p50_ms", "p99_ms")
JUST_LOADED = 100  # queries timed right after loading
LIMIT_SECONDS = 600
LIMIT_BYTES = 16 * 2**30


def folder_bytes(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


def percentiles(times: List[float]) -> Dict[str, float]:
    times = sorted(times)
    return {"p50_ms": 1000 * times[len(times) // 2], "p99_ms": 1000 * times[min(len(times) - 1, int(len(times) * 0.99))]}


def timed_queries(run, queries) -> Dict[str, float]:
    for q in queries[:5]:
        run(q)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        run(q)
        times.append(time.perf_counter() - t0)
    return percentiles(times)


# ------------------------------------------------------------------ children
def plain(text: str) -> List[str]:
    """Plain lowercase \\w+ terms: the analyzer of kzsearch-plain."""
    return tokenize(text)


def child_kzsearch_build(size: int, folder: str, analyzer: str) -> dict:
    import kzsearch

    with TreeMemory() as watch:
        t0 = time.perf_counter()
        index = kzsearch.Index(analyzer=plain) if analyzer == "plain" else kzsearch.Index()
        index.add(datasets.resampled_documents(size))
        index_s = time.perf_counter() - t0
        index.save(folder)
        save_s = time.perf_counter() - t0 - index_s
    return {"index_s": index_s, "save_s": save_s, **memory(watch), "disk_mb": folder_bytes(folder) / 2**20}


def memory(watch: TreeMemory) -> dict:
    """``peak_mb``: the process tree's sampled PSS peak (workers included); ``self_mb``: the
    old measure, RUSAGE_SELF of the building process alone (see memwatch.py)."""
    peaks = watch.peaks()
    return {"peak_mb": peaks["tree_pss_mb"], "self_mb": peaks["self_mb"]}


def just_loaded(run, queries) -> Dict[str, float]:
    """Median latency of the first queries after loading (no warm-up)."""
    times = []
    for q in queries[:JUST_LOADED]:
        t0 = time.perf_counter()
        run(q)
        times.append(time.perf_counter() - t0)
    return {"first100_p50_ms": 1000 * sorted(times)[len(times) // 2]}


def child_kzsearch_query(folder: str, n_queries: int, analyzer: str) -> dict:
    import kzsearch

    queries = make_queries(n_queries)
    t0 = time.perf_counter()
    index = kzsearch.Index.load(folder, analyzer=plain if analyzer == "plain" else None)
    return latency_after_load(t0, lambda q: index.search(q, k=10), queries)


def latency_after_load(t0: float, run, queries) -> dict:
    """Load + first query (from ``t0``), the first queries just after loading, then warm p50/p99."""
    run(queries[0])
    out = {"load_first_query_s": time.perf_counter() - t0}
    out.update(just_loaded(run, make_queries(JUST_LOADED, seed=2)))
    out.update(timed_queries(run, queries))
    return out


def child_tantivy_build(size: int, folder: str) -> dict:
    import tantivy

    watch = TreeMemory().__enter__()
    t0 = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=True)
    index = tantivy.Index(builder.build(), path=folder)
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for text in datasets.resampled_documents(size):
        writer.add_document(tantivy.Document(body=text))
    writer.commit()
    writer.wait_merging_threads()
    index_s = time.perf_counter() - t0
    watch.__exit__(None, None, None)
    return {"index_s": index_s, **memory(watch), "disk_mb": folder_bytes(folder) / 2**20}


def child_tantivy_query(folder: str, n_queries: int) -> dict:
    import tantivy

    queries = make_queries(n_queries)
    t0 = time.perf_counter()
    index = tantivy.Index.open(folder)
    searcher = index.searcher()

    def run(q):
        hits = searcher.search(index.parse_query(q, ["body"]), 10, count=False).hits
        return [searcher.doc(address)["body"] for _, address in hits]

    return latency_after_load(t0, run, queries)


# ------------------------------------------------------------------ query language
def child_query_language(size: int, n_queries: int) -> dict:
    """p50/p99 of the query language's queries, beside plain words, on one index built here.

    plain: the 2-4-word queries of the main table; ``-term``: the same with
    `` -w`` (a word of another query) appended; phrase: the first two words
    of each query in quotes (consecutive words of a real sentence).
    """
    import random

    import kzsearch

    queries = make_queries(n_queries)
    rng = random.Random(7)
    other_words = [w for q in make_queries(n_queries, seed=11) for w in q.split()]
    index = kzsearch.Index()
    index.add(datasets.resampled_documents(size))
    index.wait_for_merges()
    kinds = {
        "plain": queries,
        "minus": [f"{q} -{rng.choice(other_words)}" for q in queries],
        "phrase": ['"' + " ".join(q.split()[:2]) + '"' for q in queries],
    }
    # interleaved (the three forms of one query, in rotating order, then the next), so that load
    # on a shared machine and warm caches fall on all three alike; the first five warm up
    times: Dict[str, List[float]] = {kind: [] for kind in kinds}
    order = list(kinds.items())
    for i in range(len(queries)):
        for kind, qs in order[i % 3:] + order[:i % 3]:
            t0 = time.perf_counter()
            index.search(qs[i], k=10)
            if i >= 5:
                times[kind].append(time.perf_counter() - t0)
    out: Dict[str, float] = {}
    for kind, values in times.items():
        out.update({f"{kind}_{name}": value for name, value in percentiles(values).items()})
    return out


def query_language(sizes: List[int], n_queries: int) -> None:
    """Print the query-language table: plain words, the same with ``-term``, two-word phrases."""
    print("| documents | plain p50 / p99 | with -term p50 / p99 | two-word phrase p50 / p99 |")
    print("|---:|---:|---:|---:|")
    for size in sizes:
        r = run_child("query-language", str(size), str(n_queries))
        cells = [f"{r[k + '_p50_ms']:.2f} / {r[k + '_p99_ms']:.2f} ms" if k + "_p50_ms" in r else "n/a"
                 for k in ("plain", "minus", "phrase")]
        print(f"| {size:,} | " + " | ".join(cells) + " |", flush=True)


def child_bm25s(size: int, n_queries: int) -> dict:
    import bm25s

    t0 = time.perf_counter()
    corpus = [tokenize(d) for d in datasets.resampled_documents(size)]
    retriever = bm25s.BM25(method="robertson")
    retriever.index(corpus, show_progress=False)
    index_s = time.perf_counter() - t0
    del corpus
    peak = peak_rss_bytes()
    folder = tempfile.mkdtemp()
    try:
        retriever.save(folder)
        disk = folder_bytes(folder)
        t0 = time.perf_counter()
        loaded = bm25s.BM25.load(folder, mmap=True)
        vocab = loaded.vocab_dict

        def one(q):
            return loaded.retrieve([[vocab[t] for t in tokenize(q) if t in vocab] or [0]], k=10,
                                   show_progress=False, n_threads=1)

        queries = make_queries(n_queries)
        one(queries[0])
        out = {"index_s": index_s, "peak_mb": peak / 2**20, "disk_mb": disk / 2**20,
               "load_first_query_s": time.perf_counter() - t0}
        out.update(timed_queries(one, queries))
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def child_rank_bm25(size: int, n_queries: int) -> dict:
    import rank_bm25

    t0 = time.perf_counter()
    corpus = [tokenize(d) for d in datasets.resampled_documents(size)]
    bm25 = rank_bm25.BM25Okapi(corpus)
    index_s = time.perf_counter() - t0
    del corpus
    peak = peak_rss_bytes()
    folder = tempfile.mkdtemp()
    try:
        path = os.path.join(folder, "bm25.pkl")
        with open(path, "wb") as f:
            pickle.dump(bm25, f, protocol=pickle.HIGHEST_PROTOCOL)
        disk = os.path.getsize(path)
        del bm25
        positions = list(range(size))
        queries = make_queries(n_queries)
        t0 = time.perf_counter()
        with open(path, "rb") as f:
            loaded = pickle.load(f)
        loaded.get_top_n(tokenize(queries[0]), positions, n=10)
        out = {"index_s": index_s, "peak_mb": peak / 2**20, "disk_mb": disk / 2**20,
               "load_first_query_s": time.perf_counter() - t0}
        out.update(timed_queries(lambda q: loaded.get_top_n(tokenize(q), positions, n=10), queries))
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------ cost of sub-word views
#: analyzer configurations compared by ``--views``: today's analysis, then the view candidates
#: (``prefix6-min3-w0.4`` is ``DEFAULT_VIEWS``, the default since views became the default;
#: ``prefix6-min3`` the same terms at query weight 0.5, ``RECOMMENDED_VIEWS`` before;
#: ``prefix6``, every word, the one before that)
VIEW_CONFIGS = {
    "stems": [],
    "prefix6": [{"kind": "prefix", "size": 6, "weight": 0.5}],
    "prefix6-min3": [{"kind": "prefix", "size": 6, "weight": 0.5, "min_length": 3}],
    "prefix6-min3-w0.4": [{"kind": "prefix", "size": 6, "weight": 0.4, "min_length": 3}],
    "prefix6-min3-w0.3": [{"kind": "prefix", "size": 6, "weight": 0.3, "min_length": 3}],
    "prefix6-min4": [{"kind": "prefix", "size": 6, "weight": 0.5, "min_length": 4}],
    "prefix6-min5": [{"kind": "prefix", "size": 6, "weight": 0.5, "min_length": 5}],
    "prefix6-distinct": [{"kind": "prefix", "size": 6, "weight": 0.5, "distinct": True}],
    "stem6": [{"kind": "prefix", "size": 6, "weight": 0.5, "source": "stem", "distinct": True}],
    "4grams": [{"kind": "ngrams", "size": 4, "weight": 0.15}],
}


def child_views_build(size: int, folder: str, views_json: str) -> dict:
    """Build ``Index(analyzer=Analyzer(views=...))`` over ``size`` documents; time, postings, disk."""
    import kzsearch

    with TreeMemory() as watch:
        t0 = time.perf_counter()
        index = kzsearch.Index(analyzer=kzsearch.Analyzer(views=json.loads(views_json)))
        index.add(datasets.resampled_documents(size))
        index_s = time.perf_counter() - t0
        index.wait_for_merges()
        postings = sum(len(seg.docs) for seg in index.segments)
        index.save(folder)
    return {"index_s": index_s, "postings": postings, **memory(watch), "disk_mb": folder_bytes(folder) / 2**20}


def views_cost(size: int, n_queries: int, configs: Dict[str, list] = VIEW_CONFIGS,
               repeats: int = 1) -> List[dict]:
    """Index time, postings, disk and query latency of each view configuration at ``size``
    documents, each in fresh processes, in the same run; prints a table with ratios to the
    first configuration (today's analysis: "stems"). With ``repeats`` > 1 the configurations
    take turns (A B A B ...) and each keeps its fastest index time and p50/p99, so that a
    burst of load on a shared machine does not land on one configuration only. Queries run
    twice, each time in a fresh process on the saved (memory-mapped) index: first as the
    scale table does, then again with the index's files in the page cache ("warm")."""
    best: Dict[str, dict] = {}
    for _ in range(repeats):
        for name, views in configs.items():
            folder = tempfile.mkdtemp(prefix="kzsearch-views-")
            try:
                row = {"config": name, **run_child("views-build", str(size), folder, json.dumps(views))}
                row.update(run_child("kzsearch-query", folder, str(n_queries), "kazakh"))
                warm = run_child("kzsearch-query", folder, str(n_queries), "kazakh")  # the files now in page cache
                row.update(p50_warm_ms=warm["p50_ms"], p99_warm_ms=warm["p99_ms"])
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            kept = best.setdefault(name, row)
            for measure in ("index_s", "p50_ms", "p99_ms", "p50_warm_ms", "p99_warm_ms"):
                kept[measure] = min(kept[measure], row[measure])
    rows = list(best.values())
    base = rows[0]
    print(f"Sub-word views at {size:,} documents ({n_queries} queries of 2-4 words, best of {repeats})")
    print("| analyzer | index | × | postings | × | on disk | peak memory (tree) | × | own process | p50 query | × | p99 query "
          "| p50 warm | × | p99 warm |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['config']} | {row['index_s']:.1f} s | {row['index_s'] / base['index_s']:.2f} | "
              f"{row['postings'] / 1e6:,.1f} M | {row['postings'] / base['postings']:.2f} | "
              f"{row['disk_mb']:,.0f} MB | {row['peak_mb']:,.0f} MB | {row['peak_mb'] / base['peak_mb']:.2f} | "
              f"{row['self_mb']:,.0f} MB | {row['p50_ms']:.2f} ms | "
              f"{row['p50_ms'] / base['p50_ms']:.2f} | {row['p99_ms']:.2f} ms | {row['p50_warm_ms']:.2f} ms | "
              f"{row['p50_warm_ms'] / base['p50_warm_ms']:.2f} | {row['p99_warm_ms']:.2f} ms |", flush=True)
    return rows


def run_child(*args: str) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


FOLDER_ENGINES = ("kzsearch", "kzsearch-plain", "tantivy")


def measure(engine: str, size: int, n_queries: int, slow_queries: int, folder: str = "") -> dict:
    """One engine at one size; kzsearch and tantivy leave their index in ``folder``."""
    if engine == "tantivy":
        out = run_child("tantivy-build", str(size), folder)
        out.update(run_child("tantivy-query", folder, str(n_queries)))
        return out
    if engine in ("kzsearch", "kzsearch-plain"):
        analyzer = "plain" if engine == "kzsearch-plain" else "default"
        out = run_child("kzsearch-build", str(size), folder, analyzer)
        out.update(run_child("kzsearch-query", folder, str(n_queries), analyzer))
        return out
    if engine == "bm25s":
        return run_child("bm25s", str(size), str(n_queries))
    return run_child("rank-bm25", str(size), str(slow_queries))


def child_interleaved(n_queries: int, pairs: List[str]) -> dict:
    """Warm latency of several saved indexes, one query on each in turn (shared noise).

    ``pairs`` alternates engine names and folders. The machine is shared, so
    latencies measured at different times are not comparable; taken in
    turn, every engine sees the same moments of load.
    """
    import kzsearch

    runs = {}
    for engine, folder in zip(pairs[::2], pairs[1::2]):
        if engine == "tantivy":
            import tantivy

            tv = tantivy.Index.open(folder)
            searcher = tv.searcher()
            runs[engine] = lambda q, tv=tv, searcher=searcher: [
                searcher.doc(a)["body"] for _, a in searcher.search(tv.parse_query(q, ["body"]), 10, count=False).hits]
        else:
            index = kzsearch.Index.load(folder, analyzer=plain if engine == "kzsearch-plain" else None)
            runs[engine] = lambda q, index=index: index.search(q, k=10)
    queries = make_queries(n_queries)
    for q in queries:  # one full warm pass
        for run in runs.values():
            run(q)
    times: Dict[str, List[float]] = {engine: [] for engine in runs}
    for q in queries:
        for engine, run in runs.items():
            t0 = time.perf_counter()
            run(q)
            times[engine].append(time.perf_counter() - t0)
    return {engine: percentiles(t) for engine, t in times.items()}


def projected(previous: dict, ratio: float, n_queries: int) -> tuple:
    seconds = (previous["index_s"] + previous["load_first_query_s"]
               + previous["p50_ms"] / 1000 * n_queries) * ratio
    return seconds, previous["peak_mb"] * 2**20 * ratio


def plot(rows: List[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = {"index_s": "index time (s)", "peak_mb": "peak memory (MB)", "disk_mb": "size on disk (MB)",
              "load_first_query_s": "load + first query (s)", "first100_p50_ms": "first 100 after load, p50 (ms)",
              "p50_ms": "p50 query (ms)",
              "p99_ms": "p99 query (ms)"}
    fig, axes = plt.subplots(2, 4, figsize=(17, 7.5))
    for ax, measure_name in zip(axes.flat, MEASURES):
        for engine in ENGINES:
            points = [(r["size"], r[measure_name]) for r in rows if r["engine"] == engine and r.get(measure_name)]
            if points:
                xs, ys = zip(*points)
                ax.plot(xs, ys, marker="o", label=engine)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(titles[measure_name])
        ax.set_xlabel("documents")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(MEASURES):]:
        ax.axis("off")
    axes.flat[0].legend()
    fig.suptitle("kzsearch (Kazakh analysis, or plain \\w+ terms) vs tantivy-py, bm25s and rank-bm25")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def print_row(row: dict) -> None:
    first100 = f"{row['first100_p50_ms']:.2f} ms" if "first100_p50_ms" in row else ""
    own = f"{row['self_mb']:,.0f} MB" if "self_mb" in row else ""
    save = f"{row['save_s']:.1f} s" if "save_s" in row else ""
    print(f"| {row['engine']} | {row['size']:,} | {row['index_s']:.1f} s | {save} | {row['peak_mb']:,.0f} MB | {own} | "
          f"{row['disk_mb']:,.0f} MB | {row['load_first_query_s']:.2f} s | {first100} | "
          f"{row['p50_ms']:.2f} ms | {row['p99_ms']:.2f} ms |", flush=True)


def print_targets(rows: List[dict]) -> None:
    """Issue 15's targets at the largest size measured: each figure, ratio and verdict."""
    if not rows:
        return
    size = max(r["size"] for r in rows)
    at = {r["engine"]: dict(r) for r in rows if r["size"] == size}  # copies: the derived build + save stays here
    for row in at.values():  # tantivy's build time includes writing its files; kzsearch's save is timed apart
        if "save_s" in row:
            row["build_save_s"] = row["index_s"] + row["save_s"]
    tv = at.get("tantivy")
    if tv is not None:
        tv["build_save_s"] = tv["index_s"]

    def verdict(value: float, limit: float) -> str:
        return "met" if value <= limit else "not met"

    lines = []
    ks = at.get("kzsearch-plain")
    if ks and tv:
        for key, label, limit in (("p50_ms", "p50", 1.0), ("p99_ms", "p99", 1.5),
                                  ("build_save_s", "build + save (tantivy: build + commit)", 1.2),
                                  ("index_s", "build, save excluded", 1.2),
                                  ("peak_mb", "peak memory (process tree)", 1.2),
                                  ("self_mb", "peak memory (own process, old measure)", 1.2),
                                  ("disk_mb", "on disk", 1.2)):
            if key not in ks or key not in tv:
                continue
            ratio = ks[key] / tv[key]
            lines.append(f"| plain terms: {label} | {ks[key]:,.2f} | {tv[key]:,.2f} | ×{ratio:.2f} "
                         f"| ≤ ×{limit} | {verdict(ratio, limit)} |")
    kz = at.get("kzsearch")
    if kz:
        for key, label, limit in (("p50_ms", "default Index: p50 warm (ms)", 2.0),
                                  ("first100_p50_ms", "default Index: first 100 after load, p50 (ms)", 5.0),
                                  ("index_s", "default Index: build (s)", 60.0),
                                  ("build_save_s", "default Index: build + save (s)", 60.0)):
            if key in kz:
                lines.append(f"| {label} | {kz[key]:,.2f} | | | ≤ {limit} | {verdict(kz[key], limit)} |")
    if lines:
        print(f"\nTargets at {size:,} documents\n")
        print("| target | kzsearch | tantivy | ratio | limit | |")
        print("|---|---:|---:|---:|---:|---|")
        print("\n".join(lines))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000, 300_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--slow-queries", type=int, default=20, help="queries for rank-bm25")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    parser.add_argument("--views", action="store_true", help="instead: the cost of the sub-word "
                        "view configurations (VIEW_CONFIGS) at each size, against today's analysis")
    parser.add_argument("--view-configs", nargs="+", default=list(VIEW_CONFIGS), choices=list(VIEW_CONFIGS),
                        help="with --views: which configurations (the first is the reference)")
    parser.add_argument("--repeats", type=int, default=1, help="with --views: rounds of the configurations")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--query-language", action="store_true",
                        help="only the query-language table (phrases, -term) at --sizes")
    parser.add_argument("--fields", action="store_true",
                        help="instead: what fields, filters and positions cost (see scale_fields.py)")
    parser.add_argument("--baseline", metavar="PATH",
                        help="with --fields: a kzsearch source tree to measure as 'before'")
    args = parser.parse_args(argv)
    if args.fields:
        import scale_fields

        scale_fields.main(sorted(args.sizes), args.queries, args.baseline)
        return
    if args.query_language and not args.child:
        query_language(sorted(args.sizes), args.queries)
        return
    if args.child:
        kind, *rest = args.child
        if kind == "kzsearch-build":
            result = child_kzsearch_build(int(rest[0]), rest[1], rest[2])
        elif kind == "kzsearch-query":
            result = child_kzsearch_query(rest[0], int(rest[1]), rest[2])
        elif kind == "tantivy-build":
            result = child_tantivy_build(int(rest[0]), rest[1])
        elif kind == "tantivy-query":
            result = child_tantivy_query(rest[0], int(rest[1]))
        elif kind == "interleaved":
            result = child_interleaved(int(rest[0]), rest[1:])
        elif kind == "query-language":
            result = child_query_language(int(rest[0]), int(rest[1]))
        elif kind == "views-build":
            result = child_views_build(int(rest[0]), rest[1], rest[2])
        elif kind == "bm25s":
            result = child_bm25s(int(rest[0]), int(rest[1]))
        else:
            result = child_rank_bm25(int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return

    if args.views:
        for size in sorted(args.sizes):
            views_cost(size, args.queries, {name: VIEW_CONFIGS[name] for name in args.view_configs},
                       args.repeats)
        return
    os.makedirs(args.out, exist_ok=True)
    rows: List[dict] = []
    last: Dict[str, dict] = {}
    print("| engine | documents | index | save | peak memory (tree) | own process | on disk | load + 1st query | first 100 p50 | p50 query | p99 query |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sorted(args.sizes):
        folders: Dict[str, str] = {}
        for engine in args.engines:
            n_queries = args.slow_queries if engine == "rank-bm25" else args.queries
            if engine in last:
                prev = last[engine]
                seconds, memory = projected(prev, size / prev["size"], n_queries)
                if seconds > LIMIT_SECONDS or memory > LIMIT_BYTES:
                    print(f"| {engine} | {size:,} | skipped: projected {seconds:.0f} s and "
                          f"{memory / 2**30:.1f} GB from {prev['size']:,} documents | | | | | |", flush=True)
                    continue
            folder = tempfile.mkdtemp(prefix="kzsearch-scale-") if engine in FOLDER_ENGINES else ""
            try:
                result = measure(engine, size, args.queries, args.slow_queries, folder)
            except RuntimeError as e:
                print(f"| {engine} | {size:,} | failed: {e} | | | | | |", flush=True)
                shutil.rmtree(folder, ignore_errors=True) if folder else None
                continue
            if folder:
                folders[engine] = folder
            row = {"engine": engine, "size": size, **result}
            rows.append(row)
            last[engine] = row
            print_row(row)
        try:
            if len(folders) > 1:
                pairs = [x for engine, folder in folders.items() for x in (engine, folder)]
                together = run_child("interleaved", str(args.queries), *pairs)
                print(f"\nwarm latency at {size:,} documents, the engines queried in turn "
                      "(these replace the p50/p99 above):\n")
                for row in rows:
                    if row["size"] == size and row["engine"] in together:
                        row.update(together[row["engine"]])
                        print_row(row)
                print()
        finally:
            for folder in folders.values():
                shutil.rmtree(folder, ignore_errors=True)
    print_targets(rows)
    with open(os.path.join(args.out, "scale.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["engine", "size", *MEASURES, "self_mb", "save_s"])
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, os.path.join(args.out, "scale.png"))
    print(f"\nwrote {os.path.join(args.out, 'scale.csv')} and scale.png")


if __name__ == "__main__":
    main()
