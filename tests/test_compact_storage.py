"""Format 3's compact parts: every encoding round-trips, and an index answers the same after save + load.

Encodings: texts compressed per block (engine/zipped_texts), positions narrow
with escapes and offsets derived from tfs (engine/compact), tfs in their
narrowest dtype. Old folders (format 1, format 2 as main's code wrote it)
still load, and give the scores that code printed.
"""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kzsearch import Index
from kzsearch.engine.compact import DerivedOffsets, PositionStore, check_positions, encode_positions
from kzsearch.engine.docstore import TextBlock
from kzsearch.engine.segment import FIELD_SHIFT
from kzsearch.engine.storage import COMMIT_FILE
from kzsearch.engine.text_zipping import compress_texts
from kzsearch.engine.zipped_texts import ZippedTexts, check_zipped

from conftest import split_words

DATA = Path(__file__).parent / "data"
LOW_MAX = (1 << FIELD_SHIFT) - 1


# ---------------------------------------------------------------- positions
@st.composite
def position_arrays(draw):
    n_fields = draw(st.integers(1, 4))
    low = st.one_of(st.integers(0, 300), st.integers(250, 70_000), st.integers(LOW_MAX - 3, LOW_MAX),
                    st.sampled_from([254, 255, 256, 65534, 65535, 65536]))
    values = draw(st.lists(st.tuples(st.integers(0, n_fields - 1), low), max_size=300))
    return np.array([f << FIELD_SHIFT | p for f, p in values], dtype=np.int32), n_fields


@settings(max_examples=300, deadline=None)
@given(arrays=position_arrays(), data=st.data())
def test_positions_round_trip(arrays, data):
    positions, n_fields = arrays
    parts = encode_positions(positions, n_fields)
    assert check_positions(parts, len(positions), n_fields) is None
    store = PositionStore.from_parts(parts)
    assert len(store) == len(positions) and np.array_equal(np.asarray(store), positions)
    n = len(positions)
    a = data.draw(st.integers(0, n))
    b = data.draw(st.integers(a, n))
    assert np.array_equal(store[a:b], positions[a:b])
    idx = np.array(data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=40 if n else 0)), dtype=np.int64)
    assert np.array_equal(store[idx], positions[idx])
    if n:
        assert int(store[n - 1]) == int(positions[-1]) and int(store[-1]) == int(positions[-1])
    assert PositionStore.from_parts(encode_positions(store, n_fields)).parts().keys() == parts.keys()


def test_positions_choose_their_width():
    short = np.arange(1000, dtype=np.int32) % 200
    assert encode_positions(short, 1)["positions.low"].dtype == np.uint8
    one_long = np.concatenate([short, [70_000]]).astype(np.int32)
    parts = encode_positions(one_long, 1)
    assert parts["positions.low"].dtype == np.uint8 and parts["positions.exc"].tolist() == [70_000]
    long = (np.arange(1000, dtype=np.int32) * 37) % 60_000
    assert encode_positions(long, 1)["positions.low"].dtype == np.uint16
    huge = (np.arange(1000, dtype=np.int32) * 16_411) % LOW_MAX
    parts = encode_positions(huge, 1)
    assert parts["positions.low"].dtype == np.int32 and "positions.exc" not in parts
    assert np.array_equal(np.asarray(PositionStore.from_parts(parts)), huge)


@settings(max_examples=300, deadline=None)
@given(tfs=st.lists(st.one_of(st.integers(1, 3), st.integers(1, 2**31 - 1)), max_size=400), data=st.data())
def test_derived_offsets_equal_the_cumulative_sum(tfs, data):
    dtype = np.int32 if max(tfs, default=0) > 65535 else data.draw(st.sampled_from([np.uint8, np.uint16, np.int32]))
    tfs = np.array([min(t, np.iinfo(dtype).max) for t in tfs], dtype=dtype)
    want = np.concatenate(([0], np.cumsum(tfs, dtype=np.int64)))
    got = DerivedOffsets(tfs)
    assert len(got) == len(want) and got.total == want[-1] and np.array_equal(np.asarray(got), want)
    i = data.draw(st.integers(-len(want), len(want) - 1))
    assert int(got[i]) == int(want[i])
    a = data.draw(st.integers(0, len(want)))
    b = data.draw(st.integers(a, len(want)))
    assert np.array_equal(got[a:b], want[a:b]) and np.array_equal(got[a:b:3], want[a:b:3])
    assert np.array_equal(got[:-1], want[:-1])
    idx = np.array(data.draw(st.lists(st.integers(0, len(want) - 1), max_size=30)), dtype=np.int64)
    assert np.array_equal(got[idx], want[idx])
    with pytest.raises(IndexError):
        got[len(want)]


