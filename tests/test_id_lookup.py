"""An add checks its new ids against the segments' hashed ids (engine/id_lookup.py), not a dict
of every id: the same answers as the dict, for any ids, deletions, replacements and merges."""
import random

import numpy as np
import pytest

import kzsearch.engine.id_lookup as id_lookup
from kzsearch import Index
from kzsearch.analysis import Analyzer
from kzsearch.engine.docstore import TextBlock
from kzsearch.engine.id_lookup import SortedIds, string_hashes

ALPHABET = "ab0٣мқ😀 -\x00"


def reference_hash(s):
    data = s.encode("utf-8", "surrogatepass")
    h = sum(b * pow(0x100000001B3, k, 2**64) for k, b in enumerate(data)) % 2**64
    return h ^ (len(data) * 0x9E3779B97F4A7C15) % 2**64


def random_ids(rng, n):
    return [rng.choice(["", "doc-"]) + "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 12)))
            for _ in range(n)]


@pytest.mark.parametrize("chunk", [1, 3, 1 << 16])
def test_hashes_match_the_formula_in_memory_and_as_bytes(monkeypatch, chunk):
    monkeypatch.setattr(id_lookup, "CHUNK", chunk)
    strings = random_ids(random.Random(chunk), 200) + ["", "", "\udfff", "x" * 300]
    want = [reference_hash(s) for s in strings]
    in_memory = TextBlock.from_strings(strings)
    assert string_hashes(in_memory).tolist() == want
    assert string_hashes(TextBlock(*in_memory.to_arrays())).tolist() == want
    assert string_hashes(TextBlock.from_strings([])).tolist() == []
    assert string_hashes(TextBlock.from_strings(["", ""])).tolist() == [0, 0]


def test_sorted_ids_find_every_copy_even_when_hashes_collide(monkeypatch):
    ids = ["a", "b", "a", "c", ""]
    sorted_ids = SortedIds(TextBlock.from_strings(ids))
    assert sorted(sorted_ids.find(["a", "z", "", "c"])) == [(0, 0), (0, 2), (2, 4), (3, 3)]
    monkeypatch.setattr(id_lookup, "string_hashes", lambda block: np.zeros(len(block), dtype=np.uint64))
    colliding = SortedIds(TextBlock.from_strings(ids))  # every hash equal: the ids decide
    assert sorted(colliding.find(["a", "z", "", "c"])) == [(0, 0), (0, 2), (2, 4), (3, 3)]


def live_ids(index):
    return {seg.ids[i] for seg in index._snapshot.segments
            for i in range(seg.n_docs) if seg.live is None or seg.live[i]}


@pytest.mark.parametrize("seed", range(4))
def test_live_ids_among_equals_the_segments_live_ids(seed):
    rng = random.Random(seed)
    index = Index(analyzer=Analyzer(views=()))
    pool = sorted(set(random_ids(rng, 120)))
    for step in range(14):
        action = rng.random()
        if action < 0.5 or not len(index):
            fresh = [d for d in rng.sample(pool, 12) if d not in live_ids(index)]
            index.add([f"мектеп {d}" for d in fresh], ids=fresh)
        elif action < 0.7:
            index.delete(rng.sample(sorted(live_ids(index)), min(3, len(index))))
            index._locations = None  # back to the hashed look-up
        elif action < 0.85:
            chosen = rng.sample(pool, 5)
            index.update([f"бала {d}" for d in chosen], ids=chosen)
            index._locations = None
        else:
            index.optimize()
        candidates = rng.sample(pool, 40)
        assert index._live_ids_among(candidates) == live_ids(index) & set(candidates)
        assert set(index._sorted_ids) == {seg.name for seg in index._snapshot.segments}
        assert index._locations is None  # no dict of every id was built
        with_dict = {d for d in candidates if d in index}  # builds the dict
        assert with_dict == index._live_ids_among(candidates)
        index._locations = None


def test_add_refuses_a_present_id_without_building_the_id_map():
    index = Index(analyzer=Analyzer(views=()))
    index.add(["мектеп", "бала", "қала"], ids=["a", "b", "c"])
    index.delete(["b"])
    index._locations = None
    with pytest.raises(ValueError, match="'c' is already in the index"):
        index.add(["жол", "тау"], ids=["b", "c"])
    assert sorted(index.ids()) == ["a", "c"] and index.search("жол") == []
    index._locations = None
    index.add(["жол"], ids=["b"])  # deleted: may come back
    assert index._locations is None and sorted(index.ids()) == ["a", "b", "c"]
