"""Every query operator against a brute force over the analysed texts (terms and their positions).

The brute force reads each live document's terms, counts term and phrase
frequencies by enumeration and scores with Lucene's BM25 written out by hand;
the index must return the same documents with the same scores, and explain
must add up to each hit's score.
"""
import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kzsearch import Bool, Index, Phrase, Prefix, Term
from kzsearch.engine import searcher
from kzsearch.query import execute

K1, B = 1.5, 0.75


def empty(query):
    """Whether a query has no word to search for."""
    if isinstance(query, Bool):
        return all(empty(q) for q in query.must + query.should + query.must_not)
    return not query.text.split()


class BruteForce:
    """Lucene BM25 over the live documents' analysed texts, by enumeration."""

    def __init__(self, index):
        self.index = index
        self.docs = {doc_id: index.analyzer(index.get(doc_id)["text"]) for doc_id in index.ids()}
        self.n = len(self.docs)
        self.avgdl = sum(map(len, self.docs.values())) / self.n

    def df(self, term):
        return sum(term in terms for terms in self.docs.values())

    def idf(self, term):
        df = self.df(term)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def bm25(self, tf, idf, terms):
        return idf * tf / (K1 * (1 - B + B * len(terms) / self.avgdl) + tf)

    def phrase_tf(self, terms, words, slop):
        where = [[p for p, t in enumerate(terms) if t == w] for w in words]
        count = 0
        for anchor in where[0]:
            for choice in itertools.product(*where[1:]):
                adjusted = [anchor] + [p - q for q, p in enumerate(choice, 1)]
                if max(adjusted) - min(adjusted) <= slop:
                    count += 1
                    break
        return count

    def expansions(self, prefix, cap):
        vocab = self.index.vocabulary
        live = [t for t in vocab.terms if t.startswith(prefix) and self.df(t) > 0]
        live.sort(key=lambda t: (-self.df(t), vocab.get(t)))
        return live[:cap]

    def score(self, query, terms):
        """(matches, score) of one document for ``query``."""
        if isinstance(query, Term):
            tf = terms.count(query.text)
            return tf > 0, self.bm25(tf, self.idf(query.text), terms) if tf else 0.0
        if isinstance(query, Phrase):
            words = query.text.split()
            if len(words) == 1:
                return self.score(Term(words[0]), terms)
            tf = self.phrase_tf(terms, words, query.slop)
            idf = sum(self.idf(w) for w in words)
            return tf > 0, self.bm25(tf, idf, terms) if tf else 0.0
        if isinstance(query, Prefix):
            return self.score(Bool(should=tuple(Term(t) for t in self.expansions(
                query.text, query.max_expansions))), terms)
        # a clause with no searchable word (an empty group) is dropped, as a stopword is
        must = [self.score(q, terms) for q in query.must if not empty(q)]
        should = [self.score(q, terms) for q in query.should if not empty(q)]
        if not all(m for m, _ in must) or (not must and not any(m for m, _ in should)):
            return False, 0.0
        if any(self.score(q, terms)[0] for q in query.must_not if not empty(q)):
            return False, 0.0
        return True, sum(s for m, s in must + should if m)

    def search(self, query):
        out = {}
        for doc_id, terms in self.docs.items():
            matched, score = self.score(query, terms)
            if matched:
                out[doc_id] = score
        return out


WORDS = ["aa", "ab", "ba", "bb", "c"]
word = st.sampled_from(WORDS)
leaf = st.one_of(
    word.map(Term),
    st.builds(lambda ws, slop: Phrase(" ".join(ws), slop=slop),
              st.lists(word, min_size=1, max_size=3), st.integers(0, 3)),
    st.builds(lambda p, cap: Prefix(p, max_expansions=cap), st.sampled_from(["a", "b", "c"]),
              st.integers(1, 3)),
)
clauses = st.lists(st.deferred(lambda: query), max_size=2).map(tuple)
query = st.one_of(leaf, leaf, st.builds(Bool, clauses, clauses, clauses))
collection = st.lists(st.lists(word, max_size=8).map(" ".join), min_size=1, max_size=12)