# ---------------------------------------------------------------- texts
texts_strategy = st.lists(st.one_of(
    st.text(max_size=30),
    st.text(alphabet="мектепқазақ әріп \n", min_size=200, max_size=3000),
    st.just(""),
    st.just("\ud800 жалғыз \udfff"),  # lone surrogates survive (surrogatepass)
), max_size=60)


@settings(max_examples=200, deadline=None)
@given(strings=texts_strategy, block=st.sampled_from([1, 16, 700, 2048, 1 << 20]), whole=st.booleans(),
       data=st.data())
def test_texts_round_trip(strings, block, whole, data):
    source = TextBlock.from_strings(strings)
    if whole:  # from the on-disk form too
        source = TextBlock(*source.to_arrays())
    parts = compress_texts(source, block_bytes=block, threads=data.draw(st.sampled_from([1, 2])))
    assert check_zipped(parts, len(strings)) is None
    texts = ZippedTexts.from_parts(parts)
    assert len(texts) == len(strings) and list(texts) == strings
    assert [texts[i] for i in range(len(strings))] == strings
    if strings:
        assert texts[-1] == strings[-1]
    idx = data.draw(st.lists(st.integers(0, max(len(strings) - 1, 0)), max_size=20 if strings else 0))
    assert list(texts.take(np.array(idx, dtype=np.int64))) == [strings[i] for i in idx]
    blob, offsets = texts.to_arrays()
    assert list(TextBlock(blob, offsets)) == strings
    assert list(TextBlock.concat([texts, TextBlock.from_strings(["x"])])) == strings + ["x"]
    assert compress_texts(texts) is not None and compress_texts(texts)["texts.z"] is texts.z
    with pytest.raises(IndexError):
        texts[len(strings)]


# ---------------------------------------------------------------- whole indexes
DOCS = [
    {"id": "n1", "title": "Облыс бюджеті", "text": "Облыс бюджеті нақтыланды " * 3, "region": "Түркістан"},
    {"id": "n2", "title": "Мектеп", "text": "Мектеп оқушылары облыс бюджетін талқылады", "region": "Алматы"},
    {"id": "n3", "text": "Ауа райы \ud83d\ude00 жаңа", "region": "Алматы"},
    {"id": "n4", "title": "", "text": ""},
]
QUERIES = ['облыс бюджеті', '"облыс бюджеті"', 'мектеп -облыс', 'жаңа', '"оқушылары облыс"~2', 'облыс*']


def answers(index):
    out = []
    for q in QUERIES:
        hits = index.search(q, k=10)
        out.append([(h.id, h.score, h.text, h.fields, index.highlight(h, q).snippet) for h in hits])
    return out


@settings(max_examples=25, deadline=None)
@given(words=st.lists(st.lists(st.sampled_from(["облыс", "бюджет", "мектеп", "жол", "а", "б"]), max_size=400),
                      min_size=1, max_size=12),
       fields=st.booleans(), delete=st.integers(0, 11), data=st.data())
def test_search_is_the_same_after_save_and_load(tmp_path_factory, words, fields, delete, data):
    texts = [" ".join(w) for w in words]
    docs = [{"id": str(i), "title": t[:20], "text": t} if fields else t for i, t in enumerate(texts)]
    index = Index(analyzer=split_words, fields={"title": 2.0, "text": 1.0} if fields else None,
                  background_merges=False)
    half = data.draw(st.integers(0, len(docs)))
    if fields:
        index.add(docs[:half]) if half else None
        index.add(docs[half:]) if half < len(docs) else None
    else:
        ids = [str(i) for i in range(len(docs))]
        index.add(docs[:half], ids=ids[:half]) if half else None
        index.add(docs[half:], ids=ids[half:]) if half < len(docs) else None
    if delete < len(docs):
        index.delete([str(delete)])
    folder = tmp_path_factory.mktemp("ix")
    index.save(folder)
    loaded = Index.load(folder, analyzer=split_words)
    queries = ["облыс бюджет", '"облыс бюджет"', '"мектеп жол"~1', "жол -а", "б"]
    for q in queries:
        want = [(h.id, h.score, h.text, h.fields) for h in index.search(q, k=20)]
        assert [(h.id, h.score, h.text, h.fields) for h in loaded.search(q, k=20)] == want
        assert [(h.id, h.score) for h in loaded.search(q, k=20, exact=True)] == [w[:2] for w in want]
        for h in loaded.search(q, k=3):
            assert loaded.highlight(h, q) == index.highlight(h, q)
    for term in ("облыс", "жол"):
        t = index.vocabulary.get(term)
        if t is not None:
            for got, want in zip(loaded._snapshot.term_positions(t), index._snapshot.term_positions(t)):
                assert np.array_equal(got, want)
    loaded.optimize()  # a merge of loaded (compact) segments
    for q in queries:
        assert [(h.id, h.score) for h in loaded.search(q, k=20)] == [(h.id, h.score) for h in index.search(q, k=20)]


