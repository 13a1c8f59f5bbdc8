"""Saving never loses an index: any handle, any folder, any order, any number of writers.

The reference for "what the folder holds" is the content (id -> text) of the
handle whose save last succeeded there; every check reloads the folder.
"""
import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kzsearch import ConflictError, Index, IndexFormatError
from kzsearch.engine.storage import COMMIT_FILE, LOCK_FILE

from conftest import split_words

TESTS = os.path.dirname(os.path.abspath(__file__))


def content(ix):
    return {doc_id: ix.get(doc_id) for doc_id in ix.ids()}


def results(ix, queries=("облыс", "мектеп", "құжат")):
    return [[(h.id, h.score) for h in ix.search(q, k=50)] for q in queries]


def load(path):
    return Index.load(path, analyzer=split_words)


def make(n, prefix="d", words=3):
    ix = Index(analyzer=split_words)
    ix.add([" ".join(f"{prefix}{(i * 7 + j) % 97} құжат облыс" for j in range(words)) for i in range(n)],
           ids=[f"{prefix}{i}" for i in range(n)])
    return ix


@pytest.mark.parametrize("n, words", [(5, 3), (3000, 20)])  # a small and a ~1 MB index
def test_load_save_elsewhere_save_back(tmp_path, n, words):
    make(n, words=words).save(tmp_path / "F")
    ix = load(tmp_path / "F")
    before = results(ix)
    ix.save(tmp_path / "G")
    ix.save(tmp_path / "F")
    assert results(ix) == before  # the live handle still reads its (mapped) files
    assert results(load(tmp_path / "F")) == before
    assert results(load(tmp_path / "G")) == before
    ix.delete([f"d{i}" for i in range(0, n, 2)])
    ix.save(tmp_path / "G")
    ix.save(tmp_path / "F")
    assert content(load(tmp_path / "F")) == content(ix) == content(load(tmp_path / "G"))


def test_two_handles_on_one_folder(tmp_path):
    make(10).save(tmp_path / "F")
    a, b = load(tmp_path / "F"), load(tmp_path / "F")
    b.delete(["d1"])
    b.save(tmp_path / "F")
    a.delete(["d2"])
    with pytest.raises(ConflictError, match="another writer"):
        a.save(tmp_path / "F")
    assert content(load(tmp_path / "F")) == content(b)
    a.save(tmp_path / "G")  # the stale handle can still save elsewhere
    assert content(load(tmp_path / "G")) == content(a)
    b.add(["жаңа құжат"], ids=["new"])
    b.save(tmp_path / "F")  # the handle that won goes on saving
    assert content(load(tmp_path / "F")) == content(b)
    assert isinstance(ConflictError("x"), RuntimeError)


def test_a_fresh_index_replaces_a_folder_whole(tmp_path):
    make(10).save(tmp_path / "F")
    other = make(3, prefix="x")
    other.save(tmp_path / "F")  # it never saw F: last writer wins, whole
    assert content(load(tmp_path / "F")) == content(other)
    listed = set(load_commit(tmp_path / "F")["files"])
    assert {n for n in os.listdir(tmp_path / "F") if n.endswith(".npy")} == listed


def load_commit(path):
    import json

    return json.loads((path / COMMIT_FILE).read_text())


def test_a_folder_holding_only_leftovers_of_a_killed_first_save_is_reused(tmp_path):
    folder = tmp_path / "F"
    folder.mkdir()
    (folder / LOCK_FILE).write_bytes(b"")
    (folder / "seg000001-0123abcd.terms.npy").write_bytes(b"half")
    (folder / (COMMIT_FILE + ".tmp-0123abcd")).write_bytes(b"{")
    ix = make(4)
    ix.save(folder)
    assert content(load(folder)) == content(ix)
    assert not (folder / "seg000001-0123abcd.terms.npy").exists()


