"""Typo tolerance, "did you mean" and completions, against brute force on small vocabularies."""
import json
import lzma
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzsearch import Analyzer, Index
from kzsearch.cli import main as cli_main
from kzsearch.query.completion import complete, split_last_word
from kzsearch.query.deletions import DeletionIndex, brute_force_lookup, deletion_variants
from kzsearch.query.edits import TypoSchedule, edit_distance, typing_cost
from kzsearch.query.surface import SurfaceWords, count_words

ALPHABET = "аәбгғдеіклқмнңоөрстуұүшы"
WORDS = ["денсаулық", "денсаулығы", "сақтау", "сақтық", "мектеп", "мектебі", "қала", "қалалық",
         "ауыл", "ауылдық", "министрлігі", "министр", "облыс", "облысы", "бюджет", "оқушы",
         "оқушылар", "қазақстан", "қазақ", "ғылым", "ғылыми", "тарих", "тарихи", "мәдениет"]


def reference_distance(a, b):
    """Optimal string alignment distance, written as the textbook recurrence."""
    d = {(i, -1): i + 1 for i in range(-1, len(a))}
    d.update({(-1, j): j + 1 for j in range(-1, len(b))})
    for i in range(len(a)):
        for j in range(len(b)):
            cost = 0 if a[i] == b[j] else 1
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost)
            if i and j and a[i] == b[j - 1] and a[i - 1] == b[j]:
                d[i, j] = min(d[i, j], d[i - 2, j - 2] + 1)
    return d[len(a) - 1, len(b) - 1]


def typo(word, rng):
    """One typing error: a letter dropped, doubled, swapped with the next, or replaced."""
    p = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:p] + word[p + 1:]
    if kind == 1:
        return word[:p] + word[p] + word[p:]
    if kind == 2:
        return word[:p] + word[p + 1] + word[p] + word[p + 2:]
    return word[:p] + rng.choice([c for c in ALPHABET if c != word[p]]) + word[p + 1:]


# --- edit distance ----------------------------------------------------------------

@given(st.text(ALPHABET[:5], max_size=7), st.text(ALPHABET[:5], max_size=7))
def test_edit_distance_is_the_optimal_string_alignment_distance(a, b):
    assert edit_distance(a, b) == reference_distance(a, b) == edit_distance(b, a)


def test_typing_cost_prices_near_keys_below_far_keys_and_first_letters_above():
    assert typing_cost("мектеп", "мектеп") == 0
    assert typing_cost("денсвулық", "денсаулық") < typing_cost("денсңулық", "денсаулық") == 1
    assert typing_cost("казақ", "қазақ") == 1.5          # a keyboard twin, but the first letter
    assert typing_cost("нектеп", "мектеп") == 2          # a far key at the first letter


def test_schedule_allows_edits_by_length():
    schedule = TypoSchedule(5, 8)
    assert [schedule.max_edits("а" * n) for n in (1, 4, 5, 7, 8, 12)] == [0, 0, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="two_from"):
        TypoSchedule(6, 5)
    with pytest.raises(ValueError, match="one_from"):
        TypoSchedule(0, 5)


# --- the deletion index -----------------------------------------------------------

def test_deletion_variants_are_all_deletions():
    assert deletion_variants("абв", 2) == {"абв", "бв", "ав", "аб", "а", "б", "в"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(ALPHABET[:6], min_size=1, max_size=10), min_size=1, max_size=30, unique=True),
       st.text(ALPHABET[:6], max_size=11))
def test_deletion_index_finds_exactly_what_brute_force_finds(words, typed):
    index = DeletionIndex(words, TypoSchedule(3, 6))
    expected = brute_force_lookup(words, typed, TypoSchedule(3, 6).max_edits(typed))
    assert sorted(index.lookup(typed)) == sorted(expected)


def test_words_at_distance_one_and_two_are_found():
    index = DeletionIndex(WORDS, TypoSchedule(5, 8))
    found = {index.words[i]: d for i, d in index.lookup("денсалық")}
    assert found["денсаулық"] == 1
    found = {index.words[i]: d for i, d in index.lookup("минситрлгі")}  # a swap and a dropped letter
    assert found == {"министрлігі": 2}
    assert index.lookup("минситрлгі", 1) == [] or all(d <= 1 for _, d in index.lookup("минситрлгі", 1))


