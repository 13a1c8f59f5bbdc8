"""Tests for kzsearch.script: keyboard folding, Latin <-> Cyrillic
transliteration, detection of Latin-script Kazakh, and vocabulary-based
restoration of folded and Latin query words. Small inline data only."""
from __future__ import annotations

import doctest

import pytest

import kzsearch.script
from kzsearch.script import (
    ORTHOGRAPHIES,
    Restorer,
    detect_orthography,
    fold,
    loose_fold,
    read_latin_word,
    repair_mixed_script,
    to_cyrillic,
    to_folded,
    to_latin,
)
from kzsearch.script import convert, harmony, latin, restore

# ---------------------------------------------------------------- folding


@pytest.mark.parametrize(
    "proper, folded",
    [
        ("қазақстан", "казакстан"),
        ("әліпби", "алипби"),
        ("ғылым", "гылым"),
        ("теңге", "тенге"),
        ("өнер", "онер"),
        ("ұлт", "улт"),
        ("үй", "уй"),
        ("һәм", "хам"),
        ("Қызылорда Өскемен", "Кызылорда Оскемен"),
        ("ҮКІМЕТ", "УКИМЕТ"),
        ("мектеп, 2024 ж.", "мектеп, 2024 ж."),
        ("Windows", "Windows"),
    ],
)
def test_fold_types_kazakh_as_on_a_russian_keyboard(proper: str, folded: str) -> None:
    assert fold(proper) == folded
    assert fold(folded) == folded


def test_loose_fold_drops_what_latin_spellings_lose() -> None:
    assert loose_fold("Аллегорияның") == "аллегориианын"
    assert loose_fold("пьеса") == loose_fold("песа") == "песа"
    assert loose_fold("процент") == loose_fold("протсент")
    assert loose_fold("қайта") == "каита"
    assert loose_fold("схема") == loose_fold("шема")


# ------------------------------------------------------- Cyrillic -> Latin

#        Cyrillic      2017            2018           2021           informal
LETTER_TABLE = [
    ("қазақстан", "qazaqstan", "qazaqstan", "qazaqstan", "qazaqstan"),
    ("әліпби", "a'lipbi'", "álipbı", "älıpbi", "alipbi"),
    ("ғылым", "g'ylym", "ǵylym", "ğylym", "ghylym"),
    ("теңге", "ten'ge", "teńge", "teñge", "tengge"),
    ("өнер", "o'ner", "óner", "öner", "oner"),
    ("ұлт", "ult", "ult", "ūlt", "ult"),
    ("үй", "u'i'", "úı", "üi", "uy"),
    ("ауыл", "ay'yl", "aýyl", "auyl", "auyl"),
    ("шаһар", "s'ahar", "shahar", "şahar", "shahar"),
    ("жол", "jol", "jol", "jol", "zhol"),
    ("чемпион", "c'empi'on", "chempıon", "chempion", "chempion"),
    ("ащы", "as's'y", "ashshy", "aşşy", "ashchy"),
    ("хабар", "habar", "habar", "habar", "khabar"),
    ("цирк", "tsi'rk", "tsırk", "tsirk", "tsirk"),
    ("пьеса", "pesa", "pesa", "pesa", "pesa"),
    ("объект", "obekt", "obekt", "obekt", "obekt"),
    ("экономика", "ekonomi'ka", "ekonomıka", "ekonomika", "ekonomika"),
    ("юрист", "i'y'ri'st", "ıýrıst", "iurist", "yurist"),
    ("азия", "azi'i'a", "azııa", "aziia", "aziya"),
    ("ёлка", "i'olka", "ıolka", "iolka", "yolka"),
    ("қайта", "qai'ta", "qaıta", "qaita", "qayta"),
    ("кітап", "kitap", "kitap", "kıtap", "kitap"),
    ("вагон фабрика", "vagon fabri'ka", "vagon fabrıka", "vagon fabrika", "vagon fabrika"),
    ("зерде", "zerde", "zerde", "zerde", "zerde"),
]


