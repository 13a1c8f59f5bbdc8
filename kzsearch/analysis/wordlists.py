"""Word lists shipped in ``data/`` (stopwords, known stems).

>>> "бала" in load_words("stems_kk.txt")
True
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, FrozenSet

DATA = Path(__file__).resolve().parent / "data"


def load_words(name: str) -> FrozenSet[str]:
    """Read ``data/<name>``: whitespace-separated words, ``#`` starts a comment."""
    words = set()
    with open(DATA / name, encoding="utf-8") as f:
        for line in f:
            words.update(line.split("#", 1)[0].lower().split())
    return frozenset(words)


def load_pairs(name: str) -> Dict[str, str]:
    """Read ``data/<name>``: one ``key value`` pair a line, ``#`` starts a comment."""
    pairs = {}
    with open(DATA / name, encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].lower().split()
            if len(fields) == 2:
                pairs[fields[0]] = fields[1]
    return pairs
