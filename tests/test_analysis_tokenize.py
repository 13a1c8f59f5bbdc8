"""Tokenizer and the token filters for numbers, compounds and addresses."""
import pytest

from kzsearch.analysis import Analyzer
from kzsearch.analysis.analyzer import address_term, compound_parts, number_terms
from kzsearch.analysis.tokenize import tokenize


@pytest.mark.parametrize("text,tokens", [
    ("облыс бюджеті нақтыланды.", ["облыс", "бюджеті", "нақтыланды"]),
    ("5,8 миллиард", ["5,8", "миллиард"]),
    ("2025-2027 жылдарға", ["2025-2027", "жылдарға"]),
    ("55-ші конкурсы", ["55-ші", "конкурсы"]),
    ("үй-коммуналдық шаруашылығы", ["үй-коммуналдық", "шаруашылығы"]),
    ("ақш-та, еэа-ларды", ["ақш-та", "еэа-ларды"]),
    ("«аманат» — партия", ["аманат", "партия"]),
    ("info@gov.kz", ["info@gov.kz"]),
    ("https://www.gov.kz/memleket?lang=kk.", ["https://www.gov.kz/memleket?lang=kk"]),
])
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize("token,numbers,ending", [
    ("5,8", ["5,8"], ""), ("5.8", ["5,8"], ""),            # decimal comma, and point
    ("2025-2027", ["2025", "2027"], ""), ("2025–2027", ["2025", "2027"], ""),
    ("18.11.2025", ["18", "11", "2025"], ""),              # a date
    ("55-ші", ["55"], "ші"), ("2018-ге", ["2018"], "ге"),
])
def test_number_terms(token, numbers, ending):
    assert number_terms(token) == (numbers, ending)


@pytest.mark.parametrize("token,parts,whole", [
    ("ақш-та", ["ақш"], None), ("еэа-ларды", ["еэа"], None), ("бұұ-ның", ["бұұ"], None),
    ("іс-шара", ["іс", "шара"], "ісшара"),
    ("қасым-жомарт", ["қасым", "жомарт"], "қасымжомарт"),
    ("үй-коммуналдық", ["үй", "коммуналдық"], "үйкоммуналдық"),
])
def test_compound_parts(token, parts, whole):
    assert compound_parts(token) == (parts, whole)


def test_addresses():
    assert address_term("https://www.gov.kz/memleket/entities?lang=kk") == "gov.kz"
    assert address_term("info@gov.kz") == "info@gov.kz"


ANALYZED = {
    "2025-2027 жылдарға 5,8 миллиард теңге": ["2025", "2027", "жыл", "5,8", "миллиард", "теңге"],
    "Еуровидениенің 55-ші конкурсы": ["еуровидение", "55", "конкурс"],
    "АҚШ-та 1912 жылғы сайлау": ["ақш", "1912", "жыл", "сайла"],
    "ЕЭА-ларды": ["еэа"],
    "2018-ге дейін": ["2018"],
    "1990-жылдары": ["1990", "жыл"],
    "іс-шаралар": ["іс", "шара", "ісшара"],
    "т.б.": [],
    "Қ.Мұхаметжанов": ["қ", "мұхаметжанов"],
    "iKOMEK109": ["ikomek", "109"],
    "1846 ж. туған": ["1846", "жыл", "ту"],
    "XIX ғ.": ["19", "ғасыр"],
    "https://www.gov.kz/memleket/entities/maslihat-zko?lang=kk": ["gov.kz"],
}


@pytest.mark.parametrize("text,terms", ANALYZED.items())
def test_tokens_through_the_analyzer(text, terms):
    assert Analyzer(views=())(text) == terms  # stems only: the tokens' terms


def test_compounds_setting():
    assert Analyzer(compounds=False, views=())("іс-шаралар") == ["іс", "шара"]
