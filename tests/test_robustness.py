"""What kzsearch promises under bad input and faults (README, "What kzsearch promises").

* any Unicode string can be added and searched;
* many threads searching at once get what one thread gets, also while
  another thread adds and deletes;
* a save killed at any moment leaves the old index or the new one, whole;
* any damaged byte of an index folder is detected on load.
"""
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzsearch import Index, IndexFormatError

from conftest import split_words

hostile = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60) | st.sampled_from([
    "", " ", "\x00\x01\x02", "\ud800", "a\udfffb", "😀" * 5, "ыыы" * 2000, "қ" * 100_000,
    "\u200b\u00ad\u0301", "АҚШ-та 2025-2027 5,8", "https://example.kz/a?b=c мектеп@mail.kz",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=st.lists(hostile, min_size=1, max_size=5), query=hostile)
def test_any_unicode_is_indexed_and_searched(docs, query):
    ix = Index()  # the default Kazakh analyzer
    ix.add(docs)
    assert len(ix) == len(docs)
    hits = ix.search(query, k=3)
    assert len(hits) <= 3
    assert all(h.text == docs[int(h.id)] for h in hits)
    assert all(h.score > 0 for h in hits)


def test_a_million_letter_word_is_analysed_in_bounded_memory():
    ix = Index()
    ix.add(["ә" * 1_000_000, "жай сөз"])
    assert max(len(t) for t in ix.vocabulary.terms) <= 256
    assert ix.search("жай")[0].id == "1"


def _results(ix, queries):
    return [[(h.id, h.score) for h in ix.search(q, k=5)] for q in queries]


def test_threads_searching_at_once_agree_with_one_thread():
    docs = [" ".join(random.Random(i).choices(["облыс", "бюджет", "мектеп", "жол", "әкім", "су"], k=6))
            for i in range(400)]
    ix = Index(analyzer=split_words)
    ix.add(docs)
    queries = ["облыс", "бюджет мектеп", "жол су әкім", "мектеп мектеп", "белгісіз"] * 40
    expected = _results(ix, queries)
    with ThreadPoolExecutor(8) as pool:
        chunks = list(pool.map(lambda q: _results(ix, [q])[0], queries))
    assert chunks == expected


def test_adds_and_deletes_during_searches_never_show_a_half_state():
    """Every batch adds 50 documents that all hold the word "партия": a search
    sees all of a batch or none of it, and never a deleted one."""
    ix = Index(analyzer=split_words)
    ix.add([f"бастапқы {i}" for i in range(100)])
    stop = threading.Event()
    seen_counts, errors = set(), []

    def reader():
        while not stop.is_set():
            try:
                n = len(ix.search("партия", k=10_000))
                seen_counts.add(n)
            except Exception as e:  # pragma: no cover - a failure is recorded
                errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for batch in range(20):
        ix.add([f"партия {batch} {i}" for i in range(50)], ids=[f"b{batch}-{i}" for i in range(50)])
        if batch % 4 == 3:
            ix.delete([f"b{batch}-{i}" for i in range(50)])
        time.sleep(0.002)
    stop.set()
    for t in threads:
        t.join()
    ix.wait_for_merges()
    assert not errors
    assert all(n % 50 == 0 for n in seen_counts), sorted(seen_counts)
    assert len(ix.search("партия", k=10_000)) == 15 * 50


# ---------------------------------------------------------------- killed saves
SAVER = r"""
import sys
from kzsearch import Index
sys.path.insert(0, sys.argv[2])
from conftest import split_words
path = sys.argv[1]
generation = 0
while True:
    generation += 1
    ix = Index.load(path, analyzer=split_words)
    # each version adds a batch and deletes the oldest: versions differ in content
    ix.add([f"нұсқа{generation} құжат {i}" for i in range(30)], ids=[f"g{generation}-{i}" for i in range(30)])
    if generation > 2:
        ix.delete([f"g{generation - 2}-{i}" for i in range(30)], missing_ok=True)
    ix.save(path)
    print(generation, flush=True)
"""


def _consistent(path):
    ix = Index.load(path, analyzer=split_words)
    versions = {doc_id.split("-")[0] for doc_id in ix.ids()}
    # whole versions only: every present batch is complete
    for v in versions:
        assert len([d for d in ix.ids() if d.startswith(v + "-")]) == 30
    assert len(ix.search("құжат", k=1000)) == len(ix)
    return len(ix)


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_a_save_killed_at_any_moment_leaves_a_whole_index(tmp_path):
    path = tmp_path / "ix"
    seed = Index(analyzer=split_words)
    seed.add([f"алғашқы құжат {i}" for i in range(30)], ids=[f"g0-{i}" for i in range(30)])
    seed.save(path)
    rng = random.Random(7)
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path), tests_dir],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.readline()  # at least one save has completed
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _consistent(path) >= 1
    # the next save cleans up what killed saves left behind
    Index.load(path, analyzer=split_words).save(path)
    listed = set(json.loads((path / "kzsearch-index.json").read_text())["files"])
    on_disk = {n for n in os.listdir(path) if n.endswith(".npy") or n.endswith(".tmp")}
    assert on_disk == listed


