"""Spilled builds (kzsearch.engine.spill): the same index as an in-memory build, saved by links."""
import errno
import gc
import os
import random

import numpy as np
import pytest

import kzsearch
import kzsearch.ingest as ingest
from kzsearch.engine import spill

WORDS = ["мектеп", "облыс", "бюджет", "әкім", "жол", "су", "ауыл", "қала", "оқушы", "дәрігер", "ұстаз", "кітап"]


def words(text):
    return text.lower().split()


@pytest.fixture
def small_segments(monkeypatch):
    """Every segment of a build spilled, segments of a few hundred tokens."""
    monkeypatch.setattr(spill, "MIN_DOCS", 1)
    monkeypatch.setattr(ingest, "SEGMENT_TOKENS", 300)


def collection(seed, n, metadata=False):
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
        if metadata:
            docs.append({"id": f"d{i}", "title": rng.choice(WORDS), "text": text, "n": rng.randint(0, 5)})
        else:
            docs.append(text)
    return docs


def results(index, queries, **kwargs):
    return [[(h.id, h.score, h.text) for h in index.search(q, k=15, **kwargs)] for q in queries]


def queries(seed):
    rng = random.Random(seed)
    return [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(12)] + ['"мектеп облыс"']


@pytest.mark.parametrize("seed", range(4))
def test_spilled_build_equals_in_memory_build(small_segments, seed, tmp_path):
    metadata = seed % 2 == 1
    docs = collection(seed, 400, metadata)
    fields = {"title": 2.0, "text": 1.0} if metadata else None
    memory = kzsearch.Index(analyzer=words, spill_dir=False, fields=fields, background_merges=False)
    spilled = kzsearch.Index(analyzer=words, spill_dir=tmp_path, fields=fields, background_merges=False)
    memory.add(docs)
    spilled.add(docs, workers=2 if seed < 2 else 1)  # workers compress the texts they analyse
    assert spilled._spill is not None and spilled._spill.records
    assert any(hasattr(s.docs, "filename") or not s.docs.flags.owndata for s in spilled.segments)
    qs = queries(seed)
    assert results(spilled, qs) == results(memory, qs)
    if metadata:
        assert results(spilled, qs, filter={"n": 3}) == results(memory, qs, filter={"n": 3})
        assert spilled.get("d7") == memory.get("d7")
    # deletions, more adds and a merge of everything keep them equal
    gone = [f"d{i}" for i in range(0, 400, 7)] if metadata else [str(i) for i in range(0, 400, 7)]
    for index in (memory, spilled):
        index.delete(gone)
        index.add(collection(seed + 100, 50, metadata)[:50] if not metadata else
                  [dict(d, id="x" + d["id"]) for d in collection(seed + 100, 50, metadata)])
    assert results(spilled, qs) == results(memory, qs)
    spilled.optimize()
    memory.optimize()
    assert results(spilled, qs) == results(memory, qs)


def test_save_links_spilled_files_and_round_trips(small_segments, tmp_path):
    docs = collection(7, 300)
    index = kzsearch.Index(analyzer=words, spill_dir=tmp_path / "spill", background_merges=False)
    (tmp_path / "spill").mkdir()
    index.add(docs)
    folder = tmp_path / "index"
    index.save(folder)
    texts = [n for n in os.listdir(folder) if n.endswith(".texts.z.npy")]
    assert texts and all(os.stat(folder / n).st_nlink == 2 for n in texts)  # linked, not rewritten
    loaded = kzsearch.Index.load(folder, analyzer=words)
    memory = kzsearch.Index(analyzer=words, spill_dir=False)
    memory.add(docs)
    qs = queries(7)
    assert results(loaded, qs) == results(memory, qs) == results(index, qs)
    index.save(folder)  # nothing changed: the folder's files are reused
    index.add(["мектеп жол"] * 5)
    index.save(folder)
    assert len(kzsearch.Index.load(folder, analyzer=words)) == 305
    spill_path = index._spill.path
    del index
    gc.collect()
    assert not os.path.exists(spill_path)  # the spill folder goes with its index
    assert len(kzsearch.Index.load(folder, analyzer=words)) == 305  # its links stay