def check(index, q, reference=None):
    """Every hit and score of ``q`` equal the brute force's; explain adds up to each score."""
    expected = (reference or BruteForce)(index).search(q)
    hits = index.search(q, k=1000)
    got = {h.id: h.score for h in hits}
    assert got.keys() == expected.keys()
    for doc_id, score in got.items():
        assert score == pytest.approx(expected[doc_id], rel=1e-9, abs=1e-12)
    for h in hits:
        assert index.explain(q, h.id).value == h.score


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=collection, q=query)
def test_operators_agree_with_brute_force(texts, q):
    index = Index(analyzer=str.split, background_merges=False)
    index.add(texts)
    check(index, q)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=collection, more=collection, q=query, data=st.data())
def test_after_deletes_and_merges(texts, more, q, data):
    index = Index(analyzer=str.split, background_merges=False)
    index.add(texts)
    index.add(more)
    ids = list(index.ids())
    gone = data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids) - 1))
    index.delete(gone)
    if data.draw(st.booleans()):
        index.optimize()
    check(index, q)


def split_words(text):
    return re.findall(r"\w+", text.lower())


@pytest.fixture
def index():
    idx = Index(analyzer=split_words, background_merges=False)
    idx.add(["облыс бюджет бекіт", "бюджет облыс", "мектеп оқушы облыс", "мектеп бюджет"],
            ids=["a", "b", "c", "d"])
    return idx


def ids(hits):
    return [h.id for h in hits]


def test_query_strings(index):
    assert ids(index.search('"облыс бюджет"')) == ["a"]
    assert sorted(ids(index.search('"облыс бюджет"~2'))) == ["a", "b"]
    assert sorted(ids(index.search("облыс -бюджет"))) == ["c"]
    assert sorted(ids(index.search("+мектеп бюджет"))) == ["c", "d"]
    assert ids(index.search("+мектеп бюджет"))[0] == "d"
    assert ids(index.search("мектеп AND бюджет")) == ["d"]
    assert sorted(ids(index.search("мект*"))) == ["c", "d"]
    assert index.search("-бюджет") == []              # nothing to rank: no match
    assert ids(index.search("text:мектеп AND text:оқушы")) == ["c"]


def test_syntax_off_reads_plain_words(index):
    plain = index.search("облыс бюджет")
    assert index.search('"облыс бюджет"', syntax=False) == plain
    assert index.search("-бюджет облыс", syntax=False) == index.search("бюджет облыс")


def test_unknown_field_reads_as_text_in_strings_and_is_a_value_error_in_objects(index):
    assert index.search("title:мектеп") == index.search("title:мектеп", syntax=False)
    with pytest.raises(ValueError, match="'title'"):
        index.search(Term("мектеп", field="title"))


def test_phrases_need_positions():
    idx = Index(analyzer=str.split, positions=False)
    idx.add(["a b"])
    with pytest.raises(ValueError, match="positions"):
        idx.search('"a b"')
    assert ids(idx.search("a b")) == ["0"]             # words still work


def test_bad_query_types(index):
    with pytest.raises(TypeError, match="query"):
        index.search(["облыс"])
    with pytest.raises(TypeError, match="syntax"):
        index.search("облыс", syntax=1)


@settings(max_examples=100, deadline=None)
@given(texts=collection, words=st.lists(word, min_size=1, max_size=4))
def test_plain_words_take_the_fast_path_and_rank_as_before(texts, words):
    index = Index(analyzer=str.split, background_merges=False)
    index.add(texts)
    query_text = " ".join(words)
    terms = index.query_terms(query_text)
    positions, scores = searcher.search(index._snapshot, terms, 1000, "lucene", index.settings.params,
                                        len(index.vocabulary))
    before = [(index._hits(index._snapshot, positions, scores))]
    called = []
    real = execute.search
    execute.search = lambda *a, **k: called.append(1) or real(*a, **k)
    try:
        assert [index.search(query_text, k=1000)] == before
    finally:
        execute.search = real
    assert not called
    # the same words as query objects score the same (distinct words: same sums in the same order)
    distinct = list(dict.fromkeys(words))
    as_objects = index.search(Bool(should=tuple(Term(w) for w in distinct)), k=1000)
    assert {h.id: h.score for h in as_objects} == pytest.approx(
        {h.id: h.score for h in index.search(" ".join(distinct), k=1000)})
    for h in before[0]:
        assert index.explain(query_text, h.id).value == h.score


