"""The sharded index on a local Dask cluster of worker processes equals one big Index."""
import doctest
import math
import random
import re
import subprocess
import sys
import time

import pytest

distributed = pytest.importorskip("distributed")

import kzsearch.distributed  # noqa: E402
from kzsearch import Index, IndexFormatError  # noqa: E402
from kzsearch.distributed import ShardedIndex  # noqa: E402

METHODS = ["lucene", "okapi", "bm25l", "bm25+"]
WORDS = ["облыс", "бюджет", "мектеп", "жол", "әкім", "су", "ауыл", "бала", "қала", "жер"]


def words(text):
    """A picklable analyzer: lowercase \\w+ words (a module-level function, so workers import it)."""
    return re.findall(r"\w+", text.lower())


def make_corpus(n_docs, seed=0):
    """Short documents over a tiny vocabulary: many ties, "облыс" in most (a negative okapi idf)."""
    rng = random.Random(seed)
    docs = []
    for _ in range(n_docs):
        body = rng.choices(WORDS, k=rng.randint(1, 8))
        docs.append(" ".join(body + ["облыс"] * (rng.random() < 0.7)))
    return docs


CORPUS = make_corpus(120)
QUERIES = ["облыс", "бюджет мектеп", "жол жол су", "әкім ауыл бала қала", "облыс жер жоқсөз",
           "жоқсөз", ""]
KAZAKH = [
    "Облыс бюджеті нақтыланды",
    "Мектеп оқушылары сабаққа келді",
    "Облыс әкімі мектепке барды",
    "Бюджет қаражаты жолдарға бөлінді",
    "Жаңа жол салынды",
    "Ауыл мектебінің оқушылары",
]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            yield c


def assert_same_hits(sharded, single):
    assert [h.id for h in sharded] == [h.id for h in single]
    assert [h.text for h in sharded] == [h.text for h in single]
    for got, want in zip(sharded, single):
        assert math.isclose(got.score, want.score, rel_tol=1e-9)


def single_index(docs, **kwargs):
    index = Index(**kwargs)
    index.add(docs)
    return index


@pytest.mark.parametrize("method", METHODS)
def test_sharded_scores_equal_one_index(client, method):
    single = single_index(CORPUS, analyzer=words, method=method)
    with ShardedIndex.build(client, CORPUS, n_shards=3, analyzer=words, method=method) as sharded:
        assert len(sharded) == len(CORPUS) and sharded.n_shards == 3
        assert len(set(sharded.workers)) == 2  # three shards really spread over both workers
        for k in (1, 5, 1000):
            for query in QUERIES:
                assert_same_hits(sharded.search(query, k), single.search(query, k))


def test_parameters_and_overrides_reach_the_shards(client):
    single = single_index(CORPUS, analyzer=words, method="bm25+", k1=1.2, b=0.5, delta=0.7)
    with ShardedIndex.build(client, CORPUS, n_shards=2, analyzer=words, method="bm25+",
                            k1=1.2, b=0.5, delta=0.7) as sharded:
        assert_same_hits(sharded.search("бюджет жол", 20), single.search("бюджет жол", 20))
        assert_same_hits(sharded.search("бюджет жол", 20, k1=0.9, b=0.3),
                         single.search("бюджет жол", 20, k1=0.9, b=0.3))
        with pytest.raises(ValueError, match="b must be between"):
            sharded.search("жол", b=2.0)


def test_default_analyzer(client):
    single = single_index(KAZAKH)
    with ShardedIndex.build(client, KAZAKH, n_shards=2) as sharded:
        for query in ["облыстың бюджеті", "мектеп оқушылары", "жол"]:
            assert single.search(query)  # the stemmer matches inflected forms
            assert_same_hits(sharded.search(query), single.search(query))


def test_unknown_terms_and_k_zero(client):
    with ShardedIndex.build(client, CORPUS, n_shards=2, analyzer=words) as sharded:
        assert sharded.search("жоқсөз") == []
        assert sharded.search("") == []
        assert sharded.search("облыс", k=0) == []


def test_empty_shards(client):
    docs = CORPUS[:3]
    single = single_index(docs, analyzer=words, method="okapi")
    with ShardedIndex.build(client, docs, n_shards=6, analyzer=words, method="okapi") as sharded:
        assert sharded.shard_sizes.count(0) == 3
        for query in QUERIES:
            assert_same_hits(sharded.search(query, 10), single.search(query, 10))
    with ShardedIndex.build(client, [], n_shards=2, analyzer=words) as empty:
        assert len(empty) == 0 and empty.search("облыс") == []


def test_search_many_is_two_round_trips(client, monkeypatch):
    single = single_index(CORPUS, analyzer=words, method="okapi")
    queries = QUERIES * 10
    with ShardedIndex.build(client, CORPUS, n_shards=3, analyzer=words, method="okapi") as sharded:
        sharded.search("облыс")  # computes and caches okapi's global mean idf
        calls = []
        on_shards = sharded._on_shards

        def spy(method, *args, **kwargs):
            calls.append(method)
            return on_shards(method, *args, **kwargs)

        monkeypatch.setattr(sharded, "_on_shards", spy)
        results = sharded.search_many(queries, k=7)
        assert calls == ["stats", "search"]  # one call per shard and phase for all 70 queries
        assert len(results) == len(queries)
        for query, hits in zip(queries, results):
            assert_same_hits(hits, single.search(query, 7))
        assert sharded.search_many([]) == []
        with pytest.raises(TypeError):
            sharded.search_many("облыс")


