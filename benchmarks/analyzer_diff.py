"""Do two checkouts of kzsearch analyse every text of the shared data alike?

    git archive main kzsearch | tar -x -C /tmp/main-code
    python benchmarks/analyzer_diff.py /tmp/main-code .

Each checkout runs in its own process over every line of KazNERD's
``sentences.txt``, every UD Kazakh-KTB sentence, form and lemma, and every
title and text of the KazQAD files (passages, distractors, questions in every
typed variant), under the seven settings of ``tests/data/analyzer_reference.json.xz``:
terms from a fresh analyzer, then positions from it warm, then positions from
another fresh analyzer; and a fresh stemmer and ``stem()`` over every ``\\w+``
word type. Prints the differences per setting (0 everywhere = identical).
The data are read from ``--data`` (default ``$KZSEARCH_DATA``, else
``../shared/data`` beside the repository) and never copied.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "tests", "data", "analyzer_reference.json.xz")

DUMP = r'''
import glob, json, lzma, pickle, re, sys
import kzsearch
from kzsearch.analysis import Analyzer
from kzsearch.analysis.stemmer import KazakhStemmer, stem
data, reference, out_path = sys.argv[1:4]
texts = [l.rstrip("\n") for l in open(f"{data}/kaznerd/sentences.txt", encoding="utf-8")]
for path in sorted(glob.glob(f"{data}/ud/*.conllu")):
    for line in open(path, encoding="utf-8"):
        if line.startswith("# text = "):
            texts.append(line[9:].rstrip("\n"))
        elif line[:1].isdigit():
            parts = line.split("\t")
            if len(parts) > 2:
                texts += parts[1:3]
for path in sorted(glob.glob(f"{data}/kazqad/*.jsonl")):
    for line in open(path, encoding="utf-8"):
        record = json.loads(line)
        texts += [record[k] for k in ("title", "text") if isinstance(record.get(k), str)]
configs = json.load(lzma.open(reference, "rt", encoding="utf-8"))["configs"]
out = {"file": kzsearch.__file__, "texts": len(texts)}
for name, config in configs.items():
    fresh, again = Analyzer(**config), Analyzer(**config)
    out[name] = ([fresh(t) for t in texts], [fresh.analyze_positions(t) for t in texts],
                 [again.analyze_positions(t) for t in texts])
words = sorted({w for t in texts for w in re.findall(r"\w+", t.lower())})
stemmer = KazakhStemmer()
out["stems"] = ([stemmer(w) for w in words], [stem(w) for w in words])
pickle.dump(out, open(out_path, "wb"))
'''


def dump(root: str, data: str, path: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(root))
    subprocess.run([sys.executable, "-c", DUMP, data, REFERENCE, path], env=env, check=True, cwd=tempfile.gettempdir())
    with open(path, "rb") as f:
        return pickle.load(f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", help="root of the old checkout (holds kzsearch/)")
    parser.add_argument("new", help="root of the new checkout")
    parser.add_argument("--data", default=os.environ.get("KZSEARCH_DATA") or os.path.join(HERE, "..", "..", "shared", "data"),
                        help="the shared data folder (default: $KZSEARCH_DATA, else ../shared/data)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = dump(args.old, args.data, os.path.join(tmp, "old.pkl"))
        new = dump(args.new, args.data, os.path.join(tmp, "new.pkl"))
    print(f"old: {old['file']}\nnew: {new['file']}\n{new['texts']:,} texts\n")
    print("| setting | fresh terms | warm positions | fresh positions |")
    print("|---|---:|---:|---:|")
    total = 0
    for name in old:
        if name in ("file", "texts"):
            continue
        counts = [sum(a != b for a, b in zip(x, y)) + abs(len(x) - len(y)) for x, y in zip(old[name], new[name])]
        total += sum(counts)
        if name == "stems":
            print(f"| KazakhStemmer() / stem() over {len(old[name][0]):,} word types | {counts[0]} | {counts[1]} | |")
        else:
            print(f"| {name} | " + " | ".join(map(str, counts)) + " |")
    print(f"\n{total} differences")
    print(json.dumps({"differences": total}))
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
