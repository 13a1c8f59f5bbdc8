"""A sharded index re-spells queries typed without Kazakh letters exactly as one Index does,
and its manifest names nothing outside its folder.

Before, the shards' statistics came from the query as typed while each shard
searched the re-spelled query: scores differed by an order of magnitude and
the ranking from a single Index over the same documents.
"""
import math

import pytest

distributed = pytest.importorskip("distributed")

from kzsearch import Index  # noqa: E402
from kzsearch.distributed import ShardedIndex  # noqa: E402

DOCS = [
    "Облыс бюджеті нақтыланды", "Мектеп оқушылары сабаққа келді", "Облыс әкімі мектепке барды",
    "Бюджет қаражаты жолдарға бөлінді", "Жаңа жол салынды", "Ауыл мектебінің оқушылары",
    "Қазақстан қоғамы туралы", "Көл жағасында балалар ойнады", "Қол қойылды", "Кол орталығы",
    "Оқушылар олимпиадада жеңді", "Қала әкімдігі жол жөндеді",
]
# folded (no Kazakh letters), Latin (two orthographies), and as typed
QUERIES = ["мектеп окушылары", "казакстан когамы", "кол", "облыс бюджети", "ауыл мектебинин окушылары",
           "mektep oqushylary", "Qazaqstan qoǵamy", "qala ákimdigi", "мектеп оқушылары", "жол"]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            yield c


@pytest.mark.parametrize("method", ["lucene", "okapi"])
def test_restored_queries_score_as_in_one_index(client, method):
    single = Index(method=method)
    single.add(DOCS)
    with ShardedIndex.build(client, DOCS, n_shards=3, method=method) as sharded:
        for query in QUERIES:
            want = single.search(query, k=20)
            got = sharded.search(query, k=20)
            assert [h.id for h in got] == [h.id for h in want], query
            for g, w in zip(got, want):
                assert math.isclose(g.score, w.score, rel_tol=1e-9), query
        assert any(single.search(q) for q in QUERIES[:3])  # restoration really matched something
        batch = sharded.search_many(QUERIES, k=5)
        assert [[h.id for h in hits] for hits in batch] == [[h.id for h in single.search(q, k=5)]
                                                             for q in QUERIES]


def test_shards_keep_their_restoration_setting_when_saved(client, tmp_path):
    with ShardedIndex.build(client, DOCS, n_shards=2) as sharded:
        sharded.search("мектеп окушылары")
        sharded.save(tmp_path / "shards")
    shard = Index.load(tmp_path / "shards" / "shard-0000")
    assert shard._restorer is not None


def test_a_manifest_naming_folders_outside_is_refused(tmp_path):
    import json
    import os

    from kzsearch.distributed import MANIFEST, MANIFEST_FORMAT, MANIFEST_VERSION, _read_manifest, _write_manifest

    _write_manifest(str(tmp_path), ["shard-0000", "shard-0001"], [1, 2])
    assert _read_manifest(str(tmp_path)) == [str(tmp_path / "shard-0000"), str(tmp_path / "shard-0001")]
    for names in (["../elsewhere"], ["/etc"], ["shard-0000/../../x"], "shard-0000", [7]):
        body = {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "shards": names, "n_docs": [1]}
        (tmp_path / MANIFEST).write_text(json.dumps(body))
        with pytest.raises(ValueError, match="names"):
            _read_manifest(str(tmp_path))
    os.remove(tmp_path / MANIFEST)
    os.symlink(tmp_path / "nowhere", tmp_path / MANIFEST)
    with pytest.raises(OSError):
        _read_manifest(str(tmp_path))