def test_short_words_are_not_corrected():
    index = DeletionIndex(WORDS, TypoSchedule(5, 8))
    assert index.lookup("қаоа") == []          # 4 letters: no edit allowed
    assert [index.words[i] for i, _ in index.lookup("қала")] == ["қала"]  # only itself


# --- surface words and completions ------------------------------------------------

TEXTS = ["Қазақстан Республикасы. Қазақ тілі, қазақ әдебиеті.", "Қазақ халқы; Қазан қаласы",
         "денсаулық сақтау министрлігі", "Денсаулығы жақсы, денсаулық!"]


def test_surface_words_count_lowercased_letter_runs():
    counts = count_words(TEXTS)
    reference = Counter(w.lower() for t in TEXTS for w in
                        t.replace(".", " ").replace(",", " ").replace(";", " ").replace("!", " ").split())
    assert counts == reference


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text("аәқк ", max_size=30), max_size=8), st.text("аәқк", max_size=3),
       st.integers(0, 6))
def test_completions_are_the_most_frequent_words_with_the_prefix(texts, prefix, k):
    words = SurfaceWords.from_texts(texts)
    counts = count_words(texts)
    got = complete(words, prefix, k)
    if not prefix:
        assert got == []
        return
    kazakh = any(c in "әқ" for c in prefix)
    from kzsearch.script import loose_fold
    matches = [w for w in counts if (w.startswith(prefix) if kazakh else loose_fold(w).startswith(prefix))]
    expected = sorted(matches, key=lambda w: (-counts[w], w))[:k]
    assert got == expected


def test_complete_keeps_earlier_words_and_reads_russian_keyboard_and_latin():
    words = SurfaceWords.from_texts(TEXTS)
    assert complete(words, "Денсаулық са", 5) == ["Денсаулық сақтау"]
    assert complete(words, "каз", 2) == ["қазақ", "қазан"]
    assert complete(words, "qaz", 1) == ["қазақ"]
    assert complete(words, "денсаулық ", 3) == []
    assert split_last_word("облыс бюдж") == ("облыс ", "бюдж")


def test_index_complete_follows_adds_and_checks_arguments():
    index = Index()
    index.add(TEXTS)
    assert index.complete("қаз", k=3) == ["қазақ", "қазан", "қазақстан"]
    assert index.complete("денс", k=0) == []
    index.add(["Қазандағы қазандар"] * 30)  # the collection more than doubles: rebuilt
    assert index.complete("қаз", k=1) == ["қазандар"]
    with pytest.raises(TypeError, match="prefix"):
        index.complete(5)
    with pytest.raises(ValueError, match="k"):
        index.complete("қаз", k=-1)


# --- the index ----------------------------------------------------------------------

DOCS = ["Денсаулық сақтау министрлігі жаңа бағдарлама бекітті",
        "Сақтау қоймасында астық бар",
        "Мектеп оқушылары олимпиадада жеңді",
        "Облыс бюджеті нақтыланды",
        "Қазақстан Республикасының денсаулық сақтау жүйесі",
        "Ауыл шаруашылығы министрлігі"]


@pytest.fixture(scope="module")
def index():
    idx = Index(analyzer=Analyzer(views=()))  # stems only: these tests compare the corrected stems
    idx.add(DOCS)
    return idx


def test_a_typo_finds_what_the_proper_word_finds(index):
    proper = [h.id for h in index.search("денсаулық сақтау")]
    typed = [h.id for h in index.search("денсалық сақтау")]
    assert set(typed[:2]) == set(proper[:2]) == {"0", "4"}
    assert [h.id for h in index.search("денсалық сақтау", typos=False)][0] == "1"


def test_corrected_words_weigh_less_than_proper_ones(index):
    proper = index.query_terms("денсаулық")
    typed = index.query_terms("денсалық")
    assert [t for t, _ in proper] == [t for t, _ in typed]
    assert 0 < typed[0][1] < proper[0][1] == 1


