"""The Kazakh stemmer, as tables of word forms and their stem.

Each table is one suffix class, with stems of both vowel harmonies (back:
а о ұ ы; front: ә е ө ү і) ending in a vowel and in consonants of each
sound class that selects a different allomorph (бала-лар, адам-дар,
кітап-тар; әке-лер, ел-дер, мектеп-тер).
"""
import pytest
from hypothesis import given, settings, strategies as st

from kzsearch.analysis import stem
from kzsearch.analysis.stemmer import KazakhStemmer, is_ending, parses

# --- nouns ------------------------------------------------------------------

PLURAL = {
    "балалар": "бала", "таулар": "тау", "адамдар": "адам", "жолдар": "жол",
    "қыздар": "қыз", "кітаптар": "кітап",
    "әкелер": "әке", "үйлер": "үй", "елдер": "ел", "сөздер": "сөз",
    "күндер": "күн", "мектептер": "мектеп",
}
POSSESSIVE = {
    # 3rd person: -сы/-сі after a vowel, -ы/-і after a consonant
    "баласы": "бала", "тауы": "тау", "жолы": "жол", "кітабы": "кітап",
    "әкесі": "әке", "мәселесі": "мәселе", "жері": "жер", "мектебі": "мектеп",
    # 1st person plural and polite 2nd person
    "баламыз": "бала", "жолымыз": "жол", "еліміз": "ел", "мектебіміз": "мектеп",
    "балаңыз": "бала", "жеріңіз": "жер",
}
CASES = {
    # genitive -ның/-дың/-тың
    "баланың": "бала", "адамның": "адам", "жолдың": "жол", "кітаптың": "кітап",
    "әкенің": "әке", "күннің": "күн", "елдің": "ел", "мектептің": "мектеп",
    # accusative -ны/-ды/-ты
    "баланы": "бала", "адамды": "адам", "жолды": "жол", "кітапты": "кітап",
    "әкені": "әке", "елді": "ел", "сөзді": "сөз", "мектепті": "мектеп",
    # dative -ға/-қа
    "балаға": "бала", "жолға": "жол", "кітапқа": "кітап", "тауға": "тау",
    "әкеге": "әке", "елге": "ел", "үйге": "үй", "мектепке": "мектеп",
    # locative -да/-та
    "балада": "бала", "адамда": "адам", "кітапта": "кітап",
    "әкеде": "әке", "елде": "ел", "мектепте": "мектеп",
    # ablative -дан/-нан/-тан
    "баладан": "бала", "адамнан": "адам", "жолдан": "жол", "кітаптан": "кітап",
    "әкеден": "әке", "күннен": "күн", "елден": "ел", "мектептен": "мектеп",
    # instrumental -мен/-бен/-пен (no harmony)
    "баламен": "бала", "жолмен": "жол", "қызбен": "қыз", "кітаппен": "кітап",
    "әкемен": "әке", "елмен": "ел", "сөзбен": "сөз", "мектеппен": "мектеп",
}
CASES_AFTER_POSSESSIVE = {
    # the pronominal н after the 3rd person possessive: -сы-н, -ы-на, -сы-нда
    "баласын": "бала", "жолын": "жол", "жерін": "жер", "әкесін": "әке",
    "баласына": "бала", "жолына": "жол", "жеріне": "жер",
    "қаласында": "қала", "жолында": "жол", "жерінде": "жер",
    "баласынан": "бала", "жерінен": "жер", "жолының": "жол", "әкесінің": "әке",
}
CHAINS = {
    "балаларымызға": "бала", "мектептеріміздегі": "мектеп", "кітаптарының": "кітап",
    "жолдарында": "жол", "елдеріміздің": "ел", "мектептердегі": "мектеп",
}
ATTRIBUTIVE = {
    # -дағы/-дегі (in X), -ғы/-гі/-қы/-кі of time and place
    "қаладағы": "қала", "жолдағы": "жол", "мектептегі": "мектеп", "үйдегі": "үй",
    "қаласындағы": "қала", "жеріндегі": "жер",
    "жылғы": "жыл", "бүгінгі": "бүгін", "сыртқы": "сырт",
}
SIMILATIVE = {"адамдай": "адам", "кітаптай": "кітап", "баладай": "бала", "үйдей": "үй"}

# --- sound changes at the stem boundary ---------------------------------------

