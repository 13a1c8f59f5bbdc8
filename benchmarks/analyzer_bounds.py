"""Where the analyzer's first pass goes, by taking its parts away (issue 15's ×4 target).

    python benchmarks/analyzer_bounds.py --repeat 5

The workload of ``bench_warm.py --parts analyzer``: a fresh ``Analyzer()`` warmed on
the first 2,000 KazNERD sentences, then timed over the rest (CPU seconds of this
process), against ``re.findall(r"\\w+", line.lower())`` over the same lines. Each
variant runs in its own fresh process, the variants alternate, medians are printed:

* ``as is``: the first pass as ``bench_warm`` times it;
* ``stems known``: the analyzer's stemmer replaced by a dict of the stems of every
  word the first pass stems (made beforehand by another stemmer): the first pass
  with a stemmer that costs one dict look-up;
* ``stems known, pymorphy3 loaded``: the same with pymorphy3's dictionaries loaded
  before the pass (its first Russian sentence needs them);
* the second pass (every token cached) of ``as is``.

The differences are the stemmer's share, pymorphy3's load, the other work on new
tokens (entering the caches, views, places, Russian lemmas) and the cached work.
Unlike ``bench_warm``, a full garbage collection runs before each timed part, so that
a collection set off by earlier allocations lands in neither (in ``bench_warm`` the
regex baseline takes one: about 20 of its 70 ms); the ratio is printed against both.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Dict, List

CHILD = r'''
import gc, json, re, sys, time
sys.path.insert(0, sys.argv[2])
import datasets, kzsearch
from kzsearch.analysis import russian
from kzsearch.analysis.stemmer import KazakhStemmer

variant = sys.argv[1]
lines = datasets.kaznerd_sentences()
warm, rest = lines[:2000], lines[2000:]
analyzer = kzsearch.Analyzer()
for line in warm:
    analyzer(line)
if variant != "as is":
    real, words = analyzer._stem, []

    class Recorder:  # the words the first pass stems, in a throw-away analyzer
        def __call__(self, word):
            words.append(word)
            return real(word)

        def addresses_reader(self, word):
            return real.addresses_reader(word)

    probe = kzsearch.Analyzer(russian=False)  # every word Kazakh (a superset), pymorphy3 not loaded
    probe._stem = Recorder()
    for line in lines:
        probe(line)
    other = KazakhStemmer()
    known = {w: other(w) for w in words}

    class Known(dict):
        __call__ = dict.__getitem__

        def __missing__(self, word):
            return real(word)

        def addresses_reader(self, word):
            return real.addresses_reader(word)

    analyzer._stem = Known(known)
    del probe, other, words, known
    assert russian._MORPH is None
if variant == "stems known, pymorphy3 loaded":
    russian._shared_morph_analyzer().parse("медсестра")
WORD = re.compile(r"\w+")


def cpu(run, collect=True):
    if collect:
        gc.collect()
    start = time.process_time()
    run()
    return time.process_time() - start


out = {"regex": cpu(lambda: [WORD.findall(line.lower()) for line in rest])}
out["first"] = cpu(lambda: [analyzer(line) for line in rest])
out["second"] = cpu(lambda: [analyzer(line) for line in rest])
print(json.dumps(out))
'''

VARIANTS = ["as is", "stems known", "stems known, pymorphy3 loaded"]


def run_variant(variant: str) -> Dict[str, float]:
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", CHILD, variant, here],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv: List[str] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    runs: Dict[str, List[Dict[str, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.repeat):
        for variant in VARIANTS:
            runs[variant].append(run_variant(variant))
    med = {v: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for v, rs in runs.items()}
    regex = statistics.median(r["regex"] for rs in runs.values() for r in rs)
    print(f"\n## Analyzer first pass, parts taken away (CPU s, median of {args.repeat}; "
          f"regex baseline {regex:.3f} s)\n")
    print("| variant | first pass | × regex |")
    print("|---|---:|---:|")
    for v in VARIANTS:
        print(f"| {v} | {med[v]['first']:.3f} | ×{med[v]['first'] / regex:.1f} |")
    second = med["as is"]["second"]
    print(f"| second pass (every token cached) | {second:.3f} | ×{second / regex:.1f} |")
    a, b, c = (med[v]["first"] for v in VARIANTS)
    print("\n| part of the first pass | CPU s | share | × regex |")
    print("|---|---:|---:|---:|")
    for label, value in (("Kazakh stemmer", a - b), ("pymorphy3 load", b - c),
                         ("other new-token work", c - second), ("cached work (second pass)", second)):
        print(f"| {label} | {value:.3f} | {100 * value / a:.0f}% | ×{value / regex:.2f} |")
    print(f"\n×4 of this baseline is {4 * regex:.3f} s; with every stem known and pymorphy3 loaded "
          f"the first pass is ×{c / regex:.1f}.")


if __name__ == "__main__":
    main()
