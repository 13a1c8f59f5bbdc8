"""The analysis chain as a whole: settings, serialisation, robustness."""
import json
import pickle

import pytest
from hypothesis import given, settings, strategies as st

from kzsearch.analysis import CACHE_LIMIT, MAX_TOKEN_LENGTH, Analyzer, AnalyzerSettings


def test_query_form_meets_document_form():
    analyze = Analyzer(views=())  # stems: the views of the two forms differ (~мектеп ~оқушыл / ~оқушыс)
    assert set(analyze("мектептердегі оқушылар")) == set(analyze("мектеп оқушысы"))


def test_terms_in_text_order():
    assert Analyzer(views=())("Облыс бюджеті 5,8 миллиард теңгеге нақтыланды") == [
        "облыс", "бюджет", "5,8", "миллиард", "теңге", "нақтыла"]
    assert Analyzer()("Облыс бюджеті 5,8 миллиард") == [  # the default: each word's stem, then its view
        "облыс", "~облыс", "бюджет", "~бюджет", "5,8", "миллиард", "~миллиа"]


def test_stopwords():
    analyze = Analyzer()
    assert analyze("және") == [] and analyze("қандай") == [] and analyze("бұл") == []
    assert Analyzer(stopwords=False, views=())("бұл және") == ["бұл", "және"]
    assert Analyzer(stopwords=["облыс"], views=())("облыс және") == ["және"]


def test_stemming_off():
    assert Analyzer(stemming=False, views=())("Облыс бюджеті") == ["облыс", "бюджеті"]


def test_config_round_trip():
    for analyzer in (Analyzer(), Analyzer(stemming=False, stopwords=["бұл", "Және"]),
                     Analyzer(russian=False, compounds=False, max_token_length=20)):
        config = json.loads(json.dumps(analyzer.config))
        rebuilt = Analyzer.from_config(config)
        assert rebuilt == analyzer and rebuilt.config == analyzer.config
    assert Analyzer(stopwords=["Және"]).config["stopwords"] == ["және"]


def test_settings_dataclass():
    assert Analyzer().settings == AnalyzerSettings()
    with pytest.raises(TypeError):
        Analyzer(no_such_setting=True)
    with pytest.raises(TypeError):
        Analyzer(stopwords="және")
    with pytest.raises(ValueError):
        Analyzer(max_token_length=0)


def test_pickle_leaves_caches_and_pymorphy_behind():
    analyzer = Analyzer()
    analyzer("Министерства образования и науки. Мектептердегі оқушылар.")
    data = pickle.dumps(analyzer)
    assert len(data) < 2000
    clone = pickle.loads(data)
    assert clone == analyzer
    assert clone("мектептердегі оқушылар") == analyzer("мектептердегі оқушылар")


@pytest.mark.parametrize("value", [None, 1, b"bytes", ["text"]])
def test_type_error_names_the_argument(value):
    with pytest.raises(TypeError, match="text"):
        Analyzer()(value)


def test_long_token_is_cut():
    terms = Analyzer(views=())("а" * 1_000_000)
    assert len(terms) == 1 and len(terms[0]) <= MAX_TOKEN_LENGTH
    assert len(Analyzer()("а" * 1_000_000)) == 2  # the default adds the cut word's view


def test_cache_is_bounded(monkeypatch):
    import kzsearch.analysis.cache as module

    monkeypatch.setattr(module, "CACHE_LIMIT", 50)
    analyzer = Analyzer()
    for i in range(200):
        analyzer(f"сөз{i} жол{i}-жол")
    assert len(analyzer._caches["kk"]) <= 50
    assert CACHE_LIMIT >= 100_000


@pytest.mark.parametrize("views", [(), [{"kind": "prefix", "size": 6, "weight": 0.5, "min_length": 3}]])
def test_split_terms_cache_is_bounded_and_exact(monkeypatch, views):
    """The per-token places (terms split, positions) are cleared with the token cache and,
    cleared or not, lay out what a fresh analyzer lays out."""
    import kzsearch.analysis.cache as module

    texts = [f"Мектептердегі сөз{i} жол{i}-жол 2025-2027 оқушылар және Москва" for i in range(120)]
    monkeypatch.setattr(module, "CACHE_LIMIT", 40)
    churned = Analyzer(views=views)
    got = [(churned(t), churned.analyze_positions(t)) for t in texts + texts[::-1]]
    kk = churned._caches["kk"]
    assert len(kk) <= 40 and len(kk.places) <= 40 and len(kk.places._shared) <= 80
    monkeypatch.setattr(module, "CACHE_LIMIT", 10**6)
    want = [(Analyzer(views=views)(t), Analyzer(views=views).analyze_positions(t)) for t in texts + texts[::-1]]
    assert got == want