def test_a_failed_first_save_removes_the_folder_it_made(tmp_path, monkeypatch):
    from kzsearch.engine.files import Folder

    def full(self, name, array):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Folder, "write_array", full)
    with pytest.raises(OSError):
        make(3).save(tmp_path / "a" / "b")
    assert not (tmp_path / "a").exists()


# ---------------------------------------------------------------- other processes
WRITER = textwrap.dedent(r"""
    import sys
    sys.path.insert(0, sys.argv[3])
    from conftest import split_words
    from kzsearch import ConflictError, Index
    path, tag = sys.argv[1], sys.argv[2]
    ix = Index.load(path, analyzer=split_words)
    print("loaded", flush=True)
    sys.stdin.readline()  # wait until told to go on
    ix.add([f"{tag} құжат облыс"], ids=[tag])
    try:
        ix.save(path)
    except ConflictError:
        print("conflict", flush=True)
    else:
        print("saved", flush=True)
""")


def start_writer(path, tag):
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, TESTS], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def test_two_processes_load_add_save_one_folder(tmp_path):
    make(20).save(tmp_path / "F")
    first, second = start_writer(tmp_path / "F", "p1"), start_writer(tmp_path / "F", "p2")
    assert [p.stdout.readline().strip() for p in (first, second)] == ["loaded", "loaded"]
    for proc in (first, second):  # both have loaded the same commit
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outcomes = sorted(p.communicate(timeout=60)[0].strip() for p in (first, second))
    assert outcomes == ["conflict", "saved"]  # never both, never a corrupt folder
    ids = set(load(tmp_path / "F").ids())
    assert len(ids & {"p1", "p2"}) == 1 and {f"d{i}" for i in range(20)} <= ids


READER = textwrap.dedent(r"""
    import sys, json
    sys.path.insert(0, sys.argv[2])
    from conftest import split_words
    from kzsearch import Index
    ix = Index.load(sys.argv[1], analyzer=split_words, mmap=True)
    def answer():
        return [[(h.id, h.score, h.text) for h in ix.search(q, k=1000)] for q in ("облыс", "d5 d7", "құжат")]
    first = answer()
    print("loaded", flush=True)
    for line in sys.stdin:
        print("same" if answer() == first else "changed", flush=True)
""")


