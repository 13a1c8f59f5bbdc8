"""Quality and speed of the Kazakh analysis chain.

Prints three tables, each with reference rows computed in the same run:

1. **Gold lemmas** (UD Kazakh-KTB, NOUN/PROPN/ADJ/VERB): pairwise precision,
   recall and F1 of grouping distinct word forms by stem against grouping
   them by gold lemma, and conflation (share of tokens whose form differs
   from its lemma with stem(form) == stem(lemma)).
2. **Retrieval** (KazQAD questions over passages + KazNERD distractors, BM25
   Okapi k1=1.5 b=0.75, through ``kzsearch.Index``): MRR@10, nDCG@10,
   Recall@10, Recall@100; then the same questions typed on a Russian
   keyboard, in the 2021 and 2018 Latin alphabets, and Cyrillic questions
   over passages transliterated into Latin, each as a share of the properly
   typed score. With ``--queries FILE.jsonl``, the typed variants are read
   from ``FILE_folded.jsonl``, ``FILE_latin2021.jsonl``, ``FILE_latin2018.jsonl``
   beside it when present; then the questions with one typing error
   (``FILE_typos.jsonl``) on the full collection and the passages-only
   control, typo tolerance on and off.
   Then the **sub-word views** table (:func:`view_rows`): every configuration
   on the full collection and on the passages-only control, for the as-written,
   folded, Latin (2021, 2018) and typo'd questions, with whether its gain
   survives the control.
3. **Speed** over the KazNERD sentences, against
   ``re.findall(r"\\w+", text.lower())``.

Definitions follow the project's evaluation data README (summarised in
``benchmarks/data/README.md``). Run from the repository root::

    python benchmarks/bench_quality.py                 # vendored dev data
    python benchmarks/bench_quality.py --queries held_out.jsonl --conllu held_out.conllu
    python benchmarks/bench_quality.py --json --skip-speed
    python benchmarks/bench_quality.py --views-only      # just the sub-word views table
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
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import datasets  # noqa: E402  (benchmarks/datasets.py)
from kzsearch import Index  # noqa: E402
from kzsearch.analysis import Analyzer, stem  # noqa: E402
from kzsearch.analysis.views import DEFAULT_VIEWS, is_view_term  # noqa: E402
from kzsearch.engine.fields import Field  # noqa: E402
from kzsearch.script import to_latin  # noqa: E402

_WORD = re.compile(r"\w+")
#: how the tables name the two analyses compared throughout: stems alone, and the default views
STEMS = "Analyzer(views=()), stems only"
VIEWS = "Analyzer(views=DEFAULT_VIEWS)"
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

def build_index(analyzer: Analyze, corpus: Sequence[dict], restore_queries: bool = True) -> Index:
    """BM25 Okapi (k1=1.5, b=0.75, epsilon=0.25: rank-bm25's ``BM25Okapi``) over the passages.

    ``restore_queries``: re-spell folded and Latin questions (see
    :mod:`kzsearch.restoration`); it only ever applies with the Kazakh analyzer.
    """
    index = Index(analyzer=analyzer, method="okapi", k1=1.5, b=0.75, epsilon=0.25,
                  restore_queries=restore_queries and isinstance(analyzer, Analyzer))
    index.add([(d["id"], d["text"]) for d in corpus], workers=1)
    return index


def rank_passages(index: Index, queries: Sequence[dict], depth: int = 100) -> List[List[str]]:
    """Top ``depth`` passage ids per question, through the public ``Index.search``."""
    return [[hit.id for hit in index.search(q["text"], k=depth)] for q in queries]


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


def variant_queries(queries_path: str, variant: str) -> List[dict]:
    """Questions of one typing variant: the vendored dev ones, or the file beside
    ``queries_path`` named like it with ``_<variant>`` before ``.jsonl``."""
    if not queries_path:
        return datasets.kazqad_queries(variant)
    path = Path(queries_path)
    path = path.with_name(f"{path.stem}_{variant}{path.suffix}") if variant else path
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def typed_variants(index: Index, corpus: Sequence[dict], queries: Sequence[dict],
                   queries_path: str, views: Sequence[dict] = ()) -> Dict[str, Dict[str, float]]:
    """nDCG@10 of questions typed on a Russian keyboard or in Latin, and of
    Cyrillic questions over passages written in Latin, with query restoration
    on and off ("plain analysis"), each also as a share of the properly typed
    score; and the mean time per question through ``Index.search``. ``views``: the
    analyzer's sub-word views (those of ``index``)."""
    plain = build_index(Analyzer(views=views), corpus, restore_queries=False)
    proper = retrieval_scores(rank_passages(index, queries), queries)["ndcg@10"]
    cases = [("as written (Cyrillic)", index, plain, queries)]
    for variant, label in (("folded", "typed without Kazakh letters"),
                           ("latin2021", "2021 Latin alphabet"), ("latin2018", "2018 Latin alphabet")):
        typed = variant_queries(queries_path, variant)
        if typed:
            cases.append((label, index, plain, typed))
    for orthography in ("2021", "2018"):
        latin_corpus = [dict(d, text=to_latin(d["text"], orthography)) for d in corpus]
        cases.append((f"passages in {orthography} Latin, Cyrillic questions",
                      build_index(Analyzer(views=views), latin_corpus), None, queries))
    rows: Dict[str, Dict[str, float]] = {}
    for label, restoring, reference, qs in cases:
        start = time.perf_counter()
        ndcg = retrieval_scores(rank_passages(restoring, qs), qs)["ndcg@10"]
        ms = 1000 * (time.perf_counter() - start) / len(qs)
        plain_ndcg = retrieval_scores(rank_passages(reference, qs), qs)["ndcg@10"] if reference else ndcg
        rows[label] = {"ndcg@10": ndcg, "share": ndcg / proper, "plain_ndcg@10": plain_ndcg,
                       "plain_share": plain_ndcg / proper, "ms_per_query": ms}
    return rows


# --- 2b. sub-word views, full collection vs passages-only control ------------------

class StemTwice(Analyzer):
    """A control "view" that adds no information: each stem plus a marked copy of
    itself (weighted like a prefix view). BM25 then scores every document
    (1 + weight) times its stem-only score: the same ranking, which shows that the
    views' gains come from what the view sees, not from emitting more terms."""

    def word_terms(self, word: str, lang: str = "kk") -> List[str]:
        stems = [t for t in super().word_terms(word, lang) if not is_view_term(t)]
        return stems + ["~" + t for t in stems]


def _views(*views: dict) -> Callable[[], Analyzer]:
    return lambda: Analyzer(views=list(views))


PREFIX6_HALF = {"kind": "prefix", "size": 6, "weight": 0.5}


def _prefix(size: int = 6, weight: float = 0.5, **options: Any) -> Callable[[], Analyzer]:
    return _views({"kind": "prefix", "size": size, "weight": weight, **options})


#: configurations of the views table: (label, analyzer factory, k1, b); the first (stems only) is the reference
VIEW_CONFIGS: List[Tuple[str, Callable[[], Analyzer], float, float]] = [
    (STEMS, _views(), 1.5, 0.75),
    ("+ prefix 6, w 0.4, words of 3+ letters (DEFAULT_VIEWS)",
     lambda: Analyzer(views=DEFAULT_VIEWS), 1.5, 0.75),
    ("+ prefix 6, w 0.5, words of 3+ letters (RECOMMENDED_VIEWS before)", _prefix(min_length=3), 1.5, 0.75),
    ("+ prefix 6, w 0.5, every word", _prefix(), 1.5, 0.75),
    ("+ prefix 6, w 0.5, words of 2+ letters", _prefix(min_length=2), 1.5, 0.75),
    ("+ prefix 6, w 0.5, words of 4+ letters", _prefix(min_length=4), 1.5, 0.75),
    ("+ prefix 6, w 0.5, words of 5+ letters", _prefix(min_length=5), 1.5, 0.75),
    ("+ prefix 6, w 0.5, words of 7+ letters", _prefix(min_length=7), 1.5, 0.75),
    ("+ prefix 6, w 0.5, none equal to the stem (distinct)", _prefix(distinct=True), 1.5, 0.75),
    ("+ the stem's first 6 letters, w 0.5, none equal to the stem", _prefix(source="stem", distinct=True),
     1.5, 0.75),
    ("+ prefix 6, w 0.3, words of 3+ letters", _prefix(weight=0.3, min_length=3), 1.5, 0.75),
    ("+ prefix 6, w 0.6, words of 3+ letters", _prefix(weight=0.6, min_length=3), 1.5, 0.75),
    ("+ prefix 6, w 0.8, words of 3+ letters", _prefix(weight=0.8, min_length=3), 1.5, 0.75),
    ("+ prefix 5, w 0.5, words of 3+ letters", _prefix(5, min_length=3), 1.5, 0.75),
    ("+ prefix 7, w 0.5, words of 3+ letters", _prefix(7, min_length=3), 1.5, 0.75),
    ("+ 4-grams, weight 0.15", _views({"kind": "ngrams", "size": 4, "weight": 0.15}), 1.5, 0.75),
    ("+ prefix 6 w 0.5 + 4-grams w 0.2", _views(PREFIX6_HALF, {"kind": "ngrams", "size": 4, "weight": 0.2}),
     1.5, 0.75),
    ("check: + a marked copy of the stem, weight 0.5", lambda: StemTwice(views=[PREFIX6_HALF]), 1.5, 0.75),
    ("stems only, BM25 retuned k1=1.2 b=0.5", _views(), 1.2, 0.5),
]
#: question variants of the views table ("" = as written)
VIEW_VARIANTS = ("", "folded", "latin2021", "latin2018", "typos")
#: a gain is real when the control keeps at least this share of the full-collection gain
SURVIVES = 0.5
#: a smaller full-collection gain is no gain at all
NO_GAIN = 0.005


def view_rows(queries_path: str = "") -> List[Dict[str, Any]]:
    """nDCG@10 of every view configuration on the full collection and on the
    passages-only control, for each question variant (``queries_path``: read the
    variants beside it, as :func:`variant_queries` does; missing ones are skipped).
    A gain over stems only (as-written questions) *survives* when the control
    keeps at least :data:`SURVIVES` of it."""
    question_sets = {v: variant_queries(queries_path, v) for v in VIEW_VARIANTS}
    question_sets = {v: qs for v, qs in question_sets.items() if qs}
    collections = {"full": datasets.kazqad_corpus(), "control": datasets.kazqad_control()}
    rows: List[Dict[str, Any]] = []
    for label, make_analyzer, k1, b in VIEW_CONFIGS:
        analyzer = make_analyzer()
        row: Dict[str, Any] = {"config": label, "analyzer": analyzer.config, "k1": k1, "b": b}
        for where, corpus in collections.items():
            index = build_index(analyzer, corpus)
            for variant, qs in question_sets.items():
                ranked = [[h.id for h in index.search(q["text"], k=100, k1=k1, b=b)] for q in qs]
                scores = retrieval_scores(ranked, qs)
                row[f"{where}:{variant or 'written'}"] = scores["ndcg@10"]
                if not variant:  # the as-written questions, alternately split in two halves
                    halves = scores["per_question"][0::2], scores["per_question"][1::2]
                    row[f"halves:{where}"] = [sum(h) / len(h) for h in halves]
        rows.append(row)
    base = rows[0]
    for row in rows:
        row["gain_full"] = row["full:written"] - base["full:written"]
        row["gain_control"] = row["control:written"] - base["control:written"]
        row["survives"] = row["gain_full"] > 0 and row["gain_control"] >= SURVIVES * row["gain_full"]
    return rows


def print_view_rows(rows: Sequence[Dict[str, Any]]) -> None:
    variants = [k.split(":", 1)[1] for k in rows[0] if k.startswith("full:")]
    print("Sub-word views (BM25 Okapi through Index.search; nDCG@10 on the full collection | "
          "the passages-only control; halves: the as-written questions split alternately; "
          "gain over stems only on as-written questions)")
    print("| analyzer | " + " | ".join(f"full {v}" for v in variants) + " | "
          + " | ".join(f"control {v}" for v in variants)
          + " | full halves | control halves | gain full | gain control | real? |")
    print("| --- |" + " ---: |" * (2 * len(variants) + 4) + " --- |")
    for row in rows:
        cells = [f"{row[f'{w}:{v}']:.3f}" for w in ("full", "control") for v in variants]
        cells += [" / ".join(f"{h:.3f}" for h in row[f"halves:{w}"]) for w in ("full", "control")]
        verdict = "–" if row is rows[0] else "no gain" if row["gain_full"] < NO_GAIN else \
            "yes" if row["survives"] else "no (artefact)"
        print(f"| {row['config']} | " + " | ".join(cells) +
              f" | {row['gain_full']:+.3f} | {row['gain_control']:+.3f} | {verdict} |")


def typo_rows(corpus: Sequence[dict], queries: Sequence[dict],
              queries_path: str) -> Dict[str, Dict[str, float]]:
    """nDCG@10 of the questions with one typing error each, on the full
    collection and on the passages-only control (no KazNERD distractors),
    through the default Analyzer, typos on (the default) and off, each also as
    a share of the properly typed questions' nDCG@10 on the same collection
    with typos=False; and the properly typed questions themselves with typos on
    and off (the same unless a question holds a word the index never saw)."""
    typed = variant_queries(queries_path, "typos")
    if not typed:
        return {}
    passage_ids = {d["id"] for d in datasets._jsonl("kazqad_passages.jsonl.xz", "kazqad/passages.jsonl")}
    control = [d for d in corpus if d["id"] in passage_ids]
    rows: Dict[str, Dict[str, float]] = {}
    for name, docs in (("full collection", corpus), ("passages-only control", control)):
        index = build_index(Analyzer(views=DEFAULT_VIEWS), docs)

        def ndcg(qs: Sequence[dict], typos: bool) -> float:
            ranked = [[h.id for h in index.search(q["text"], k=100, typos=typos)] for q in qs]
            return retrieval_scores(ranked, qs)["ndcg@10"]

        proper_off = ndcg(queries, False)
        for label, qs in (("properly typed", queries), ("one typing error", typed)):
            on, off = ndcg(qs, True), ndcg(qs, False)
            rows[f"{label}, {name}"] = {"typos_on": on, "share_on": on / proper_off,
                                        "typos_off": off, "share_off": off / proper_off}
    return rows


def print_typo_rows(rows: Dict[str, Dict[str, float]]) -> None:
    print(f"Questions with a typing error ({VIEWS}, through Index.search; share = of the "
          "properly typed nDCG@10 with typos=False on the same collection)")
    print("| questions, collection | nDCG@10 typos on | share | typos=False | share |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, row in rows.items():
        print(f"| {name} | {row['typos_on']:.3f} | {row['share_on']:.1%} | {row['typos_off']:.3f} | "
              f"{row['share_off']:.1%} |")


#: (label, fields) rows of the title-field table; None: the text alone
TITLE_CONFIGS = [
    ("text only", None),
    ("title 1.0 + text", {"title": 1.0, "text": 1.0}),
    ("title 2.0 + text (recommended)", {"title": 2.0, "text": 1.0}),
    ("title 3.0 + text", {"title": 3.0, "text": 1.0}),
    ("title Field(2.0, b=0.3) + text", {"title": Field(2.0, b=0.3), "text": 1.0}),
]


def title_field_rows(queries: Sequence[dict], analyzer: Optional[Analyzer] = None,
                     configs: Sequence[Tuple[str, Any]] = TITLE_CONFIGS) -> Dict[str, Dict[str, float]]:
    """nDCG@10 with the passage title as a BM25F field, on the full collection and
    on the passages-only control (every passage has a title, no distractor does,
    so only the control is an honest measure of scoring titles). ``analyzer``:
    default stems only (``Analyzer(views=())``)."""
    collections = {"full": datasets.kazqad_titled_corpus(), "control": datasets.kazqad_titled_passages()}
    analyzer = analyzer if analyzer is not None else Analyzer(views=())
    rows: Dict[str, Dict[str, float]] = {}
    for label, fields in configs:
        row = {}
        for name, corpus in collections.items():
            index = Index(analyzer=analyzer, method="okapi", k1=1.5, b=0.75, epsilon=0.25,
                          fields=fields, positions=False)
            if fields is None:
                index.add([(d["id"], d["text"]) for d in corpus], workers=1)
            else:
                index.add([{"id": d["id"], "title": d.get("title", ""), "text": d["text"]}
                           for d in corpus], workers=1)
            # questions as plain words (a quoted title in a question is no phrase here)
            ranked = [[hit.id for hit in index.search(q["text"], k=100, syntax=False)] for q in queries]
            row[f"{name}_ndcg@10"] = retrieval_scores(ranked, queries)["ndcg@10"]
        rows[label] = row
    return rows


def print_title_rows(rows: Dict[str, Dict[str, float]], n_queries: int, analyzer: str = STEMS) -> None:
    print(f"KazQAD titles as a field ({analyzer}, {n_queries} questions, BM25F over Okapi k1=1.5 b=0.75)")
    print("| fields | nDCG@10 full collection | nDCG@10 passages-only control |")
    print("| --- | ---: | ---: |")
    for label, row in rows.items():
        print(f"| {label} | {row['full_ndcg@10']:.3f} | {row['control_ndcg@10']:.3f} |")


#: title rows with the recommended sub-word views on
TITLE_VIEW_CONFIGS = [
    ("text only", None),
    ("title 2.0 + text", {"title": 2.0, "text": 1.0}),
    ("title 3.0 + text", {"title": 3.0, "text": 1.0}),
    ("title Field(2.0, b=0.3) + text", {"title": Field(2.0, b=0.3), "text": 1.0}),
    ("title Field(3.0, b=0.3) + text", {"title": Field(3.0, b=0.3), "text": 1.0}),
]


def title_view_rows(queries: Sequence[dict]) -> Dict[str, Dict[str, float]]:
    """:func:`title_field_rows` with ``Analyzer(views=DEFAULT_VIEWS)``."""
    return title_field_rows(queries, Analyzer(views=DEFAULT_VIEWS), TITLE_VIEW_CONFIGS)


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
    analyzer = Analyzer(views=DEFAULT_VIEWS)
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
    parser.add_argument("--variant", default="", help="dev question variant for the main "
                        "table: folded, latin2021, latin2018 (default: as written)")
    parser.add_argument("--conllu", help="CoNLL-U file with gold lemmas; default: the vendored "
                        "UD Kazakh-KTB dev + train")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--views-only", action="store_true", help="print only the sub-word views table")
    parser.add_argument("--titles-only", action="store_true", help="only the title-field table")
    parser.add_argument("--typos-only", action="store_true", help="only the typing-error table")
    args = parser.parse_args(argv or None)
    if args.typos_only:
        queries = datasets.kazqad_queries(args.variant)
        print_typo_rows(typo_rows(datasets.kazqad_corpus(), queries, args.queries))
        return 0
    if args.titles_only:
        queries = datasets.kazqad_queries(args.variant)
        print_title_rows(title_field_rows(queries), len(queries))
        print()
        print_title_rows(title_view_rows(queries), len(queries), VIEWS)
        return 0

    results: Dict[str, Any] = {"stemming": {}, "retrieval": {}}
    if not args.skip_speed:
        results["speed"] = speed(datasets.kaznerd_sentences())
    if args.views_only:
        rows = view_rows(args.queries or "")
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            print_view_rows(rows)
        return 0
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
        STEMS: Analyzer(views=()),
        VIEWS: Analyzer(views=DEFAULT_VIEWS),
        "Analyzer(views=(), stopwords=False)": Analyzer(views=(), stopwords=False),
        "Analyzer(views=(), compounds=False)": Analyzer(views=(), compounds=False),
        "Analyzer(views=(), stemming=False)": Analyzer(views=(), stemming=False),
    }
    indexes = {name: build_index(analyzer, corpus) for name, analyzer in analyzers.items()}
    for name, index in indexes.items():
        results["retrieval"][name] = retrieval_scores(rank_passages(index, queries), queries)
    results["typed"] = typed_variants(indexes[STEMS], corpus, queries, args.queries)
    results["typed_views"] = typed_variants(indexes[VIEWS],
                                            corpus, queries, args.queries,
                                            [v.to_dict() for v in DEFAULT_VIEWS])
    results["views"] = view_rows(args.queries or "")
    results["typos"] = typo_rows(corpus, queries, args.queries)
    results["titles"] = title_field_rows(queries)
    results["titles_views"] = title_view_rows(queries)

    retrieval = results["retrieval"]
    oracle = oracle_ndcg(retrieval[name] for name in
                         (STEMS, "first 4 letters", "first 5 letters", "first 6 letters"))
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
    print(f"nDCG@10 if each question picked the best of the stems and the 4/5/6-letter "
          f"truncations: {results['oracle_ndcg@10']:.3f}")
    print()
    for key, analyzer in (("typed", STEMS), ("typed_views", VIEWS)):
        print(f"Questions as people type them ({analyzer}, through Index.search; share = of the "
              "properly typed nDCG@10)")
        print("| questions / passages | nDCG@10 | share | plain analysis | share | ms per question |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, row in results[key].items():
            print(f"| {name} | {row['ndcg@10']:.3f} | {row['share']:.1%} | {row['plain_ndcg@10']:.3f} | "
                  f"{row['plain_share']:.1%} | {row['ms_per_query']:.2f} |")
        print()
    print_title_rows(results["titles"], len(queries))
    print()
    print_title_rows(results["titles_views"], len(queries), VIEWS)
    print()
    print_view_rows(results["views"])
    if results["typos"]:
        print()
        print_typo_rows(results["typos"])
    if "speed" in results:
        s = results["speed"]
        base = s["baseline_tokens_per_s"]
        rows = [("re.findall(r'\\w+', text.lower())", base),
                (f"{VIEWS}, warm token cache", s["warm_tokens_per_s"]),
                (f"{VIEWS}, first pass (cold cache)", s["cold_tokens_per_s"])]
        print()
        print(f"Speed over the KazNERD sentences ({s['words']:,} \\w+ words, one call per sentence)")
        print("| speed | M tokens/s | ratio to re.findall |")
        print("| --- | ---: | ---: |")
        for name, rate in rows:
            print(f"| {name} | {rate / 1e6:.2f} | {rate / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
