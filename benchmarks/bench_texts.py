"""The stored-text codec: CPU to compress, size, and the cost of reading one hit's text.

    python benchmarks/bench_texts.py                   # 100k resampled KazNERD documents
    python benchmarks/bench_texts.py --docs 30000

For each configuration (block size, zlib level or entropy coding only,
preset dictionary or none, UTF-8 or the Kazakh code page), compresses the
same texts on one thread from their Python strings, as a build's workers
do (:func:`compress_texts`, CPU time), and reads 20,000 random texts one
by one with the decoded-block cache emptied before each (as the first read
of a hit's text), best of three. "1 KB, level 1, dictionary, UTF-8" is what
main wrote before the code page. "dictionary, other sentences" trains the
dictionary on documents made of the other half of KazNERD's sentences than
the texts are made of: the corpus is resampled sentences, and this shows
that the gain does not come from whole sentences repeated between the
dictionary and the texts.
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
from kzsearch.engine import codepage, text_zipping as zt  # noqa: E402
from kzsearch.engine.text_dictionaries import train_dictionary  # noqa: E402
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
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    sample = "".join(texts[:1000])  # as the pool does: its first batch
    own = train_dictionary(sample.encode())
    own_kz = train_dictionary(codepage.encode_lossy(sample))
    other = train_dictionary("".join(documents(sentences[0::2], 1000, 2)).encode())
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(texts), 20_000).tolist()
    print(f"{len(texts):,} documents, {n_bytes / 2**20:.0f} MB of UTF-8; load {os.getloadavg()[0]:.1f}")
    print("| configuration | compress (1 thread) | MB/s | shrinks | read one text |")
    print("|---|---:|---:|---:|---:|")
    for label, size, level, zdict, kz, huffman in (
            ("1 KB, level 4, no dictionary, UTF-8 (format 3's first)", 1024, 4, b"", False, False),
            ("1 KB, level 1, dictionary, UTF-8 (main)", 1024, 1, own, False, False),
            ("1 KB, level 1, dictionary, other sentences, UTF-8", 1024, 1, other, False, False),
            ("2 KB, level 1, dictionary, UTF-8", 2048, 1, own, False, False),
            ("1 KB, level 1, dictionary, code page", 1024, 1, own_kz, True, False),
            ("2 KB, level 1, dictionary, code page", 2048, 1, own_kz, True, False),
            ("2 KB, level 1, no dictionary, code page", 2048, 1, b"", True, False),
            ("1.5 KB, entropy only, code page", 1536, 1, b"", True, True),
            ("2 KB, entropy only, code page (default)", 2048, 1, b"", True, True),
            ("4 KB, entropy only, code page", 4096, 1, b"", True, True)):
        zt.CODEPAGE, zt.HUFFMAN = kz, huffman
        block = TextBlock.from_strings(texts)
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
