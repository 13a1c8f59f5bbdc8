"""Kazakh inflectional suffixes as data: allomorphs by class, harmony and sound.

The tables follow the standard description of Kazakh morphology (Krippes,
*Kazakh (Qazaq-) Grammatical Sketch with Affix List*, 1996; Muhamedowa,
*Kazakh: A Comprehensive Grammar*, 2016), written out here in our own
words. A suffix has one allomorph per vowel harmony (back ``а ы`` after
back-vowel stems, front ``е і`` after front-vowel stems) and, for
consonant-initial suffixes, per sound the stem ends in::

    бала + лар   үй + лер      (after vowels and р, й, у)
    ел + дер     адам + дар    (after л, м, н, ң, з, ж)
    кітап + тар  мектеп + тер  (after voiceless consonants)

Sound classes of a stem's last letter (:func:`.phonology.final_sound`), the
letters in an allomorph's ``after``:

    V  a vowel                              бала, әке
    R  р, й, у                              қар, үй, тау, оқу
    L  л                                    ел
    N  м, н, ң                              адам, күн, таң
    Z  з, ж                                 қыз, кірпіж
    T  voiceless consonants                 кітап, мектеп, ат
    D  б в г ғ д: final only in loans (клуб, педагог) and before a vowel
       suffix (кітаб-ы); allowed with both voiced and voiceless allomorphs

Each :class:`SuffixClass` lists its allomorphs and the classes that may
stand immediately to its left (morphotactics read right to left, as the
stemmer strips): ``NOUN``/``VERB`` mean the bare stem. For example the
locative may follow the plural (``қалалар-да``) or a possessive
(``қала-сы-нда``), and the past tense ``-ды`` may follow negation
(``ал-ма-ды``) or the passive (``сал-ын-ды``) or the bare verb (``ал-ды``).

>>> [a.text for a in PLURAL.allomorphs][:2]
['лар', 'лер']
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Iterable, List, Tuple

#: Sounds after which the "voiced" allomorphs (-лар, -дар, -ға, -да ...) appear.
AFTER_VOICED = "VRLNZD"
#: Any consonant: where vowel-initial suffixes (-ы, -ын, -ып, -а ...) appear.
AFTER_CONSONANT = "RLNZTD"
ANY = "VRLNZTD"

BACK = "back"
FRONT = "front"
NEUTRAL = ""


@dataclass(frozen=True)
class Allomorph:
    """One spelling of a suffix and the context that selects it.

    ``after``: sound classes the stem may end in. ``needs``: if set, the
    suffix class stripped next (to the left) must be one of these, as the
    pronominal ``н`` of ``-сы-нда`` needs the possessive. ``restore``:
    letters the suffix absorbed from the stem (``оқи-ды`` = ``оқы-йды``).
    ``min_stem``: overrides the class's shortest stem for this allomorph.
    ``lexical``: too ambiguous to strip unless the stem left is a known
    word (the 1st person -м of *адам*, *әлем*, *білім* is no suffix).
    ``needs_end``: if set, the stem must end in one of these strings.
    """

    text: str
    harmony: str
    after: FrozenSet[str]
    needs: FrozenSet[str] = frozenset()
    restore: str = ""
    min_stem: int = 0
    lexical: bool = False
    needs_end: Tuple[str, ...] = ()


@dataclass(frozen=True)
class SuffixClass:
    """A slot of the morphotactics: its allomorphs and what may precede it.

    ``word_final``: whether the suffix may end a word: True, False (a
    negation ``-ма`` never does), or :data:`IF_KNOWN` (the converb ``-а`` of
    *бола*, *келе* does, but so does the stem of *бала*, *қала*: strip it
    only when a known verb is left). ``min_stem``: shortest stem, in
    letters, this suffix may be stripped from.
    """

    name: str
    allomorphs: Tuple[Allomorph, ...]
    left: FrozenSet[str]
    word_final: object = True
    min_stem: int = 2
    verbal: bool = False


def harmonic(back: str, front: str, after: str, needs: Iterable[str] = (),
             restore: Tuple[str, str] = ("", ""), min_stem: int = 0,
             lexical: bool = False, needs_end: Tuple[str, ...] = ()) -> List[Allomorph]:
    """The back and front spellings of one allomorph."""
    needs = frozenset(needs)
    return [Allomorph(back, BACK, frozenset(after), needs, restore[0], min_stem, lexical,
                      needs_end),
            Allomorph(front, FRONT, frozenset(after), needs, restore[1], min_stem, lexical,
                      needs_end)]


def neutral(text: str, after: str, needs: Iterable[str] = (), restore: str = "",
            min_stem: int = 0, lexical: bool = False,
            needs_end: Tuple[str, ...] = ()) -> List[Allomorph]:
    """An allomorph without vowel harmony (-мен, -м, -п ...)."""
    return [Allomorph(text, NEUTRAL, frozenset(after), frozenset(needs), restore, min_stem,
                      lexical, needs_end)]


def suffix_class(name: str, allomorphs: Iterable[List[Allomorph]], left: Iterable[str],
                 **options) -> SuffixClass:
    """A :class:`SuffixClass` from groups of allomorphs (as ``harmonic`` gives them)."""
    flat = tuple(a for group in allomorphs for a in group)
    return SuffixClass(name, flat, frozenset(left), **options)


NOUN = "NOUN"
VERB = "VERB"
#: ``word_final`` value: the suffix ends a word only before a known stem.
IF_KNOWN = "if known"

# Classes after which nominal inflection may follow: the bare noun, and the
# verb forms that behave as nouns (participles, the verbal noun).
NOMINAL_BASES = (NOUN, "PARTICIPLE_PAST", "PARTICIPLE_HABITUAL", "VERBAL_NOUN",
                 "ATTRIBUTIVE_LOC", "ATTRIBUTIVE", "NOMINALISER")
# Classes that stand right after the verb stem.
VERB_BASES = (VERB, "NEGATION", "PASSIVE")

# --- nominal inflection: stem + plural + possessive + case ---------------------

PLURAL = suffix_class("PLURAL", [
    harmonic("лар", "лер", "VR"),           # балалар, үйлер, таулар
    harmonic("дар", "дер", "LNZD"),         # елдер, адамдар, қыздар
    harmonic("тар", "тер", "TD"),           # кітаптар, мектептер
], left=NOMINAL_BASES)

POSSESSIVE_3 = suffix_class("POSSESSIVE_3", [
    harmonic("сы", "сі", "V"),              # баласы, әкесі
    harmonic("ы", "і", AFTER_CONSONANT),    # жолы, жері, кітабы
], left=NOMINAL_BASES + ("PLURAL",))

POSSESSIVE_12 = suffix_class("POSSESSIVE_12", [
    harmonic("ымыз", "іміз", AFTER_CONSONANT),  # жеріміз, халқымыз: our
    harmonic("мыз", "міз", "V"),                # баламыз
    harmonic("ыңыз", "іңіз", AFTER_CONSONANT),  # жеріңіз: your (polite)
    harmonic("ңыз", "ңіз", "V"),                # балаңыз
    # 1st and 2nd person singular: only before a known stem, since -ым/-ім
    # ends many nouns (білім, шешім, адам, әлем).
    harmonic("ым", "ім", AFTER_CONSONANT, lexical=True),  # атым, өмірім
    neutral("м", "V", lexical=True),                      # әкем
    harmonic("ың", "ің", AFTER_CONSONANT, lexical=True),  # басың
    neutral("ң", "V", lexical=True),                      # балаң
], left=NOMINAL_BASES + ("PLURAL",))

POSSESSIVES = ("POSSESSIVE_3", "POSSESSIVE_12")
AFTER_POSSESSIVE_3 = ("POSSESSIVE_3",)

CASE = suffix_class("CASE", [
    # genitive
    harmonic("ның", "нің", "VN"),           # баланың, адамның
    harmonic("дың", "дің", "RLZD"),         # үйдің, елдің
    harmonic("тың", "тің", "TD"),           # кітаптың
    # accusative
    harmonic("ны", "ні", "V"),              # баланы
    harmonic("ды", "ді", "RLNZD"),          # үйді, адамды
    harmonic("ты", "ті", "TD"),             # кітапты
    neutral("н", "V", needs=AFTER_POSSESSIVE_3),  # баласын, жерін
    # dative
    harmonic("ға", "ге", AFTER_VOICED),     # балаға, үйге
    harmonic("қа", "ке", "TD"),             # кітапқа, мектепке
    harmonic("на", "не", "V", needs=AFTER_POSSESSIVE_3),   # баласына, жеріне
    harmonic("а", "е", "N", needs=("POSSESSIVE_12",), lexical=True),  # басыма, еліңе
    # locative
    harmonic("да", "де", AFTER_VOICED),     # қалада, үйде
    harmonic("та", "те", "TD"),             # кітапта
    harmonic("нда", "нде", "V", needs=AFTER_POSSESSIVE_3),  # қаласында, жерінде
    # ablative
    harmonic("дан", "ден", "VRLZD"),        # қаладан, үйден
    harmonic("нан", "нен", "N"),            # адамнан
    harmonic("нан", "нен", "V", needs=AFTER_POSSESSIVE_3),  # қаласынан
    harmonic("тан", "тен", "TD"),           # кітаптан
    # instrumental (no harmony)
    neutral("мен", "VRLN"), neutral("бен", "NZLD"), neutral("пен", "TD"),
    neutral("менен", "VRLN"), neutral("бенен", "NZLD"), neutral("пенен", "TD"),
], left=NOMINAL_BASES + ("PLURAL",) + POSSESSIVES + ("NOMINALISER",))

ATTRIBUTIVE_LOC = suffix_class("ATTRIBUTIVE_LOC", [
    harmonic("дағы", "дегі", AFTER_VOICED),  # қаладағы, үйдегі
    harmonic("тағы", "тегі", "TD"),          # мектептегі
    harmonic("ндағы", "ндегі", "V", needs=AFTER_POSSESSIVE_3),  # қаласындағы
], left=(NOUN, "PLURAL", "PARTICIPLE_PAST", "VERBAL_NOUN") + POSSESSIVES)

ATTRIBUTIVE = suffix_class("ATTRIBUTIVE", [
    # -ғы/-гі of time and place (бүгінгі, соңғы, ішкі); also the desiderative
    # of verbs (айтқым келеді). Only after consonants: after a vowel "-ғы" is
    # far more often the possessive of a қ-final stem (орталығы = орталық-ы).
    harmonic("ғы", "гі", "RLNZ"),            # бүгінгі, соңғы, жазғы, жылғы
    harmonic("қы", "кі", "T"),               # ішкі, сыртқы
], left=(NOUN, VERB), min_stem=3)

SIMILATIVE = suffix_class("SIMILATIVE", [
    harmonic("дай", "дей", AFTER_VOICED),    # баладай, келгендей
    harmonic("тай", "тей", "TD"),            # айтарлықтай
    harmonic("ндай", "ндей", "V", needs=AFTER_POSSESSIVE_3),
], left=(NOUN, "PLURAL", "PARTICIPLE_PAST", "PARTICIPLE_HABITUAL", "ATTRIBUTIVE_LOC",
         "NOMINALISER") + POSSESSIVES)

NOMINALISER = suffix_class("NOMINALISER", [
    # -дық after a participle (болғандықтан, келгендігі) and -арлық after a
    # verb (айтарлықтай, қанағаттанарлық); -лық on nouns is derivation and stays.
    harmonic("дық", "дік", "N", needs=("PARTICIPLE_PAST",)),
    harmonic("дығ", "діг", "N", needs=("PARTICIPLE_PAST",)),   # before a vowel: болғандығы
    harmonic("арлық", "ерлік", AFTER_CONSONANT, min_stem=3),
], left=("PARTICIPLE_PAST", VERB, "PASSIVE"))

# --- verbal inflection: stem + passive + negation + tense/mood + person ------------

PERSON_PAST = suffix_class("PERSON_PAST", [
    # person after the past -ды and the conditional -са: алдым, келсең.
    neutral("м", "V"), neutral("ң", "V"),
    # 1pl -қ/-к only before a known verb: -дық/-тік is more often the noun
    # suffix -лық (ұлттық, мемлекеттік) than алдық, кеттік.
    harmonic("қ", "к", "V", lexical=True),
    harmonic("ңыз", "ңіз", "V"), harmonic("ңдар", "ңдер", "V"),
    harmonic("ңыздар", "ңіздер", "V"),
], left=("PAST", "CONDITIONAL"), verbal=True)

PERSON = suffix_class("PERSON", [
    # personal endings after the present converb and participles:
    # барамын, келесің, айтасыз, барамыз, келгенмін, барармын
    harmonic("мын", "мін", "VRLN"), harmonic("бын", "бін", "NZ"), harmonic("пын", "пін", "TD"),
    harmonic("сың", "сің", ANY), harmonic("сыз", "сіз", ANY),
    harmonic("мыз", "міз", "VRLN"), harmonic("быз", "біз", "NZ"), harmonic("пыз", "піз", "TD"),
    harmonic("сыңдар", "сіңдер", ANY), harmonic("сыздар", "сіздер", ANY),
    # 3rd person of the present: ал-а-ды, кел-е-ді, қара-й-ды
    harmonic("ды", "ді", "VR", needs=("PRESENT",)),
], left=("PRESENT", "PARTICIPLE_PAST", "PARTICIPLE_FUTURE", "PERFECT", "INTENTION"),
    verbal=True)

PERSON_ON_STEM = suffix_class("PERSON_ON_STEM", [
    # the progressive auxiliaries take person directly: отырмыз, жатырмын,
    # тұрмыз; only on a known verb (көлемін, шешімін are nouns)
    harmonic("мын", "мін", "VRLN", lexical=True), harmonic("мыз", "міз", "VRLN", lexical=True),
    harmonic("сың", "сің", ANY, lexical=True), harmonic("сыз", "сіз", ANY, lexical=True),
], left=(VERB,), verbal=True)

PAST = suffix_class("PAST", [
    harmonic("ды", "ді", AFTER_VOICED),     # алды, келді, оқыды
    harmonic("ты", "ті", "TD"),             # айтты, кетті, келіпті
], left=VERB_BASES + ("PERFECT",), verbal=True)

CONDITIONAL = suffix_class("CONDITIONAL", [
    harmonic("са", "се", ANY),              # алса, келсе
], left=VERB_BASES, verbal=True)

PRESENT = suffix_class("PRESENT", [
    # the -а/-е/-й converb, which carries the present tense: ал-а-мын, қара-й-ды
    harmonic("а", "е", AFTER_CONSONANT),
    neutral("й", "V"),
    harmonic("и", "и", "V", restore=("ы", "і")),    # оқи-ды = оқы-й-ды
    harmonic("я", "я", "R", restore=("й", "й")),    # жая-ды = жай-а-ды
], left=VERB_BASES, word_final=IF_KNOWN, verbal=True)

NEGATIVE_CONVERB = suffix_class("NEGATIVE_CONVERB", [
    # -май/-мей: without doing (алмай, келмей)
    harmonic("май", "мей", "VRL"), harmonic("бай", "бей", "NZ"), harmonic("пай", "пей", "TD"),
    harmonic("мастан", "местен", "VRL"), harmonic("бастан", "бестен", "NZ"),
    harmonic("пастан", "пестен", "TD"),
], left=(VERB, "PASSIVE"), verbal=True)

PERFECT = suffix_class("PERFECT", [
    harmonic("ып", "іп", AFTER_CONSONANT),  # алып, келіп
    neutral("п", "V"),                      # қарап
], left=(VERB, "PASSIVE"), verbal=True)

PARTICIPLE_PAST = suffix_class("PARTICIPLE_PAST", [
    harmonic("ған", "ген", AFTER_VOICED),   # алған, келген
    harmonic("қан", "кен", "TD"),           # айтқан, кеткен
], left=VERB_BASES, verbal=True)

PARTICIPLE_HABITUAL = suffix_class("PARTICIPLE_HABITUAL", [
    harmonic("атын", "етін", AFTER_CONSONANT),  # алатын, келетін
    harmonic("йтын", "йтін", "V"),              # қарайтын, алмайтын
    harmonic("итын", "итін", "V", restore=("ы", "і")),  # оқитын = оқы-йтын
], left=VERB_BASES, verbal=True)

PARTICIPLE_FUTURE = suffix_class("PARTICIPLE_FUTURE", [
    harmonic("ар", "ер", AFTER_CONSONANT),  # барар, келер
    neutral("р", "V"),                      # қарар
], left=(VERB, "PASSIVE"), word_final=False, verbal=True)

NEGATIVE_FUTURE = suffix_class("NEGATIVE_FUTURE", [
    harmonic("мас", "мес", "VRL"), harmonic("бас", "бес", "NZ"), harmonic("пас", "пес", "TD"),
], left=(VERB, "PASSIVE"), word_final=False, verbal=True)

INTENTION = suffix_class("INTENTION", [
    harmonic("мақ", "мек", "VRL"), harmonic("бақ", "бек", "NZ"), harmonic("пақ", "пек", "TD"),
    harmonic("мақшы", "мекші", "VRL"), harmonic("бақшы", "бекші", "NZ"),
    harmonic("пақшы", "пекші", "TD"),
], left=VERB_BASES, verbal=True, min_stem=4)

VERBAL_NOUN = suffix_class("VERBAL_NOUN", [
    neutral("у", ANY),                      # алу, оқу (оқы-у), қарау
    neutral("ю", "R", restore="й"),         # құю = құй-у
], left=VERB_BASES, verbal=True)

IMPERATIVE = suffix_class("IMPERATIVE", [
    # only on a known verb: бағдарлама-сы-н is no бағдарла-ма-сын
    harmonic("сын", "сін", ANY, lexical=True),                          # алсын, келсін
    harmonic("айын", "ейін", AFTER_CONSONANT, lexical=True),            # барайын
    harmonic("йын", "йін", "V", lexical=True),
    harmonic("айық", "ейік", AFTER_CONSONANT, lexical=True),            # білейік
    harmonic("йық", "йік", "V", lexical=True),
    harmonic("ыңыз", "іңіз", AFTER_CONSONANT, lexical=True),            # айтыңыз
    harmonic("ңыз", "ңіз", "V", lexical=True),
    harmonic("ыңдар", "іңдер", AFTER_CONSONANT, lexical=True),
    harmonic("ңдар", "ңдер", "V", lexical=True),
    harmonic("ыңыздар", "іңіздер", AFTER_CONSONANT, lexical=True),
    harmonic("ңыздар", "ңіздер", "V", lexical=True),
], left=VERB_BASES, verbal=True)

CONVERB = suffix_class("CONVERB", [
    harmonic("ғалы", "гелі", AFTER_VOICED), harmonic("қалы", "келі", "TD"),   # келгелі
    harmonic("ғанша", "генше", AFTER_VOICED), harmonic("қанша", "кенше", "TD"),  # келгенше
    harmonic("ғасын", "гесін", AFTER_VOICED), harmonic("қасын", "кесін", "TD"),  # келгесін
], left=VERB_BASES, verbal=True)

NEGATION = suffix_class("NEGATION", [
    harmonic("ма", "ме", "VRL"), harmonic("ба", "бе", "NZ"), harmonic("па", "пе", "TD"),
], left=(VERB, "PASSIVE"), word_final=False, verbal=True)

PASSIVE = suffix_class("PASSIVE", [
    harmonic("ыл", "іл", "RNZTD"),          # берілді, ашылды, табылды
    harmonic("ын", "ін", "L"),              # салынды, бөлінді
    neutral("л", "V"),                      # жасалды, оқылды
    neutral("н", "V", needs_end=("ла", "ле", "да", "де")),  # жариялан-ды, қабылдан-ды
], left=(VERB,), word_final=False, verbal=True)

ORDINAL = suffix_class("ORDINAL", [
    # ordinal numbers: бірінші, екінші; after a digit: 55-ші, 2-ші, 1-інші
    harmonic("ыншы", "інші", AFTER_CONSONANT), harmonic("ншы", "нші", "V"),
    harmonic("шы", "ші", ANY),
], left=(NOUN,))

#: Every suffix class, in no particular order (the morphotactics are in ``left``).
ALL_CLASSES: Tuple[SuffixClass, ...] = (
    PLURAL, POSSESSIVE_3, POSSESSIVE_12, CASE, ATTRIBUTIVE_LOC, ATTRIBUTIVE, SIMILATIVE,
    NOMINALISER,
    PERSON_PAST, PERSON, PERSON_ON_STEM, PAST, CONDITIONAL, PRESENT, NEGATIVE_CONVERB, PERFECT,
    PARTICIPLE_PAST, PARTICIPLE_HABITUAL, PARTICIPLE_FUTURE, NEGATIVE_FUTURE, INTENTION,
    VERBAL_NOUN, IMPERATIVE, CONVERB, NEGATION, PASSIVE,
)
