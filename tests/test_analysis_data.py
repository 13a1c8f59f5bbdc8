"""The shipped word lists, and the analyzer on the bundled seed articles."""
import re

import pytest

from kzsearch.analysis import Analyzer
from kzsearch.analysis.wordlists import DATA, load_pairs, load_words
from kzsearch.corpus import seed_documents

CYRILLIC_WORD = re.compile("[а-яёәғқңөұүһі]+")


@pytest.mark.parametrize("name", ["stems_kk.txt", "verbs_kk.txt", "stopwords_kk.txt",
                                  "stopwords_ru.txt"])
def test_word_lists_are_lowercase_cyrillic(name):
    words = load_words(name)
    assert len(words) > 50
    bad = sorted(w for w in words if not CYRILLIC_WORD.fullmatch(w))
    assert bad == []


def test_word_lists_are_attributed():
    for path in DATA.glob("*.txt"):
        assert "Written for kzsearch" in path.read_text(encoding="utf-8"), path.name


def test_abbreviations():
    assert load_pairs("abbreviations_kk.txt")["ж"] == "жыл"


def test_seed_articles():
    analyze = Analyzer()
    terms = {doc_id: analyze(text) for doc_id, text in seed_documents()}
    assert len(terms) == 5 and all(terms.values())
    budget = terms["west-kazakhstan-budget-revised-2025"]
    # the seeds' typing accidents: көздерi, жүйелерiнен with a Latin i
    assert "көз" in budget and "жүйе" in budget
    assert {"2025", "2027", "5,8", "миллиард", "теңге"} <= set(budget)
    assert "gov.kz" in terms["west-kazakhstan-deputies-city-to-village"]
    # «АМАNАТ» with a Latin N meets the Cyrillic spelling
    faction = terms["west-kazakhstan-amanat-faction-meeting"]
    assert "аманат" in faction
