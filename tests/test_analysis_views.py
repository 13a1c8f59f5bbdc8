"""Sub-word views: what the analyzer emits, how view weights reach scores, and
that everything around them (save/load, restoration, highlighting) holds."""
import json
import math
import random

import pytest

from kzsearch import Index
from kzsearch.analysis import Analyzer
from kzsearch.analysis.views import RECOMMENDED_VIEWS, View, is_view_term, parse_views, view_weight
from kzsearch.highlight import matched_spans

PREFIX6 = {"kind": "prefix", "size": 6, "weight": 0.5}
GRAMS4 = {"kind": "ngrams", "size": 4, "weight": 0.25}
STEMS = {"views": ()}  # stems only (the default has DEFAULT_VIEWS)

DOCS = [
    "Мектептердегі оқушылар облыстық олимпиадаға қатысты",
    "Облыстар бюджеті нақтыланды, мектебіміздің бюджеттік қаржысы өсті",
    "Қазақстан қоғамы туралы кітап шықты",
    "Оқулықтар мен кітаптар мектепке жеткізілді",
    "Облыс әкімі жаңа мектептің ашылуына қатысты",
    "Ауыл шаруашылығы өнімдері облыстан тыс жерлерге сатылды",
    "Оқушылардың білімі мен мектептердің жабдықталуы",
]


# --- what the analyzer emits -------------------------------------------------------

def brute_prefix(word, n):
    return "~" + word[:n]


def brute_ngrams(word, n):
    padded = "_" + word + "_"
    if len(padded) <= n:
        return ["^" + padded]
    return ["^" + padded[i:i + n] for i in range(len(padded) - n + 1)]


def test_each_word_term_is_followed_by_its_view_terms():
    plain = Analyzer(**STEMS)
    viewed = Analyzer(views=[PREFIX6, GRAMS4])
    for text in DOCS:
        words = text.lower().replace(",", "").split()
        expected = []
        for word in words:
            stems = plain.word_terms(word)
            if stems:  # a stopword has no term and no views
                expected += stems + [brute_prefix(word, 6)] + brute_ngrams(word, 4)
        assert viewed(text) == expected


def test_stems_are_unchanged_and_come_in_text_order():
    viewed = Analyzer(views=[PREFIX6, GRAMS4])
    for text in DOCS:
        assert [t for t in viewed(text) if not is_view_term(t)] == Analyzer(**STEMS)(text)


def test_numbers_stopwords_and_addresses_get_no_views():
    viewed = Analyzer(views=[PREFIX6])
    assert viewed("2025 және 5,8 https://www.gov.kz/x") == ["2025", "5,8", "gov.kz"]


def test_compound_parts_and_whole_each_get_views():
    assert Analyzer(views=[{"kind": "prefix", "size": 3}])("іс-шаралар") == \
        ["іс", "~іс", "шара", "~шар", "ісшара", "~ісш"]


def test_min_length_skips_short_words():
    a = Analyzer(views=[{"kind": "prefix", "size": 6, "min_length": 5}])
    assert a("үй мектептер") == ["үй", "мектеп", "~мектеп"]


def test_recommended_views_skip_words_of_one_or_two_letters():
    a = Analyzer(views=RECOMMENDED_VIEWS)
    assert a("А. Байтұрсынұлы 5 км үй ғасыр") == \
        ["а", "байтұрсынұл", "~байтұр", "5", "км", "үй", "ғасыр", "~ғасыр"]


def test_source_stem_cuts_the_stem():
    a = Analyzer(views=[{"kind": "prefix", "size": 6, "source": "stem"}])
    assert a("президенттік оқушылар") == ["президенттік", "~презид", "оқуш", "~оқуш"]
    a = Analyzer(views=[{"kind": "prefix", "size": 3, "source": "stem", "min_length": 3}])
    assert a("үйлер оқушылар") == ["үй", "оқуш", "~оқу"]  # min_length counts the stem's letters


