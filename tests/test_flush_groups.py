"""A flush inverts its tokens a group at a time and stacks the groups (ingest.invert_group,
stacking.stack_segments): the same segment, and the same index, as one inversion of all."""
import os
import random

import numpy as np
import pytest

import kzsearch
import kzsearch.ingest as ingest
from kzsearch.engine import segment, spill
from kzsearch.engine.segment import FIELD_SHIFT, build_segment
from kzsearch.engine.stacking import stack_segments

WORDS = ["мектеп", "облыс", "бюджет", "әкім", "жол", "су", "ауыл", "қала", "оқушы", "дәрігер", "ұстаз", "кітап"]


def random_tokens(rng, n_docs, n_fields, vocab, long_docs=False):
    """(term ids, field lengths [F, D], positions) as a flush gets them."""
    lengths = rng.integers(0, 12, size=(n_docs, n_fields))
    if long_docs:
        lengths[rng.integers(0, n_docs, size=3), 0] = rng.integers(260, 700, size=3)
    term_ids = rng.integers(0, vocab, size=int(lengths.sum())).astype(np.int32)
    positions = []
    for doc in lengths:
        for field, n in enumerate(doc):
            positions.append((np.sort(rng.choice(max(n * 2, 1) + (70000 if long_docs and n > 600 else 0),
                                                 size=n, replace=False)) | (field << FIELD_SHIFT))
                             .astype(np.int32))
    return term_ids, lengths.T.astype(np.int32), np.concatenate(positions) if positions else np.zeros(0, np.int32)


def split(term_ids, field_len, positions, cuts, compact):
    """The tokens cut at document boundaries ``cuts`` into parts, as invert_group makes them."""
    doc_tokens = field_len.sum(axis=0)
    token_cuts = np.concatenate([[0], np.cumsum(doc_tokens)])
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        t0, t1 = token_cuts[a], token_cuts[b]
        items = [ingest.Analyzed(None, term_ids[t0:t1].copy(), field_len[:, a:b].T.ravel().copy(),
                                 None if positions is None else positions[t0:t1].copy())]
        parts.append(ingest.invert_group(items, field_len.shape[0], compact=compact))
    return parts


def same_segment(got, want):
    assert np.array_equal(got.terms, want.terms)
    assert np.array_equal(np.asarray(got.offsets), np.asarray(want.offsets))
    assert np.array_equal(np.asarray(got.docs), np.asarray(want.docs))
    assert np.array_equal(np.asarray(got.tfs), np.asarray(want.tfs))
    assert np.array_equal(got.doc_len, want.doc_len)
    if want.field_tfs is None:
        assert got.field_tfs is None and got.field_len is None
    else:
        assert got.field_tfs.dtype == want.field_tfs.dtype
        assert np.array_equal(got.field_tfs, want.field_tfs) and np.array_equal(got.field_len, want.field_len)
    if want.positions is None:
        assert got.positions is None
    else:
        assert np.array_equal(np.asarray(got.positions), np.asarray(want.positions))
        assert np.array_equal(np.asarray(got.pos_offsets), np.asarray(want.pos_offsets))
        n = len(want.tfs)
        picks = np.random.default_rng(0).integers(0, n + 1, size=20) if n else np.zeros(0, np.int64)
        assert np.array_equal(got.pos_offsets[picks], np.asarray(want.pos_offsets)[picks])


@pytest.mark.parametrize("seed", range(12))
def test_stacked_parts_equal_one_inversion(seed):
    rng = np.random.default_rng(seed)
    n_fields = [1, 1, 2, 3][seed % 4]
    with_positions = seed % 3 != 2
    n_docs = int(rng.integers(1, 400))
    term_ids, field_len, positions = random_tokens(rng, n_docs, n_fields, int(rng.integers(1, 60)),
                                                   long_docs=seed % 5 == 0)
    if not with_positions:
        positions = None
    want = build_segment(term_ids, field_len.sum(axis=0), positions=positions,
                         field_len=field_len if n_fields > 1 else None)
    inner = sorted(set(rng.integers(0, n_docs + 1, size=int(rng.integers(0, 8))).tolist()) - {0, n_docs})
    cuts = [0] + inner + [n_docs]
    got = stack_segments(split(term_ids, field_len, positions, cuts, compact=seed % 2 == 0), name="s")
    same_segment(got, want)
    assert got.tfs.dtype.itemsize <= 2 and got.docs.dtype == np.int32 and got.name == "s"