def test_ids_pairs_and_duplicates(client):
    pairs = [(f"doc{i}", text) for i, text in enumerate(CORPUS[:20])]
    single = single_index(pairs, analyzer=words)
    with ShardedIndex.build(client, iter(pairs), n_shards=2, analyzer=words) as sharded:
        assert_same_hits(sharded.search("бюджет", 50), single.search("бюджет", 50))
    with pytest.raises(ValueError, match="appears twice"):
        ShardedIndex.build(client, ["a", "b"], ids=["x", "x"], analyzer=words)
    with pytest.raises(ValueError, match="method"):
        ShardedIndex.build(client, ["a"], method="tfidf", analyzer=words)
    with pytest.raises(ValueError, match="n_shards"):
        ShardedIndex.build(client, ["a"], n_shards=0, analyzer=words)


def test_save_load_round_trip(client, tmp_path):
    single = single_index(CORPUS, analyzer=words, method="okapi")
    with ShardedIndex.build(client, CORPUS, n_shards=3, analyzer=words, method="okapi") as sharded:
        sharded.save(tmp_path)
    assert (tmp_path / "kzsearch-shards.json").exists()
    with ShardedIndex.load(client, tmp_path, analyzer=words) as loaded:
        assert loaded.shard_sizes == [40, 40, 40]
        assert loaded.settings.method == "okapi"
        for hits, query in zip(loaded.search_many(QUERIES, 1000), QUERIES):
            assert_same_hits(hits, single.search(query, 1000))
    paths = [tmp_path / f"shard-{i:04d}" for i in range(3)]
    with ShardedIndex.from_paths(client, paths, analyzer=words) as reopened:
        assert_same_hits(reopened.search("бюджет", 5), single.search("бюджет", 5))


def test_shards_must_share_settings(client, tmp_path):
    for i, method in enumerate(["lucene", "okapi"]):
        single_index(CORPUS[:5], analyzer=words, method=method).save(tmp_path / str(i))
    with pytest.raises(ValueError, match="share one method"):
        ShardedIndex.from_paths(client, [tmp_path / "0", tmp_path / "1"], analyzer=words)


def n_actors(client):
    return sum(client.run(lambda dask_worker: len(dask_worker.state.actors)).values())


def wait_for_actors(client, n):
    """Wait (up to 5 s: Dask frees asynchronously) until the workers hold ``n`` actors."""
    deadline = time.monotonic() + 5
    while n_actors(client) != n and time.monotonic() < deadline:
        time.sleep(0.05)
    return n_actors(client)


def test_close_and_failed_loads_free_the_shards(client, tmp_path):
    assert wait_for_actors(client, 0) == 0  # every earlier test freed its shards
    sharded = ShardedIndex.build(client, CORPUS[:4], n_shards=2, analyzer=words)
    assert n_actors(client) == 2
    sharded.close()
    assert wait_for_actors(client, 0) == 0
    with pytest.raises(RuntimeError, match="closed"):
        sharded.search("облыс")
    single_index(CORPUS[:4], analyzer=words).save(tmp_path / "good")
    with pytest.raises(IndexFormatError, match="no such index folder"):
        ShardedIndex.from_paths(client, [tmp_path / "good", tmp_path / "missing"], analyzer=words)
    assert wait_for_actors(client, 0) == 0


def test_another_client_in_the_process(client):
    """A newer (so default) client with in-process workers must not disturb the shards."""
    single = single_index(CORPUS, analyzer=words)
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as other, \
            distributed.Client(other):
        with ShardedIndex.build(client, CORPUS, n_shards=2, analyzer=words) as sharded:
            assert_same_hits(sharded.search("бюджет", 30), single.search("бюджет", 30))


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")  # the example's dashboard
def test_doctests():
    failed, _ = doctest.testmod(kzsearch.distributed)
    assert failed == 0


def test_import_kzsearch_does_not_import_dask():
    code = ("import sys, kzsearch; "
            "print(any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_missing_dask_names_the_extra():
    code = "import sys; sys.modules['distributed'] = None; import kzsearch.distributed"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert 'pip install "kzsearch[distributed]"' in result.stderr


@pytest.mark.parametrize("method", ["lucene", "okapi"])
def test_sharded_bm25f_equals_one_index(client, method):
    """Each field's total length is added up over shards, like the document count."""
    rng = random.Random(3)
    docs = [{"title": " ".join(rng.choices(WORDS, k=rng.randint(0, 3))), "text": text,
             "region": rng.choice(["a", "b"])} for text in CORPUS]
    fields = {"title": 2.0, "text": 1.0}
    single = single_index(docs, analyzer=words, method=method, fields=fields)
    with ShardedIndex.build(client, docs, n_shards=3, analyzer=words, method=method,
                            fields=fields) as sharded:
        for query in QUERIES:
            got, want = sharded.search(query, k=20), single.search(query, k=20)
            assert [h.id for h in got] == [h.id for h in want]
            assert [h.score for h in got] == pytest.approx([h.score for h in want], rel=1e-12)
            assert [h.fields for h in got] == [h.fields for h in want]


def test_sharded_filters_and_offset_equal_one_index(client):
    rng = random.Random(5)
    docs = [{"text": text, "region": rng.choice(["a", "b", "c"]), "views": rng.randint(0, 9)}
            for text in CORPUS]
    docs[0]["only_here"] = "x"  # a key one shard has never seen
    single = single_index(docs, analyzer=words)
    with ShardedIndex.build(client, docs, n_shards=3, analyzer=words) as sharded:
        for flt in ({"region": "a"}, {"region": ["a", "c"], "views": {"gte": 5}}, {"only_here": "x"}):
            for offset in (0, 3):
                got = sharded.search("облыс бюджет", k=7, offset=offset, filter=flt)
                want = single.search("облыс бюджет", k=7, offset=offset, filter=flt)
                assert [h.id for h in got] == [h.id for h in want]
        with pytest.raises(ValueError, match="'nope'"):
            sharded.search("облыс", filter={"nope": 1})
