"""Stored texts with preset dictionaries (zipped_texts): round trips, concatenation, main's folders, forgeries."""
import random
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import kzsearch
import kzsearch.ingest as ingest
from kzsearch import Index, IndexFormatError
from kzsearch.engine import spill, text_zipping as zt
from kzsearch.engine.docstore import TextBlock
from kzsearch.engine.text_dictionaries import train_dictionary
from kzsearch.engine.text_zipping import compress_texts
from kzsearch.engine.zipped_texts import ZippedTexts, check_zipped

from conftest import split_words
from forging import commit_of, forge_array, segment, set_at

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))
from make_format3_index import fixture_texts  # noqa: E402

ALPHABET = "мектепоқушыбюджетAMANATəіңғүұқөһ \n\t.,😀𝔘\u0000\ud800é"


def random_texts(rng, n):
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.15:
            out.append("")
        elif kind < 0.2:  # longer than many blocks
            out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(3000, 20000))))
        else:
            out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 400))))
    return out


def read_all_ways(zipped, texts):
    assert len(zipped) == len(texts)
    assert list(zipped) == texts
    assert [zipped[i] for i in range(len(texts))] == texts
    order = np.random.default_rng(0).permutation(len(texts))
    assert list(zipped.take(order)) == [texts[i] for i in order]
    blob, offsets = zipped.to_arrays()
    assert list(TextBlock(blob, offsets)) == texts
    zipped._cache.clear()
    assert [zipped[i] for i in order[::-1]] == [texts[i] for i in order[::-1]]


@pytest.mark.parametrize("seed", range(6))
def test_random_texts_round_trip_with_and_without_a_dictionary(seed):
    rng = random.Random(seed)
    texts = random_texts(rng, rng.randint(0, 120))
    sample = "".join(random_texts(rng, 60)).encode("utf-8", "surrogatepass")
    for zdict in (None, b"", train_dictionary(sample), sample[:100], b"\x00" * zt.DICT_BYTES):
        for strings in (True, False):
            block = TextBlock.from_strings(texts)
            if not strings:
                block = TextBlock(*block.to_arrays())
            parts = compress_texts(block, block_bytes=rng.choice([16, 300, 1024, 4096]),
                                   level=rng.choice([1, 4]), zdict=zdict)
            assert check_zipped(parts, len(texts)) is None
            assert ("texts.zdictblk" in parts) == bool(zdict and texts)
            read_all_ways(ZippedTexts.from_parts(parts), texts)


def test_a_large_text_block_trains_its_own_dictionary(monkeypatch):
    monkeypatch.setattr(zt, "HUFFMAN", False)  # else Kazakh text is entropy-coded, without one (below)
    texts = [" ".join(split_words("мектеп оқушылары облыс бюджеті")) * (1 + i % 7) for i in range(3000)]
    parts = compress_texts(TextBlock.from_strings(texts))
    assert len(parts["texts.zdict"]) == zt.DICT_BYTES and parts["texts.zdictblk"].tolist() == [
        0, len(parts["texts.zdocs"]) - 1]
    read_all_ways(ZippedTexts.from_parts(parts), texts)
    small = compress_texts(TextBlock.from_strings(texts[:10]))
    assert "texts.zdict" not in small  # too little text to pay for a dictionary
    with pytest.raises(ValueError, match="zdict"):
        compress_texts(TextBlock.from_strings(texts), zdict=b"x" * (zt.DICT_BYTES + 1))


def test_kazakh_text_is_entropy_coded_without_a_dictionary_and_other_text_trains_one():
    rng = random.Random(2)  # words of random letters: little for level 1 to find repeated
    letters = "аәбвгғдежзийкқлмнңоөпрстуұүфхһцчшыіэюя"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 9))) for _ in range(5000)]
    kazakh = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 90))) for _ in range(3000)]
    parts = compress_texts(TextBlock.from_strings(kazakh))
    assert "texts.zdict" not in parts and set(parts["texts.zcodec"].tolist()) == {1}
    read_all_ways(ZippedTexts.from_parts(parts), kazakh)
    other = [t.replace("о", "漢") for t in kazakh]
    parts = compress_texts(TextBlock.from_strings(other))
    codecs = parts.get("texts.zcodec", np.zeros(0, np.uint8))
    assert len(parts["texts.zdict"]) == zt.DICT_BYTES and 2 * int(codecs.sum()) < len(parts["texts.zdocs"]) - 1
    read_all_ways(ZippedTexts.from_parts(parts), other)