def test_distinct_drops_a_prefix_equal_to_the_stem():
    a = Analyzer(views=[{"kind": "prefix", "size": 6, "distinct": True}])
    assert a("мектептер мектептік оқушылар үй") == \
        ["мектеп", "мектептік", "~мектеп", "оқуш", "~оқушыл", "үй"]


@pytest.mark.parametrize("source", ["word", "stem"])
@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("min_length", [0, 3, 7])
def test_prefix_options_against_a_brute_force(source, distinct, min_length):
    plain = Analyzer(**STEMS)
    view = {"kind": "prefix", "size": 5, "weight": 0.5, "min_length": min_length,
            "source": source, "distinct": distinct}
    viewed = Analyzer(views=[view])
    for text in DOCS:
        expected = []
        for word in text.lower().replace(",", "").split():
            stems = plain.word_terms(word)
            if not stems:
                continue
            cut = stems[0] if source == "stem" else word
            keep = len(cut) >= min_length and not (distinct and cut[:5] == stems[0])
            expected += stems + (["~" + cut[:5]] if keep else [])
        assert viewed(text) == expected


def test_new_options_at_their_defaults_stay_out_of_the_config():
    assert View("prefix", 6, 0.5).to_dict() == {"kind": "prefix", "size": 6, "weight": 0.5, "min_length": 0}
    view = View("prefix", 6, 0.5, source="stem", distinct=True)
    assert parse_views([json.loads(json.dumps(view.to_dict()))]) == (view,)


def test_short_word_ngram_is_the_padded_word():
    assert Analyzer(views=[{"kind": "ngrams", "size": 5}])("үй") == ["үй", "^_үй_"]


def test_no_views_is_the_default_analyzer():
    assert Analyzer(views=[]) == Analyzer() and Analyzer(views=None) == Analyzer()
    assert Analyzer().config["views"] == []
    old = {k: v for k, v in Analyzer().config.items() if k != "views"}
    assert Analyzer.from_config(old) == Analyzer()  # configs saved before views read the same


def test_default_index_uses_the_default_views():
    assert Index().analyzer == Analyzer()  # views cost too much at 1M documents to be the default
    assert RECOMMENDED_VIEWS


@pytest.mark.parametrize("views, error", [
    ([{"kind": "suffix", "size": 3}], ValueError),
    ([{"kind": "prefix", "size": 0}], ValueError),
    ([{"kind": "prefix", "size": 6, "weight": 0}], ValueError),
    ([{"kind": "prefix", "size": 6, "weight": float("nan")}], ValueError),
    ([{"kind": "prefix", "size": 6, "colour": 1}], ValueError),
    ([{"kind": "prefix"}], ValueError),
    ([PREFIX6, {"kind": "prefix", "size": 5}], ValueError),
    ([{"kind": "prefix", "size": 6, "min_length": -1}], ValueError),
    ([{"kind": "prefix", "size": 6, "source": "lemma"}], ValueError),
    ([{"kind": "prefix", "size": 6, "distinct": 1}], ValueError),
    ([{"kind": "ngrams", "size": 4, "distinct": True}], ValueError),
    ("prefix", TypeError),
    (PREFIX6, TypeError),
    (True, TypeError),
    ([("prefix", 6)], TypeError),
])
def test_bad_views_are_refused_naming_the_argument(views, error):
    with pytest.raises(error, match="views"):
        Analyzer(views=views)


def test_config_is_json_and_round_trips():
    a = Analyzer(views=[PREFIX6, View("ngrams", 4, 0.25)], stopwords=["облыс"])
    config = json.loads(json.dumps(a.config))
    assert Analyzer.from_config(config) == a
    assert Analyzer.from_config(config)("облыстар мектептері") == a("облыстар мектептері")


# --- weights reach scores ------------------------------------------------------------

def brute_bm25(analyzed_docs, query_weights, k1=1.5, b=0.75):
    """Lucene BM25 from scratch over analysed documents: sum over query terms of weight x score."""
    n = len(analyzed_docs)
    avgdl = sum(map(len, analyzed_docs)) / n
    scores = [0.0] * n
    for term, weight in query_weights.items():
        df = sum(term in d for d in analyzed_docs)
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, d in enumerate(analyzed_docs):
            tf = d.count(term)
            if tf:
                norm = 1 - b + b * len(d) / avgdl
                scores[i] += weight * idf * tf / (k1 * norm + tf)
    return scores


