"""A worker's cache entries come home in columns (analysis/handover.py): what the parent takes
in is what it would have computed itself, places included, across cache clears and limits."""
import pickle

import pytest

import kzsearch.analysis.cache as cache_module
from kzsearch.analysis import Analyzer

WORDS = ("алма", "бала", "қала", "дала", "тау", "күн", "су", "жол", "кітап", "ауыл")
TEXTS = [f"Мектептердегі оқушылар {w} іс-шара 2025-2027 oqýshylar және Москва и университет" for w in WORDS]


def own_entries(analyzer, tokens_by_lang):
    """(lang, token, joined, layout, special, place) as ``analyzer`` holds them now."""
    out = []
    for lang, tokens in tokens_by_lang.items():
        cache = analyzer._caches[lang]
        for token in tokens:
            place = analyzer._places[lang](token)
            out.append((lang, token, cache[token], cache.layouts.get(token), token in cache.special, place))
    return sorted(out, key=repr)


@pytest.mark.parametrize("views", [(), None])
@pytest.mark.parametrize("limit", [12, 10**6])
def test_deltas_carry_what_was_learned_across_clears(monkeypatch, views, limit):
    settings = {} if views is None else {"views": views}
    monkeypatch.setattr(cache_module, "CACHE_LIMIT", limit)
    worker = Analyzer(**settings)
    worker.cache_delta()
    for text in TEXTS:
        worker.positions_array(text)
    deltas = pickle.loads(pickle.dumps(worker.cache_delta()))  # as a worker sends them
    assert worker.cache_delta() == []
    for delta in deltas:  # each token once in a delta: it was new when met
        assert len(set(delta.tokens)) == len(delta.tokens) == len(delta.joined)
    got = sorted({repr(e): e for d in deltas for e in d.entries()}.values(), key=repr)  # relearned once
    monkeypatch.setattr(cache_module, "CACHE_LIMIT", 10**6)
    fresh = Analyzer(**settings)
    for text in TEXTS:
        fresh.positions_array(text)
    learned = {}
    for lang, token, *_ in got:
        learned.setdefault(lang, []).append(token)
    assert {(lang, t) for lang in learned for t in learned[lang]} == {
        (lang, t) for lang in fresh._caches for t in fresh._caches[lang]}
    own = own_entries(fresh, learned)
    assert len(got) == len(own)
    for entry, want in zip(got, own):
        assert entry[:5] == want[:5] and entry[5] in (None, want[5])
        if views is None and limit > 100:  # with views every token met is laid out
            assert entry[5] == want[5]


@pytest.mark.parametrize("limit", [5, 20, 10**6])
def test_absorb_keeps_to_the_limit_and_analyses_alike(monkeypatch, limit):
    worker = Analyzer()
    worker.cache_delta()
    for text in TEXTS:
        worker.positions_array(text)
    deltas = worker.cache_delta()
    monkeypatch.setattr(cache_module, "CACHE_LIMIT", limit)
    home = Analyzer()
    home.absorb_cache(deltas)
    home.absorb_cache(deltas)  # twice: entries it holds are overwritten by equal ones
    for cache in home._caches.values():
        assert len(cache) <= limit
        assert set(cache.places) <= set(cache) and set(cache.layouts) <= set(cache)
        assert cache.special - set(cache.markers) <= set(cache)
    monkeypatch.setattr(cache_module, "CACHE_LIMIT", 10**6)
    reference = Analyzer()
    for text in TEXTS + [t.upper() for t in TEXTS]:
        assert home(text) == reference(text)
        assert home.analyze_positions(text) == reference.analyze_positions(text)


def test_an_add_after_a_parallel_build_runs_warm_and_alike(monkeypatch):
    import kzsearch
    import kzsearch.ingest as ingest

    monkeypatch.setattr(ingest, "BATCH_DOCS", 4)
    docs = [f"{t} {i} Қазақстан экономикасы Mektepterde oqýshylar kóp" for i, t in enumerate(TEXTS * 4)]
    more = [t.replace("оқушылар", "оқушыларға") + " жаңа құжат" for t in TEXTS]
    built = []
    for workers in (2, 1):
        index = kzsearch.Index(background_merges=False)
        index.add(docs, workers=workers)
        if workers == 2:  # the workers' entries came home with their places
            assert len(index.analyzer._caches["kk"].places) >= len(set(" ".join(docs).lower().split())) // 2
        index.add(more, ids=[f"m{i}" for i in range(len(more))], workers=1)
        built.append(index)
    warm, serial = built
    for query in ("оқушылар", "мектеп", "іс-шара", "2025", "экономика", "Москва университет", "құжат"):
        assert [(h.id, h.score) for h in warm.search(query)] == [(h.id, h.score) for h in serial.search(query)]
    assert [warm.get(f"m{i}") for i in range(3)] == [serial.get(f"m{i}") for i in range(3)]
