"""Storage format 2: fields, positions, stored fields and columns survive; format 1 still loads."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from kzsearch import Index, IndexFormatError
from kzsearch.engine.fields import Field
from kzsearch.engine.storage import COMMIT_FILE

FORMAT1 = Path(__file__).parent / "data" / "format1-index"  # written by the format-1 code (main, 8333055)

NEWS = [
    {"id": "n1", "title": "Облыс бюджеті", "text": "Облыс бюджеті нақтыланды", "region": "Түркістан",
     "date": "2025-03-01", "views": 120, "tags": ["бюджет", "мәслихат"], "score": 0.5, "hot": True},
    {"id": "n2", "title": "Мектеп", "text": "Мектеп оқушылары облыс бюджетін талқылады", "region": "Алматы",
     "date": "2024-11-20T09:00:00", "views": 15},
    {"id": "n3", "text": "Ауа райы", "tags": []},
]


def snapshot_of(index, query="облыс бюджет", flt=None):
    return [(h.id, h.score, h.fields) for h in index.search(query, k=10, filter=flt)]


def test_fields_positions_metadata_round_trip(tmp_path):
    index = Index(fields={"title": Field(2.0, b=0.5), "text": 1.0}, background_merges=False)
    index.add(NEWS[:2])
    index.add(NEWS[2:])
    index.delete(["n3"])
    index.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix")
    assert loaded.fields == index.fields and loaded.positions and loaded.schema == index.schema
    for flt in (None, {"region": "Түркістан"}, {"date": {"gte": "2025-01-01"}}, {"tags": "бюджет"},
                {"views": {"gt": 100}}, {"hot": True}):
        assert snapshot_of(loaded, flt=flt) == snapshot_of(index, flt=flt)
    assert loaded.get("n1") == index.get("n1") == dict(NEWS[0])
    term = loaded.vocabulary.get("бюджет")
    for got, want in zip(loaded._snapshot.term_positions(term), index._snapshot.term_positions(term)):
        assert got.tolist() == want.tolist()
    # and keeps working: add, merge, save again, load again
    loaded.add([{"id": "n4", "title": "Бюджет", "region": "Түркістан"}])
    loaded.optimize()
    loaded.save(tmp_path / "ix")
    again = Index.load(tmp_path / "ix")
    assert again.count(filter={"region": "Түркістан"}) == 2
    assert snapshot_of(again) == snapshot_of(loaded)


def test_format1_folder_loads_as_one_text_field_without_positions(tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(FORMAT1, folder)
    index = Index.load(folder)
    assert json.loads((folder / COMMIT_FILE).read_text())["version"] == 1
    assert list(index.fields) == ["text"] and not index.positions
    assert index.analyzer.settings.views == ()  # saved before views existed: stems only, whatever the default
    # the scores the format-1 code printed when it wrote the folder
    hits = index.search("облыс бюджеті")
    assert [h.id for h in hits] == ["a", "d", "b"]
    assert [h.score for h in hits] == [0.2629261481414986, 0.20746516376790125, 0.058172091836425674]
    assert index.get("d") == {"id": "d", "text": "Екінші сегмент: облыстың бюджетін талқылады"}
    with pytest.raises(ValueError, match="positions"):
        index._snapshot.term_positions(index.vocabulary.get("облыс"))
    index.add(["облыс"], ids=["e"])
    index.save(folder)  # written as format 3 now
    assert json.loads((folder / COMMIT_FILE).read_text())["version"] == 3
    assert [h.id for h in Index.load(folder).search("облыс бюджеті")][:3] == ["a", "d", "e"]


def test_damaged_optional_parts_are_named(tmp_path):
    index = Index(fields={"title": 2.0, "text": 1.0})
    index.add(NEWS)
    index.save(tmp_path / "ix")
    commit = json.loads((tmp_path / "ix" / COMMIT_FILE).read_text())
    name = commit["segments"][0]["name"]
    for part in ("positions.low", "positions.fields", "texts.z", "field_tfs", "col0.values"):
        path = tmp_path / "ix" / f"{name}.{part}.npy"
        original = path.read_bytes()
        path.write_bytes(original[:-4] + b"\x00\x00\x00\x7f")
        with pytest.raises(IndexFormatError, match=part.replace(".", r"\.")):
            Index.load(tmp_path / "ix")
        path.write_bytes(original)
    assert Index.load(tmp_path / "ix").count() == 3


def test_positions_false_and_narrow_dtypes_load(tmp_path):
    index = Index(positions=False)
    index.add(["облыс бюджеті", "мектеп"])
    index.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix")
    assert not loaded.positions and loaded.segments[0].positions is None
    assert np.array_equal(loaded.segments[0].tfs, index.segments[0].tfs)


def test_merging_documents_without_terms_keeps_their_fields():
    index = Index(fields={"title": 2.0, "text": 1.0}, background_merges=False)
    index.add([{"id": "empty", "region": "Алматы", "tags": ["x"]}, {"id": "full", "text": "облыс"}])
    index.add([{"id": "more", "title": "", "text": "", "n": 1}])
    index.delete(["full"])
    index.optimize()
    assert index.get("empty") == {"id": "empty", "region": "Алматы", "tags": ["x"], "text": ""}
    assert index.count(filter={"region": "Алматы"}) == 1 and index.count(filter={"n": 1}) == 1
    assert index.segments[0].field_len.shape == (2, 2)
