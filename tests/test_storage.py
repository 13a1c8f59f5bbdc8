"""Saving and loading: round trips, incremental saves, and damage that must be detected."""
import json
import os

import pytest

from kzsearch import Index, IndexFormatError
from kzsearch.engine.storage import COMMIT_FILE

from conftest import split_words

DOCS = ["облыс бюджеті нақтыланды", "мектеп оқушылары", "облыс әкімі мектепке барды", "жаңа жол"]


def results(index, queries=("облыс", "мектеп оқушылары", "жол бюджеті")):
    return [[(h.id, h.score, h.text) for h in index.search(q, k=10)] for q in queries]


@pytest.fixture
def saved(tmp_path):
    ix = Index(method="okapi", k1=1.2, b=0.5)
    ix.add(DOCS, ids=["a", "b", "c", "d"])
    path = tmp_path / "ix"
    ix.save(path)
    return ix, path


def test_round_trip_keeps_results_settings_and_ids(saved):
    ix, path = saved
    loaded = Index.load(path)
    assert results(loaded) == results(ix)
    assert loaded.settings == ix.settings
    assert sorted(loaded.ids()) == ["a", "b", "c", "d"]
    assert loaded.get("c")["text"] == DOCS[2]
    assert len(loaded) == 4


def test_loaded_index_accepts_adds_and_deletes(saved):
    _, path = saved
    loaded = Index.load(path)
    loaded.add(["облыс жаңалығы"], ids=["e"])
    loaded.delete(["a"])
    loaded.save(path)
    again = Index.load(path)
    assert sorted(again.ids()) == ["b", "c", "d", "e"]
    assert results(again) == results(loaded)


def test_second_save_writes_only_what_changed(saved):
    ix, path = saved
    before = {name: os.stat(path / name).st_mtime_ns for name in os.listdir(path)}
    ix.add(["тағы бір"], ids=["z"])
    ix.save(path)
    after = set(os.listdir(path))
    kept = [n for n in before if n in after and n.endswith(".npy")]
    assert kept and all(os.stat(path / n).st_mtime_ns == before[n] for n in kept)
    assert len(after - set(before)) >= 9  # one new segment + a vocabulary part
    assert results(Index.load(path)) == results(ix)


def test_custom_analyzer_must_be_passed_again(tmp_path):
    ix = Index(analyzer=split_words)
    ix.add(DOCS)
    ix.save(tmp_path / "ix")
    with pytest.raises(ValueError, match="analyzer"):
        Index.load(tmp_path / "ix")
    assert results(Index.load(tmp_path / "ix", analyzer=split_words)) == results(ix)


def test_lone_surrogates_and_empty_texts_survive(tmp_path):
    ix = Index(analyzer=split_words)
    ix.add(["bad \ud800 text", ""], ids=["s\udfff", "empty"])
    ix.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix", analyzer=split_words)
    assert loaded.get("s\udfff")["text"] == "bad \ud800 text" and loaded.get("empty")["text"] == ""


def test_refuses_to_write_into_a_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="no kzsearch index"):
        Index().save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


# ---------------------------------------------------------------- damage
def test_missing_folder_and_missing_commit(tmp_path):
    with pytest.raises(IndexFormatError, match="no such index folder"):
        Index.load(tmp_path / "nowhere")
    with pytest.raises(IndexFormatError, match="missing"):
        Index.load(tmp_path)


def test_unknown_version(saved):
    _, path = saved
    commit = json.loads((path / COMMIT_FILE).read_text())
    commit["version"] = 99
    (path / COMMIT_FILE).write_text(json.dumps(commit))
    with pytest.raises(IndexFormatError, match="version 99"):
        Index.load(path)


def test_edited_commit_is_detected(saved):
    _, path = saved
    text = (path / COMMIT_FILE).read_text()
    (path / COMMIT_FILE).write_text(text.replace('"k1": 1.2', '"k1": 1.3'))
    with pytest.raises(IndexFormatError, match="checksum"):
        Index.load(path)


