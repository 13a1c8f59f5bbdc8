"""The analyzer's shortcuts give what the long way gives.

* ``phonology.PLAIN_ENDS``: a stem ending in one of them is its own repair;
* ``readings._verdict``: each step's checks memoised by the stem's last three
  letters (the search must find the same readings with the memos cold, warm,
  or bypassed, when every check is made on the whole stem);
* ``TokenCache``'s short way for a word of lowercase Cyrillic letters and for
  a number (the same terms as the token filters give).
"""
import itertools
import lzma
import os
import random

import pytest
from hypothesis import given, settings, strategies as st

from kzsearch.analysis import Analyzer, readings, stemmer
from kzsearch.analysis.cache import _CYRILLIC_WORD
from kzsearch.analysis.phonology import CYRILLIC_LETTERS, PLAIN_ENDS, repair_pair

#: letters of every kind the repairs tell apart: vowels (ы/і among them), the glide у,
#: signs, б/ғ/г, and the consonants of the elision clusters
LETTERS = "аеәоыіуиюбғгьърнйлқкпзмсд"
SUFFIXES = ["лар", "лер", "дар", "тер", "ы", "і", "сы", "сі", "ның", "нің", "да", "де", "та", "те", "ға", "ге",
            "қа", "ке", "ды", "ді", "ты", "ті", "ған", "ген", "қан", "кен", "ып", "іп", "п", "мыз", "міз",
            "ңыз", "ңіз", "ын", "ін", "н", "ша", "ше", "дағы", "дегі", "лық", "лік", "ма", "ме", "й", "а", "е",
            "атын", "етін", "у", "ушы", "уші", "ла", "ле", "дыр", "тыр", "ғыз", "ім", "ым", "м", "сын", "сін"]


def _roots():
    path = os.path.join(os.path.dirname(__file__), "data", "stems_reference.tsv.xz")
    with lzma.open(path, "rt", encoding="utf-8") as f:
        return sorted({stem for stem in (line.rstrip("\n").split("\t")[1] for line in f)
                       if _CYRILLIC_WORD(stem)})


ROOTS = _roots()


def _words(n: int, seed: int):
    """Made-up words: a stem of the reference, or 1-7 random letters, and 0-4 suffixes."""
    rng = random.Random(seed)
    for i in range(n):
        if i % 3:
            root = rng.choice(ROOTS)
        else:
            root = "".join(rng.choice(CYRILLIC_LETTERS) for _ in range(rng.randint(1, 7)))
        yield root + "".join(rng.choice(SUFFIXES) for _ in range(rng.randint(0, 4)))


def _clear_verdicts():
    for memo in readings._VERDICTS.values():
        memo.clear()
    readings._verdicts_kept[0] = 0


def _long_way(monkeypatch):
    """Bypass the memos: every step's checks made on the whole stem, every stem repaired."""
    _clear_verdicts()
    monkeypatch.setattr(readings, "_verdict", lambda step, window: readings.ASK)
    monkeypatch.setattr(stemmer, "PLAIN_ENDS", frozenset())


def test_plain_ends_are_their_own_repair():
    """Every plain ending after every prefix of up to three letters of each kind, and random ones."""
    rng = random.Random(5)
    checked = 0
    for end in PLAIN_ENDS:
        prefixes = ["".join(p) for k in range(0, 3) for p in itertools.product(LETTERS, repeat=k)]
        prefixes += ["".join(rng.choice(CYRILLIC_LETTERS) for _ in range(rng.randint(3, 9))) for _ in range(20)]
        for prefix in prefixes if end[-1] in LETTERS or end[0] in LETTERS else prefixes[:40]:
            stem = prefix + end
            assert repair_pair(stem) == (stem, stem), stem
            checked += 1
    assert checked > 500_000


def test_plain_ends_leave_out_every_ending_a_repair_may_touch():
    """An ending not in PLAIN_ENDS is repaired after some prefix (the set is not too small to
    be useful, and the doctest's examples are on the right side)."""
    for end in (a + b for a in CYRILLIC_LETTERS for b in CYRILLIC_LETTERS):
        if end not in PLAIN_ENDS:
            assert any(repair_pair(p + end) != (p + end, p + end)
                       for p in ("", "а", "ба", "бала", "т", "тт", "ст", "ал", "қы", "мек")), end
    assert len(PLAIN_ENDS) > 1000


def test_search_with_verdicts_cold_warm_and_bypassed(monkeypatch):
    words = list(_words(4000, seed=1)) + ["мектептердегі", "алады", "кітабы", "аузы", "модельдер", "ььь", "бьтьда"]
    _clear_verdicts()
    cold = [readings.search(w) for w in words]
    kept = readings._verdicts_kept[0]
    assert kept == sum(map(len, readings._VERDICTS.values())) > 1000
    warm = [readings.search(w) for w in words]
    assert readings._verdicts_kept[0] == kept  # all found warm
    with monkeypatch.context() as m:
        _long_way(m)
        long_way = [readings.search(w) for w in words]
    assert cold == warm == long_way
    assert sum(map(len, long_way)) > 2000


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SUFFIXES), max_size=4), st.text(alphabet=CYRILLIC_LETTERS + "ьъx", min_size=1,
                                                             max_size=8))
def test_stem_with_memos_equals_the_long_way(suffixes, root):
    word = root + "".join(suffixes)
    memoised = stemmer.KazakhStemmer().stem_uncached(word)
    with pytest.MonkeyPatch.context() as m:
        _long_way(m)
        assert stemmer.KazakhStemmer().stem_uncached(word) == memoised


def test_stems_of_made_up_words_with_memos_equal_the_long_way(monkeypatch):
    words = list(_words(6000, seed=2))
    memoised = [stemmer.KazakhStemmer().stem_uncached(w) for w in words]
    shared = stemmer.KazakhStemmer()
    warm = [shared(w) for w in words]
    with monkeypatch.context() as m:
        _long_way(m)
        fresh = stemmer.KazakhStemmer()
        assert [fresh.stem_uncached(w) for w in words] == memoised == warm


TOKENS = ["оқушылар", "және", "ж", "ғ", "белгілеңіз", "теңіз", "министерства", "и", "в", "медбике", "ё", "ёлка",
          "2025", "²", "٣٤", "12345678901234567890", "мектеп" * 12, "1" * 70, "ab", "қазақстанның", "ақш", "т"]


@pytest.mark.parametrize("config", [{}, {"stemming": False}, {"stopwords": False}, {"stem_prefix": 4},
                                    {"stopwords": ["оқушылар"]}, {"russian": False, "latin": False},
                                    {"max_token_length": 8}])
def test_token_cache_short_way_gives_the_token_filters_terms(config):
    words = TOKENS + list(_words(500, seed=3))
    analyzer = Analyzer(**config)
    for lang in ("kk", "ru"):
        cache = Analyzer(**config)._caches[lang]
        for word in words:
            assert cache[word] == " ".join(analyzer.token_terms(word, lang)), (lang, word)
        short = {w for w in words if len(w) <= cache._max_length and (_CYRILLIC_WORD(w) or w.isdigit())}
        assert len(short) > 150 and not (cache.special & short) - cache.markers  # one term: not special


def test_verdicts_kept_are_bounded(monkeypatch):
    words = list(_words(3000, seed=4))
    expected = [readings.search(w) for w in words]
    _clear_verdicts()
    monkeypatch.setattr(readings, "_VERDICT_LIMIT", 50)
    assert [readings.search(w) for w in words] == expected
    assert readings._verdicts_kept[0] == sum(map(len, readings._VERDICTS.values())) == 50
    _clear_verdicts()
