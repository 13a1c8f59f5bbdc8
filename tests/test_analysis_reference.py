"""The analyzer gives what it gave before its speed-up, for every setting pinned.

``data/analyzer_reference.json.xz`` holds 1,172 texts (the seed articles, a
sample of the vendored KazNERD, UD Kazakh-KTB and KazQAD texts and questions in
every typed variant, and made-up lines with Russian, Latin-script Kazakh,
addresses, numbers and odd characters) and, for seven analyzer settings, the
terms and positions the analyzer of main at commit ca0fbae made of them
(written by ``data/make_analyzer_reference.py``). Each setting is checked
with a fresh analyzer, which meets most words for the first time, then again
warm.
"""
import json
import lzma
from pathlib import Path

import pytest

from kzsearch.analysis import Analyzer

PATH = Path(__file__).resolve().parent / "data" / "analyzer_reference.json.xz"


@pytest.fixture(scope="module")
def reference():
    with lzma.open(PATH, "rt", encoding="utf-8") as f:
        return json.load(f)


def test_the_reference_covers_what_it_should(reference):
    texts = reference["texts"]
    assert len(texts) > 1000 and set(reference["outputs"]) == set(reference["configs"])
    default = reference["outputs"]["default"]
    assert len(default) == len(texts)
    terms = {t for out, _ in default for t in out}
    assert {"министерство", "gov.kz", "ісшара", "2027", "5,8", "ақш"} <= terms  # Russian, addresses, ...
    assert sum(len(out) for out, _ in default) > 13_000


@pytest.mark.parametrize("name", ["default", "recommended_views", "ngrams_and_prefix", "stem_prefix_6",
                                  "no_stopwords", "kazakh_only", "no_stemming"])
def test_same_terms_and_positions_as_before(reference, name):
    analyzer = Analyzer.from_config(reference["configs"][name])  # a config without views has none
    texts = reference["texts"][:: reference["stride"][name]]
    expected = reference["outputs"][name]
    assert len(texts) == len(expected)
    for warm in (False, True):
        wrong = []
        for i, (text, (terms, positions)) in enumerate(zip(texts, expected)):
            got = analyzer(text)
            got_terms, got_positions = analyzer.analyze_positions(text)
            if got != terms or got_terms != terms or got_positions != positions:
                wrong.append((i, text[:60], [t for t in got if t not in terms][:5],
                              [t for t in terms if t not in got][:5]))
        assert wrong == [], f"{name}, {'warm' if warm else 'fresh'}: {len(wrong)} texts differ, e.g. {wrong[:3]}"