CONSONANT_ALTERNATION = {
    # п/б, қ/ғ, к/г before a vowel
    "кітабы": "кітап", "мектебі": "мектеп", "бағы": "бақ", "тілегі": "тілек",
    "құқығы": "құқық", "орталығы": "орталық", "жүрегі": "жүрек", "аяғына": "аяқ",
}
VOWEL_ELISION = {
    # the high vowel of the last syllable drops before a vowel
    "аузы": "ауыз", "орны": "орын", "халқы": "халық", "мұрны": "мұрын", "ерні": "ерін",
    "орнында": "орын", "халқының": "халық", "мойны": "мойын",
}
PROPER_NAMES = {
    "Қазақстанның": "қазақстан", "Қазақстанда": "қазақстан", "Астанаға": "астана",
    "Абайдың": "абай", "Ресейдің": "ресей", "Еуропадағы": "еуропа",
}
LOANS = {
    "институтқа": "институт", "ресурстар": "ресурс", "моделі": "модел", "модель": "модел",
    "процеске": "процес", "процесс": "процес", "конкурсы": "конкурс",
}

# --- verbs ------------------------------------------------------------------

PRESENT = {
    # -а/-е after a consonant, -й after a vowel, + person
    "алады": "ал", "барады": "бар", "айтады": "айт", "жазады": "жаз",
    "келеді": "кел", "береді": "бер", "біледі": "біл", "кетеді": "кет",
    "қарайды": "қара", "жасайды": "жаса", "сөйлейді": "сөйле", "іздейді": "ізде",
    "аламын": "ал", "келесің": "кел", "айтасыз": "айт", "барамыз": "бар", "білемін": "біл",
}
PAST = {
    "алды": "ал", "айтты": "айт", "жазды": "жаз", "келді": "кел", "кетті": "кет",
    "жасады": "жаса", "қарады": "қара", "сөйледі": "сөйле",
    "алдым": "ал", "келдің": "кел", "бердіңіз": "бер", "келіпті": "кел", "алыпты": "ал",
}
NEGATION = {
    "алмайды": "ал", "келмейді": "кел", "айтпайды": "айт", "кетпеді": "кет",
    "жасамады": "жаса", "білмедім": "біл", "алмай": "ал", "келмеген": "кел",
}
PARTICIPLES = {
    "алған": "ал", "келген": "кел", "айтқан": "айт", "кеткен": "кет", "жасаған": "жаса",
    "алатын": "ал", "келетін": "кел", "қарайтын": "қара", "сөйлейтін": "сөйле",
    "алғанын": "ал", "келгенде": "кел", "айтқандай": "айт", "болғандықтан": "бол",
}
CONVERBS = {
    "алып": "ал", "келіп": "кел", "қарап": "қара", "жасап": "жаса", "айтып": "айт",
    "келгенше": "кел", "барғалы": "бар",
}
MOODS = {
    "алса": "ал", "келсе": "кел", "болса": "бол", "алсам": "ал",
    "алсын": "ал", "келсін": "кел", "білейік": "біл", "айтыңыз": "айт",
}
VERBAL_NOUN = {
    "алу": "ал", "келу": "кел", "қарау": "қара", "жасау": "жаса",
    "алуға": "ал", "келуі": "кел", "жасауда": "жаса", "сөйлеуге": "сөйле",
}
PASSIVE = {
    "берілді": "бер", "ашылды": "аш", "табылады": "тап", "жасалды": "жаса",
    "салынды": "сал", "бөлінді": "бөл", "жасалған": "жаса", "берілген": "бер",
}
VERB_SOUND_CHANGES = {
    # voicing of п/қ/к before a vowel; и = ы/і + й; ю = й + у
    "табады": "тап", "шығады": "шық", "шығу": "шық", "төгеді": "төк",
    "оқиды": "оқ", "оқу": "оқ", "оқыған": "оқ", "оқитын": "оқ",
    "құю": "құй", "сүюге": "сүй",
}

ALL_TABLES = [PLURAL, POSSESSIVE, CASES, CASES_AFTER_POSSESSIVE, CHAINS, ATTRIBUTIVE,
              SIMILATIVE, CONSONANT_ALTERNATION, VOWEL_ELISION, PROPER_NAMES, LOANS,
              PRESENT, PAST, NEGATION, PARTICIPLES, CONVERBS, MOODS, VERBAL_NOUN, PASSIVE,
              VERB_SOUND_CHANGES]


