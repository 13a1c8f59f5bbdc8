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


def test_views_do_not_shrink_segments_and_segmentation_changes_no_score(monkeypatch):
    """A segment holds SEGMENT_TOKENS words: a word's view terms ride with it, so an index
    with views has as many segments as one of stems; and however an index is cut into
    segments, its hits and scores are the same."""
    from kzsearch.analysis.views import RECOMMENDED_VIEWS
    from kzsearch.engine.merging import MergePolicy

    monkeypatch.setattr(ingest, "BATCH_DOCS", 10)
    rng = random.Random(5)
    words = ["мектептердегі", "оқушылар", "облыстың", "бюджеті", "әкімдігі", "жылы", "үйлер", "мектеп"]
    docs = [" ".join(rng.choices(words, k=rng.randint(1, 12))) for _ in range(300)]
    built = {}
    for name, views, limit in (("stems", (), 400), ("views", RECOMMENDED_VIEWS, 400),
                               ("views, one segment", RECOMMENDED_VIEWS, 10**9)):
        monkeypatch.setattr(ingest, "SEGMENT_TOKENS", limit)
        index = kzsearch.Index(analyzer=kzsearch.Analyzer(views=views), background_merges=False,
                               merge_policy=MergePolicy(factor=100))
        index.add(docs)
        built[name] = index
    assert len(built["views"].segments) == len(built["stems"].segments) > 1
    assert len(built["views, one segment"].segments) == 1
    for query in ("мектептегі оқушы", "облыс бюджеті", "үй", "жылы мектеп әкімдігі"):
        for exact in (False, True):
            assert [(h.id, h.score) for h in built["views"].search(query, k=20, exact=exact)] == \
                [(h.id, h.score) for h in built["views, one segment"].search(query, k=20, exact=exact)]


@pytest.mark.parametrize("seed", range(6))
def test_texts_sent_to_workers_come_back_unchanged(seed):
    """packed_texts: UTF-16 and lengths, or the list itself where a lone surrogate would pair up."""
    from kzsearch.parallel import packed_texts, unpacked_texts
    rng = random.Random(seed)
    alphabet = "мектепәіңғүұқөһ AMANAT\n\t\u0000😀𝔘漢\ufffe\uffff"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, rng.randint(2, 500)])))
             for _ in range(rng.randint(0, 60))]
    packed = packed_texts(texts)
    assert not isinstance(packed, list)
    assert unpacked_texts(packed) == texts
    if texts:
        odd = texts[:]
        odd[rng.randrange(len(odd))] += "\ud83d" + rng.choice(["\ude00", "", "a"])  # lone surrogates
        assert isinstance(packed_texts(odd), list) and unpacked_texts(packed_texts(odd)) == odd


def test_a_parallel_build_of_texts_with_lone_surrogates_and_astral_characters(tmp_path):
    docs = [f"мектеп {i} 😀 \ud800\udc00 ab" if i % 7 == 0 else f"облыс {i} \ud83d\ude00" for i in range(300)]
    docs[5] = "жол \ud83d"  # a lone high surrogate: that batch goes as a list
    parallel = kzsearch.Index(analyzer=str.split)
    parallel.add(docs, workers=2)
    serial = kzsearch.Index(analyzer=str.split)
    serial.add(docs, workers=1)
    assert [parallel.get(str(i))["text"] for i in range(300)] == docs == \
        [serial.get(str(i))["text"] for i in range(300)]
    parallel.save(tmp_path / "ix")
    assert [kzsearch.Index.load(tmp_path / "ix", analyzer=str.split).get(str(i))["text"] for i in range(300)] == docs
