"""Write tests/data/format3-index: a format-3 folder as main's code (ed89654) wrote it (1 KB zlib blocks).

    PYTHONPATH=<checkout of that commit> python tests/data/make_format3_index.py OUT

The texts are a formula of their number (see ``fixture_texts``), so the test
that reads the folder compares them without storing them again.
"""
from __future__ import annotations

import sys
from typing import List

WORDS = ["облыс", "бюджеті", "мектеп", "оқушылары", "AMANAT", "𝔘𝔫𝔦", "Түркістан", "su", "😀жол", "ауыл"]


def fixture_texts() -> List[str]:
    """400 texts: some empty, some long (several 1 KB blocks), some with non-BMP characters."""
    out = []
    for i in range(400):
        n = 0 if i % 37 == 5 else (1500 if i % 97 == 3 else 3 + (i * 7) % 60)
        out.append(" ".join(WORDS[(i * 13 + j * 7 + j // 5) % len(WORDS)] for j in range(n)))
    return out


def split_words(text: str) -> List[str]:
    return text.lower().split()


if __name__ == "__main__":
    from kzsearch import Index

    index = Index(analyzer=split_words)
    index.add(fixture_texts(), ids=[f"d{i}" for i in range(400)])
    index.save(sys.argv[1])
    for q in ("облыс мектеп", "amanat", "𝔘𝔫𝔦 ауыл"):
        print(repr(q), [(h.id, h.score) for h in index.search(q, k=5)])