def test_every_data_file_is_checked(saved):
    _, path = saved
    names = sorted(n for n in os.listdir(path) if n.endswith(".npy"))
    assert len(names) >= 11
    for name in names:
        data = (path / name).read_bytes()
        # a bit flip in the last byte
        (path / name).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
        with pytest.raises(IndexFormatError, match=name.replace(".", r"\.")):
            Index.load(path)
        # truncation
        (path / name).write_bytes(data[: len(data) // 2])
        with pytest.raises(IndexFormatError, match="bytes"):
            Index.load(path)
        # missing
        os.remove(path / name)
        with pytest.raises(IndexFormatError, match="missing"):
            Index.load(path)
        (path / name).write_bytes(data)
    assert len(Index.load(path)) == 4


def test_bad_path_type():
    with pytest.raises(TypeError, match="path"):
        Index().save(123)
    with pytest.raises(TypeError, match="path"):
        Index.load(None)


def test_the_engine_never_imports_higher_layers():
    import ast
    from pathlib import Path

    import kzsearch.engine

    for path in Path(kzsearch.engine.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert node.module in ("errors",), (path.name, node.module)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("kzsearch"), (path.name, node.module)


# ---------------------------------------------------------------- the vectorised id checks
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

id_text = st.sampled_from(["0", "7", "10", "007", "-3", "", "a", "ab", "Ж", "x" * 9, "x" * 8 + "y",
                           "aaaaaaaabaaaaaaaa", "aaaaaaaacaaaaaaaa", "999999999999999999",
                           "1000000000000000000", "\ud800"]) | st.integers(0, 2000).map(str) | st.text(max_size=20)


@settings(max_examples=300, deadline=None)
@given(blocks=st.lists(st.tuples(st.lists(id_text, max_size=8), st.data()), max_size=3),
       next_id=st.integers(0, 3000))
def test_check_ids_agrees_with_a_set_of_strings(blocks, next_id):
    import numpy as np

    from kzsearch.engine.docstore import TextBlock
    from kzsearch.engine.layout import check_ids

    arrays, live_ids = [], []
    for ids, data in blocks:
        live = np.array(data.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids))), dtype=bool)
        blob, offsets = TextBlock.from_strings(ids).to_arrays()
        arrays.append((np.asarray(blob), offsets, live))
        live_ids += [i for i, alive in zip(ids, live) if alive]
    problem, new_next = check_ids(arrays, next_id)
    assert (problem is not None) == (len(set(live_ids)) != len(live_ids))
    numbers = [int(i) for ids, _ in blocks for i in ids
               if i.isascii() and i.isdigit() and (i == "0" or i[0] != "0") and len(i) <= 18]
    if problem is None:
        assert new_next == max([next_id] + [n + 1 for n in numbers])


def structure_ok(a, n_docs, vocab_size):
    """Brute force, one posting at a time: what check_segment must accept."""
    terms, offsets, docs, tfs, doc_len = (a[k].tolist() for k in ("terms", "offsets", "docs", "tfs", "doc_len"))
    if len(doc_len) != n_docs or any(x < 0 for x in doc_len):
        return False
    if len(offsets) != len(terms) + 1 or offsets[0] != 0 or offsets[-1] != len(docs) or len(tfs) != len(docs):
        return False
    if any(not 0 <= t < vocab_size for t in terms) or any(x >= y for x, y in zip(terms, terms[1:])):
        return False
    if any(not 0 <= o <= len(docs) for o in offsets):
        return False
    for i in range(len(terms)):
        run = docs[offsets[i]:offsets[i + 1]]
        if not run or any(not 0 <= d < n_docs for d in run) or any(x >= y for x, y in zip(run, run[1:])):
            return False
    return all(tf >= 1 for tf in tfs)


@settings(max_examples=300, deadline=None)
@given(docs=st.lists(st.lists(st.integers(0, 5), max_size=6), min_size=1, max_size=5), data=st.data())
def test_check_segment_agrees_with_a_brute_force_check(docs, data):
    import numpy as np

    from kzsearch.engine.layout import check_segment, segment_arrays
    from kzsearch.engine.segment import build_segment

    seg = build_segment(np.array([t for d in docs for t in d], dtype=np.int32), np.array([len(d) for d in docs]))
    arrays = {k: np.array(v) for k, v in segment_arrays(seg).items()}
    arrays["tfs"] = arrays["tfs"].astype(np.int32)  # format 2's dtype (format 3 writes uint8 here): room for -2
    assert check_segment(arrays, len(docs), 6) is None
    part = data.draw(st.sampled_from(["terms", "offsets", "docs", "tfs", "doc_len"]))
    if len(arrays[part]):
        i = data.draw(st.integers(0, len(arrays[part]) - 1))
        arrays[part][i] = data.draw(st.integers(-2, 8))
    assert (check_segment(arrays, len(docs), 6) is None) == structure_ok(arrays, len(docs), 6)


@pytest.mark.parametrize("strings", [["12", "", "doc-7", "x"], ["мектеп", "", "AMANAT", "\udc80"], []])
def test_stored_strings_iterate_as_written(strings):
    """On disk, iterating a block gives back every string: the all-ASCII fast path
    (one decode, then slices) and the general path alike."""
    from kzsearch.engine.docstore import TextBlock

    on_disk = TextBlock(*TextBlock.from_strings(strings).to_arrays())
    assert list(on_disk) == strings
    assert [on_disk[i] for i in range(len(on_disk))] == strings
