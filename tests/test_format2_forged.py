"""Forged format-2 parts (checksums recomputed) are IndexFormatErrors naming what is wrong."""

import numpy as np
import pytest

from kzsearch import Index, IndexFormatError
import forging
from forging import commit_of, segment, write_commit

DOCS = [{"id": "a", "title": "облыс бюджет", "text": "облыс бюджет облыс", "region": "Алматы", "n": 3},
        {"id": "b", "title": "мектеп", "text": "мектеп оқушы", "region": "Түркістан", "tags": ["x", "y"]}]


@pytest.fixture
def folder(tmp_path):
    ix = Index(analyzer=str.split, fields={"title": 2.0, "text": 1.0})
    ix.add(DOCS)
    ix.save(tmp_path / "ix")
    return tmp_path / "ix"


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


FORGERIES = {
    "positions outside their fields": lambda p: forge_array(p, "positions", plus(0, 5 << 24)),
    "negative position": lambda p: forge_array(p, "positions", plus(0, -(1 << 30))),
    "position offsets": lambda p: forge_array(p, "pos_offsets", plus(1, 1)),
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
