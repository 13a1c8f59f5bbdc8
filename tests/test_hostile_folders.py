"""Untrusted folders are data: forged content with recomputed checksums, symlinks, FIFOs.

Every forged folder keeps its checksums consistent (the commit's own and every
file's), so only the structure checks on load can catch it: the result must
be an IndexFormatError — never IndexError, UnicodeDecodeError, MemoryError,
NaN scores, a hang, or a read or write outside the folder.
"""
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kzsearch import Index, IndexFormatError
from kzsearch.engine.storage import COMMIT_FILE, LOCK_FILE, MAX_COMMIT_BYTES

from conftest import split_words
from forging import commit_of, forge_array, forge_file, segment, set_at, write_commit

DOCS = ["облыс бюджет облыс", "мектеп оқушы", "облыс мектеп жол", "жаңа жол"]


#: the same index written by main's format-2 code (ca0fbae): whole texts, int32 tfs and positions
FORMAT2 = Path(__file__).parent / "data" / "format2-plain"


@pytest.fixture(params=["format3", "format2"])
def folder(tmp_path, request):
    if request.param == "format2":
        shutil.copytree(FORMAT2, tmp_path / "ix")
        (tmp_path / "ix" / LOCK_FILE).touch()  # as a save leaves it
        return tmp_path / "ix"
    ix = Index(analyzer=split_words)
    ix.add(DOCS, ids=["a", "b", "c", "d"])
    ix.delete(["d"])
    ix.save(tmp_path / "ix")
    return tmp_path / "ix"


def array_of(path, name):
    return np.load(path / name)


def edit_segment_array(part, change):
    def forge(path):
        name = f"{segment(path)['name']}.{part}.npy"
        forge_array(path, name, change(array_of(path, name).copy()))
    return forge


def edit_wide_array(part, change):
    """Forge a part after widening it to int32 (as format 2 writes it), the commit saying so."""
    def forge(path):
        name = f"{segment(path)['name']}.{part}.npy"
        forge_array(path, name, change(array_of(path, name).astype(np.int32)))
        commit = commit_of(path)
        commit["segments"][0].get("dtypes", {}).pop(part, None)
        write_commit(path, commit)
    return forge


def texts_part(folder):
    """The file holding a segment's stored text bytes: whole (format 2) or compressed (format 3)."""
    name = segment(folder)["name"]
    return f"{name}.texts.z.npy" if (folder / f"{name}.texts.z.npy").exists() else f"{name}.texts.blob.npy"


def edit_commit(change):
    def forge(path):
        commit = commit_of(path)
        change(commit)
        write_commit(path, commit)
    return forge


def swap_first_two(a):
    a[[0, 1]] = a[[1, 0]]
    return a


def ids_with(blob_bytes):
    """Forge the ids block as the given list of byte strings."""
    def forge(path):
        name = segment(path)["name"]
        offsets = np.concatenate(([0], np.cumsum([len(b) for b in blob_bytes]))).astype(np.int64)
        forge_array(path, f"{name}.ids.blob.npy", np.frombuffer(b"".join(blob_bytes), dtype=np.uint8))
        forge_array(path, f"{name}.ids.offsets.npy", offsets)
    return forge


def header_claiming(shape):
    def forge(path):
        name = f"{segment(path)['name']}.docs.npy"
        raw = (path / name).read_bytes()
        header = ("{'descr': '<i4', 'fortran_order': False, 'shape': %r, }" % (shape,)).ljust(117) + "\n"
        forge_file(path, name, b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
                   + raw[128:])
    return forge


