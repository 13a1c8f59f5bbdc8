"""Bytes on disk of an index folder, part by part (summed over segments), largest first.

    python benchmarks/disk_parts.py FOLDER [FOLDER ...]

Parts are the rows of ``kzsearch/engine/layout.py``'s SEGMENT_PARTS (``docs``,
``tfs``, ``texts.z``, ``positions.low``, ...), plus the vocabulary runs, live
masks, metadata columns and the commit file. Several folders print side by
side (e.g. the same documents saved by two versions). Reads only the commit.
"""
from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from typing import Dict


def part_bytes(folder: str) -> Dict[str, int]:
    """Part name -> bytes over all segments of the index in ``folder``."""
    with open(os.path.join(folder, "kzsearch-index.json"), encoding="ascii") as f:
        commit = json.load(f)
    sizes: Counter = Counter()
    for name, meta in commit["files"].items():
        part = re.sub(r"^seg\d+-[0-9a-f]+\.", "", name[:-len(".npy")])
        part = re.sub(r"^vocab-[0-9a-f]+\.", "vocab.", part)
        part = re.sub(r"^live-.*", "live", part)
        sizes[part] += meta["size"]
    sizes["commit"] = os.path.getsize(os.path.join(folder, "kzsearch-index.json"))
    return dict(sizes)


def main(folders) -> None:
    tables = [part_bytes(f) for f in folders]
    parts = sorted({p for t in tables for p in t}, key=lambda p: -max(t.get(p, 0) for t in tables))
    print("| part | " + " | ".join(folders) + " |")
    print("|---|" + "---:|" * len(folders))
    for p in parts:
        print(f"| {p} | " + " | ".join(f"{t[p] / 2**20:.1f} MB" if p in t else "–" for t in tables) + " |")
    print("| **total** | " + " | ".join(f"**{sum(t.values()) / 2**20:.1f} MB**" for t in tables) + " |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["."])