def test_a_parallel_kazakh_build_trains_no_dictionary(monkeypatch):
    monkeypatch.setattr(ingest, "PARALLEL_MIN_DOCS", 1)
    monkeypatch.setattr(ingest, "BATCH_DOCS", 50)
    rng = random.Random(4)
    docs = [" ".join(rng.choice(["мектеп", "облыс", "бюджет", "әкім", "AMANAT"]) for _ in range(rng.randint(0, 80)))
            for _ in range(400)]
    index = Index(analyzer=split_words, spill_dir=False)
    index.add(docs, workers=2)
    texts = index.segments[0].texts
    assert texts.zdictblk is None and texts.zcodec.tolist().count(1) >= len(texts.zcodec) - 1
    assert [index.get(str(i))["text"] for i in range(len(docs))] == docs


@pytest.mark.parametrize("seed", range(6))
def test_concat_joins_runs_of_one_dictionary(seed):
    rng = random.Random(seed)
    dicts = [b"", train_dictionary(("облыс мектеп " * 500).encode()), train_dictionary(("AMANAT su " * 800).encode())]
    shared = [np.frombuffer(d, dtype=np.uint8) for d in dicts]
    pieces, texts, expected_runs = [], [], []
    for _ in range(rng.randint(1, 7)):
        which = rng.randrange(3)
        part_texts = random_texts(rng, rng.randint(0, 25))
        parts = compress_texts(TextBlock.from_strings(part_texts), block_bytes=rng.choice([64, 1024]),
                               zdict=dicts[which])
        if "texts.zdict" in parts and rng.random() < 0.5:
            parts["texts.zdict"] = shared[which]  # as the pool attaches its one array
        pieces.append(ZippedTexts.from_parts(parts))
        texts += part_texts
        n_blocks = len(parts["texts.zblocks"]) - 1
        if n_blocks:
            if expected_runs and expected_runs[-1][0] == which:
                expected_runs[-1][1] += n_blocks
            else:
                expected_runs.append([which, n_blocks])
    joined = ZippedTexts.concat(pieces)
    assert check_zipped(joined.parts(), len(texts)) is None
    read_all_ways(joined, texts)
    if any(which for which, _ in expected_runs):
        runs = [(bytes(np.asarray(d)), n) for d, n in joined.dictionary_runs()]
        assert runs == [(dicts[which], n) for which, n in expected_runs]
    else:
        assert joined.zdictblk is None


FIXTURE_HITS = {  # printed by main's code (ed89654) when it wrote tests/data/format3-index
    "облыс мектеп": [("d100", 0.16742703048613827), ("d294", 0.16742703048613827), ("d34", 0.1617407352445812),
                     ("d94", 0.1617407352445812), ("d154", 0.1617407352445812)],
    "amanat": [("d100", 0.0824610382891086), ("d294", 0.0824610382891086), ("d8", 0.08089120133015736),
               ("d68", 0.08089120133015736), ("d128", 0.08089120133015736)],
    "𝔘𝔫𝔦 ауыл": [("d3", 0.16508100025878014), ("d197", 0.16508100025878014), ("d391", 0.16508100025878014),
                 ("d25", 0.16062188028429084), ("d85", 0.16062188028429084)],
}


def answers(index):
    return {q: [(h.id, h.score, h.text) for h in index.search(q, k=5)] for q in FIXTURE_HITS}


def test_main_format3_folder_reads_and_mixes_with_dictionary_segments(tmp_path, monkeypatch):
    monkeypatch.setattr(zt, "HUFFMAN", False)
    shutil.copytree(DATA / "format3-index", tmp_path / "old")
    index = Index.load(tmp_path / "old", analyzer=split_words)
    texts = fixture_texts()
    assert [index.get(f"d{i}")["text"] for i in range(len(texts))] == texts
    for q, want in FIXTURE_HITS.items():
        assert [(h.id, h.score) for h in index.search(q, k=5)] == want
    seg = index.segments[0]
    assert isinstance(seg.texts, ZippedTexts) and seg.texts.zdictblk is None
    # a segment compressed with a dictionary beside main's, merged block for block, saved and loaded
    monkeypatch.setattr(zt, "DICT_MIN_TEXT", 1000)
    monkeypatch.setattr(spill, "MIN_DOCS", 1)
    more = [t[::-1] for t in texts]
    index.add(more, ids=[f"e{i}" for i in range(len(more))])
    assert index.segments[-1].texts.zdictblk is not None
    index.optimize()
    merged = index.segments[0].texts
    assert len(index.segments) == 1 and [len(d) > 0 for d, _ in merged.dictionary_runs()] == [False, True]
    before = answers(index)
    index.save(tmp_path / "new")
    again = Index.load(tmp_path / "new", analyzer=split_words)
    assert answers(again) == before
    assert [again.get(f"e{i}")["text"] for i in range(len(more))] == more
    assert [again.get(f"d{i}")["text"] for i in range(len(texts))] == texts