def test_a_mapped_reader_keeps_its_results_while_writers_rewrite_the_folder(tmp_path):
    make(2000, words=10).save(tmp_path / "F")
    reader = subprocess.Popen([sys.executable, "-c", READER, str(tmp_path / "F"), TESTS],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "loaded"
    writer = Index.load(tmp_path / "F", analyzer=split_words, mmap=False)
    for step in range(4):
        writer.add([f"жаңа құжат {step}"], ids=[f"n{step}"])
        writer.delete([f"d{step}"])
        writer.optimize()  # every file rewritten: nothing incremental
        writer.save(tmp_path / "F")
        make(50 + step, prefix=f"z{step}").save(tmp_path / f"G{step}")
        writer.save(tmp_path / f"G{step}")  # over another index, then back to F next round
        reader.stdin.write("check\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "same"
    reader.stdin.close()
    assert reader.wait(timeout=60) == 0  # no SIGBUS
    assert content(load(tmp_path / "F")) == content(writer)


# ---------------------------------------------------------------- a state machine of handles
SAVE_ONE = textwrap.dedent(r"""
    import sys
    sys.path.insert(0, sys.argv[3])
    from conftest import split_words
    from kzsearch import ConflictError, Index
    ix = Index.load(sys.argv[1], analyzer=split_words)
    ix.add([sys.argv[2] + " құжат"], ids=[sys.argv[2]])
    ix.save(sys.argv[1])
""")


class Handles(RuleBasedStateMachine):
    """Handles load, change and save to folders F and G; F always equals the last successful save."""

    def __init__(self):
        super().__init__()
        import tempfile

        self.tmp = tempfile.TemporaryDirectory()
        self.folders = [os.path.join(self.tmp.name, "F"), os.path.join(self.tmp.name, "G")]
        seed = make(5)
        self.expected = {}
        for folder in self.folders:
            seed.save(folder)
            self.expected[folder] = content(seed)
        self.handles = [seed]
        self.serial = 0
        self.processes = 0  # each costs an interpreter start: a few per run

    def teardown(self):
        self.tmp.cleanup()

    @rule(which=st.integers(0, 1), mmap=st.booleans())
    def load_handle(self, which, mmap):
        if len(self.handles) < 4:
            self.handles.append(Index.load(self.folders[which], analyzer=split_words, mmap=mmap))

    @rule(h=st.integers(0, 3), n=st.integers(1, 3))
    def add(self, h, n):
        ix = self.handles[h % len(self.handles)]
        new = [f"n{self.serial + i}" for i in range(n)]
        self.serial += n
        ix.add([f"{d} құжат облыс" for d in new], ids=new)

    @rule(h=st.integers(0, 3), data=st.data())
    def delete(self, h, data):
        ix = self.handles[h % len(self.handles)]
        ids = sorted(ix.ids())
        if ids:
            ix.delete(data.draw(st.lists(st.sampled_from(ids), max_size=3)), missing_ok=True)

    @rule(h=st.integers(0, 3))
    def optimize(self, h):
        self.handles[h % len(self.handles)].optimize()

    @rule(h=st.integers(0, 3), which=st.integers(0, 1))
    def save(self, h, which):
        ix, folder = self.handles[h % len(self.handles)], self.folders[which]
        try:
            ix.save(folder)
        except ConflictError:
            return
        self.expected[folder] = content(ix)

    @precondition(lambda self: self.processes < 2)
    @rule(which=st.integers(0, 1))
    def another_process_saves(self, which):
        self.processes += 1
        folder = self.folders[which]
        tag = f"p{self.serial}"
        self.serial += 1
        subprocess.run([sys.executable, "-c", SAVE_ONE, folder, tag, TESTS], check=True, timeout=60)
        self.expected[folder] = content(load(folder))
        assert tag in self.expected[folder]

    @invariant()
    def folders_hold_the_last_saved_state(self):
        for folder in self.folders:
            loaded = load(folder)
            assert content(loaded) == self.expected[folder]
            assert len(loaded.search("құжат", k=10_000)) == len(loaded)

    @invariant()
    def handles_still_answer(self):
        for ix in self.handles:
            assert len(ix.search("құжат", k=10_000)) == len(ix)


Handles.TestCase.settings = settings(max_examples=6, stateful_step_count=10, deadline=None,
                                     suppress_health_check=list(HealthCheck))
test_handles_and_processes_saving_to_one_folder = Handles.TestCase


def test_an_interrupt_right_after_the_commit_keeps_the_new_index(tmp_path, monkeypatch):
    from kzsearch.engine.files import Folder

    make(4).save(tmp_path / "F")
    ix = load(tmp_path / "F")
    ix.add(["кейін құжат"], ids=["late"])
    real = Folder.rename

    def rename_then_interrupt(self, source, target):
        real(self, source, target)
        raise KeyboardInterrupt

    monkeypatch.setattr(Folder, "rename", rename_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        ix.save(tmp_path / "F")
    monkeypatch.undo()
    assert content(load(tmp_path / "F")) == content(ix)  # committed: none of its files removed


def test_merging_empty_documents_keeps_their_ids_through_a_save(tmp_path):
    # a merge of segments without a single posting once dropped the stored ids: the load caught it
    ix = Index(analyzer=split_words)
    ix.add([""], ids=["d0"])
    ix.add(["", " "], ids=["d1", "d2"])
    ix.delete(["d2"])
    ix.optimize()
    assert sorted(ix.ids()) == ["d0", "d1"]
    ix.save(tmp_path / "F")
    assert content(load(tmp_path / "F")) == content(ix) and sorted(content(ix)) == ["d0", "d1"]