def test_folded_query_with_a_typo_still_works(index):
    assert index.search("денсалык сактау")[0].id in ("0", "4")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from("денсаулық сақтау министрлігі мектеп оқушылары облыс бюджеті "
                                "ауыл шаруашылығы жүйесі астық".split()), min_size=1, max_size=4))
def test_correct_words_are_never_changed(index, words):
    query = " ".join(words)
    assert index.query_terms(query) == index.query_terms(query, typos=False)
    assert index.search(query) == index.search(query, typos=False)
    assert index.suggest_query(query) is None


def test_suggest_query(index):
    assert index.suggest_query("Денсалық сақтау") == "Денсаулық сақтау"
    assert index.suggest_query("министрлгі мектеп") == "министрлігі мектеп"
    assert index.suggest_query("zzzz") is None
    with pytest.raises(TypeError, match="query"):
        index.suggest_query(None)


def test_search_checks_typos_argument(index):
    with pytest.raises(TypeError, match="typos"):
        index.search("мектеп", typos="yes")


def test_random_typos_of_indexed_words_are_corrected(index):
    rng = random.Random(0)
    words = [w for w in " ".join(DOCS).lower().split() if len(w) >= 6]
    for _ in range(40):
        word = rng.choice(words)
        typed = typo(word, rng)
        if index.query_terms(typed, typos=False) or edit_distance(typed, word) != 1:
            continue  # the typo made another known word, or a swap of equal letters
        assert set(t for t, _ in index.query_terms(word)) <= set(t for t, _ in index.query_terms(typed)), \
            (word, typed)


def test_cli_prints_did_you_mean(capsys):
    assert cli_main(["search", "денсалық"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "did you mean: денсаулық"


# --- the dev questions ---------------------------------------------------------------

DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data"


def _jsonl(name):
    with lzma.open(DATA / name, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def kazqad():
    docs = _jsonl("kazqad_passages.jsonl.xz") + _jsonl("kazqad_distractors_kaznerd.jsonl.xz")
    idx = Index(method="okapi")
    idx.add([(d["id"], d["text"]) for d in docs], workers=1)
    return idx


def test_properly_typed_dev_questions_rank_exactly_as_without_typos(kazqad):
    """Every dev question whose words the index all knows ranks exactly as with
    typos=False; the others hold a word the index has never seen (a name, a
    rare word, or a typo in the question itself), which is what gets corrected."""
    unchanged = 0
    for q in _jsonl("kazqad_queries_dev.jsonl.xz"):
        on, off = kazqad.search(q["text"], k=100), kazqad.search(q["text"], k=100, typos=False)
        if on == off:
            unchanged += 1
            continue
        terms = kazqad.analyzer(q["text"])
        assert any(t not in kazqad.vocabulary for t in terms), q["text"]
        assert kazqad.suggest_query(q["text"]) is not None
    assert unchanged >= 0.9 * 272


def test_typo_dev_questions_find_their_passages(kazqad):
    questions = _jsonl("kazqad_queries_dev_typos.jsonl.xz")
    def hits_at_10(typos):
        return sum(bool(set(q["relevant"]) & {h.id for h in kazqad.search(q["text"], typos=typos)})
                   for q in questions)
    assert hits_at_10(True) > hits_at_10(False) + 10


def test_a_loaded_index_corrects_and_completes_from_its_stored_texts(tmp_path, index):
    index.save(tmp_path / "idx")
    loaded = Index.load(tmp_path / "idx")
    assert loaded.search("денсалық сақтау") == index.search("денсалық сақтау")
    assert loaded.complete("денс") == index.complete("денс") == ["денсаулық"]
    loaded.delete(["2"])
    assert loaded.complete("оқу") == []   # the collection changed by more than 5%: rebuilt


def test_search_many_corrects_typos_like_search(index):
    queries = ["денсалық сақтау", "мектеп", "министрлгі", "облыс бюджеті"] * 40
    assert index.search_many(queries, workers=2) == [index.search(q) for q in queries]