@pytest.mark.parametrize("seed", range(8))
def test_streamed_stack_equals_one_inversion(monkeypatch, seed):
    """Stacked a range of terms at a time into spill files (sink): the same segment."""
    monkeypatch.setattr(segment, "MERGE_CHUNK", [1, 7, 50, 1 << 20][seed % 4])
    rng = np.random.default_rng(100 + seed)
    n_docs = int(rng.integers(1, 300))
    term_ids, field_len, positions = random_tokens(rng, n_docs, 1, int(rng.integers(1, 80)), long_docs=seed % 3 == 0)
    if seed % 2:
        positions = None
    want = build_segment(term_ids, field_len.sum(axis=0), positions=positions)
    inner = sorted(set(rng.integers(0, n_docs + 1, size=5).tolist()) - {0, n_docs})
    folder = spill.SpillDir()
    spool = folder.spool()
    try:
        got = stack_segments(split(term_ids, field_len, positions, [0] + inner + [n_docs], compact=True),
                             "s", sink=spool.array)
        same_segment(got, want)
        assert {a.part for a in spool.arrays} == ({"docs", "tfs"} | ({"positions.low"} if seed % 2 == 0 else set()))
        assert not np.asarray(got.docs).flags.owndata  # mapped from its file
    finally:
        spool.discard()
        folder.close()


def test_stacked_escapes_and_wide_positions():
    """Positions past 255 and 65535 take the escape and int32 widths encode_positions would take."""
    from kzsearch.engine.compact import encode_positions

    for top in (300, 70000, 1 << 20):
        term_ids = np.array([0, 1, 0, 1, 2] * 40, dtype=np.int32)
        positions = np.arange(200, dtype=np.int32) * (top // 200 + 1)
        doc_len = np.array([50, 50, 50, 50])
        positions = np.concatenate([np.sort(positions[i::4]) for i in range(4)])
        want = build_segment(term_ids, doc_len, positions=positions)
        field_len = doc_len[None, :].astype(np.int32)
        got = stack_segments(split(term_ids, field_len, positions, [0, 1, 3, 4], compact=True))
        same_segment(got, want)
        parts = encode_positions(want.positions, 1)
        for name, array in got.positions.parts().items():
            assert array.dtype == parts[name].dtype and np.array_equal(array, parts[name])


def words(text):
    return text.lower().split()


def collection(seed, n):
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 14)))
        docs.append({"id": f"d{i}", "title": rng.choice(WORDS), "text": text, "n": rng.randint(0, 5)})
    return docs


def results(index, queries, **kwargs):
    return [[(h.id, h.score, h.text) for h in index.search(q, k=15, **kwargs)] for q in queries]