@pytest.mark.parametrize("word,expected", [(w, s) for t in ALL_TABLES for w, s in t.items()])
def test_stem_tables(word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize("word", ["бала", "адам", "мектеп", "жол", "әке", "кітап", "ел", "тау"])
def test_bare_noun_is_its_own_stem(word):
    assert stem(word) == word


NOT_SUFFIXES = {
    # endings that look like suffixes but belong to the stem
    "адам": "адам",        # not ада + -м (my)
    "білім": "білім",      # not біл + -ім
    "әлем": "әлем",
    "ұлттық": "ұлттық",    # not ұлт + -ты + -қ (we did)
    "мемлекеттік": "мемлекеттік",
    "облысы": "облыс",     # облыс-ы, not облы-сы
    "күні": "күн",         # күн-і, not кү-ні
    "орындары": "орын",    # not ор-ын
    "теңге": "теңге",      # not тең + -ге
    "пайда": "пайда",      # not пай + -да
    "мектеп": "мектеп",    # not мекте + -п
    "көп": "көп",
    "тау": "тау",          # not та + -у
    "ауыл": "ауыл",        # not ау + -ыл
    "генотип": "генотип",  # not геноти + -п: no verb
    "топырақ": "топырақ",  # not топ + -ырақ
}


@pytest.mark.parametrize("word,expected", NOT_SUFFIXES.items())
def test_stem_keeps_endings_that_are_no_suffixes(word, expected):
    assert stem(word) == expected


DERIVATION_KEPT = ["денсаулық", "оқушы", "мұғалімдік", "тәуелсіз", "пайдалы", "қазақша"]


@pytest.mark.parametrize("word", DERIVATION_KEPT)
def test_derivation_is_kept(word):
    assert len(stem(word)) >= len(word) - 1


def test_paradigms_meet_on_one_stem():
    """A query in one form finds documents in another: мектептердегі оқушылар ~ мектеп оқушысы."""
    assert stem("мектептердегі") == stem("мектеп")
    assert stem("оқушылар") == stem("оқушысы") == stem("оқушы")
    assert stem("оқушыларымызға") == stem("оқушы")


def test_hyphenated_word():
    assert stem("АҚШ-та") == "ақш"
    assert stem("оңтүстік-батысында") == "оңтүстік-батыс"


def test_is_ending():
    assert is_ending("та") and is_ending("ларды") and is_ending("ші") and is_ending("ге")
    assert not is_ending("шара") and not is_ending("жомарт") and not is_ending("")


def test_parses_lists_the_readings():
    stems = {p.stem for p in parses("алады")}
    assert {"ал", "ала", "алады"} <= stems


def test_stemmer_with_own_lexicon():
    bare = KazakhStemmer(nouns=[], verbs=[])
    assert bare("балаларымызға") == "бала"
    assert bare("облысы") == "облы"  # without a lexicon the vowel reading wins
    assert KazakhStemmer(nouns=["облыс"], verbs=[])("облысы") == "облыс"


def test_type_error():
    with pytest.raises(TypeError, match="word"):
        stem(None)


def test_empty_and_odd_input():
    assert stem("") == ""
    assert stem("  ") == "  "
    assert stem("123") == "123"
    assert stem("ә" * 1000) == "ә" * 1000


ALL_WORDS = sorted({w for t in ALL_TABLES for w in t} | set(NOT_SUFFIXES) | set(DERIVATION_KEPT))


@pytest.mark.parametrize("word", ALL_WORDS)
def test_idempotent_on_tables(word):
    once = stem(word)
    assert stem(once) == once


kazakh_words = st.text(alphabet="аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя", min_size=1,
                       max_size=18)


@given(kazakh_words)
@settings(max_examples=400, deadline=None)
def test_idempotent_and_never_empty(word):
    once = stem(word)
    assert once
    assert stem(once) == once


@given(st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_any_string(text):
    result = stem(text)
    assert isinstance(result, str)
    assert result or not text


# --- readings of bare words and of unknown stems ---------------------------------

BARE_NOUNS = {
    # a vowel-final bare noun is no unlisted one-syllable stem + -да/-ға
    "нүкте": "нүкте", "нүктесі": "нүкте", "мағына": "мағына", "мағынасын": "мағына",
    "тұлға": "тұлға", "шілде": "шілде",
    # listed one-syllable stems still take the case
    "көлде": "көл", "мұзға": "мұз", "жерде": "жер", "тауда": "тау",
    # a risky suffix stacked on others loses to a regular reading
    "қабатының": "қабат", "білсін": "біл",
    # a final у after a consonant has no harmony of its own
    "жетісуға": "жетісу", "суға": "су",
}


@pytest.mark.parametrize("word,expected", sorted(BARE_NOUNS.items()))
def test_bare_nouns_and_unknown_stems(word, expected):
    assert stem(word) == expected
    assert stem(expected) == expected


def test_addresses_reader():
    stemmer = KazakhStemmer()
    for word in ("белгілеңіз", "көрсетіңіз", "анықтаңыз", "келдіңіз"):
        assert stemmer.addresses_reader(word), word
    for word in ("теңіз", "аңыз", "балаңыз", "жеріңіз"):
        assert not stemmer.addresses_reader(word), word


def test_every_word_type_of_kaznerd_and_ud_keeps_its_reference_stem():
    """The compiled, memoised stemmer gives the stems the plain recursive one gave.

    ``data/stems_reference.tsv.xz`` was written by the stemmer before its
    speed-up (every lowercase word type, hyphenated ones included, of the
    vendored KazNERD sentences and UD Kazakh-KTB files, with its stem).
    A fresh stemmer is used so that no cache hides a change.
    """
    import lzma
    import os

    from kzsearch.analysis import stemmer as stemmer_module

    path = os.path.join(os.path.dirname(__file__), "data", "stems_reference.tsv.xz")
    with lzma.open(path, "rt", encoding="utf-8") as f:
        pairs = [line.rstrip("\n").split("\t") for line in f]
    assert len(pairs) > 30_000
    fresh = stemmer_module.KazakhStemmer()
    default = stemmer_module._default
    stemmer_module._default = fresh
    try:
        wrong = [(w, s, stemmer_module.stem(w)) for w, s in pairs if stemmer_module.stem(w) != s]
    finally:
        stemmer_module._default = default
    assert wrong == []


def test_the_suffix_tries_find_exactly_the_steps_that_end_a_word():
    """Each table's trie finds, in search order, the steps whose suffix ends the word
    (the search reads the trie; ``match`` tests every suffix), for every ending
    of every word of the stem reference and some that end in no suffix."""
    import lzma
    import os

    from kzsearch.analysis.readings import TABLES

    path = os.path.join(os.path.dirname(__file__), "data", "stems_reference.tsv.xz")
    with lzma.open(path, "rt", encoding="utf-8") as f:
        words = [line.split("\t", 1)[0] for line in f]
    endings = sorted({w[-k:] for w in words[::29] for k in range(1, 9)} | {"", "x", "ьь", "зз"})
    from kzsearch.analysis.phonology import final_sound

    letters = "аәеоөұүыіияюэубвгғдкқлмнңпрстфхһцчшщжзйьъx"
    for table in TABLES:
        verdicts_checked = set()
        for ending in endings:
            found, expected = table.found(ending), table.match(ending)
            assert [(s[0], s[1], s[2], s[6], s[7], s[8], s[9], s[10], s[11], s[13]) for s in found] == [
                (m.text, m.cut, m.restore, m.after, m.needs_end, m.harmony, m.risky, m.reading, m.verbal, m.free)
                for m in expected], ending
            for s, m in zip(found, expected):
                assert s[3] == m.min_stem + m.cut - len(m.restore) and s[12] is TABLES[m.inner].trie
                if id(s) not in verdicts_checked:
                    verdicts_checked.add(id(s))
                    for letter in letters:
                        verdict = s[4].get(letter, s[5])
                        if verdict is None:
                            assert letter in "ьъ"
                        else:
                            assert verdict == (final_sound("а" + letter) in m.after), (m, letter)


def test_window_harmony_agrees_with_harmony_whenever_it_decides():
    """Every string of 4 or 5 letters over letters of each harmony class (back,
    front, е, the glides у/и/ю, signs, consonants): the last three letters'
    verdict, when they give one, is harmony()'s."""
    import itertools

    from kzsearch.analysis.phonology import harmony, window_harmony

    decided = 0
    for size in (4, 5):
        for letters in itertools.product("аәеуиюбьъіоқ", repeat=size):
            text = "".join(letters)
            verdict = window_harmony(text[-3:])
            if verdict != "?":
                decided += 1
                assert verdict == (harmony(text) or ""), text
    assert decided > 100_000


def test_repair_pair_is_both_repairs():
    import lzma
    import os

    from kzsearch.analysis.phonology import repair_pair, repair_stem

    path = os.path.join(os.path.dirname(__file__), "data", "stems_reference.tsv.xz")
    with lzma.open(path, "rt", encoding="utf-8") as f:
        words = [line.split("\t", 1)[0] for line in f]
    for word in words[::3] + ["оқушы", "моделі", "кітаб", "халқ", "аузы", "екі", "ы", "ab"]:
        for cut in range(0, min(4, len(word))):
            stem = word[: len(word) - cut]
            assert repair_pair(stem) == (repair_stem(stem), repair_stem(stem, True)), stem
