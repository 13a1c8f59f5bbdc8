"""Quality and speed of the Kazakh analysis chain.

Prints three tables, each with reference rows computed in the same run:

1. **Gold lemmas** (UD Kazakh-KTB, NOUN/PROPN/ADJ/VERB): pairwise precision,
   recall and F1 of grouping distinct word forms by stem against grouping
   them by gold lemma, and conflation (share of tokens whose form differs
   from its lemma with stem(form) == stem(lemma)).
2. **Retrieval** (KazQAD questions over passages + KazNERD distractors, BM25
   Okapi k1=1.5 b=0.75): MRR@10, nDCG@10, Recall@10, Recall@100.
3. **Speed** over the KazNERD sentences, against
   ``re.findall(r"\\w+", text.lower())``.

Definitions follow the project's evaluation data README (summarised in
``benchmarks/data/README.md``). Run from the repository root::

    python benchmarks/bench_quality.py                 # vendored dev data
    python benchmarks/bench_quality.py --queries held_out.jsonl --conllu held_out.conllu
    python benchmarks/bench_quality.py --json --skip-speed
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import datasets  # noqa: E402  (benchmarks/datasets.py)
from kzsearch.analysis import Analyzer, stem  # noqa: E402

_WORD = re.compile(r"\w+")
STEM_POS = {"NOUN", "PROPN", "ADJ", "VERB"}

Analyze = Callable[[str], List[str]]


# --- reference analyzers ----------------------------------------------------------

def plain_words(text: str) -> List[str]:
    """Lowercase ``\\w+`` words, no stemming (the speed baseline too)."""
    return _WORD.findall(text.lower())


def truncating(n: int) -> Analyze:
    def analyze(text: str) -> List[str]:
        return [w[:n] for w in _WORD.findall(text.lower())]
    analyze.__name__ = f"truncate{n}"
    return analyze


# --- 1. gold lemmas ---------------------------------------------------------------

def read_conllu(path: str) -> List[datasets.UDToken]:
    """Word tokens (form, lemma, UPOS) of a CoNLL-U file."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 4 and cols[0].isdigit():
                out.append(datasets.UDToken(cols[1], cols[2], cols[3]))
    return out


def stemming_scores(stemmer: Callable[[str], str],
                    ud: Sequence[datasets.UDToken]) -> Dict[str, float]:
    """Pairwise P/R/F1 over distinct forms and token conflation (see module doc).

    A multi-word form (``көрген емеспін``) is stemmed by its first word.
    """
    tokens = [(t.form.lower(), t.lemma.lower()) for t in ud if t.upos in STEM_POS]
    lemma_counts: Dict[str, Counter] = defaultdict(Counter)
    for form, lemma in tokens:
        lemma_counts[form][lemma] += 1
    cache: Dict[str, str] = {}

    def stem_of(word: str) -> str:
        if word not in cache:
            cache[word] = stemmer(word.split()[0] if word.split() else word)
        return cache[word]

    by_stem: Dict[str, Counter] = defaultdict(Counter)
    by_lemma: Counter = Counter()
    for form, counts in lemma_counts.items():
        lemma = counts.most_common(1)[0][0]
        by_stem[stem_of(form)][lemma] += 1
        by_lemma[lemma] += 1

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    shared_stem = sum(pairs(sum(c.values())) for c in by_stem.values())
    shared_both = sum(pairs(n) for c in by_stem.values() for n in c.values())
    shared_lemma = sum(pairs(n) for n in by_lemma.values())
    precision = shared_both / shared_stem if shared_stem else 1.0
    recall = shared_both / shared_lemma if shared_lemma else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    changed = [(f, l) for f, l in tokens if f != l]
    conflation = sum(stem_of(f) == stem_of(l) for f, l in changed) / len(changed)
    return {"precision": precision, "recall": recall, "f1": f1, "conflation": conflation,
            "forms": len(lemma_counts)}


# --- 2. retrieval -----------------------------------------------------------------

def rank_passages(analyzer: Analyze, corpus: Sequence[dict], queries: Sequence[dict],
                  depth: int = 100) -> List[List[str]]:
    """Top ``depth`` passage ids per question by BM25 Okapi (k1=1.5, b=0.75).

    Uses rank-bm25's ``BM25Okapi`` (with its epsilon=0.25 idf floor) over the
    analyzer's terms; to be replaced by ``kzsearch.Index(analyzer=...,
    method="okapi")``, which scores the same.
    """
    from rank_bm25 import BM25Okapi
    import numpy as np

    bm25 = BM25Okapi([analyzer(d["text"]) for d in corpus], k1=1.5, b=0.75, epsilon=0.25)
    ids = [d["id"] for d in corpus]
    ranked = []
    for q in queries:
        scores = bm25.get_scores(analyzer(q["text"]))
        top = np.argsort(-scores, kind="stable")[:depth]
        ranked.append([ids[i] for i in top])
    return ranked


def retrieval_scores(ranked: Sequence[Sequence[str]], queries: Sequence[dict]) -> Dict[str, float]:
    """MRR@10, nDCG@10 (binary gains), Recall@10 and Recall@100, averaged over
    questions; ``per_question`` holds each question's nDCG@10."""
    mrr = r10 = r100 = 0.0
    ndcgs = []
    for ids, q in zip(ranked, queries):
        relevant = set(q["relevant"])
        hits = [i for i, pid in enumerate(ids[:10]) if pid in relevant]
        mrr += 1.0 / (hits[0] + 1) if hits else 0.0
        dcg = sum(1.0 / math.log2(i + 2) for i in hits)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
        ndcgs.append(dcg / ideal)
        r10 += len(hits) / len(relevant)
        r100 += len(relevant.intersection(ids[:100])) / len(relevant)
    n = len(queries)
    return {"mrr@10": mrr / n, "ndcg@10": sum(ndcgs) / n, "recall@10": r10 / n,
            "recall@100": r100 / n, "per_question": ndcgs}


