"""Where a build's CPU goes: a worker's stages replayed in one process, and the whole build's CPU.

    python benchmarks/build_stages.py --docs 50000 --analyzer plain
    python benchmarks/build_stages.py --docs 30000 --analyzer default --build 100000

Replays, batch by batch (``ingest.BATCH_DOCS`` resampled KazNERD documents),
what an analysis worker does (``parallel._analyze_in_worker``), each stage
timed in CPU seconds (``time.process_time``) after five warm-up batches:
the analyzer alone, ``analyze_batch`` (analyzer, positions, flattening),
the hit texts' compression (:func:`compress_texts` with the dictionary the
pool would train), the worker's term numbering (``Vocabulary.add_terms``) and
pickling the result home. ``--build N`` then times a real ``Index.add`` of N
documents and ``save``, with the CPU of this process (parent: reading,
checking, inverting, spilling) and of its worker processes apart
(``RUSAGE_CHILDREN``, counted when the pool's workers exit).
CPU seconds are steadier than wall time on a shared machine, but still grow
with its load (caches, frequency): compare runs made side by side.
"""
from __future__ import annotations

import argparse
import inspect
import os
import pickle
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's kzsearch
import datasets  # noqa: E402
from bench_speed import tokenize  # noqa: E402
import kzsearch  # noqa: E402
from kzsearch import ingest, parallel  # noqa: E402
from kzsearch.engine.docstore import TextBlock  # noqa: E402
try:  # texts are written by text_zipping; older checkouts wrote them in zipped_texts
    from kzsearch.engine import text_zipping as zipped_texts  # noqa: E402
    from kzsearch.engine.text_dictionaries import train_dictionary  # noqa: E402
except ImportError:
    from kzsearch.engine import zipped_texts  # noqa: E402
    train_dictionary = getattr(zipped_texts, "train_dictionary", None)
compress_texts = zipped_texts.compress_texts

#: this checkout's code takes a preset dictionary (older code, e.g. main before them, does not:
#: then the replay runs without one, as that code's workers do)
DICTIONARIES = "zdict" in inspect.signature(compress_texts).parameters


def stages(n_docs: int, analyze) -> dict:
    docs = list(datasets.resampled_documents(n_docs))
    batches = [docs[i:i + ingest.BATCH_DOCS] for i in range(0, n_docs, ingest.BATCH_DOCS)]
    parallel._init_worker(analyze)
    dictionary = {}
    if DICTIONARIES:
        sample = "".join(batches[0])
        if hasattr(zipped_texts, "HUFFMAN"):  # as the pool decides (see parallel.AnalysisPool.map)
            from kzsearch.engine import codepage
            kazakh = codepage.mostly_in(sample)
            dictionary = {"zdict": b"" if kazakh and zipped_texts.HUFFMAN else train_dictionary(
                codepage.encode_lossy(sample) if kazakh else sample.encode())}
        else:
            dictionary = {"zdict": train_dictionary(sample.encode())}
    for texts in batches[:5]:  # warm: the analyzer's cache, the worker's vocabulary
        parallel._analyze_in_worker(texts, True, (0, 1), *dictionary.values())
    spent = dict.fromkeys(("analyzer alone", "analyze_batch (analyzer, positions, flatten)",
                           "compress hit texts", "term numbering (add_terms)", "pickle the result", "worker total"), 0.0)
    for texts in batches[5:]:
        t0 = time.process_time()
        list(map(analyze, texts))
        t1 = time.process_time()
        batch = parallel.analyze_batch(analyze, texts, positions=True)
        t2 = time.process_time()
        compress_texts(TextBlock.from_strings(texts), threads=1, **dictionary)
        t3 = time.process_time()
        parallel._worker_vocab.add_terms(batch.terms)
        t4 = time.process_time()
        result = parallel._analyze_in_worker(texts, True, (0, 1), *dictionary.values())
        t5 = time.process_time()
        pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        t6 = time.process_time()
        for key, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t6 - t5, t5 - t4)):
            spent[key] += seconds
    return {"docs": len(docs) - 5 * ingest.BATCH_DOCS, **spent}


def build(n_docs: int, analyzer: str) -> dict:
    def cpu():
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime

    folder = tempfile.mkdtemp()
    try:
        t0, c0 = time.perf_counter(), cpu()
        index = kzsearch.Index(analyzer=tokenize) if analyzer == "plain" else kzsearch.Index()
        index.add(datasets.resampled_documents(n_docs))
        index.save(os.path.join(folder, "ix"))
        t1, c1 = time.perf_counter(), cpu()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"wall": t1 - t0, "parent": c1[0] - c0[0], "workers": c1[1] - c0[1]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--analyzer", choices=("plain", "default"), default="plain")
    parser.add_argument("--build", type=int, default=0, help="also time a real build + save of this many documents")
    args = parser.parse_args(argv)
    analyze = tokenize if args.analyzer == "plain" else kzsearch.Index().analyzer
    out = stages(args.docs, analyze)
    n = out.pop("docs")
    print(f"{args.analyzer}: a worker's stages over {n:,} documents (CPU s; per 1M documents); "
          f"load {os.getloadavg()[0]:.1f}")
    print("| stage | CPU s | per 1M docs |")
    print("|---|---:|---:|")
    for key, seconds in out.items():
        print(f"| {key} | {seconds:.2f} | {seconds * 1e6 / n:.1f} |")
    if args.build:
        row = build(args.build, args.analyzer)
        print(f"\nbuild + save of {args.build:,}: {row['wall']:.1f} s wall, CPU parent {row['parent']:.1f} s "
              f"+ workers {row['workers']:.1f} s = {row['parent'] + row['workers']:.1f} s "
              f"({(row['parent'] + row['workers']) * 1e6 / args.build:.0f} per 1M docs)")


if __name__ == "__main__":
    main()
