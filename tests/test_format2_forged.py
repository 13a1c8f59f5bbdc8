"""Forged format-2 parts (checksums recomputed) are IndexFormatErrors naming what is wrong."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from kzsearch import Index, IndexFormatError
import forging
from forging import commit_of, segment, set_at, write_commit

DOCS = [{"id": "a", "title": "облыс бюджет", "text": "облыс бюджет облыс", "region": "Алматы", "n": 3},
        {"id": "b", "title": "мектеп", "text": "мектеп оқушы", "region": "Түркістан", "tags": ["x", "y"]}]


#: an index with fields, positions, stored fields and columns written by main's format-2 code (ca0fbae)
FORMAT2 = Path(__file__).parent / "data" / "format2-index"


@pytest.fixture
def folder(tmp_path):
    ix = Index(analyzer=str.split, fields={"title": 2.0, "text": 1.0})
    ix.add(DOCS)
    ix.save(tmp_path / "ix")
    return tmp_path / "ix"


@pytest.fixture
def old_folder(tmp_path):
    shutil.copytree(FORMAT2, tmp_path / "old")
    return tmp_path / "old"


def forge_array(path, part, change):
    name = f"{segment(path)['name']}.{part}.npy"
    forging.forge_array(path, name, change(np.load(path / name).copy()))


def forge_commit(path, change):
    commit = commit_of(path)
    change(commit)
    write_commit(path, commit)


def plus(i, value):
    def change(a):
        a[i] += value
        return a
    return change


def forge_dtype(part, dtype, change):
    """Rewrite ``part`` in another dtype, changed, the commit claiming it (a claim the table allows)."""
    def forge(path):
        forge_array(path, part, lambda a: change(a.astype(dtype)))
        forge_commit(path, lambda c: c["segments"][0].setdefault("dtypes", {}).update({part: dtype}))
    return forge


def forge_escape(path):
    """Make position 0 an escape without an escaped value (or drop the escapes)."""
    forge_array(path, "positions.low", set_at(0, 255))


def add_escapes(at, values):
    def forge(path):
        name = segment(path)["name"]
        forging.forge_array(path, f"{name}.positions.exc_at.npy", np.array(at, dtype=np.int64))
        forging.forge_array(path, f"{name}.positions.exc.npy", np.array(values, dtype=np.int32))
        low = np.load(path / f"{name}.positions.low.npy").copy()
        low[[a for a in at if 0 <= a < len(low)]] = 255
        forging.forge_array(path, f"{name}.positions.low.npy", low)
    return forge


def drop_part(part):
    def forge(path):
        forge_commit(path, lambda c: c["files"].pop(f"{c['segments'][0]['name']}.{part}.npy"))
    return forge


#: forgeries of format 3's parts (texts compressed, positions compact)
FORGERIES = {
    "position field beyond the fields": lambda p: forge_array(p, "positions.fields", plus(0, 5)),
    "position escape without a value": forge_escape,
    "position escape of a small value": add_escapes([0], [3]),
    "position escape past the positions": add_escapes([10 ** 6], [300]),
    "position escapes not ascending": add_escapes([2, 1], [300, 301]),
    "position escape beyond a field": add_escapes([0], [1 << 24]),
    "positions one short": lambda p: forge_array(p, "positions.low", lambda a: a[:-1]),
    "int32 positions beyond a field": forge_dtype("positions.low", "int32", set_at(0, 1 << 24)),
    "position fields dropped": drop_part("positions.fields"),
    "text blocks past the stream": lambda p: forge_array(p, "texts.zblocks", plus(-1, 5)),
    "text blocks of no document": lambda p: forge_array(p, "texts.zdocs", lambda a: np.insert(a, 1, 0)),
    "text blocks past the documents": lambda p: forge_array(p, "texts.zdocs", plus(-1, 1)),
    "text stream not zlib": lambda p: forge_array(p, "texts.z", lambda a: np.full_like(a, 7)),
    "text offsets past the stream": lambda p: forge_array(p, "texts.offsets", plus(-1, 3)),
    "texts both whole and compressed": lambda p: forging.forge_array(
        p, f"{segment(p)['name']}.texts.blob.npy", np.zeros(3, np.uint8)) or forge_commit(p, lambda c: None),
    "texts compressed without blocks": drop_part("texts.zblocks"),
    "texts in neither form": drop_part("texts.z"),
    "field tfs": lambda p: forge_array(p, "field_tfs", plus(0, 1)),
    "field lengths": lambda p: forge_array(p, "field_len", plus(0, 1)),
    "stored offsets": lambda p: forge_array(p, "stored.offsets", plus(1, 10**6)),
    "column codes": lambda p: forge_array(p, "col0.values", plus(0, 50)),
    "list offsets": lambda p: forge_array(p, "col2.offsets", plus(1, 5)),
    "dtype claim": lambda p: forge_commit(p, lambda c: c["segments"][0].setdefault("dtypes", {}).update(
        {"tfs": "float64"})),
    "column kind": lambda p: forge_commit(p, lambda c: c["segments"][0]["columns"][0].update(kind="blob")),
    "column array": lambda p: forge_commit(p, lambda c: c["segments"][0]["columns"][0].update(
        arrays=["../../etc"])),
    "text fields": lambda p: forge_commit(p, lambda c: c["text_fields"].update(positions="yes")),
    "field count": lambda p: forge_commit(p, lambda c: c["text_fields"]["fields"].pop()),
    "metadata kind": lambda p: forge_commit(p, lambda c: c["text_fields"]["schema"].update(region="bytes")),
}


#: forgeries of format 2's parts, on the folder main's code wrote
OLD_FORGERIES = {
    "positions outside their fields": lambda p: forge_array(p, "positions", plus(0, 5 << 24)),
    "negative position": lambda p: forge_array(p, "positions", plus(0, -(1 << 30))),
    "position offsets": lambda p: forge_array(p, "pos_offsets", plus(1, 1)),
    "text offsets past the blob": lambda p: forge_array(p, "texts.offsets", plus(-1, 10)),
    "compact positions beside old ones": lambda p: forging.forge_array(
        p, f"{segment(p)['name']}.positions.low.npy", np.zeros(3, np.uint8)),
    "field tfs": lambda p: forge_array(p, "field_tfs", plus(0, 1)),
}


def test_the_fixture_loads(folder):
    ix = Index.load(folder, analyzer=str.split)
    assert ix.count(filter={"region": "Алматы"}) == 1 and ix.get("b")["tags"] == ["x", "y"]


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forged_format2_part_is_an_index_format_error(folder, name):
    commit = commit_of(folder)
    assert [c["key"] for c in commit["segments"][0]["columns"]] == ["region", "n", "tags"]
    FORGERIES[name](folder)
    with pytest.raises(IndexFormatError):
        Index.load(folder, analyzer=str.split)


@pytest.mark.parametrize("name", sorted(OLD_FORGERIES))
def test_forged_old_format2_part_is_an_index_format_error(old_folder, name):
    assert Index.load(old_folder).count() == 3
    OLD_FORGERIES[name](old_folder)
    with pytest.raises(IndexFormatError):
        Index.load(old_folder)