def oracle_ndcg(rows: Iterable[Dict[str, float]]) -> float:
    """nDCG@10 if each question could pick the best of several analyzers."""
    per_question = [r["per_question"] for r in rows]
    return sum(max(scores) for scores in zip(*per_question)) / len(per_question[0])


# --- 3. speed ---------------------------------------------------------------------

def tokens_per_second(analyze: Analyze, texts: Sequence[str]) -> Tuple[float, int]:
    start = time.perf_counter()
    count = 0
    for text in texts:
        count += len(analyze(text))
    return count / (time.perf_counter() - start), count


def speed(texts: Sequence[str], repeats: int = 5) -> Dict[str, float]:
    """Tokens/s of the baseline and of a fresh analyzer: its first (cold
    cache) pass and its best later pass. Tokens are counted as the baseline's
    ``\\w+`` words, so both rates are over the same text. Run before the other
    measures, with the garbage collector's heap frozen, so that neither pays
    for the other's objects."""
    gc.collect()
    gc.freeze()
    words = sum(len(plain_words(t)) for t in texts)
    base = max(tokens_per_second(plain_words, texts)[0] for _ in range(repeats))
    analyzer = Analyzer()
    start = time.perf_counter()
    for text in texts:
        analyzer(text)
    cold = words / (time.perf_counter() - start)
    warm = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            analyzer(text)
        warm = max(warm, words / (time.perf_counter() - start))
    gc.unfreeze()
    return {"words": words, "baseline_tokens_per_s": base, "cold_tokens_per_s": cold,
            "warm_tokens_per_s": warm, "ratio_warm": warm / base, "ratio_cold": cold / base}


# --- tables -----------------------------------------------------------------------

def table(title: str, columns: Sequence[str], rows: Iterable[Tuple[str, Dict[str, float]]]) -> str:
    head = f"| {title} | " + " | ".join(columns) + " |"
    rule = "| --- | " + " | ".join("---:" for _ in columns) + " |"
    body = [f"| {name} | " + " | ".join(f"{scores[c]:.3f}" for c in columns) + " |"
            for name, scores in rows]
    return "\n".join([head, rule] + body)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", help="JSONL of questions (id, text, relevant); "
                        "default: the vendored dev half")
    parser.add_argument("--variant", default="", help="dev question variant: folded, "
                        "latin2021, latin2018 (default: as written)")
    parser.add_argument("--conllu", help="CoNLL-U file with gold lemmas; default: the vendored "
                        "UD Kazakh-KTB dev + train")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv or None)

    results: Dict[str, Any] = {"stemming": {}, "retrieval": {}}
    if not args.skip_speed:
        results["speed"] = speed(datasets.kaznerd_sentences())
    ud = read_conllu(args.conllu) if args.conllu else datasets.ud_tokens()

    stemmers = {
        "no stemming": lambda w: w,
        "first 4 letters": lambda w: w[:4],
        "first 5 letters": lambda w: w[:5],
        "first 6 letters": lambda w: w[:6],
        "kzsearch.stem": stem,
    }
    for name, fn in stemmers.items():
        results["stemming"][name] = stemming_scores(fn, ud)

    if args.queries:
        with open(args.queries, encoding="utf-8") as f:
            queries = [json.loads(line) for line in f if line.strip()]
    else:
        queries = datasets.kazqad_queries(args.variant)
    corpus = datasets.kazqad_corpus()
    analyzers = {
        "lowercase \\w+, no stemming": plain_words,
        "first 4 letters": truncating(4),
        "first 5 letters": truncating(5),
        "first 6 letters": truncating(6),
        "Analyzer()": Analyzer(),
        "Analyzer(stopwords=False)": Analyzer(stopwords=False),
        "Analyzer(compounds=False)": Analyzer(compounds=False),
        "Analyzer(stemming=False)": Analyzer(stemming=False),
    }
    for name, analyzer in analyzers.items():
        ranked = rank_passages(analyzer, corpus, queries)
        results["retrieval"][name] = retrieval_scores(ranked, queries)

    retrieval = results["retrieval"]
    oracle = oracle_ndcg(retrieval[name] for name in
                         ("Analyzer()", "first 4 letters", "first 5 letters", "first 6 letters"))
    results["oracle_ndcg@10"] = oracle
    for scores in retrieval.values():
        del scores["per_question"]

    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print(table("gold lemmas, UD Kazakh-KTB", ["precision", "recall", "f1", "conflation"],
                results["stemming"].items()))
    print()
    print(f"KazQAD: {len(queries)} questions, {len(corpus)} passages, BM25 Okapi k1=1.5 b=0.75")
    print(table("retrieval", ["ndcg@10", "mrr@10", "recall@10", "recall@100"],
                results["retrieval"].items()))
    print(f"nDCG@10 if each question picked the best of Analyzer() and the 4/5/6-letter "
          f"truncations: {results['oracle_ndcg@10']:.3f}")
    if "speed" in results:
        s = results["speed"]
        base = s["baseline_tokens_per_s"]
        rows = [("re.findall(r'\\w+', text.lower())", base),
                ("Analyzer(), warm token cache", s["warm_tokens_per_s"]),
                ("Analyzer(), first pass (cold cache)", s["cold_tokens_per_s"])]
        print()
        print(f"Speed over the KazNERD sentences ({s['words']:,} \\w+ words, one call per sentence)")
        print("| speed | M tokens/s | ratio to re.findall |")
        print("| --- | ---: | ---: |")
        for name, rate in rows:
            print(f"| {name} | {rate / 1e6:.2f} | {rate / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
