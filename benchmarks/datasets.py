"""Loaders for the vendored evaluation data in ``benchmarks/data`` (see its README).

Every loader reads the xz-compressed copy shipped with the repository, so the
benchmarks run from a fresh clone. Set ``KZSEARCH_DATA`` to a folder laid out
like the project's shared data (``kazqad/``, ``ud/``, ``kaznerd/``) to read
uncompressed originals instead, e.g. a held-out question file.

>>> len(kaznerd_sentences()) > 20000
True
"""
from __future__ import annotations

import json
import lzma
import os
import random
from pathlib import Path
from typing import Iterator, List, NamedTuple

DATA = Path(__file__).resolve().parent / "data"


def _open_text(vendored: str, original: str):
    root = os.environ.get("KZSEARCH_DATA")
    if root and (Path(root) / original).exists():
        return open(Path(root) / original, encoding="utf-8")
    return lzma.open(DATA / vendored, "rt", encoding="utf-8")


def _jsonl(vendored: str, original: str) -> List[dict]:
    with _open_text(vendored, original) as f:
        return [json.loads(line) for line in f if line.strip()]


def kaznerd_sentences() -> List[str]:
    """22,474 real Kazakh news sentences (KazNERD, CC BY 4.0)."""
    with _open_text("kaznerd_sentences.txt.xz", "kaznerd/sentences.txt") as f:
        return [line.strip() for line in f if line.strip()]


def kazqad_corpus() -> List[dict]:
    """KazQAD passages followed by KazNERD distractors: dicts with ``id`` and ``text``."""
    passages = _jsonl("kazqad_passages.jsonl.xz", "kazqad/passages.jsonl")
    distractors = _jsonl("kazqad_distractors_kaznerd.jsonl.xz", "kazqad/distractors_kaznerd.jsonl")
    return [{"id": d["id"], "text": d["text"]} for d in passages + distractors]


def kazqad_control() -> List[dict]:
    """The passages-only control: the 697 KazQAD passages without distractors (``id``, ``text``)."""
    passages = _jsonl("kazqad_passages.jsonl.xz", "kazqad/passages.jsonl")
    return [{"id": d["id"], "text": d["text"]} for d in passages]


def kazqad_titled_passages() -> List[dict]:
    """The 697 KazQAD passages with ``id``, ``title`` and ``text`` (the passages-only control)."""
    return _jsonl("kazqad_passages.jsonl.xz", "kazqad/passages.jsonl")


def kazqad_titled_corpus() -> List[dict]:
    """KazQAD passages (with titles) followed by KazNERD distractors (no title)."""
    distractors = _jsonl("kazqad_distractors_kaznerd.jsonl.xz", "kazqad/distractors_kaznerd.jsonl")
    return kazqad_titled_passages() + [{"id": d["id"], "text": d["text"]} for d in distractors]


def kazqad_queries(variant: str = "") -> List[dict]:
    """KazQAD dev questions: dicts with ``id``, ``text``, ``relevant`` (passage ids).

    ``variant`` is "" (as written), "folded", "latin2021", "latin2018" or
    "typos" (one typing error in one word of five or more letters).
    """
    suffix = f"_{variant}" if variant else ""
    return _jsonl(f"kazqad_queries_dev{suffix}.jsonl.xz", f"kazqad/queries_dev{suffix}.jsonl")


class UDToken(NamedTuple):
    form: str
    lemma: str
    upos: str


def ud_tokens() -> List[UDToken]:
    """Word tokens of UD Kazakh-KTB (dev + train) with gold lemma and UPOS."""
    out: List[UDToken] = []
    for name in ("kk_ktb-dev", "kk_ktb-train"):
        with _open_text(f"ud_{name}.conllu.xz", f"ud/{name}.conllu") as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 4 or not cols[0].isdigit():
                    continue  # multiword ranges (1-2) and empty nodes (1.1)
                out.append(UDToken(cols[1], cols[2], cols[3]))
    return out


def resampled_documents(n_docs: int, mean_sentences: int = 7, seed: int = 0) -> Iterator[str]:
    """Yield ``n_docs`` synthetic documents made of real KazNERD sentences.

    Each document joins 1..2*mean_sentences-1 sentences drawn at random
    (about 70 words on average), so a million documents hold ~70M tokens of
    real Kazakh text with a realistic vocabulary.
    """
    sentences = kaznerd_sentences()
    rng = random.Random(seed)
    pick = rng.choice
    hi = 2 * mean_sentences - 1
    for _ in range(n_docs):
        yield " ".join(pick(sentences) for _ in range(rng.randint(1, hi)))
