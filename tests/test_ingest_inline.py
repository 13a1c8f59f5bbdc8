"""Small adds invert on the calling thread (ingest.INLINE_DOCS): the same index as through the inverting thread."""
import random

import pytest

from kzsearch import Index, ingest

WORDS = "облыс бюджеті мектеп оқушылары жаңа көпір салынды аудан әкімі жиналыс депутаттар қаржы".split()


def build(monkeypatch, inline_docs, seed):
    monkeypatch.setattr(ingest, "INLINE_DOCS", inline_docs)
    rng = random.Random(seed)
    index = Index(background_merges=False)
    index.add([{"id": f"base{i}", "text": " ".join(rng.choices(WORDS, k=rng.randint(1, 12))),
                "region": rng.choice(["Алматы", "Астана"])} for i in range(200)])
    for step in range(30):  # many small updates, some replacing, of 1 to 70 documents
        n = rng.choice([1, 1, 2, 5, 64, 65, 70])
        docs = [{"id": f"d{rng.randint(0, 120)}" if rng.random() < 0.5 else f"s{step}-{j}",
                 "text": " ".join(rng.choices(WORDS, k=rng.randint(1, 12))), "region": rng.choice(["Алматы", "Астана"])}
                for j in range(n)]
        docs = list({d["id"]: d for d in docs}.values())
        index.update(docs)
    return index


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inline_inversion_builds_the_same_index(monkeypatch, seed):
    threaded, inline = build(monkeypatch, 0, seed), build(monkeypatch, 64, seed)
    assert list(threaded.ids()) == list(inline.ids())
    assert [s.n_docs for s in threaded.segments] == [s.n_docs for s in inline.segments]
    for query in ["облыс бюджеті", "мектеп", "жаңа көпір салынды", "депутаттар қаржы"]:
        for exact in (True, False):
            a = [(h.id, h.score) for h in threaded.search(query, 20, exact=exact)]
            b = [(h.id, h.score) for h in inline.search(query, 20, exact=exact)]
            assert a == b
        assert threaded.search(query, 5, filter={"region": "Алматы"}) == inline.search(query, 5, filter={"region": "Алматы"})
    assert all(threaded.get(i) == inline.get(i) for i in threaded.ids())


def test_a_failed_small_add_leaves_the_index_as_it_was(monkeypatch):
    index = Index(background_merges=False)
    index.add([{"id": "a", "text": "облыс бюджеті"}])
    before = (list(index.ids()), [(h.id, h.score) for h in index.search("облыс", 5)])

    def broken(*args, **kwargs):
        raise RuntimeError("inversion failed")
    monkeypatch.setattr(ingest, "_sealed_flush", broken)
    with pytest.raises(RuntimeError, match="inversion failed"):
        index.add([{"id": "b", "text": "мектеп оқушылары"}])
    assert (list(index.ids()), [(h.id, h.score) for h in index.search("облыс", 5)]) == before
