"""Where a build's time and memory go: phases of ``Index.add`` + save, sampled over the process tree.

    python benchmarks/build_memory.py 300000 plain
    python benchmarks/build_memory.py 300000 default
    python benchmarks/build_memory.py 300000 '[{"kind": "prefix", "size": 6, "weight": 0.5}]'

Builds ``size`` resampled KazNERD documents (as ``bench_scale.py`` does)
with plain ``\\w+`` terms, the default analyzer, or the given views, then
waits for merges and saves to a temporary folder. Prints one JSON line: CPU
seconds of the process and its (finished) workers, wall times, peak memory
(``memwatch.TreeMemory``: own RUSAGE_SELF, tree PSS and RSS sums) and the
peak within each phase (``flush``: inverting a segment; ``merge``: merging
segments; ``save``), the segment sizes; then each flush and merge (start,
seconds) and a coarse trace of tree PSS and own RSS every 2 s. Set
``KZ=<folder>`` to measure another kzsearch checkout (e.g. an older commit).
"""
import json
import os
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.environ.get("KZ", os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import datasets  # noqa: E402
import kzsearch  # noqa: E402
import kzsearch.ingest as ingest  # noqa: E402
import kzsearch.writer as writer  # noqa: E402
from bench_scale import plain  # noqa: E402
from memwatch import TreeMemory  # noqa: E402


def main() -> None:
    size, kind = int(sys.argv[1]), sys.argv[2]
    watch = TreeMemory(interval=0.1, trace=True)
    events = []

    def wrap(module, name, label):
        inner = getattr(module, name)

        def timed(*args, **kwargs):
            t = time.perf_counter()
            watch.mark(label)
            try:
                return inner(*args, **kwargs)
            finally:
                events.append((label, round(t - watch._t0, 1), round(time.perf_counter() - t, 2)))
                watch.mark("ingest")
        setattr(module, name, timed)

    wrap(ingest, "flush", "flush")
    wrap(writer, "merge_segments", "merge")
    folder = tempfile.mkdtemp()
    try:
        with watch:
            t0 = time.perf_counter()
            if kind == "plain":
                index = kzsearch.Index(analyzer=plain)
            elif kind == "default":
                index = kzsearch.Index()
            else:
                index = kzsearch.Index(analyzer=kzsearch.Analyzer(views=json.loads(kind)))
            watch.mark("ingest")
            index.add(datasets.resampled_documents(size))
            add_s = time.perf_counter() - t0
            watch.mark("wait_merges")
            index.wait_for_merges()
            merged_s = time.perf_counter() - t0
            watch.mark("save")
            index.save(folder)
            saved_s = time.perf_counter() - t0
            watch.mark("end")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    print(json.dumps({"cpu_s": round(sum(u.ru_utime + u.ru_stime for u in usage), 1), "add_s": round(add_s, 1),
                      "merged_s": round(merged_s, 1), "saved_s": round(saved_s, 1),
                      **{k: round(v) for k, v in watch.peaks().items()},
                      "phase_peak_mb": {k: round(v / 2**20) for k, v in watch.phase_peaks.items()},
                      "segments": [s.n_docs for s in index.segments]}))
    for event in events:
        print(event)
    last = -10.0
    for t, label, pss, own in watch.trace or []:
        if t - last >= 2:
            print(f"{t:6.1f} {label:12s} tree {pss / 2**20:7.0f} MB  own {own / 2**20:7.0f} MB")
            last = t


if __name__ == "__main__":
    main()