FORGERIES = {
    "terms not sorted": edit_segment_array("terms", swap_first_two),
    "term beyond the vocabulary": edit_segment_array("terms", set_at(-1, 10_000)),
    "negative term": edit_segment_array("terms", set_at(0, -1)),
    "offsets not monotone": edit_segment_array("offsets", set_at(1, 0)),
    "offsets past the postings": edit_segment_array("offsets", set_at(-1, 10_000)),
    "document beyond the segment": edit_segment_array("docs", set_at(0, 4)),
    "negative document": edit_segment_array("docs", set_at(0, -1)),
    "term frequency 0": edit_segment_array("tfs", set_at(0, 0)),
    "negative term frequency": edit_wide_array("tfs", set_at(0, -5)),
    "negative length": edit_segment_array("doc_len", set_at(0, -3)),
    "lengths of the wrong count": edit_segment_array("doc_len", lambda a: a[:-1]),
    "float terms": edit_segment_array("terms", lambda a: a.astype(np.float64)),
    "big-endian docs": edit_segment_array("docs", lambda a: a.astype(">i4")),
    "2-d docs": edit_segment_array("docs", lambda a: a.reshape(1, -1)),
    "text offsets past the blob": edit_segment_array("texts.offsets", set_at(-1, 10_000)),
    "text offsets going back": edit_segment_array("texts.offsets", set_at(2, 0)),
    "text offsets not from 0": edit_segment_array("texts.offsets", set_at(0, 1)),
    "duplicate live ids": ids_with([b"a", b"a", b"c", b"d"]),
    "ids not UTF-8": ids_with([b"a", b"\xff", b"c", b"d"]),
    "a header claiming a huge array": header_claiming((10 ** 12,)),
    "a header claiming a negative size": header_claiming((-1,)),
    "live mask of value 2": lambda path: forge_array(path, segment(path)["live"], np.array([1, 2, 1, 0], np.uint8)
                                                     .view(np.bool_)),
    "live mask too short": lambda path: forge_array(path, segment(path)["live"], np.ones(2, dtype=bool)),
    "vocabulary not UTF-8": lambda path: forge_array(
        path, f"vocab-{commit_of(path)['vocabulary'][0]['name']}.blob.npy",
        np.frombuffer(b"\xff" * int(array_of(path, f"vocab-{commit_of(path)['vocabulary'][0]['name']}.blob.npy")
                                    .size), dtype=np.uint8)),
    "a file outside the folder": edit_commit(lambda c: c["files"].update({"../outside.npy": {"size": 1, "crc32": 0}})),
    "an absolute file name": edit_commit(lambda c: c["files"].update({"/etc/passwd": {"size": 1, "crc32": 0}})),
    "a segment named with a path": edit_commit(lambda c: c["segments"][0].update(name="../seg000001-00000000")),
    "a live mask of another segment": edit_commit(lambda c: c["segments"][0].update(live="seg000009-00000000.live-1.npy")),
    "a segment listed twice": edit_commit(lambda c: c["segments"].append(c["segments"][0])),
    "negative document count": edit_commit(lambda c: c["segments"][0].update(n_docs=-1)),
    "huge document count": edit_commit(lambda c: c["segments"][0].update(n_docs=10 ** 30)),
    "generation not a number": edit_commit(lambda c: c.update(generation="7")),
    "no vocabulary": edit_commit(lambda c: c.update(vocabulary=[])),
    "segments not a list": edit_commit(lambda c: c.update(segments={"a": 1})),
    "merge factor 1": edit_commit(lambda c: c["merge_policy"].update(factor=1)),
    "merge floor a string": edit_commit(lambda c: c["merge_policy"].update(floor="9")),
    "absurd k1": edit_commit(lambda c: c["params"].update(k1=1e308)),
    "unknown parameter": edit_commit(lambda c: c["params"].update(gamma=1)),
    "unknown method": edit_commit(lambda c: c.update(method="tfidf")),
    "restore_queries not bool": edit_commit(lambda c: c.update(restore_queries="yes")),
    "next_id not an int": edit_commit(lambda c: c.update(next_id=1.5)),
    "deeply nested JSON": lambda path: (path / COMMIT_FILE).write_text("[" * 100_000 + "]" * 100_000),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_folder_is_an_index_format_error(folder, name):
    FORGERIES[name](folder)
    with pytest.raises(IndexFormatError):
        Index.load(folder, analyzer=split_words)


def test_forged_default_analyzer_config_is_an_index_format_error(tmp_path):
    ix = Index()
    ix.add(["Мектеп"])
    ix.save(tmp_path / "ix")
    for config in ({"bogus": 1}, "not a dict", {"stemming": "maybe"}):
        edit_commit(lambda c: c["analyzer"].update(config=config))(tmp_path / "ix")
        with pytest.raises(IndexFormatError):
            Index.load(tmp_path / "ix")


def test_stored_text_that_is_not_utf8_is_reported_not_a_decode_error(folder):
    name = texts_part(folder)
    blob = array_of(folder, name).copy()
    message = "UTF-8"
    if name.endswith(".texts.z.npy"):  # compressed: forge the text inside, then compress it again
        import zlib
        raw = bytearray(zlib.decompressobj(-15).decompress(blob.tobytes()))  # raw deflate, one block
        raw[0] = 0xFF
        codec = Path(folder) / Path(name).name.replace(".texts.z.", ".texts.zcodec.")
        if codec.exists() and np.load(codec)[0] == 1:  # a code page block: its one undefined byte
            raw[0], message = 0x98, "damaged"
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        blob = np.frombuffer(deflate.compress(bytes(raw)) + deflate.flush(), dtype=np.uint8)
        forge_array(folder, name.replace(".texts.z.", ".texts.zblocks."), np.array([0, len(blob)], np.uint32))
    else:
        blob[0] = 0xFF
    forge_array(folder, name, blob)
    if message == "damaged":  # the one block is the last, which loading checks
        with pytest.raises(IndexFormatError, match=message):
            Index.load(folder, analyzer=split_words).get("a")
        return
    ix = Index.load(folder, analyzer=split_words)  # texts are not all read at load
    with pytest.raises(IndexFormatError, match=message):
        ix.search("облыс")
    with pytest.raises(IndexFormatError, match=message):
        ix.get("a")


def test_next_id_written_too_low_never_repeats_an_id(tmp_path):
    ix = Index(analyzer=split_words)
    ix.add(["бір", "екі", "үш"])  # ids 0, 1, 2
    ix.add(["төрт"], ids=["17"])
    ix.save(tmp_path / "ix")
    edit_commit(lambda c: c.update(next_id=0))(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix", analyzer=split_words)
    loaded.add(["бес"])
    assert sorted(loaded.ids(), key=int) == ["0", "1", "2", "17", "18"]


def test_forged_folders_never_give_nan_or_wrong_hits(folder):
    ix = Index.load(folder, analyzer=split_words)
    for q in ("облыс", "мектеп жол", "жаңа"):
        assert all(math.isfinite(h.score) and h.score > 0 for h in ix.search(q))


def test_an_oversized_commit_file_is_refused_unread(folder):
    with open(folder / COMMIT_FILE, "r+b") as f:
        f.truncate(MAX_COMMIT_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(IndexFormatError, match="larger"):
        Index.load(folder, analyzer=split_words)


# ---------------------------------------------------------------- links and special files
def test_symlinks_are_never_followed_on_load(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in [COMMIT_FILE] + [n for n in os.listdir(folder) if n.endswith(".npy")][:3]:
        os.replace(folder / name, outside / name)
        os.symlink(outside / name, folder / name)  # the same bytes, through a link
        with pytest.raises(IndexFormatError, match="plain file|not a regular file"):
            Index.load(folder, analyzer=split_words)
        os.remove(folder / name)
        os.replace(outside / name, folder / name)
    assert len(Index.load(folder, analyzer=split_words)) == 3


def test_a_directory_in_place_of_a_file(folder):
    name = f"{segment(folder)['name']}.tfs.npy"
    os.remove(folder / name)
    os.mkdir(folder / name)
    with pytest.raises(IndexFormatError):
        Index.load(folder, analyzer=split_words)


FIFO_LOAD = r"""
import sys
sys.path.insert(0, sys.argv[2])
from conftest import split_words
from forging import commit_of, forge_array, forge_file, segment, write_commit
from kzsearch import Index, IndexFormatError
try:
    Index.load(sys.argv[1], analyzer=split_words)
except IndexFormatError as e:
    print("IndexFormatError", e)
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_are_refused_without_blocking(folder):
    tests = os.path.dirname(os.path.abspath(__file__))
    names = [COMMIT_FILE, LOCK_FILE, f"{segment(folder)['name']}.docs.npy"]
    for name in names:
        original = (folder / name).read_bytes()
        os.remove(folder / name)
        os.mkfifo(folder / name)
        proc = subprocess.run([sys.executable, "-c", FIFO_LOAD, str(folder), tests], capture_output=True,
                              text=True, timeout=60)  # a blocked open would time out here
        assert proc.stdout.startswith("IndexFormatError"), (name, proc.stdout, proc.stderr)
        os.remove(folder / name)
        (folder / name).write_bytes(original)


def test_save_never_follows_a_planted_symlink(tmp_path):
    target = tmp_path / "target"
    target.write_bytes(b"precious")
    ix = Index(analyzer=split_words)
    ix.add(DOCS)
    folder = tmp_path / "ix"
    folder.mkdir()
    # links named as the files this save will write: its segment's, the commit, the lock
    os.symlink(target, folder / f"{ix.segments[0].name}.terms.npy")
    os.symlink(target, folder / COMMIT_FILE)
    ix.save(folder)
    assert target.read_bytes() == b"precious"
    assert len(Index.load(folder, analyzer=split_words)) == 4
    os.remove(folder / LOCK_FILE)
    os.symlink(target, folder / LOCK_FILE)
    with pytest.raises(IndexFormatError, match="lock"):
        ix.save(folder)
    assert target.read_bytes() == b"precious"


def test_a_forged_segment_entry_without_live_key_and_forged_stored_fields(tmp_path):
    ix = Index(analyzer=split_words, fields={"title": 2.0, "text": 1.0})
    ix.add([{"id": "a", "title": "облыс", "text": "облыс бюджет", "region": "Алматы"}])
    ix.save(tmp_path / "ix")
    edit_commit(lambda c: c["segments"][0].pop("live"))(tmp_path / "ix")
    assert len(Index.load(tmp_path / "ix", analyzer=split_words)) == 1  # absent means none deleted
    name = segment(tmp_path / "ix")["name"]
    stored = np.frombuffer(b'{"region": "\x01"}', dtype=np.uint8)  # not JSON: a raw control character
    forge_array(tmp_path / "ix", f"{name}.stored.blob.npy", stored)
    forge_array(tmp_path / "ix", f"{name}.stored.offsets.npy", np.array([0, len(stored)], dtype=np.int64))
    loaded = Index.load(tmp_path / "ix", analyzer=split_words)
    with pytest.raises(IndexFormatError, match="stored fields"):
        loaded.search("облыс")
