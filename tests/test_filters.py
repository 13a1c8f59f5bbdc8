"""Metadata, filters, counts and pagination against brute force over the stored fields."""
import pytest
from hypothesis import given, settings, strategies as st

from kzsearch import Index
from kzsearch.engine.columns import parse_date

WORDS = ["a", "b", "c", "d"]
REGIONS = ["Түркістан", "Алматы", "Астана"]
DATES = ["2024-12-31", "2025-01-01", "2025-03-15T10:30:00", "2025-07-01"]
TAGS = ["бюджет", "мәслихат", "мектеп"]

document = st.fixed_dictionaries(
    {"text": st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)},
    optional={"region": st.sampled_from(REGIONS), "views": st.integers(0, 300),
              "date": st.sampled_from(DATES), "tags": st.lists(st.sampled_from(TAGS), max_size=3),
              "score": st.floats(-1, 1), "hot": st.booleans()})

condition = st.one_of(
    st.tuples(st.just("region"), st.one_of(st.sampled_from(REGIONS), st.lists(st.sampled_from(REGIONS),
                                                                              min_size=1, max_size=2))),
    st.tuples(st.just("tags"), st.one_of(st.sampled_from(TAGS), st.lists(st.sampled_from(TAGS), min_size=1))),
    st.tuples(st.just("views"), st.dictionaries(st.sampled_from(["gt", "gte", "lt", "lte"]),
                                                st.integers(0, 300), min_size=1)),
    st.tuples(st.just("date"), st.dictionaries(st.sampled_from(["gt", "gte", "lt", "lte"]),
                                               st.sampled_from(DATES), min_size=1)),
    st.tuples(st.just("hot"), st.booleans()),
    st.tuples(st.just("views"), st.integers(0, 300)),
)


def passes(doc, flt):
    """Brute force: does the stored document pass the filter?"""
    for key, spec in flt.items():
        if key not in doc:
            return False
        value = doc[key]
        if isinstance(spec, dict):
            v = parse_date(value) if key == "date" else value
            for op, bound in spec.items():
                bound = parse_date(bound) if key == "date" else bound
                if not {"gt": v > bound, "gte": v >= bound, "lt": v < bound, "lte": v <= bound}[op]:
                    return False
        else:
            wanted = spec if isinstance(spec, list) else [spec]
            have = value if isinstance(value, list) else [value]
            if key == "date":
                wanted, have = [parse_date(w) for w in wanted], [parse_date(h) for h in have]
            if not any(h == w and type(h) is type(w) for h in have for w in wanted):
                return False
    return True


def build(docs, split):
    index = Index(analyzer=str.split, background_merges=False)
    for i in range(0, len(docs), split):
        index.add([dict(d, id=str(j)) for j, d in enumerate(docs[i:i + split], start=i)])
    return index


@settings(max_examples=80, deadline=None)
@given(st.lists(document, min_size=1, max_size=25), st.lists(condition, max_size=3),
       st.sampled_from(WORDS), st.integers(1, 7), st.sets(st.integers(0, 24), max_size=5))
def test_filters_and_counts_match_brute_force(docs, conditions, query, split, dead):
    index = build(docs, split)
    dead = [str(i) for i in dead if i < len(docs)]
    index.delete(dead)
    flt = dict(conditions)
    known = {key for d in docs for key in d} - {"text"}
    if set(flt) - known:  # a key no document ever had is an unknown key
        with pytest.raises(ValueError, match="unknown key"):
            index.search(query, filter=flt)
        return
    live = {str(i): d for i, d in enumerate(docs) if str(i) not in dead}
    passing = {i for i, d in live.items() if passes(d, flt)}
    matching = {i for i in passing if query in live[i]["text"].split()}
    hits = index.search(query, k=len(docs), filter=flt)
    assert {h.id for h in hits} == matching
    assert index.count(filter=flt) == len(passing)
    assert index.count(query, filter=flt) == len(matching)
    # a filter never changes scores, only which documents compete
    unfiltered = {h.id: h.score for h in index.search(query, k=len(docs))}
    assert all(unfiltered[h.id] == h.score for h in hits)
    for h in hits:
        assert h.fields == dict(live[h.id], id=h.id)


@settings(max_examples=50, deadline=None)
@given(st.lists(document, min_size=1, max_size=30), st.sampled_from(WORDS + ["a b", "c d a"]),
       st.integers(0, 12), st.integers(0, 6))
def test_pagination_is_a_window_of_one_long_ranking(docs, query, offset, k):
    index = build(docs, 4)
    ranking = [(h.id, h.score) for h in index.search(query, k=len(docs) + 5)]
    page = [(h.id, h.score) for h in index.search(query, k=k, offset=offset)]
    assert page == ranking[offset:offset + k]


def test_filter_is_exact_top_k_when_few_documents_pass():
    index = Index(analyzer=str.split)
    index.add([{"text": "a " * (i % 5 + 1), "region": REGIONS[i % 3]} for i in range(300)])
    hits = index.search("a", k=10, filter={"region": "Астана"})
    assert len(hits) == 10 and all(h.fields["region"] == "Астана" for h in hits)


def test_bad_filters_name_the_problem():
    index = Index(analyzer=str.split)
    index.add([{"text": "a", "views": 3, "region": "Алматы", "date": "2025-01-01"}])
    with pytest.raises(ValueError, match="'nope'"):
        index.search("a", filter={"nope": 1})
    with pytest.raises(ValueError, match="'between'"):
        index.search("a", filter={"views": {"between": 1}})
    with pytest.raises(ValueError, match="region"):
        index.search("a", filter={"region": {"gt": "A"}})
    with pytest.raises(ValueError, match="date"):
        index.search("a", filter={"date": {"gt": "yesterday"}})
    with pytest.raises(TypeError, match="views"):
        index.search("a", filter={"views": "many"})
    with pytest.raises(ValueError, match="text field"):
        index.search("a", filter={"text": "a"})
    with pytest.raises(TypeError, match="filter"):
        index.search("a", filter="region=Алматы")
    with pytest.raises(TypeError, match="offset"):
        index.search("a", offset=1.5)
    with pytest.raises(ValueError, match="offset"):
        index.search("a", offset=-1)


def test_unsupported_metadata_is_a_type_error_naming_document_and_key():
    index = Index()
    index.add([{"id": "ok", "text": "облыс"}])
    for bad in ({"id": "x", "text": "a", "meta": {"nested": 1}}, {"id": "x", "text": "a", "tags": [1, 2]},
                {"id": "x", "text": "a", "when": b"2025"}):
        with pytest.raises(TypeError, match="'x'"):
            index.add([{"id": "fine", "text": "a"}, bad])
        assert len(index) == 1 and index.schema == {}


def test_a_key_keeps_its_kind():
    index = Index()
    index.add([{"text": "a", "date": "2025-01-01", "n": 1}])
    with pytest.raises(TypeError, match="'date'"):
        index.add([{"text": "b", "date": "ертең"}])
    index.add([{"text": "c", "n": 2.5}])  # ints widen to floats
    assert index.schema["n"] == "float"
    assert index.count(filter={"n": {"gt": 1.5}}) == 1 and index.count(filter={"n": 1}) == 1


def test_dates_with_times_and_offsets():
    index = Index()
    index.add([{"id": "a", "text": "x", "date": "2025-03-01T23:30:00+05:00"},
               {"id": "b", "text": "x", "date": "2025-03-01"}])
    assert index.count(filter={"date": {"lt": "2025-03-01T18:30:01Z"}}) == 2
    assert index.count(filter={"date": {"gte": "2025-03-01T18:30:00"}}) == 1