@pytest.mark.parametrize("text", [
    "", " \t\n", "\x00\x01\x1f\x7f", "\ud800", "бала\udfffлар", "😀 бала 😀", "\u0301",
    "Ⅻ ² ١٢٣", "---", "5--6", "www.", "http://", "@", "'", "ﬁ", "İstanbul",
])
def test_odd_strings(text):
    assert all(isinstance(t, str) and t for t in Analyzer()(text))


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_unicode_string(text):
    terms = Analyzer()(text)
    assert all(isinstance(t, str) and t and " " not in t for t in terms)
    assert all(len(t) <= MAX_TOKEN_LENGTH for t in terms)


@given(st.lists(st.sampled_from(["мектеп", "оқушы", "лар", "ға", "-", " ", "5", ",", ".", "и",
                                 "науки", "АҚШ", "ta", "ı", "\u00ad"]), max_size=30))
@settings(max_examples=300, deadline=None)
def test_same_terms_cold_and_warm(pieces):
    text = "".join(pieces)
    analyzer = Analyzer()
    first = analyzer(text)
    assert analyzer(text) == first
    assert Analyzer()(text) == first


def test_reader_addressed_verbs_and_stem_prefix():
    from kzsearch.analysis import Analyzer
    assert Analyzer(views=())("Дұрыс жауапты белгілеңіз") == ["дұрыс", "жауап"]
    assert Analyzer(stopwords=False, views=())("белгілеңіз") == ["белгіле"]
    a = Analyzer(stem_prefix=6, views=())
    assert a("президенттік президенттің") == ["презид", "презид"]
    assert Analyzer.from_config(a.config) == a
    import pickle
    assert pickle.loads(pickle.dumps(a))("президенттік") == ["презид"]


def test_a_parallel_build_brings_the_workers_caches_home():
    """After ``add`` on worker processes, the parent stems none of the words the workers saw."""
    from kzsearch import Index

    texts = ["Мектептердегі оқушылар жаңа кітаптарды оқиды", "Облыс әкімі бюджетті нақтылады",
             "Қазақстанның оңтүстік-батысында жаңбыр жауды"] * 40
    index = Index()
    index.add(texts, workers=2)
    analyzer = index.analyzer
    calls = []
    real = analyzer._stem
    analyzer._stem = lambda word: calls.append(word) or real(word)
    fresh = Analyzer.from_config(analyzer.config)  # the default Index's analyzer has views
    assert [analyzer(t) for t in texts[:3]] == [fresh(t) for t in texts[:3]]
    assert calls == []


def test_cache_delta_hands_over_exactly_what_was_learned():
    worker, home = Analyzer(), Analyzer()
    worker.cache_delta()
    worker("Мектептердегі оқушылар үй-коммуналдық")
    delta = worker.cache_delta()
    assert {token for d in delta for token in d.tokens} == {"мектептердегі", "оқушылар", "үй-коммуналдық"}
    assert worker.cache_delta() == []
    home.absorb_cache(delta)
    text = "Мектептердегі оқушылар үй-коммуналдық"
    assert home(text) == worker(text)
    assert home.analyze_positions(text) == worker.analyze_positions(text)


@pytest.mark.parametrize("views", [(), None])
@pytest.mark.parametrize("special", ["oqýshylar", "іс-шара", "2025-2027", "и"])
def test_cache_limit_within_a_text_keeps_its_special_tokens(monkeypatch, views, special):
    """The token cache reaching its limit in the middle of a text must not forget that a token
    met earlier in that text is special (Latin, a compound, a range, a Russian marker): the text
    is analysed as a fresh analyzer with room analyses it."""
    import kzsearch.analysis.cache as module

    settings = {} if views is None else {"views": views}
    text = f"{special} алма бала қала дала тау күн су мектеп"
    monkeypatch.setattr(module, "CACHE_LIMIT", 10)
    full = Analyzer(**settings)
    full("жол кітап ауыл өзен орман теңіз көл")  # the cache is nearly full when the text starts
    got = full(text), full.analyze_positions(text)
    monkeypatch.setattr(module, "CACHE_LIMIT", 10**6)
    roomy = Analyzer(**settings)
    assert got == (roomy(text), roomy.analyze_positions(text))
