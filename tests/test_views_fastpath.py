"""The views' short ways give exactly what the general way gives.

An analyzer with views takes a word of letters straight to its word terms
(no token filters), cuts the default prefix view with one slice, counts a
cached entry's terms that are not view terms without splitting it, and lays
out a text of ordinary tokens without the general position arithmetic. A
subclass that overrides ``word_terms`` takes none of these ways, so it is the
reference: on the pinned reference texts (every kind of token) the terms,
positions, cache entries, layouts, special tokens and the cache deltas sent
home from workers must be the same.
"""
import json
import lzma
import random
from pathlib import Path

import numpy as np
import pytest

from kzsearch.analysis import Analyzer
from kzsearch.analysis.views import DEFAULT_VIEWS, View, view_terms, view_terms_of

PATH = Path(__file__).resolve().parent / "data" / "analyzer_reference.json.xz"

CONFIGS = {
    "default": None,
    "prefix6-every-word": [{"kind": "prefix", "size": 6, "weight": 0.5}],
    "prefix4-min5": [{"kind": "prefix", "size": 4, "weight": 1.0, "min_length": 5}],
    "stem6-distinct": [{"kind": "prefix", "size": 6, "source": "stem", "distinct": True}],
    "ngrams-and-prefix": [{"kind": "ngrams", "size": 4, "weight": 0.25}, {"kind": "prefix", "size": 5}],
}


class GeneralWay(Analyzer):
    """The same analysis through the token filters, for every token (the reference)."""

    def word_terms(self, word, lang="kk"):
        return super().word_terms(word, lang)


@pytest.fixture(scope="module")
def texts():
    with lzma.open(PATH, "rt", encoding="utf-8") as f:
        return json.load(f)["texts"]


def analyzers(name, **settings):
    views = CONFIGS[name]
    if views is not None:
        settings["views"] = views
    return Analyzer(**settings), GeneralWay(**settings)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_terms_positions_and_caches_match_the_general_way(texts, name):
    fast, general = analyzers(name)
    fast.cache_delta(), general.cache_delta()  # start tracking what a worker would send home
    for text in texts:
        assert fast(text) == general(text)
        fast_terms, fast_positions = fast.positions_array(text)
        general_terms, general_positions = general.positions_array(text)
        assert fast_terms == general_terms
        assert fast_positions.dtype == general_positions.dtype == np.int32
        assert np.array_equal(fast_positions, general_positions)
    for lang in fast._caches:
        a, b = fast._caches[lang], general._caches[lang]
        assert dict(a) == dict(b) and a.layouts == b.layouts and a.special == b.special
        assert dict(a.places) == dict(b.places)
    assert entries(fast.cache_delta()) == entries(general.cache_delta())


def entries(deltas):
    return sorted((e for d in deltas for e in d.entries()), key=repr)


@pytest.mark.parametrize("name", ["default", "ngrams-and-prefix"])
def test_absorbed_entries_match_the_general_way(texts, name):
    worker = analyzers(name)[1]
    worker.cache_delta()
    for text in texts:
        worker.positions_array(text)
    delta = worker.cache_delta()
    fast, general = analyzers(name)
    fast.absorb_cache(delta), general.absorb_cache(delta)
    for lang in fast._caches:
        a, b = fast._caches[lang], general._caches[lang]
        assert dict(a) == dict(b) and a.layouts == b.layouts and a.special == b.special
    for text in texts:
        assert fast(text) == worker(text)
        assert np.array_equal(fast.positions_array(text)[1], worker.positions_array(text)[1])


@pytest.mark.parametrize("stemming", [True, False])
def test_no_stopwords_or_stemming_with_views(texts, stemming):
    fast, general = analyzers("default", stopwords=False, stemming=stemming)
    for text in texts[::3]:
        assert fast(text) == general(text)
        assert np.array_equal(fast.positions_array(text)[1], general.positions_array(text)[1])


def test_compiled_views_equal_view_terms_on_random_words():
    rng = random.Random(15)
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 14))) for _ in range(400)]
    configs = [DEFAULT_VIEWS, (View("prefix", 1),), (View("prefix", 32, min_length=40),),
               (View("prefix", 6, source="stem"),), (View("prefix", 5, distinct=True),),
               (View("ngrams", 3, min_length=2),), (View("ngrams", 4), View("prefix", 6, min_length=3))]
    for views in configs:
        compiled = view_terms_of(views)
        for word in words:
            for stem in (word, word[: rng.randint(1, len(word))]):
                assert compiled(word, stem) == view_terms(word, views, stem)


@pytest.mark.parametrize("name", ["default", "ngrams-and-prefix"])
def test_special_tokens_are_those_with_several_real_terms_or_latin(texts, name):
    from kzsearch.analysis.language import LATIN_LETTER
    from kzsearch.analysis.views import is_view_term

    analyzer = analyzers(name)[0]
    for text in texts:
        analyzer.positions_array(text)
    for lang, cache in analyzer._caches.items():
        several = {token for token, joined in cache.items()
                   if sum(not is_view_term(t) for t in joined.split()) > 1}
        assert len(several) > 20 or lang != "kk"
        latin = {token for token in cache if LATIN_LETTER.search(token)}
        assert cache.special == several | latin | set(cache.markers)


@pytest.mark.parametrize("limit", [37, 500])
def test_places_short_way_across_cache_clears(texts, limit, monkeypatch):
    """TokenPlaces' short way for a new Cyrillic word (its terms, layout, cache entry and
    delta made in one call) stores what the general way stores, also when the token
    cache passes its limit and is cleared (between texts)."""
    from kzsearch.analysis import cache as cache_module

    monkeypatch.setattr(cache_module, "CACHE_LIMIT", limit)
    fast, general = analyzers("default")
    fast.cache_delta(), general.cache_delta()
    for text in texts[:400]:
        assert fast(text) == general(text)
        assert np.array_equal(fast.positions_array(text)[1], general.positions_array(text)[1])
        for lang in fast._caches:
            a, b = fast._caches[lang], general._caches[lang]
            assert dict(a) == dict(b) and a.layouts == b.layouts and a.special == b.special
            assert dict(a.places) == dict(b.places)
    assert entries(fast.cache_delta()) == entries(general.cache_delta())


def test_places_short_way_on_random_words():
    """Random Cyrillic words (with stopwords, abbreviations, polite verb endings and words
    over the token length mixed in) give the general way's terms, positions and places."""
    from kzsearch.analysis.analyzer import ABBREVIATIONS

    rng = random.Random(150)
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"
    extra = ["және", "мен", "көрсетіңіз", "белгілеңіз", "теңіз", *sorted(ABBREVIATIONS)[:20], "а" * 70]
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 16))) for _ in range(3000)]
    words += [w + rng.choice(["лар", "ның", "ңыз", "іңіз", "да", "ы", "ға"]) for w in words[:500]] + extra
    for name in sorted(CONFIGS):
        fast, general = analyzers(name)
        for start in range(0, len(words), 7):
            text = " ".join(words[start:start + 7])
            assert fast(text) == general(text)
            fast_terms, fast_positions = fast.positions_array(text)
            general_terms, general_positions = general.positions_array(text)
            assert fast_terms == general_terms and np.array_equal(fast_positions, general_positions)
        assert dict(fast._caches["kk"].places) == dict(general._caches["kk"].places)