@pytest.mark.parametrize("row", LETTER_TABLE, ids=[row[0] for row in LETTER_TABLE])
@pytest.mark.parametrize("column", range(len(ORTHOGRAPHIES)), ids=ORTHOGRAPHIES)
def test_to_latin_follows_each_orthography_table(row: tuple, column: int) -> None:
    assert to_latin(row[0], ORTHOGRAPHIES[column]) == row[column + 1]


def test_every_cyrillic_letter_is_in_every_table() -> None:
    alphabet = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
    for orthography in ORTHOGRAPHIES:
        latin_text = to_latin(alphabet, orthography)
        assert not any("а" <= ch <= "я" or ch in "әғқңөұүһіё" for ch in latin_text), orthography


def test_to_latin_keeps_case_and_other_text() -> None:
    assert to_latin("Шымкент", "2018") == "Shymkent"
    assert to_latin("ШЫМКЕНТ", "2018") == "SHYMKENT"
    assert to_latin("ИРАН мен Іле", "2021") == "İRAN men Ile"
    assert to_latin("Microsoft компаниясы, 2024", "2021") == "Microsoft kompaniiasy, 2024"


def test_to_latin_rejects_unknown_orthography() -> None:
    with pytest.raises(ValueError):
        to_latin("қала", "1929")


# ------------------------------------------------------- Latin -> Cyrillic

# Kazakh words and common loans that every orthography spells losslessly
# (no ь ъ ё, no һ, no э inside a word).
LOSSLESS = (
    "қазақстан республикасы ауыл шаруашылығы мектептерінде оқушылар кітап "
    "оқыды ертегісіндегі бөлінуі көрсетіңіз өңдеудің сұлтан ұлттық үкімет "
    "қоғамында тәуелсіздік жылы ғалымдар қандай дайын бойынша ойын үйіне "
    "киім биік тиіс сиыр қиын жиі мәдениеті дүниеге территориясында "
    "энергия поэма экономикалық медицина процент француз айтса кетсе "
    "сәтсіз жатсын ақша ащы чемпион юрист азия бюджет қою ояу"
).split()


@pytest.mark.parametrize("orthography", ["2017", "2018", "2021"])
def test_round_trip_is_lossless_for_kazakh_words(orthography: str) -> None:
    for word in LOSSLESS:
        latin_word = to_latin(word, orthography)
        assert to_cyrillic(latin_word, orthography) == word, (word, latin_word)


@pytest.mark.parametrize("orthography", ["2017", "2018", "2021"])
def test_any_spelling_has_the_fold_key_of_the_cyrillic_word(orthography: str) -> None:
    lossy = "пьеса объект ёлка шаһар һәм цирк Тянь Шань схема щетка".split()
    for word in LOSSLESS + lossy:
        assert to_folded(to_latin(word, orthography), orthography) == loose_fold(word), word


def test_informal_spellings_mostly_have_the_fold_key() -> None:
    # informal y is ы or й, so "uy" (үй) and "uy" (ауыл's уы) cannot both work
    for word in "қазақстан мектептерінде ғылым теңге жол қайта пьеса цирк бюджет".split():
        assert to_folded(to_latin(word, "informal")) == loose_fold(word), word
    assert to_folded("zhanga") == loose_fold("жаңа")


def test_2018_written_with_i_for_every_i_is_read_by_vowel_harmony() -> None:
    # the decree writes и, й as ı; in practice many write i for all three
    assert read_latin_word("ertegisindegi", "2018") == "ертегісіндегі"
    assert read_latin_word("qandai", "2018") == "қандай"
    assert read_latin_word("kiim", "2018") == "киім"
    assert read_latin_word("organikalyq", "2018") == "органикалық"
    assert read_latin_word("territoriiasynda", "2018") == "территориясында"
    assert read_latin_word("bilim", "2018", dotless_i=True) == "білім"
    assert read_latin_word("bılım", "2018") == "билим"  # ı is и when the writer uses it


def test_2021_capital_i() -> None:
    assert to_cyrillic("İran", "2021") == "Иран"
    assert to_cyrillic("Ile", "2021") == "Іле"
    assert to_cyrillic("Isatai", "2021") == "Исатай"  # I written for İ: harmony decides