def test_a_parallel_build_shares_one_dictionary_and_equals_a_serial_one(tmp_path, monkeypatch):
    monkeypatch.setattr(zt, "HUFFMAN", False)
    monkeypatch.setattr(ingest, "PARALLEL_MIN_DOCS", 1)
    monkeypatch.setattr(ingest, "BATCH_DOCS", 50)
    monkeypatch.setattr(ingest, "SEGMENT_TOKENS", 4000)
    rng = random.Random(3)
    words = ["мектеп", "облыс", "бюджет", "әкім", "жол", "су", "𝔘𝔫𝔦", "AMANAT"]
    docs = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 80))) for _ in range(900)]
    parallel = Index(analyzer=split_words)
    parallel.add(docs, workers=2)
    serial = Index(analyzer=split_words, spill_dir=False)
    serial.add(docs, workers=1)
    queries = [" ".join(rng.sample(words, 2)) for _ in range(20)]
    assert [[(h.id, h.score, h.text) for h in parallel.search(q, k=20)] for q in queries] == \
        [[(h.id, h.score, h.text) for h in serial.search(q, k=20)] for q in queries]
    runs = [r for seg in parallel.segments for r in seg.texts.dictionary_runs()]
    assert len({bytes(np.asarray(d)) for d, _ in runs}) == 1 and len(runs[0][0]) > 0
    parallel.optimize()
    assert len(parallel.segments[0].texts.dictionary_runs()) == 1
    parallel.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix", analyzer=split_words)
    assert [loaded.get(str(i))["text"] for i in range(len(docs))] == docs


@pytest.fixture
def dict_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(zt, "HUFFMAN", False)
    monkeypatch.setattr(zt, "DICT_MIN_TEXT", 1000)
    index = Index(analyzer=split_words)
    index.add([t + " облыс" for t in fixture_texts()], ids=[f"d{i}" for i in range(400)])
    index.save(tmp_path / "ix")
    assert (tmp_path / "ix" / f"{segment(tmp_path / 'ix')['name']}.texts.zdict.npy").exists()
    return tmp_path / "ix"


def _part(path, part):
    return f"{segment(path)['name']}.{part}.npy"


def _edit(part, change):
    def forge(path):
        name = _part(path, part)
        forge_array(path, name, change(np.load(path / name).copy()))
    return forge


def _drop(part):
    def forge(path):
        commit = commit_of(path)
        del commit["files"][_part(path, part)]
        from forging import write_commit
        write_commit(path, commit)
    return forge


DICT_FORGERIES = {
    "a dictionary part missing": _drop("texts.zdictpos"),
    "the dictionary table ending past the dictionaries": _edit("texts.zdictpos", set_at(-1, 10 ** 6)),
    "a dictionary longer than deflate's window": lambda path: (
        forge_array(path, _part(path, "texts.zdict"), np.zeros(zt.DICT_BYTES + 1, np.uint8)),
        _edit("texts.zdictpos", set_at(-1, zt.DICT_BYTES + 1))(path)),
    "dictionary blocks past the blocks": _edit("texts.zdictblk", set_at(-1, 10 ** 6)),
    "dictionary blocks not from 0": _edit("texts.zdictblk", set_at(0, 1)),
    "an empty dictionary table": _edit("texts.zdictblk", lambda a: a[:1]),
    "dictionary offsets going back": _edit("texts.zdictpos", lambda a: np.concatenate((a[:1], a[-1:], a[-1:]))),
}


@pytest.mark.parametrize("name", sorted(DICT_FORGERIES))
def test_forged_dictionaries_are_an_index_format_error(dict_folder, name):
    DICT_FORGERIES[name](dict_folder)
    with pytest.raises(IndexFormatError):
        Index.load(dict_folder, analyzer=split_words)


def test_a_forged_dictionary_gives_texts_or_an_index_format_error_never_another_error(dict_folder):
    """Like forged deflate data, a forged dictionary of the right size can only be seen where a block
    decodes: to another length or to bytes that are not UTF-8 (else to other text, as texts.z can)."""
    _edit("texts.zdict", lambda a: np.full_like(a, 0xFF))(dict_folder)
    try:
        index = Index.load(dict_folder, analyzer=split_words)
        for i in range(400):
            assert isinstance(index.get(f"d{i}")["text"], str)
    except IndexFormatError:
        pass


def test_the_dictionary_folder_itself_loads(dict_folder):
    index = Index.load(dict_folder, analyzer=split_words)
    assert [index.get(f"d{i}")["text"] for i in range(400)] == [t + " облыс" for t in fixture_texts()]
    assert kzsearch.Index.load(dict_folder, analyzer=split_words).segments[0].texts.zdictblk is not None
