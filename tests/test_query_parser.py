"""The query string syntax: what each construct parses to, and leniency on anything else."""
import pytest
from hypothesis import given, settings, strategies as st

from kzsearch import Bool, Phrase, Prefix, Term, parse
from kzsearch.query.parser import parse_query, structured_query


def words(*texts):
    return Bool(should=tuple(Term(t) for t in texts))


@pytest.mark.parametrize("text, expected", [
    ("облыс бюджеті", words("облыс", "бюджеті")),
    ('"облыс бюджеті"', Phrase("облыс бюджеті")),
    ('"облыс бюджеті"~3', Phrase("облыс бюджеті", slop=3)),
    ('"облыс бюджеті"~ x', Bool(should=(Phrase("облыс бюджеті"), Term("x")))),
    ("+мектеп -бюджет", Bool(must=(Term("мектеп"),), must_not=(Term("бюджет"),))),
    ("мектеп AND оқушы", Bool(must=(Term("мектеп"), Term("оқушы")))),
    ("мектеп OR оқушы", Bool(should=(Term("мектеп"), Term("оқушы")))),
    ("мектеп NOT оқушы", Bool(should=(Term("мектеп"),), must_not=(Term("оқушы"),))),
    ("мектеп AND NOT оқушы", Bool(must=(Term("мектеп"),), must_not=(Term("оқушы"),))),
    ("(a OR b) AND c", Bool(must=(Bool(should=(Term("a"), Term("b"))), Term("c")))),
    ("a -(b c)", Bool(should=(Term("a"),), must_not=(Bool(should=(Term("b"), Term("c"))),))),
    ("title:мектеп", Term("мектеп", field="title")),
    ('title:"облыс бюджеті"~1', Phrase("облыс бюджеті", slop=1, field="title")),
    ("title:(a b)", Bool(should=(Term("a", field="title"), Term("b", field="title")))),
    ("мекте*", Prefix("мекте")),
    ("body:мекте*", Prefix("мекте", field="body")),
    ('-"a b" c', Bool(should=(Term("c"),), must_not=(Phrase("a b"),))),
])
def test_syntax(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, expected", [
    ('облыс "бюджеті', words("облыс", "бюджеті")),        # a lone quote is a space
    ("(облыс бюджеті", words("облыс", "бюджеті")),         # so is an unmatched parenthesis
    ("облыс) бюджеті", words("облыс", "бюджеті")),
    ("- облыс", words("-", "облыс")),                       # a dash with nothing after it is a word
    ("c++ іс-шара", words("c++", "іс-шара")),               # + and - inside words are letters
    ("https://gov.kz 10:30", words("https://gov.kz", "10:30")),   # not fields
    ("Мақсаты:білім", words("Мақсаты:білім")),              # field names are ASCII
])
def test_lenient_reading_is_plain_words(text, expected):
    query, syntax = parse_query(text)
    assert query == expected and not syntax


def test_with_the_index_fields_other_names_are_text():
    assert parse("title:мектеп", fields=("title", "text")) == Term("мектеп", field="title")
    assert parse_query("A:0 мектеп", fields=("text",)) == (words("A:0", "мектеп"), False)
    assert parse('x:"a b"', fields=("text",)) == Bool(should=(Term("x:"), Phrase("a b")))


def test_dangling_operators_are_dropped():
    assert parse("мектеп AND") == Term("мектеп") or parse("мектеп AND") == Bool(must=(Term("мектеп"),))
    assert parse("OR мектеп") == Term("мектеп")
    assert parse("AND") == Bool()
    assert parse("NOT") == Bool()
    assert parse("()") == Bool()


def test_slop_is_capped():
    assert parse('"a b"~99999999').slop == 10_000


def test_structured_query_routing():
    assert structured_query("облыс бюджеті") is None           # plain words: the fast path
    assert structured_query('"облыс бюджеті"', syntax=False) is None
    assert structured_query("+облыс") == Bool(must=(Term("облыс"),))
    q = Phrase("a b")
    assert structured_query(q) is q
    with pytest.raises(TypeError, match="query"):
        structured_query(5)
    with pytest.raises(TypeError, match="syntax"):
        structured_query("a", syntax="yes")


def test_query_objects_check_their_arguments():
    with pytest.raises(TypeError, match="text"):
        Term(5)
    with pytest.raises(ValueError, match="slop"):
        Phrase("a b", slop=-1)
    with pytest.raises(ValueError, match="max_expansions"):
        Prefix("a", max_expansions=0)
    with pytest.raises(TypeError, match=r"must\[0\]"):
        Bool(must=("a",))
    with pytest.raises(TypeError, match="field"):
        Term("a", field=1)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_no_string_makes_the_parser_raise(text):
    query, syntax = parse_query(text)
    assert isinstance(query, (Term, Phrase, Prefix, Bool))


SYNTAX_FREE = st.text(st.characters(blacklist_characters='"()*:+-', blacklist_categories=("Cs",)))


@settings(max_examples=300, deadline=None)
@given(SYNTAX_FREE)
def test_syntax_free_strings_parse_to_their_words(text):
    split = [w for w in text.split() if w not in ("AND", "OR", "NOT")]
    if len(split) != len(text.split()):
        return  # operators are syntax
    query, syntax = parse_query(text)
    assert not syntax
    assert query == words(*split)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", '"', "(", ")", "-", "+", "*", ":", "x:", "AND", "OR", "NOT",
                                 "~2", " ", '"a b"', "title:"]), max_size=12))
def test_syntax_soup_never_raises(parts):
    query, _ = parse_query("".join(parts))
    assert isinstance(query, (Term, Phrase, Prefix, Bool))
    query, _ = parse_query(" ".join(parts))
    assert isinstance(query, (Term, Phrase, Prefix, Bool))
