"""A build on worker processes gives exactly the index a build in this process gives.

Workers number terms in vocabularies of their own, kept across batches, and
the pool translates them (kzsearch/parallel.py); segments are inverted on a
background thread (kzsearch/ingest.py). Neither may change a bit of the result.
"""
import random

import numpy as np
import pytest

import kzsearch
import kzsearch.ingest as ingest

PARTS = ("terms", "offsets", "docs", "tfs", "doc_len", "pos_offsets", "positions", "field_tfs", "field_len")


def _documents(seed: int, n: int):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(300)] + ["мектеп", "оқушылары", "облыс", "Алматы"]
    return [" ".join(rng.choices(words, k=rng.randint(0, 25))) for _ in range(n)]


def _same(a: kzsearch.Index, b: kzsearch.Index) -> None:
    assert list(a.vocabulary.terms) == list(b.vocabulary.terms)
    assert [s.n_docs for s in a.segments] == [s.n_docs for s in b.segments]
    for x, y in zip(a.segments, b.segments):
        for part in PARTS:
            u, v = getattr(x, part), getattr(y, part)
            assert (u is None) == (v is None), part
            if u is not None:
                assert np.array_equal(u, v), part
        assert list(x.ids) == list(y.ids) and list(x.texts) == list(y.texts)


@pytest.mark.parametrize("seed", range(3))
def test_parallel_build_equals_serial(seed, monkeypatch):
    monkeypatch.setattr(ingest, "BATCH_DOCS", 7)
    monkeypatch.setattr(ingest, "SEGMENT_TOKENS", 500)
    docs = _documents(seed, 400)
    built = []
    for workers in (1, 2):
        index = kzsearch.Index(analyzer=str.split, background_merges=False)
        index.add(iter(docs), workers=workers)
        index.add(docs[:50], ids=[f"x{i}" for i in range(50)], workers=workers)  # a second pool, warm vocabulary
        built.append(index)
    _same(*built)
    assert built[0].search("w1 w2 мектеп") == built[1].search("w1 w2 мектеп")


def test_parallel_build_with_fields_and_the_kazakh_analyzer(monkeypatch):
    monkeypatch.setattr(ingest, "BATCH_DOCS", 5)
    monkeypatch.setattr(ingest, "SEGMENT_TOKENS", 300)
    docs = [{"id": str(i), "title": t[:20], "text": t, "n": i} for i, t in enumerate(_documents(9, 120))]
    built = []
    for workers in (1, 2):
        index = kzsearch.Index(fields={"title": 2.0, "text": 1.0}, background_merges=False)
        index.add(docs, workers=workers)
        built.append(index)
    _same(*built)
    assert built[0].get("7") == built[1].get("7")
