"""The stored-text codec: CPU to compress, size, and the cost of reading one hit's text.

    python benchmarks/bench_texts.py                   # 100k resampled KazNERD documents
    python benchmarks/bench_texts.py --docs 30000

For each configuration (block size, zlib level, preset dictionary or none),
compresses the same texts on one thread (:func:`compress_texts`, CPU time)
and reads 20,000 random texts one by one with the decoded-block cache
emptied before each (as the first read of a hit's text), best of three.
"format 3 (main)" is what main wrote before dictionaries (1 KB, level 4).
"dictionary, other sentences" trains the dictionary on documents made of
the other half of KazNERD's sentences than the texts are made of: the
corpus is resampled sentences, and this shows that the gain does not come
from whole sentences repeated between the dictionary and the texts.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's kzsearch
import datasets  # noqa: E402
from kzsearch.engine import zipped_texts as zt  # noqa: E402
from kzsearch.engine.docstore import TextBlock  # noqa: E402


def documents(sentences, n: int, seed: int):
    rng = random.Random(seed)
    return [" ".join(rng.choice(sentences) for _ in range(rng.randint(1, 13))) for _ in range(n)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    args = parser.parse_args(argv)
    sentences = datasets.kaznerd_sentences()
    texts = documents(sentences[1::2], args.docs, 1)
    block = TextBlock(*TextBlock.from_strings(texts).to_arrays())
    n_bytes = int(block.offsets[-1])
    own = zt.train_dictionary(bytes(block.blob[:1_000_000]))  # as the pool does: its first batch
    other = zt.train_dictionary("".join(documents(sentences[0::2], 1000, 2)).encode())
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(texts), 20_000).tolist()
    print(f"{len(texts):,} documents, {n_bytes / 2**20:.0f} MB of UTF-8; load {os.getloadavg()[0]:.1f}")
    print("| configuration | compress (1 thread) | MB/s | shrinks | read one text |")
    print("|---|---:|---:|---:|---:|")
    for label, size, level, zdict in (("format 3 (main): 1 KB, level 4", 1024, 4, b""),
                                      ("1 KB, level 1, no dictionary", 1024, 1, b""),
                                      ("1 KB, level 1, dictionary (default)", 1024, 1, own),
                                      ("1 KB, level 1, dictionary, other sentences", 1024, 1, other),
                                      ("1 KB, level 2, dictionary", 1024, 2, own),
                                      ("2 KB, level 1, dictionary", 2048, 1, own),
                                      ("4 KB, level 1, no dictionary", 4096, 1, b"")):
        t0 = time.process_time()
        parts = zt.compress_texts(block, block_bytes=size, level=level, threads=1, zdict=zdict)
        spent = time.process_time() - t0
        zipped = zt.ZippedTexts.from_parts(parts)
        assert all(zipped[i] == texts[i] for i in picks[:2000])
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            for i in picks:
                zipped._cache.clear()
                zipped[i]
            best = min(best, time.process_time() - t0)
        size_on_disk = sum(a.nbytes for k, a in parts.items() if k != "texts.offsets")
        print(f"| {label} | {spent:.2f} s | {n_bytes / spent / 1e6:.0f} | {n_bytes / size_on_disk:.2f}× "
              f"| {best / len(picks) * 1e6:.1f} µs |", flush=True)


if __name__ == "__main__":
    main()