@pytest.mark.parametrize("seed", range(6))
def test_grouped_build_equals_one_inversion(monkeypatch, tmp_path, seed):
    """Indexes built with groups of a few dozen tokens search, filter, delete and store like one
    built with every segment inverted at once (spilled or not, with or without workers)."""
    docs = collection(seed, 500)
    fields = {"title": 2.0, "text": 1.0} if seed % 2 else None
    monkeypatch.setattr(ingest, "SEGMENT_TOKENS", 900)
    monkeypatch.setattr(ingest, "BATCH_DOCS", 20)
    stacks = []
    monkeypatch.setattr(ingest, "stack_segments", lambda parts, *a: stacks.append(len(parts)) or
                        stack_segments(parts, *a))
    if seed % 3 == 0:
        monkeypatch.setattr(spill, "MIN_DOCS", 1)

    def build(group_tokens):
        monkeypatch.setattr(ingest, "GROUP_TOKENS", group_tokens)
        index = kzsearch.Index(analyzer=words, fields=fields, background_merges=False,
                               spill_dir=tmp_path if seed % 3 == 0 else False)
        index.add(docs[:300], workers=2 if seed < 2 else 1)
        index.add(docs[300:], workers=1)
        return index

    whole = build(1 << 30)
    assert not stacks
    grouped = build(40 + 7 * seed)
    assert stacks and max(stacks) > 2
    rng = random.Random(seed)
    qs = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(15)] + ['"мектеп облыс"', '"су жол"']
    assert results(grouped, qs) == results(whole, qs)
    assert results(grouped, qs, filter={"n": 3}) == results(whole, qs, filter={"n": 3})
    assert grouped.get("d17") == whole.get("d17")
    for index in (whole, grouped):
        index.delete([f"d{i}" for i in range(0, 500, 9)])
    assert results(grouped, qs) == results(whole, qs)
    for index in (whole, grouped):
        index.optimize()
    assert results(grouped, qs) == results(whole, qs)
    index = kzsearch.Index.load(grouped.save(tmp_path / "saved") or tmp_path / "saved", analyzer=words)
    assert results(index, qs) == results(whole, qs)


@pytest.mark.parametrize("min_docs", [1, 10_000])
def test_spooled_texts_equal_in_memory_texts(monkeypatch, tmp_path, min_docs):
    """Texts compressed by workers go to a spool file per segment (spill.TextSpool): taken over
    by the spilled segment, or read back into memory for one below spill.MIN_DOCS."""
    monkeypatch.setattr(ingest, "SEGMENT_TOKENS", 700)
    monkeypatch.setattr(ingest, "BATCH_DOCS", 25)
    monkeypatch.setattr(ingest, "GROUP_TOKENS", 90)  # stacked: spilled ones write their postings out
    monkeypatch.setattr(segment, "MERGE_CHUNK", 64)  # ... a few terms at a time
    monkeypatch.setattr(spill, "MIN_DOCS", min_docs)
    docs = collection(3, 400)
    memory = kzsearch.Index(analyzer=words, spill_dir=False, background_merges=False)
    memory.add(docs, workers=1)
    spooled = kzsearch.Index(analyzer=words, spill_dir=tmp_path, background_merges=False)
    spools = []
    real = spill.SpillDir.spool
    monkeypatch.setattr(spill.SpillDir, "spool", lambda self: spools.append(real(self)) or spools[-1])
    spooled.add(docs, workers=2)
    assert len(spools) > 2
    listed = sorted(os.listdir(spooled._spill.path))
    assert [s.z.file in listed for s in spools] == [min_docs == 1] * len(spools)
    streamed = [a.file for s in spools for a in s.arrays]
    assert bool(streamed) == (min_docs == 1) and all(f in listed for f in streamed)
    rng = random.Random(3)
    qs = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(15)]
    assert results(spooled, qs) == results(memory, qs)
    assert [spooled.get(f"d{i}") for i in range(0, 400, 13)] == [memory.get(f"d{i}") for i in range(0, 400, 13)]
    spooled.save(tmp_path / "saved")
    loaded = kzsearch.Index.load(tmp_path / "saved", analyzer=words)
    assert results(loaded, qs) == results(memory, qs)


def test_failed_add_leaves_no_spool_files(monkeypatch, tmp_path):
    monkeypatch.setattr(ingest, "SEGMENT_TOKENS", 700)
    monkeypatch.setattr(ingest, "BATCH_DOCS", 25)
    monkeypatch.setattr(spill, "MIN_DOCS", 1)
    index = kzsearch.Index(analyzer=words, spill_dir=tmp_path, background_merges=False)
    index.add(collection(4, 100), workers=2)
    before = sorted(os.listdir(index._spill.path))

    def failing():
        yield from collection(5, 330)
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError):
        index.add(failing(), workers=2)
    assert sorted(os.listdir(index._spill.path)) == before
    assert len(index) == 100
