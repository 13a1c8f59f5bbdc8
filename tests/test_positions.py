"""Positions: the analyzer's, and the index's through merges, deletes and fields."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kzsearch import Analyzer, Index
from kzsearch.analysis.views import is_view_term
from kzsearch.engine.segment import FIELD_SHIFT, build_segment

ANALYZER = Analyzer()
HOSTILE = st.text(alphabet=st.sampled_from(list(
    "абвгдеәіңғүұқөһыжшзклмнопрстух АҚШ-та іс-шара 2025-2027 5,8 18.11.2025 55-ші .,;:'–—\"«»()?!@/"
    "https://www.gov.kz info@gov.kz covid-19 Министерство образования и науки qazaqstan şaruа \u0301\ud800\n\t")),
    max_size=80)


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_analyze_positions_gives_the_same_terms_as_the_analyzer(text):
    terms, positions = ANALYZER.analyze_positions(text)
    assert terms == ANALYZER(text)
    assert len(positions) == len(terms) and all(isinstance(p, int) and p >= 0 for p in positions)


def test_positions_leave_gaps_and_compounds_share_a_position():
    text = "Облыс және іс-шара 2025-2027 жылдары"
    terms, positions = Analyzer(views=()).analyze_positions(text)
    assert list(zip(terms, positions)) == [("облыс", 0), ("іс", 2), ("шара", 3), ("ісшара", 2),
                                           ("2025", 4), ("2027", 5), ("жыл", 6)]
    # Russian sentences and Latin-script Kazakh keep counting
    terms, positions = ANALYZER.analyze_positions("Мектеп салынды. Министерство образования и науки.")
    assert terms == ANALYZER("Мектеп салынды. Министерство образования и науки.")
    assert positions == sorted(positions)
    stems = [p for t, p in zip(terms, positions) if not is_view_term(t)]
    assert len(set(stems)) == len(stems) and set(positions) == set(stems)  # views ride on their word


def test_custom_analyzers_get_consecutive_positions():
    index = Index(analyzer=str.split)
    index.add(["a b a"])
    docs, tfs, offsets, positions = index._snapshot.term_positions(index.vocabulary.get("a"))
    assert docs.tolist() == [0] and tfs.tolist() == [2] and positions.tolist() == [0, 2]


def brute_positions(index, docs_by_id, fields, analyzer):
    """term -> {doc id: [encoded positions]} recomputed from the stored texts."""
    out = {}
    for doc_id, doc in docs_by_id.items():
        for f, name in enumerate(fields):
            terms, positions = analyzer(doc.get(name, ""))
            for t, p in zip(terms, positions):
                out.setdefault(t, {}).setdefault(doc_id, []).append(f << FIELD_SHIFT | p)
    return {t: {d: sorted(ps) for d, ps in per.items()} for t, per in out.items()}


def index_positions(index, term, field=None):
    snapshot = index._snapshot
    docs, tfs, offsets, positions = snapshot.term_positions(index.vocabulary.get(term), field)
    seg, local = snapshot.locate(docs)
    ids = [snapshot.segments[s].ids[d] for s, d in zip(seg.tolist(), local.tolist())]
    assert offsets[-1] == len(positions) and np.all(np.diff(offsets) == tfs)
    return {i: positions[offsets[n]:offsets[n + 1]].tolist() for n, i in enumerate(ids)}


WORDS = st.sampled_from(["a", "b", "c", "d"])
DOC = st.fixed_dictionaries({"title": st.lists(WORDS, max_size=4).map(" ".join),
                             "text": st.lists(WORDS, max_size=8).map(" ".join)})


@settings(max_examples=60, deadline=None)
@given(st.lists(DOC, min_size=1, max_size=20), st.integers(1, 6), st.data())
def test_positions_match_brute_force_through_merges_and_deletes(docs, split, data):
    fields = ["title", "text"]
    index = Index(analyzer=str.split, fields={"title": 2.0, "text": 1.0}, background_merges=False)
    for i in range(0, len(docs), split):
        index.add([dict(d, id=str(j)) for j, d in enumerate(docs[i:i + split], start=i)])
    dead = data.draw(st.sets(st.sampled_from([str(i) for i in range(len(docs))]), max_size=len(docs)))
    index.delete(list(dead))
    if data.draw(st.booleans()):
        index.optimize()
    live = {str(i): d for i, d in enumerate(docs) if str(i) not in dead}
    expected = brute_positions(index, live, fields, lambda t: (t.split(), list(range(len(t.split())))))
    for term in "abcd":
        if term not in index.vocabulary:
            continue
        assert index_positions(index, term) == expected.get(term, {})
        for f in range(2):
            want = {d: [p for p in ps if p >> FIELD_SHIFT == f] for d, ps in expected.get(term, {}).items()}
            assert index_positions(index, term, f) == {d: ps for d, ps in want.items() if ps}


def test_kazakh_positions_in_the_index_match_the_analyzer():
    texts = ["Облыс және іс-шара 2025-2027 жылдары", "іс-шара өтті, облыс бюджеті", "Облыс"]
    index = Index(background_merges=False)
    for t in texts:
        index.add([t])
    index.optimize()
    live = {str(i): {"text": t} for i, t in enumerate(texts)}
    expected = brute_positions(index, live, ["text"], ANALYZER.analyze_positions)
    for term in ["облыс", "іс", "ісшара", "2027"]:
        assert index_positions(index, term) == expected[term]


def test_positions_false_keeps_none():
    index = Index(positions=False)
    index.add(["облыс бюджеті"])
    assert index.segments[0].positions is None
    with pytest.raises(ValueError, match="positions"):
        index._snapshot.term_positions(0)


def test_packed_and_argsort_inversion_agree():
    rng = np.random.default_rng(0)
    term_ids = rng.integers(0, 50, size=400).astype(np.int32)
    doc_len = np.full(20, 20)
    # within a document positions need not come in token order (a compound's whole)
    positions = np.tile(np.arange(20, dtype=np.int32)[::-1], 20) | np.int32(100 << FIELD_SHIFT)
    small = build_segment(term_ids, doc_len, positions=positions)
    huge = build_segment(term_ids + np.int32(2 ** 30), doc_len, positions=positions)  # no room to pack
    starts = small.pos_offsets
    assert all(np.all(np.diff(small.positions[a:b]) > 0) for a, b in zip(starts[:-1], starts[1:]))
    assert small.docs.tolist() == huge.docs.tolist() and small.tfs.tolist() == huge.tfs.tolist()
    assert small.positions.tolist() == huge.positions.tolist()
    assert small.pos_offsets.tolist() == huge.pos_offsets.tolist()


def test_merge_gathers_positions_in_chunks(monkeypatch):
    import random

    import kzsearch.engine.segment as segment

    monkeypatch.setattr(segment, "MERGE_CHUNK", 7)
    rng = random.Random(0)
    docs = [" ".join(rng.choices("abcdef", k=rng.randint(0, 30))) for _ in range(120)]
    merged = Index(analyzer=str.split, background_merges=False)
    for i in range(0, len(docs), 13):
        merged.add([(str(j), d) for j, d in enumerate(docs[i:i + 13], start=i)])
    merged.delete([str(i) for i in range(0, len(docs), 7)])
    merged.optimize()
    fresh = Index(analyzer=str.split)
    fresh.add([(str(i), d) for i, d in enumerate(docs) if i % 7])
    for term in "abcdef":
        got = merged._snapshot.term_positions(merged.vocabulary.get(term))
        want = fresh._snapshot.term_positions(fresh.vocabulary.get(term))
        assert all(np.array_equal(g, w) for g, w in zip(got, want))