def test_save_copies_where_links_fail_and_encodes_when_files_are_gone(small_segments, tmp_path, monkeypatch):
    docs = collection(8, 200)
    index = kzsearch.Index(analyzer=words, spill_dir=tmp_path, background_merges=False)
    index.add(docs)

    def no_link(*args, **kwargs):
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    index.save(tmp_path / "copied")
    names = [n for n in os.listdir(tmp_path / "copied") if n.endswith(".docs.npy")]
    assert names and all(os.stat(tmp_path / "copied" / n).st_nlink == 1 for n in names)
    monkeypatch.undo()
    for name in os.listdir(index._spill.path):  # e.g. a cleaner emptied the temporary folder
        os.remove(os.path.join(index._spill.path, name))
    index.save(tmp_path / "encoded")
    qs = queries(8)
    for path in ("copied", "encoded"):
        assert results(kzsearch.Index.load(tmp_path / path, analyzer=words), qs) == results(index, qs)


def test_failed_add_leaves_no_spilled_files_and_the_index_as_it_was(small_segments, tmp_path):
    index = kzsearch.Index(analyzer=words, spill_dir=tmp_path, background_merges=False)
    index.add(collection(9, 100))
    before = results(index, queries(9))
    files_before = sorted(os.listdir(index._spill.path))

    def failing():
        yield from collection(10, 250)
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError):
        index.add(failing())
    assert sorted(os.listdir(index._spill.path)) == files_before
    assert len(index) == 100 and results(index, queries(9)) == before
    index.add(collection(10, 250))
    assert len(index) == 350


def test_spill_settings(tmp_path, monkeypatch):
    with pytest.raises(TypeError, match="spill_dir"):
        kzsearch.Index(spill_dir=3)
    monkeypatch.setenv(spill.ENV_SWITCH, "0")
    assert spill.default_dir(None) is None
    assert spill.default_dir(tmp_path) == str(tmp_path)
    monkeypatch.setenv(spill.ENV_SWITCH, "1")
    monkeypatch.setenv(spill.ENV_DIR, str(tmp_path))
    assert spill.default_dir(None) == str(tmp_path)
    assert spill.default_dir(False) is None
    monkeypatch.setattr(spill, "MIN_DOCS", 1)
    index = kzsearch.Index(analyzer=words)
    index.add(["a b", "b c"])
    assert index._spill.path.startswith(str(tmp_path))
    small = kzsearch.Index(analyzer=words, spill_dir=False)
    small.add(["a b"])
    assert small._spill is None
    assert np.asarray(index.segments[0].docs).tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("seed", range(5))
def test_zipped_texts_concatenate_without_recompressing(seed):
    from kzsearch.engine.docstore import TextBlock
    from kzsearch.engine.text_zipping import compress_texts
    from kzsearch.engine.zipped_texts import ZippedTexts, check_zipped

    rng = random.Random(seed)
    parts = [[" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 300))) for _ in range(rng.randint(0, 40))]
             for _ in range(rng.randint(1, 5))]
    blocks = [ZippedTexts.from_parts(compress_texts(TextBlock.from_strings(p), block_bytes=rng.choice([64, 1024])))
              for p in parts]
    joined = ZippedTexts.concat(blocks)
    every = [t for p in parts for t in p]
    assert list(joined) == every and [joined[i] for i in range(len(every))] == every
    assert check_zipped(joined.parts(), len(every)) is None


def test_default_ids_are_checked_against_explicit_ones_without_being_held():
    index = kzsearch.Index(analyzer=words, spill_dir=False)
    index.add(["a", "b"])  # ids "0", "1"
    for docs in (["x", {"id": "3", "text": "y"}, "z", "w"],      # "3" handed out later in this add
                 [{"id": "2", "text": "y"}, "x"],                # "2" handed out right after
                 ["x", {"id": "2", "text": "y"}],                # "2" handed out before
                 [{"id": "q", "text": "y"}, {"id": "q", "text": "z"}]):
        with pytest.raises(ValueError, match="appears twice"):
            index.add(docs)
        assert len(index) == 2 and index._next_id == 2
    with pytest.raises(ValueError, match="already in the index"):
        index.add([{"id": "1", "text": "y"}])
    index.add(["x", {"id": "03", "text": "y"}, {"id": "٣", "text": "y"}, {"id": "7", "text": "v"}])
    assert sorted(index.ids()) == sorted(["0", "1", "2", "03", "٣", "7"])
    index.add(["n"], ids=["8"])
    index.add(["m"])
    assert "9" in index or "8" in index