def test_explain_reports_the_factors(index):
    e = index.explain("облыс", "a")
    facts = e.details[0].facts
    assert facts["tf"] == 1 and facts["df"] == 3 and facts["n_docs"] == 4
    assert facts["field_length"] == 3 and facts["avg_field_length"] == 2.5
    assert facts["idf"] == pytest.approx(math.log(1 + (4 - 3 + 0.5) / 3.5))
    missing = index.explain("облыс -бекіт", "a")
    assert not missing.match and missing.value == 0 and "excluded" in missing.description
    with pytest.raises(KeyError):
        index.explain("облыс", "nope")


def test_prefix_expansion_is_capped_most_frequent_first():
    idx = Index(analyzer=str.split)
    idx.add(["мектеп мекен", "мектеп", "мекеме мектеп", "мекен"])
    hits = idx.search(Prefix("мек", max_expansions=1))
    assert sorted(ids(hits)) == ["0", "1", "2"]        # only мектеп (df 3)
    e = idx.explain(Prefix("мек", max_expansions=2), "0")
    assert {d.description.split("'")[1] for d in e.details} == {"мектеп", "мекен"}


class BruteForceFields(BruteForce):
    """BM25F over two text fields (title weight 2, text weight 1), by enumeration."""

    FIELDS = {"title": 2.0, "text": 1.0}

    def __init__(self, index):
        self.index = index
        self.docs = {d: {f: index.analyzer(index.get(d)[f]) for f in self.FIELDS} for d in index.ids()}
        self.n = len(self.docs)
        self.avglen = {f: sum(len(doc[f]) for doc in self.docs.values()) / self.n for f in self.FIELDS}

    def df(self, term):
        return sum(any(term in doc[f] for f in self.FIELDS) for doc in self.docs.values())

    def factor(self, doc, f, weight):
        denom = 1 - B + B * len(doc[f]) / self.avglen[f] if self.avglen[f] else 1 - B
        return weight / (denom or 1.0)

    def saturate(self, tilde, idf):
        return idf * tilde / (K1 + tilde)

    def frequencies(self, doc, field, count):
        """tf~ from per-field frequencies ``count(tokens)`` (weights only for the whole document)."""
        if field is None:
            return sum(count(doc[f]) * self.factor(doc, f, w) for f, w in self.FIELDS.items())
        return count(doc[field]) * self.factor(doc, field, 1.0)

    def score(self, query, doc):
        if isinstance(query, Term):
            present = [f for f in self.FIELDS if query.field in (None, f) and query.text in doc[f]]
            tilde = self.frequencies(doc, query.field, lambda tokens: tokens.count(query.text))
            return bool(present), self.saturate(tilde, self.idf(query.text)) if present else 0.0
        if isinstance(query, Phrase):
            words = query.text.split()
            if len(words) == 1:
                return self.score(Term(words[0], field=query.field), doc)
            tilde = self.frequencies(doc, query.field, lambda tokens: self.phrase_tf(tokens, words, query.slop))
            return tilde > 0, self.saturate(tilde, sum(self.idf(w) for w in words)) if tilde else 0.0
        if isinstance(query, Prefix):
            return self.score(Bool(should=tuple(Term(t, field=query.field) for t in self.expansions(
                query.text, query.max_expansions))), doc)
        return super().score(query, doc)


field_name = st.sampled_from([None, "title", "text"])
field_leaf = st.one_of(
    st.builds(Term, word, field_name),
    st.builds(lambda ws, slop, f: Phrase(" ".join(ws), slop=slop, field=f),
              st.lists(word, min_size=1, max_size=3), st.integers(0, 2), field_name),
    st.builds(lambda p, f: Prefix(p, field=f, max_expansions=2), st.sampled_from(["a", "b"]), field_name),
)
field_clauses = st.lists(st.deferred(lambda: field_query), max_size=2).map(tuple)
field_query = st.one_of(field_leaf, field_leaf, st.builds(Bool, field_clauses, field_clauses, field_clauses))
field_docs = st.lists(st.fixed_dictionaries({"title": st.lists(word, max_size=3).map(" ".join),
                                             "text": st.lists(word, max_size=7).map(" ".join)}),
                      min_size=1, max_size=10)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=field_docs, q=field_query, delete=st.booleans())
