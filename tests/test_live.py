"""A live index equals a fresh one: after any sequence of adds, deletes, replaces,
merges, saves and loads, every search gives the ids and scores that an index
built from scratch over the surviving documents gives."""
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from kzsearch import Index
from kzsearch.engine.merging import MergePolicy

from conftest import split_words

WORDS = ["облыс", "бюджет", "мектеп", "жол", "әкім", "ауыл", "су", "жер"]
QUERIES = ["облыс", "бюджет мектеп", "жол жол ауыл", "әкім су жер облыс", "белгісіз"]
text = st.lists(st.sampled_from(WORDS), min_size=0, max_size=8).map(" ".join)


class LiveIndex(RuleBasedStateMachine):
    @initialize(method=st.sampled_from(["lucene", "okapi", "bm25l", "bm25+"]), background=st.booleans())
    def start(self, method, background):
        self.method = method
        # a tiny merge policy so that merges happen within short runs, in the background or not
        self.index = Index(analyzer=split_words, method=method, merge_policy=MergePolicy(factor=3, floor=2),
                           background_merges=background)
        self.docs = {}  # id -> text, in insertion order (a replaced document moves to the end)
        self.counter = 0
        self.folder = tempfile.mkdtemp()

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def _new_ids(self, n):
        ids = [f"d{self.counter + i}" for i in range(n)]
        self.counter += n
        return ids

    @rule(texts=st.lists(text, min_size=1, max_size=5))
    def add(self, texts):
        ids = self._new_ids(len(texts))
        self.index.add(texts, ids=ids)
        self.docs.update(zip(ids, texts))

    @precondition(lambda self: self.docs)
    @rule(data=st.data())
    def delete(self, data):
        victims = data.draw(st.lists(st.sampled_from(sorted(self.docs)), min_size=1, max_size=3, unique=True))
        assert self.index.delete(victims) == len(victims)
        for v in victims:
            del self.docs[v]

    @precondition(lambda self: self.docs)
    @rule(data=st.data(), new_texts=st.lists(text, min_size=1, max_size=3))
    def replace(self, data, new_texts):
        ids = data.draw(st.lists(st.sampled_from(sorted(self.docs)), min_size=1,
                                 max_size=len(new_texts), unique=True))
        texts = new_texts[:len(ids)]
        self.index.update(texts, ids=ids)
        for i, t in zip(ids, texts):
            del self.docs[i]
            self.docs[i] = t

    @rule()
    def optimize(self):
        self.index.optimize()
        assert len(self.index.segments) <= 1

    @rule()
    def save_and_load(self):
        self.index.save(self.folder)
        self.index = Index.load(self.folder, analyzer=split_words)

    @invariant()
    def equals_fresh_index(self):
        fresh = Index(analyzer=split_words, method=self.method)
        if self.docs:
            fresh.add(list(self.docs.values()), ids=list(self.docs))
        assert len(self.index) == len(fresh)
        for query in QUERIES:
            got = self.index.search(query, k=100)
            want = fresh.search(query, k=100)
            assert [h.id for h in got] == [h.id for h in want], query
            for g, w in zip(got, want):
                assert g.score == pytest.approx(w.score, rel=1e-9)
                assert g.text == w.text


LiveIndex.TestCase.settings = settings(max_examples=40, stateful_step_count=12, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow])
TestLiveIndex = LiveIndex.TestCase


def test_delete_unknown_id_changes_nothing():
    ix = Index(analyzer=split_words)
    ix.add(["облыс", "мектеп"], ids=["a", "b"])
    with pytest.raises(ValueError, match="not in the index"):
        ix.delete(["a", "zzz"])
    assert len(ix) == 2
    assert ix.delete(["a", "zzz"], missing_ok=True) == 1
    assert [h.id for h in ix.search("облыс")] == []


def test_deleted_documents_leave_statistics_at_once():
    ix = Index(analyzer=split_words)
    ix.add(["облыс бюджет", "облыс", "мектеп"], ids=["a", "b", "c"])
    before = ix.search("облыс")[0].score
    ix.delete(["c"])
    fresh = Index(analyzer=split_words)
    fresh.add(["облыс бюджет", "облыс"], ids=["a", "b"])
    assert ix.search("облыс")[0].score == pytest.approx(fresh.search("облыс")[0].score, rel=1e-12)
    assert ix.search("облыс")[0].score != before


def test_merges_reclaim_deleted_space():
    ix = Index(analyzer=split_words)
    ix.add([f"құжат {i}" for i in range(10)])
    ix.delete([str(i) for i in range(8)])
    ix.optimize()
    assert ix.segments[0].n_docs == 2 and ix.segments[0].live is None


def test_merging_documents_without_terms_keeps_their_ids_and_texts():
    index = Index(background_merges=False)
    index.add(["", "", "..."], ids=["a", "b", "c"])
    index.delete(["a"])
    index.optimize()
    assert list(index.ids()) == ["b", "c"]
    assert index.delete(["b"]) == 1
    assert list(index.ids()) == ["c"]