def index_scores(index, query):
    return {hit.id: hit.score for hit in index.search(query, k=len(index), typos=False)}


@pytest.mark.parametrize("views", [[PREFIX6], [GRAMS4], [PREFIX6, GRAMS4]])
@pytest.mark.parametrize("query", ["мектептер облысы", "оқушылардың кітабы", "бюджет облыстар облыс"])
def test_view_weights_reach_scores(views, query):
    analyzer = Analyzer(views=views)
    index = Index(analyzer=analyzer)
    index.add(DOCS)
    query_terms = analyzer(query)
    weights = {}
    for t in query_terms:
        weights[t] = weights.get(t, 0.0) + view_weight(t, analyzer.settings.views)
    expected = brute_bm25([analyzer(d) for d in DOCS], weights)
    got = index_scores(index, query)
    for i, score in enumerate(expected):
        assert got.get(str(i), 0.0) == pytest.approx(score, rel=1e-9, abs=1e-12)


def test_one_index_equals_the_weighted_sum_of_a_stem_index_and_a_prefix_index():
    """One prefix term per word: document lengths double, so the sum is exact."""
    w = 0.7
    viewed = Analyzer(views=[{"kind": "prefix", "size": 6, "weight": w}])
    stems, both = Index(analyzer=Analyzer(**STEMS)), Index(analyzer=viewed)
    prefixes = Index(analyzer=lambda text: [t for t in viewed(text) if is_view_term(t)])
    for index in (stems, both, prefixes):
        index.add(DOCS)
    for query in ("мектептер облысы", "облыстық оқулықтар", "кітаптары қоғамы"):
        s, p, got = index_scores(stems, query), index_scores(prefixes, query), index_scores(both, query)
        for doc_id in set(s) | set(p) | set(got):
            assert got.get(doc_id, 0.0) == pytest.approx(s.get(doc_id, 0.0) + w * p.get(doc_id, 0.0),
                                                         rel=1e-9, abs=1e-12)


def test_views_off_rank_exactly_as_stems_alone():
    rng = random.Random(3)
    words = " ".join(DOCS).lower().replace(",", "").split()
    index = Index(analyzer=Analyzer(**STEMS))
    index.add(DOCS)
    analyzed = [Analyzer(**STEMS)(d) for d in DOCS]
    for _ in range(20):
        query = " ".join(rng.sample(words, 3))
        weights = {}
        for t in Analyzer(**STEMS)(query):
            weights[t] = weights.get(t, 0) + 1
        assert all(w == int(w) for _, w in index.query_terms(query))
        expected = brute_bm25(analyzed, weights)
        got = index_scores(index, query)
        assert got == pytest.approx({str(i): s for i, s in enumerate(expected) if s > 0})


def test_query_terms_weigh_views():
    index = Index(analyzer=Analyzer(views=[PREFIX6]))
    index.add(DOCS)
    terms = {index.vocabulary.term(t): w for t, w in index.query_terms("мектептер мектептер облысы")}
    # count x view weight; "~облысы" is in no document
    assert terms == {"мектеп": 2, "~мектеп": 2 * 0.5, "облыс": 1}


def test_a_word_sharing_only_a_prefix_is_found_below_a_stem_match():
    index = Index(analyzer=Analyzer(views=[PREFIX6]))
    index.add(["облыстық олимпиада", "облыс әкімі", "кітап"], ids=["prefix", "stem", "none"])
    hits = index.search("облыстар")
    assert [h.id for h in hits] == ["stem", "prefix"]
    assert [h.id for h in Index(analyzer=Analyzer(**STEMS)).search("облыстар")] == []


# --- composition ------------------------------------------------------------------------