def test_fields_agree_with_brute_force_bm25f(docs, q, delete):
    index = Index(analyzer=str.split, background_merges=False, fields=BruteForceFields.FIELDS)
    index.add(docs[: len(docs) // 2 + 1])
    index.add(docs[len(docs) // 2 + 1:])
    if delete and len(index) > 1:
        index.delete(["0"])
    check(index, q, BruteForceFields)


def test_field_syntax():
    index = Index(analyzer=str.split, fields={"title": 2.0, "text": 1.0})
    index.add([{"id": "a", "title": "мектеп жаңалықтары", "text": "облыс бюджеті"},
               {"id": "b", "title": "облыс бюджеті", "text": "мектеп жаңалықтары"}])
    assert ids(index.search("title:мектеп")) == ["a"]
    assert ids(index.search('title:"облыс бюджеті"')) == ["b"]
    assert ids(index.search('text:"облыс бюджеті"')) == ["a"]
    assert ids(index.search("мектеп -title:мектеп")) == ["b"]
    assert ids(index.search("title:(облыс OR жаңалықтары)")) == ["b", "a"] or \
        sorted(ids(index.search("title:(облыс OR жаңалықтары)"))) == ["a", "b"]
    with pytest.raises(ValueError, match="'body'"):
        index.search(Term("мектеп", field="body"))
    assert index.search("body:мектеп") == index.search("body:мектеп", syntax=False)


def test_filter_and_offset_apply_to_syntax_queries():
    index = Index(analyzer=str.split)
    index.add([{"id": str(i), "text": "облыс бюджеті" + " x" * i, "region": "A" if i % 2 else "B"}
               for i in range(6)])
    everything = ids(index.search('"облыс бюджеті"'))
    assert everything == ["0", "1", "2", "3", "4", "5"]          # shorter documents first
    assert ids(index.search('"облыс бюджеті"', filter={"region": "A"})) == ["1", "3", "5"]
    assert ids(index.search('"облыс бюджеті"', k=2, offset=2)) == ["2", "3"]
    assert ids(index.search('"облыс бюджеті" -x', filter={"region": "B"})) == ["0"]


def test_search_many_reads_the_syntax_too(index):
    queries = ['"облыс бюджет"', "облыс -бюджет", "мект*", "облыс бюджет"]
    assert index.search_many(queries, workers=1) == [index.search(q) for q in queries]


def test_count_counts_what_a_syntax_query_matches(index):
    assert index.count('"облыс бюджет"') == len(index.search('"облыс бюджет"', k=100)) == 1
    assert index.count("облыс -бюджет") == 1
    assert index.count("облыс бюджет") == 4                       # plain words: any of them
    assert index.count('"облыс бюджет"', syntax=False) == 4
    assert index.count(Prefix("мект")) == 2
    assert index.count("-бюджет") == 0


@pytest.mark.parametrize("k", [1, 3, 10])
def test_exclusions_on_the_pruned_path_equal_exhaustive_evaluation(k):
    from kzsearch.query.exclusion import MARGIN

    index = Index(analyzer=str.split)
    index.add(["a x"] * (MARGIN + 10) + ["a y y y"] * 5 + ["a b"] * 3)  # excluded documents rank first
    for q in ["a -x", "a b -x", "a -y", "a b -(x OR y)", "a -zzz"]:
        node = index._resolver(index._snapshot).resolve(kzsearch_parse(q))
        scorer = index._scorer(index._snapshot, index.settings.params, None)
        result = execute.evaluate(node, scorer)
        want = searcher.top_k(result.docs, result.scores, k)
        got = execute.search(node, scorer, k)
        assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist(), q


def kzsearch_parse(q):
    from kzsearch import parse
    return parse(q)
