"""Language routing: Russian sentences to pymorphy3, everything else Kazakh."""
import pytest

from kzsearch.analysis import Analyzer
from kzsearch.analysis.language import KAZAKH, RUSSIAN, route, sentence_language
from kzsearch.analysis.russian import RussianLemmatizer


@pytest.mark.parametrize("sentence,lang", [
    ("Министерства образования и науки", RUSSIAN),
    ("Закон вступает в силу с 1 января.", RUSSIAN),
    ("Бұл сала бойынша жаңа заң қабылданды.", KAZAKH),
    ("Сала", KAZAKH),                      # a lone word is never routed by guessing
    ("сала и", KAZAKH),                    # too short to be a Russian sentence
    ("Проблема да осыдан туындап отыр.", KAZAKH),
    ("Алты процентпен несие алдым.", KAZAKH),
    ("Бала после этого ойнап кетті.", KAZAKH),  # Russian words in a Kazakh sentence
    ("Мырзабеков О., Организация стоматологической службы в условиях рыночной экономики",
     RUSSIAN),
])
def test_sentence_language(sentence, lang):
    assert sentence_language(sentence) == lang


def test_route_splits_runs():
    runs = route("Бұл жаңа заң. Закон вступает в силу. Ол күшіне енеді.")
    assert [lang for lang, _ in runs] == [KAZAKH, RUSSIAN, KAZAKH]


def test_russian_lemmas():
    assert Analyzer(views=())("Министерства образования и науки") == ["министерство", "образование",
                                                             "наука"]


def test_kazakh_word_is_not_a_russian_guess():
    # pymorphy3 would make сала (Kazakh "sector") into сало (Russian "lard")
    assert Analyzer(views=())("сала") == ["сала"]
    assert Analyzer(views=())("Бұл сала") == ["сала"]


def test_mixed_text():
    terms = Analyzer(views=())("Облыс әкімі сөз сөйледі. Министерства образования и науки провели совещание.")
    assert terms[:2] == ["облыс", "әкім"]
    assert "министерство" in terms and "совещание" in terms


def test_russian_off():
    terms = Analyzer(russian=False)("Министерства образования и науки")
    assert "министерство" not in terms


def test_lemmatizer_is_lazy_and_picklable():
    import pickle

    lemmatize = RussianLemmatizer()
    assert lemmatize._morph is None
    assert lemmatize("науки") == "наука"
    clone = pickle.loads(pickle.dumps(lemmatize))
    assert clone._morph is None and clone("образования") == "образование"
