"""Highlighting and the query language with the Kazakh analyzer (restoration included)."""
import json

import pytest

from kzsearch import Index, Phrase, Term
from kzsearch.cli import main
from kzsearch.query.highlight import Highlight

TEXTS = {
    "a": "Облыстың бюджетін бекітті. Мектеп бюджеті де бар.",
    "b": "Денсаулық сақтау ұйымдарына бюджет бөлінді.",
    "c": "Мектептердегі оқушылар сабаққа келді.",
}


@pytest.fixture(scope="module")
def index():
    idx = Index(background_merges=False)
    idx.add(list(TEXTS.values()), ids=list(TEXTS))
    return idx


def marked(index, query, doc_id):
    hit = next(h for h in index.search(query) if h.id == doc_id)
    h = index.highlight(hit, query)
    return [TEXTS[doc_id][s:e] for s, e in h.spans]


def test_phrase_finds_inflected_forms_and_is_marked_whole(index):
    assert [h.id for h in index.search('"облыс бюджеті"')] == ["a"]
    assert marked(index, '"облыс бюджеті"', "a") == ["Облыстың бюджетін"]


def test_restored_queries_mark_the_right_words(index):
    assert marked(index, "денсаулык сактау", "b") == ["Денсаулық", "сақтау"]
    assert marked(index, '"денсаулык сактау"', "b") == ["Денсаулық сақтау"]
    assert marked(index, "densaulyq saqtau", "b") == ["Денсаулық", "сақтау"]


def test_restoration_applies_to_the_words_of_a_parsed_query(index):
    assert [h.id for h in index.search('+денсаулык -мектеп')] == ["b"]
    assert [h.id for h in index.search(Phrase("денсаулык сактау"))] == ["b"]


def test_excluded_words_are_not_marked(index):
    assert marked(index, "+бюджет -мектеп", "b") == ["бюджет"]
    assert marked(index, "бюджет NOT мектеп", "b") == ["бюджет"]


def test_prefix_marks_its_expansions(index):
    assert marked(index, "мекте*", "c") == ["Мектептердегі"]


def test_markers_and_width(index):
    hit = index.search("сақтау")[0]
    h = index.highlight(hit, "сақтау", markers=("<mark>", "</mark>"))
    assert isinstance(h, Highlight)
    assert h.snippet == "Денсаулық <mark>сақтау</mark> ұйымдарына бюджет бөлінді."
    assert index.highlight(TEXTS["b"], Term("бюджет")).snippet.count("[бюджет]") == 1
    with pytest.raises(TypeError, match="markers"):
        index.highlight(hit, "сақтау", markers="<>")
    with pytest.raises(ValueError, match="width"):
        index.highlight(hit, "сақтау", width=0)
    with pytest.raises(TypeError, match="hit"):
        index.highlight(3, "сақтау")


def test_cli_snippets_mark_restored_words(capsys):
    assert main(["search", "денсаулык сактау", "-k", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "[денсаулық] [сақтау]" in out["hits"][0]["snippet"].lower()


def test_stopwords_leave_gaps_a_phrase_does_not_jump():
    idx = Index()
    idx.add(["облыс және бюджет", "облыс бюджеті"], ids=["gap", "tight"])
    assert [h.id for h in idx.search('"облыс бюджеті"')] == ["tight"]
    assert [h.id for h in idx.search('"облыс пен бюджет"')] == ["gap"]    # a stopword holds the gap
    assert sorted(h.id for h in idx.search('"облыс бюджеті"~1')) == ["gap", "tight"]
    hit = idx.search('"облыс пен бюджет"')[0]
    assert idx.highlight(hit, '"облыс пен бюджет"').snippet == "[облыс және бюджет]"


def test_cli_marks_a_phrase_whole(capsys):
    assert main(["search", '"облыс бюджеті" -мектеп', "-k", "1"]) == 0
    assert "[облыс бюджетіне]" in capsys.readouterr().out


def test_readme_query_language_example_runs_as_commented():
    """Each search in README's query-language example returns the ids its comment lists."""
    import ast
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(from kzsearch import Bool, Index.*?)```", readme, re.S).group(1)
    lines = block.splitlines()
    env: dict = {}
    checked = 0
    for statement in ast.parse(block).body:
        source = ast.get_source_segment(block, statement)
        comment = lines[statement.end_lineno - 1].partition("  # ")[2]
        if isinstance(statement, ast.Expr) and comment:
            expected = comment.split("(")[0].replace(" ", "").split(",")
            assert [h.id for h in eval(source, env)] == expected, source
            checked += 1
        else:
            exec(source, env)
    assert checked == 4