def test_huge_term_frequencies_and_long_documents_round_trip(tmp_path):
    long = " ".join(["а"] * 70_000 + ["б"] * 300 + ["в"])  # tf > 65535, positions > 65535
    index = Index(analyzer=split_words)
    index.add([long, "а б", "в " * 256], ids=["long", "short", "tf256"])
    index.save(tmp_path / "ix")
    commit = json.loads((tmp_path / "ix" / COMMIT_FILE).read_text())
    assert commit["version"] == 3 and "tfs" not in commit["segments"][0]["dtypes"]  # int32: the default
    loaded = Index.load(tmp_path / "ix", analyzer=split_words)
    for q in ("а", "б", "в", '"б в"', '"а б"'):
        assert [(h.id, h.score, h.text) for h in loaded.search(q)] == [(h.id, h.score, h.text) for h in index.search(q)]
    t = index.vocabulary.get("в")
    assert loaded._snapshot.term_positions(t)[3].tolist() == index._snapshot.term_positions(t)[3].tolist()
    assert loaded._snapshot.term_positions(t)[3].tolist()[:1] == [70_300]


@pytest.mark.parametrize("huffman", [True, False])
def test_a_saved_index_is_smaller(tmp_path, monkeypatch, huffman):
    from kzsearch.engine import text_zipping
    monkeypatch.setattr(text_zipping, "HUFFMAN", huffman)
    docs = [" ".join(["облыс бюджеті мектеп оқушылары жаңа жол"] * 20)] * 200
    index = Index(analyzer=split_words)
    index.add(docs)
    index.save(tmp_path / "ix")
    names = [p.name for p in (tmp_path / "ix").iterdir()]
    assert not any(n.endswith((".texts.blob.npy", ".pos_offsets.npy", ".positions.npy")) for n in names)
    seg = Index.load(tmp_path / "ix", analyzer=split_words).segments[0]
    assert seg.tfs.dtype == np.uint8 and seg.positions.low.dtype == np.uint8
    # a text that repeats itself is not left to entropy coding alone (which shrinks this 3.4-fold)
    assert isinstance(seg.texts, ZippedTexts) and len(seg.texts.z) * 5 < int(seg.texts.offsets[-1])


# ---------------------------------------------------------------- old folders
FORMAT2_HITS = {  # printed by main's code (ca0fbae) when it wrote tests/data/format2-index
    "облыс бюджеті": [("n1", 0.17736119435436312), ("n4", 0.11721317085933483), ("n2", 0.10349838044253652)],
    '"облыс бюджеті"': [("n1", 0.17736119435436312), ("n2", 0.10349838044253652), ("n4", 0.09465516439206663)],
    "мектеп": [("n2", 0.670103749436802)],
}


def test_an_old_format2_folder_loads_and_saves_as_format3(tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(DATA / "format2-index", folder)
    assert json.loads((folder / COMMIT_FILE).read_text())["version"] == 2
    index = Index.load(folder)
    assert index.analyzer.settings.views == ()  # built stems only: stays so, whatever the default
    for q, want in FORMAT2_HITS.items():
        assert [(h.id, h.score) for h in index.search(q)] == want
    before = answers(index)
    index.save(tmp_path / "new")
    assert json.loads((tmp_path / "new" / COMMIT_FILE).read_text())["version"] == 3
    again = Index.load(tmp_path / "new")
    assert answers(again) == before and again.analyzer == index.analyzer
    index.add([{"id": "n5", "title": "Облыс", "text": "облыс бюджеті"}])
    index.optimize()  # merges a format-2 segment with an in-memory one
    index.save(folder)
    assert answers(Index.load(folder)) == answers(index)


def test_plain_format2_folder_loads(tmp_path):
    shutil.copytree(DATA / "format2-plain", tmp_path / "old")
    index = Index.load(tmp_path / "old", analyzer=split_words)
    assert [(h.id, h.score) for h in index.search("облыс мектеп")] == [
        ("c", 0.355979080138782), ("a", 0.25819941864143414), ("b", 0.21183262163188085)]


def test_texts_can_be_saved_whole(tmp_path, monkeypatch):
    from kzsearch.engine import text_zipping
    monkeypatch.setattr(text_zipping, "COMPRESS", False)
    index = Index(analyzer=split_words)
    index.add(["облыс бюджеті", "", "мектеп \ud800"])
    index.save(tmp_path / "ix")
    names = [p.name for p in (tmp_path / "ix").iterdir()]
    assert any(n.endswith(".texts.blob.npy") for n in names) and not any(".texts.z" in n for n in names)
    loaded = Index.load(tmp_path / "ix", analyzer=split_words)
    assert [loaded.get(i)["text"] for i in ("0", "1", "2")] == ["облыс бюджеті", "", "мектеп \ud800"]