def test_apostrophe_variants_in_2017() -> None:
    for apostrophe in ("'", "’", "ʼ"):
        assert to_cyrillic(f"Qazaqstan Respy{apostrophe}bli{apostrophe}kasy", "2017") == "Қазақстан Республикасы"


def test_combining_accents_are_composed() -> None:
    assert to_cyrillic("A\u0301bai\u0301dyn\u0301", "2018") == "Әбайдың"


# ----------------------------------------------------- detection, English


@pytest.mark.parametrize(
    "text, orthography",
    [
        ("Qazaqstan Respy'bli'kasynyn' Prezi'denti", "2017"),
        ("Abaidyń qandai poemalary bar?", "2018"),
        ("Qazaqstan Respýblıkasynyń Prezıdenti", "2018"),
        ("Saq qoğamynda adamdardyñ qandai üş toby bar?", "2021"),
        ("Bul kitapty kim jazdy?", "informal"),
        ("Qazaqstannyng astanasy qai qala?", "informal"),
    ],
)
def test_detect_orthography(text: str, orthography: str) -> None:
    assert detect_orthography(text) == orthography


@pytest.mark.parametrize(
    "text",
    [
        "The quick brown fox jumps over the lazy dog",
        "Windows update for the computer",
        "email",
        "computer",
        "AMANAT",
        "Microsoft Office",
        "Google Chrome browser",
        "www.gov.kz/memleket/entities/zko/press/news/details?lang=kk",
        "COVID-19",
        "XIX",
        "Das ist nicht gut",
        "",
        "Қазақстан Республикасы",
    ],
)
def test_english_and_other_text_is_not_kazakh(text: str) -> None:
    assert detect_orthography(text) is None
    assert to_cyrillic(text) == text


def test_lone_latin_words_in_a_cyrillic_text_stay_latin() -> None:
    text = "Бүгін «AMANAT» партиясы Smart Data Ukimet жүйесін Windows арқылы iKOMEK 109 қызметіне қосты."
    assert to_cyrillic(text) == text


def test_english_words_inside_kazakh_latin_text_stay() -> None:
    assert to_cyrillic("Men Windows jáne Microsoft Word qoldanamyn") == "Мен Windows және Microsoft Word қолданамын"


def test_roman_numerals_stay() -> None:
    assert to_cyrillic("XIX ǵasyrdyń ekinshi jartysy") == "XIX ғасырдың екінші жартысы"
    assert to_cyrillic("XIX ǵasyr", "2018") == "XIX ғасыр"


# ----------------------------------------------------- mixed-script text


def test_mixed_script_document() -> None:
    text = (
        "Қазақстан туралы. Qazaqstan — Ortalyq Aziiadaǵy memleket. "
        "Астанасы — Астана. Ol 1991 jyly táýelsizdik aldy."
    )
    assert to_cyrillic(text) == (
        "Қазақстан туралы. Қазақстан — Орталық Азиядағы мемлекет. "
        "Астанасы — Астана. Ол 1991 жылы тәуелсіздік алды."
    )


def test_words_typed_with_look_alike_letters_are_repaired() -> None:
    assert repair_mixed_script("Eр") == "Ер"  # Latin E
    assert repair_mixed_script("өзендерi") == "өзендері"  # Latin i
    assert repair_mixed_script("XІX") == "XIX"  # Cyrillic І
    assert to_cyrillic("«Eр Төстік» ертегісі") == "«Ер Төстік» ертегісі"


# ---------------------------------------------------------- restoration

VOCABULARY = [
    ("қазақстан", 120), ("қазақ", 90), ("қала", 80), ("кала", 1), ("қол", 40),
    ("көл", 15), ("кол", 1), ("сан", 30), ("сән", 10), ("кім", 50), ("ким", 2),
    ("қоғам", 25), ("қоғамы", 8), ("мектеп", 30), ("мектептері", 5), ("кітап", 40),
    ("білік", 3), ("билік", 20), ("шаһар", 12), ("шахар", 1), ("процент", 9),
    ("пьеса", 4), ("энергия", 6), ("тілі", 20), ("бар", 60), ("windows", 3),
]