def test_save_and_load_keep_the_views(tmp_path):
    index = Index(analyzer=Analyzer(views=[PREFIX6, GRAMS4]))
    index.add(DOCS)
    index.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix")
    assert loaded.analyzer == index.analyzer
    for query in ("мектептер облысы", "облыстық оқулықтар"):
        assert loaded.search(query) == index.search(query)


def test_folded_and_latin_queries_meet_the_same_terms_with_views():
    index = Index(analyzer=Analyzer(views=[PREFIX6]))
    index.add(DOCS)
    proper = index.query_terms("қазақстан қоғамы")
    assert index.query_terms("казакстан когамы") == proper
    assert index.query_terms("Qazaqstan qoǵamy") == proper


def test_restoration_never_proposes_a_view_term():
    index = Index(analyzer=Analyzer(views=[PREFIX6]))
    index.add(DOCS)
    index.search("казакстан когамы")  # builds the restorer from the vocabulary
    restorer = index._restorer._restorer
    views = [t for t in index.vocabulary.terms if is_view_term(t)]
    stems = [t for t in index.vocabulary.terms if not is_view_term(t)]
    assert views and not any(t in restorer for t in views)
    assert all(t in restorer for t in stems)


def test_views_never_mark_a_word_on_their_own():
    analyzer = Analyzer(views=[PREFIX6, GRAMS4])
    text = "Облыстық олимпиада облыстарда өтті"
    terms = set(analyzer("облыстар"))
    marked = [text[s:e] for s, e in matched_spans(text, terms, analyzer)]
    assert marked == ["облыстарда"]  # облыстық shares a prefix and n-grams, not the stem


def test_parse_views_accepts_view_objects_and_dicts():
    assert parse_views([View("prefix", 6, 0.5)]) == parse_views([PREFIX6])
    assert parse_views(()) == ()


def test_readme_examples_hold():
    assert Analyzer(views=[{"kind": "prefix", "size": 6, "weight": 0.5}])("мектептердегі оқушылар") == \
        ["мектеп", "~мектеп", "оқуш", "~оқушыл"]
    assert Analyzer(views=[View("ngrams", 4, weight=0.15)])("үйлер") == ["үй", "^_үйл", "^үйле", "^йлер", "^лер_"]


def test_a_typo_is_corrected_on_stems_and_keeps_its_own_views():
    index = Index(analyzer=Analyzer(views=[PREFIX6]))
    index.add(DOCS)
    terms = [index.vocabulary.term(t) for t, _ in index.query_terms("мектептердің оқушыңары")]
    assert "оқуш" in terms and not any(t.startswith("~оқушың") for t in terms)


def test_phrases_match_stems_not_views():
    index = Index(analyzer=Analyzer(views=[PREFIX6]))
    index.add(["мектебіміздің оқушылары келді", "оқушылары мектебіміздің"], ids=["a", "b"])
    assert [h.id for h in index.search('"мектептің оқушылары"')] == ["a"]


def test_index_highlight_never_marks_a_word_for_a_view_alone():
    text = "Облыстық олимпиада облыстарда өтті"
    for views in ([PREFIX6], [PREFIX6, GRAMS4]):
        index = Index(analyzer=Analyzer(views=views))
        index.add([text], ids=["x"])
        hit = index.search("облыстар")[0]  # found (облыс), and облыстық shares ~облыст with the query
        for query in ("облыстар", "облыстар олимпиада", "облыстар -жоқ"):
            spans = index.highlight(hit, query).spans
            assert "Облыстық" not in [text[s:e] for s, e in spans] and "облыстарда" in [text[s:e] for s, e in spans]


def test_service_snippets_never_mark_a_word_for_a_view_alone():
    from kzsearch.server.engine import SearchEngine

    text = "Облыстық олимпиада облыстарда өтті"
    index = Index(analyzer=Analyzer(views=[PREFIX6]))
    index.add([text, "облыстық мектеп"], ids=["x", "y"])
    found = {h.id: [text[s:e] for s, e in h.spans] for h in SearchEngine(index).search("облыстар").hits}
    assert found["x"] == ["облыстарда"] and found.get("y", []) == []
