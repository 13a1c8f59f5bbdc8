"""Text fields and BM25F: scores against a brute-force reference implementation."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kzsearch import Index
from kzsearch.engine.fields import Field

WORDS = ["a", "b", "c", "d", "e"]
METHODS = ["lucene", "okapi", "bm25l", "bm25+"]


def reference_bm25f(docs, fields, query, method, k1=1.5, b=0.75, epsilon=0.25, delta=None):
    """Scores of every document by the issue's formula, computed the slow way."""
    delta = {"bm25l": 0.5, "bm25+": 1.0}.get(method, 0.5) if delta is None else delta
    names = list(fields)
    n = len(docs)
    lens = {f: [len(d.get(f, "").split()) for d in docs] for f in names}
    avg = {f: sum(lens[f]) / n for f in names}

    def idf(df):
        if method == "lucene":
            return math.log(1 + (n - df + 0.5) / (df + 0.5))
        if method == "okapi":
            return math.log(n - df + 0.5) - math.log(df + 0.5)
        if method == "bm25l":
            return math.log(n + 1) - math.log(df + 0.5)
        return math.log((n + 1) / df)

    vocab = {t for d in docs for f in names for t in d.get(f, "").split()}
    dfs = {t: sum(any(t in d.get(f, "").split() for f in names) for d in docs) for t in vocab}
    mean_idf = sum(idf(dfs[t]) for t in vocab) / len(vocab) if vocab else 0.0
    scores = [0.0] * n
    for term in query.split():
        if term not in dfs:
            continue
        term_idf = idf(dfs[term])
        if method == "okapi" and term_idf < 0:
            term_idf = epsilon * mean_idf
        for i, d in enumerate(docs):
            tf = 0.0
            for f in names:
                weight, fb = fields[f]
                fb = b if fb is None else fb
                tf_f = d.get(f, "").split().count(term)
                norm = 1 - fb + fb * (lens[f][i] / avg[f] if avg[f] else 0.0)
                if tf_f:
                    tf += weight * tf_f / norm
            if tf == 0:
                continue
            if method == "lucene":
                scores[i] += term_idf * tf / (k1 + tf)
            elif method == "okapi":
                scores[i] += term_idf * tf * (k1 + 1) / (tf + k1)
            elif method == "bm25l":
                scores[i] += term_idf * (k1 + 1) * (tf + delta) / (k1 + tf + delta)
            else:
                scores[i] += term_idf * (delta + tf * (k1 + 1) / (k1 + tf))
    return scores


texts = st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)
documents = st.lists(st.fixed_dictionaries({"title": texts, "text": texts}), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(documents, st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join),
       st.sampled_from(METHODS), st.floats(0.5, 3.0), st.sampled_from([None, 0.0, 0.3, 1.0]))
def test_bm25f_matches_the_reference(docs, query, method, title_weight, title_b):
    fields = {"title": (title_weight, title_b), "text": (1.0, None)}
    index = Index(analyzer=str.split, method=method,
                  fields={"title": Field(title_weight, title_b), "text": 1.0})
    index.add(docs)
    expected = reference_bm25f(docs, fields, query, method)
    hits = index.search(query, k=len(docs))
    got = {h.id: h.score for h in hits}
    for i, score in enumerate(expected):
        if str(i) in got:
            assert got[str(i)] == pytest.approx(score, rel=1e-9, abs=1e-12)
        else:
            assert score == 0.0 or all(t not in (docs[i]["title"] + " " + docs[i]["text"]).split()
                                       for t in query.split())


@settings(max_examples=30, deadline=None)
@given(documents, st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join),
       st.data())
def test_bm25f_statistics_exact_after_delete_merge_and_update(docs, query, data):
    """Scores equal a fresh index over the surviving documents, however segments are split."""
    index = Index(analyzer=str.split, fields={"title": 2.0, "text": 1.0}, background_merges=False)
    for i, d in enumerate(docs):
        index.add([dict(d, id=str(i))])
    dead = data.draw(st.sets(st.integers(0, len(docs) - 1), max_size=len(docs) - 1))
    if dead:
        index.delete([str(i) for i in dead])
    if data.draw(st.booleans()):
        index.optimize()
    fresh = Index(analyzer=str.split, fields={"title": 2.0, "text": 1.0})
    fresh.add([dict(d, id=str(i)) for i, d in enumerate(docs) if i not in dead])
    got = [(h.id, h.score) for h in index.search(query, k=100)]
    want = [(h.id, h.score) for h in fresh.search(query, k=100)]
    assert [i for i, _ in got] == [i for i, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_one_field_scores_are_bit_identical_to_plain_texts(method):
    rng = np.random.default_rng(1)
    texts_ = [" ".join(rng.choice(WORDS, size=rng.integers(0, 9))) for _ in range(50)]
    plain = Index(analyzer=str.split, method=method)
    plain.add(texts_)
    as_dicts = Index(analyzer=str.split, method=method, fields={"body": 1.0})
    as_dicts.add([{"body": t} for t in texts_])
    for q in ["a", "b c", "e e d", "a b c d e"]:
        want = [(h.id, h.score) for h in plain.search(q, k=50)]
        assert [(h.id, h.score) for h in as_dicts.search(q, k=50)] == want  # exact, not approx


def test_title_weight_lifts_title_matches():
    index = Index(fields={"title": 3.0, "text": 1.0})
    index.add([{"id": "body", "title": "Ауа райы", "text": "Мектеп жөндеуден өтті, мектеп ашылды"},
               {"id": "title", "title": "Мектеп жөндеуі", "text": "Жұмыстар аяқталды"}])
    assert [h.id for h in index.search("мектеп")][0] == "title"


def test_fields_are_checked():
    with pytest.raises(TypeError, match="fields"):
        Index(fields=["title"])
    with pytest.raises(ValueError, match="title"):
        Index(fields={"title": -1.0})
    with pytest.raises(ValueError, match="b"):
        Index(fields={"title": Field(1.0, b=2.0)})
    with pytest.raises(ValueError, match="id"):
        Index(fields={"id": 1.0})


def test_text_field_that_is_not_a_string_is_a_type_error_before_any_change():
    index = Index(fields={"title": 2.0, "text": 1.0})
    index.add([{"id": "a", "title": "облыс", "text": "бюджет"}])
    with pytest.raises(TypeError, match="'b'.*title"):
        index.add([{"id": "ok", "text": "мектеп"}, {"id": "b", "title": 5, "text": "x"}])
    assert len(index) == 1 and "ok" not in index and "мектеп" not in index.vocabulary


def test_missing_field_is_empty_and_plain_strings_go_to_text():
    index = Index(fields={"title": 2.0, "text": 1.0})
    index.add(["облыс бюджеті", {"id": "t", "title": "облыс"}])
    assert {h.id for h in index.search("облыс")} == {"0", "t"}
    assert index.get("0") == {"id": "0", "text": "облыс бюджеті"}
    assert index.get("t") == {"id": "t", "title": "облыс", "text": ""}