def test_a_failed_save_keeps_the_old_index_and_leaves_no_files(tmp_path, monkeypatch):
    from kzsearch.engine.files import Folder

    ix = Index(analyzer=split_words)
    ix.add(["облыс бюджет"], ids=["a"])
    ix.save(tmp_path / "ix")
    before = sorted(os.listdir(tmp_path / "ix"))
    ix.add(["мектеп"], ids=["b"])
    real_write, calls = Folder.write_array, []

    def failing_write(self, name, array):
        calls.append(name)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real_write(self, name, array)

    monkeypatch.setattr(Folder, "write_array", failing_write)
    with pytest.raises(OSError):
        ix.save(tmp_path / "ix")
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path / "ix")) == before
    assert sorted(Index.load(tmp_path / "ix", analyzer=split_words).ids()) == ["a"]
    ix.save(tmp_path / "ix")  # and the index itself can still be saved
    assert sorted(Index.load(tmp_path / "ix", analyzer=split_words).ids()) == ["a", "b"]


# ---------------------------------------------------------------- damaged bytes
def test_every_damaged_byte_of_a_small_index_is_detected(tmp_path):
    ix = Index(analyzer=split_words)
    ix.add(["облыс бюджет", "мектеп"], ids=["a", "b"])
    path = tmp_path / "ix"
    ix.save(path)
    expected = _results(ix, ["облыс", "мектеп"])
    for name in sorted(os.listdir(path)):
        if name.endswith(".lock"):
            continue
        original = (path / name).read_bytes()
        for position in range(len(original)):
            damaged = bytearray(original)
            damaged[position] ^= 0x10
            (path / name).write_bytes(bytes(damaged))
            try:
                loaded = Index.load(path, analyzer=split_words)
            except IndexFormatError:
                continue
            # a change the format cannot see (JSON whitespace) must not change results
            assert _results(loaded, ["облыс", "мектеп"]) == expected, (name, position)
        (path / name).write_bytes(original)
        for cut in range(0, len(original), max(1, len(original) // 7)):
            (path / name).write_bytes(original[:cut])
            with pytest.raises(IndexFormatError):
                Index.load(path, analyzer=split_words)
        (path / name).write_bytes(original)
    assert _results(Index.load(path, analyzer=split_words), ["облыс", "мектеп"]) == expected


# ---------------------------------------------------------------- killed non-incremental saves
REWRITER = r"""
import sys
from kzsearch import Index
sys.path.insert(0, sys.argv[2])
from conftest import split_words
path, elsewhere = sys.argv[1], sys.argv[3]
generation = 0
while True:
    generation += 1
    batch = [f"нұсқа{generation} құжат {i}" for i in range(30)]
    batch_ids = [f"g{generation}-{i}" for i in range(30)]
    if generation % 3 == 0:  # a fresh index replaces the folder whole
        ix = Index(analyzer=split_words)
        ix.add(batch, ids=batch_ids)
        ix.save(path)
    else:  # load, change, rewrite every file (optimize), save elsewhere, then back
        ix = Index.load(path, analyzer=split_words, mmap=generation % 2 == 0)
        ix.add(batch, ids=batch_ids)
        ix.delete([d for d in ix.ids() if not d.startswith((f"g{generation}-", f"g{generation - 1}-"))])
        ix.optimize()
        ix.save(f"{elsewhere}-{generation % 2}")
        ix.save(path)
    print(generation, flush=True)
"""

MAPPED_READER = r"""
import sys
from kzsearch import Index
sys.path.insert(0, sys.argv[2])
from conftest import split_words
ix = Index.load(sys.argv[1], analyzer=split_words)
first = [(h.id, h.score, h.text) for h in ix.search("құжат", k=1000)]
print("loaded", flush=True)
for line in sys.stdin:
    now = [(h.id, h.score, h.text) for h in ix.search("құжат", k=1000)]
    print("same" if now == first else "changed", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_killed_non_incremental_saves_leave_a_whole_index_and_readers_unharmed(tmp_path):
    path = tmp_path / "ix"
    seed = Index(analyzer=split_words)
    seed.add([f"алғашқы құжат {i}" for i in range(30)], ids=[f"g0-{i}" for i in range(30)])
    seed.save(path)
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    reader = subprocess.Popen([sys.executable, "-c", MAPPED_READER, str(path), tests_dir],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "loaded"
    rng = random.Random(11)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", REWRITER, str(path), tests_dir, str(tmp_path / "G")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _consistent(path) >= 30
        reader.stdin.write("check\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "same"  # its mapped files were never rewritten
    reader.stdin.close()
    assert reader.wait(timeout=60) == 0  # not killed by SIGBUS


# ---------------------------------------------------------------- threads and forks
FORK_WHILE_SEARCHING = r"""
import faulthandler, random, sys, threading
faulthandler.dump_traceback_later(90, exit=True)  # a hang ends the process, not the test run
from kzsearch import Index
ix = Index(analyzer=str.split)
ix.add([f"w{i % 50} w{i % 7} x{i}" for i in range(40000)])
queries = [f"w{i % 50} w{i % 7}" for i in range(256)]
stop = False
def other_thread():  # each new b computes (under the snapshot's lock) an array over all documents
    r = random.Random(0)
    while not stop:
        ix.search("w1", b=r.random())
t = threading.Thread(target=other_thread, daemon=True)
t.start()
expected = [[(h.id, h.score) for h in hits] for hits in ix.search_many(queries, workers=1)]
for round in range(4):
    got = ix.search_many(queries, workers=2)
    assert [[(h.id, h.score) for h in hits] for hits in got] == expected
    other = Index(analyzer=str.split)  # a parallel add forks too
    other.add([f"w{i % 50} y{round}" for i in range(3000)], workers=2)
    assert len(other) == 3000
stop = True
t.join()
print("done")
"""


@pytest.mark.skipif(os.name != "posix", reason="search_many forks on POSIX only")
def test_search_many_never_hangs_on_a_lock_held_by_another_thread():
    # before, a forked worker inherited the snapshot's lock held by the other thread and waited forever
    proc = subprocess.Popen([sys.executable, "-c", FORK_WHILE_SEARCHING], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=180)
    finally:  # hung workers of a failed run must not outlive the test
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    assert proc.returncode == 0 and out.strip() == "done", err[-2000:]


def test_caches_per_query_parameter_are_bounded():
    from kzsearch.engine.searcher import PARAMETER_CACHE

    ix = Index(analyzer=split_words)
    ix.add(["облыс бюджет", "мектеп облыс", "жол"])
    for i in range(100):
        ix.search("облыс", b=i / 100)
    assert len(ix._snapshot._by_parameter) <= PARAMETER_CACHE


def test_no_numpy_warning_when_every_live_document_is_empty():
    import warnings

    ix = Index()
    ix.add(["Мектеп", ""])
    ix.delete(["0"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ix.search("мектеп") == []
        ix.add(["", ""])
        assert ix.search("мектеп", b=1.0) == []


# ---------------------------------------------------------------- settings
def test_settings_are_validated_when_given():
    import numpy as np

    from kzsearch.engine.merging import MergePolicy

    with pytest.raises(TypeError, match="merge_policy"):
        Index(merge_policy=5)
    for bad in ({"factor": 1}, {"factor": 0}, {"floor": 0}, {"max_deleted_share": 0}):
        with pytest.raises(ValueError, match="merge_policy"):
            MergePolicy(**bad)
    with pytest.raises(TypeError, match="merge_policy.factor"):
        MergePolicy(factor=2.5)
    with pytest.raises(TypeError, match="background_merges"):
        Index(background_merges="no")
    with pytest.raises(TypeError, match="restore_queries"):
        Index(restore_queries=1)
    with pytest.raises(ValueError, match="k1"):
        Index(k1=1e308)
    with pytest.raises(TypeError, match="k1"):
        Index(k1="1.2")
    ix = Index(k1=np.float32(1.2), b=np.float64(0.5), analyzer=split_words)
    ix.add(["облыс бюджет", "облыс"])
    assert ix.search("облыс", k=np.int64(1), k1=np.float32(0.9), b=np.int64(1))
    with pytest.raises(ValueError, match="k1"):
        ix.search("облыс", k1=1e308)
    with pytest.raises(TypeError, match="k"):
        ix.search("облыс", k=2.0)
    assert len(ix) == 2 and type(ix.settings.params.k1) is float