def stem(word: str) -> str:
    """A toy stemmer for these tests: strips a few suffixes."""
    for suffix in ("тарынан", "терінде", "ында", "ының", "тері", "тар", "ы", "і"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@pytest.fixture(scope="module")
def restorer() -> Restorer:
    return Restorer(VOCABULARY)


def test_candidates_share_a_fold_key_weighted_by_count(restorer: Restorer) -> None:
    assert restorer.candidates("кол") == [("қол", 40 / 56), ("көл", 15 / 56), ("кол", 1 / 56)]
    assert restorer.candidates("сан")[0] == ("сан", 0.75)
    assert restorer.candidates("жоқ") == []


@pytest.mark.parametrize(
    "typed, proper",
    [
        ("казакстан", "қазақстан"),
        ("Казакстан", "Қазақстан"),
        ("когамында", "қоғамында"),
        ("мектептеринде", "мектептерінде"),
        ("китаптарынан", "кітаптарынан"),
    ],
)
def test_keyboard_folded_words_are_restored(restorer: Restorer, typed: str, proper: str) -> None:
    assert restorer.restore(typed, stem) == proper


def test_known_and_properly_typed_words_never_change(restorer: Restorer) -> None:
    for word in ("кала", "ким", "сан", "кол", "қала", "Қазақстан", "мемлекет", "көлдің"):
        assert restorer.restore(word) == word
        assert restorer.restore(word, stem) == word


def test_keyboard_queries_take_the_most_common_spelling(restorer: Restorer) -> None:
    assert restorer.restore("кала", keyboard=True) == "қала"
    assert restorer.restore("ким", keyboard=True) == "кім"
    assert restorer.restore("сан", keyboard=True) == "сан"


@pytest.mark.parametrize(
    "typed, proper",
    [
        ("bilik", "билік"),  # 2018 i: і or и, the vocabulary decides
        ("shahar", "шаһар"),  # h: х or һ
        ("protsent", "процент"),  # ts: ц or тс
        ("pesa", "пьеса"),  # ь is not written
        ("energiia", "энергия"),  # э and я
        ("qoǵamynda", "қоғамында"),  # inflected: stem from the vocabulary
        ("qoğamynda", "қоғамында"),
        ("kitaptarynan", "кітаптарынан"),
    ],
)
def test_latin_words_are_resolved_by_the_vocabulary(restorer: Restorer, typed: str, proper: str) -> None:
    assert restorer.restore(typed, stem) == proper


def test_latin_letters_that_the_spelling_gives_are_kept(restorer: Restorer) -> None:
    # 2021 "köl" is көл even though қол is more common under the same key
    assert restorer.restore("köl", orthography="2021") == "көл"
    assert restorer.restore("qol", orthography="2021") == "қол"


def test_restore_text_keeps_proper_queries_exactly(restorer: Restorer) -> None:
    # a Kazakh letter anywhere shows the query was typed properly
    for query in ("Қазақстан қала кім?", "кала ким сан Қазақстанда", "Доминантты генотип:"):
        assert restorer.restore_text(query) == query
        assert restorer.restore_text(query, stem) == query


def test_restore_text_restores_keyboard_queries(restorer: Restorer) -> None:
    assert restorer.restore_text("Казакстан кала ким?") == "Қазақстан қала кім?"
    assert restorer.restore_text("когамында ким бар?", stem) == "қоғамында кім бар?"


def test_restore_text_converts_latin_queries_but_not_english(restorer: Restorer) -> None:
    assert restorer.restore_text("Qazaqstan qalasy bar ma?") == "Қазақстан қаласы бар ма?"
    assert restorer.restore_text("kazak tili — Windows XP") == "қазақ тілі — Windows XP"
    assert restorer.restore_text("the computer") == "the computer"


def test_doctests() -> None:
    for module in (kzsearch.script, convert, harmony, latin, restore):
        failed, _ = doctest.testmod(module)
        assert failed == 0, module.__name__
