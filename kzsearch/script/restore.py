"""Restore the Kazakh spelling of query words against the index vocabulary.

A query typed on a Russian keyboard ("когамында") or in Latin ("qoǵamynda")
loses letters that only the vocabulary can give back: folding the index
instead would merge words Kazakh keeps apart (сан/сән, кол/қол/көл). The
:class:`Restorer` keys every vocabulary term by its fold (and loose fold,
for Latin), so a query word finds the terms that share its key, weighted
by how common they are; an inflected word finds its stem among its
prefixes, and the rest of the word is re-spelled with the stem's vowel
harmony (кітап + тарынан -> кітаптарынан, мектеп + теринде -> мектептерінде).

>>> vocabulary = [("қоғам", 40), ("қоғамы", 12), ("мектеп", 30), ("кол", 1), ("қол", 25)]
>>> restorer = Restorer(vocabulary)
>>> restorer.candidates("кол")
[('қол', 0.9615384615384616), ('кол', 0.038461538461538464)]
>>> restorer.restore("когамында"), restorer.restore("мектептеринде")
('қоғамында', 'мектептерінде')
>>> restorer.restore("qoǵamynda")
'қоғамында'
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from .convert import CYRILLIC_WORD, fold, loose_fold, read_latin_word, with_case_of
from .harmony import ng_variants, respell_suffix, respell_word
from .latin import (
    guess_orthography,
    is_kazakh_run,
    is_roman_numeral,
    join_words,
    repair_mixed_script,
    script_of,
    split_words,
    to_folded,
    word_evidence,
)
from .tables import KAZAKH_LETTERS, KEYBOARD_FOLD

#: Protects the Kazakh letters from loose_fold (a Latin spelling keeps them
#: apart) by writing them as private-use characters, except һ (h is х too).
_KEEP_KAZAKH_LETTERS = str.maketrans(
    {letter: chr(0xE000 + i) for i, letter in enumerate(KEYBOARD_FOLD) if letter != "һ"}
)

Stem = Callable[[str], str]
#: Whole-word spellings from the vocabulary term for a prefix: (term, cut).
_Speller = Callable[[str, int], List[str]]

#: Shortest prefix tried as the stem of an inflected word.
_MIN_STEM = 3
#: ... and at least this share of the word.
_MIN_STEM_SHARE = 0.3
#: ... when a stemmer checks the spellings.
_MIN_STEM_WITH_STEMMER = 2
#: Proper spellings of a prefix tried, most common first.
_SPELLINGS_TRIED = 3


class Restorer:
    """Proper Cyrillic spellings of folded or Latin query words, from the
    index's own vocabulary.

    ``vocabulary``: (term, count) pairs, e.g. the index's terms with their
    collection frequencies; Latin-script terms are kept but never proposed.
    Terms are the analyzer's output: pass its stemmer to the methods when
    they are stems, so that an inflected query word can be checked.
    """

    def __init__(self, vocabulary: Iterable[Tuple[str, int]]) -> None:
        counts: Dict[str, int] = defaultdict(int)
        for term, count in vocabulary:
            counts[term.lower()] += count
        self._counts: Dict[str, int] = dict(counts)
        self._by_fold = self._group_by(fold)
        self._by_loose = self._group_by(loose_fold)

    def _group_by(self, key: Callable[[str], str]) -> Dict[str, Tuple[str, ...]]:
        groups: Dict[str, List[str]] = defaultdict(list)
        for term in self._counts:
            if CYRILLIC_WORD.fullmatch(term):
                groups[key(term)].append(term)
        count = self._counts.__getitem__
        return {k: tuple(sorted(terms, key=lambda t: (-count(t), t))) for k, terms in groups.items()}

    def __len__(self) -> int:
        return len(self._counts)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and term.lower() in self._counts

    def candidates(self, word: str, orthography: Optional[str] = None) -> List[Tuple[str, float]]:
        """Vocabulary terms spelt like ``word`` but for the letters a Russian
        keyboard (or a Latin orthography) loses, best first, each with its
        share of their counts.

        >>> Restorer([("сан", 30), ("сән", 10)]).candidates("сан")
        [('сан', 0.75), ('сән', 0.25)]
        """
        lowered = word.lower()
        if CYRILLIC_WORD.fullmatch(lowered):
            terms = self._by_fold.get(fold(lowered), ())
        else:
            terms = self._by_loose.get(to_folded(lowered, orthography), ())
        total = sum(self._counts[t] for t in terms) or 1
        return [(t, self._counts[t] / total) for t in terms]

    # -------------------------------------------------------------- restoring

    def _known(self, word: str, stem: Optional[Stem]) -> bool:
        return word in self._counts or (stem is not None and stem(word) in self._counts)

    def _by_prefix(
        self, key: str, groups: Dict[str, Tuple[str, ...]], stem: Optional[Stem], spell: _Speller
    ) -> Optional[str]:
        """Spell an inflected word from the longest prefix of its key that is a
        vocabulary key: ``spell(term, cut)`` gives the whole word from the
        term spelling ``key[:cut]``. With a stemmer, the first spelling whose
        stem is a term wins; else the spelling from the longest prefix."""
        fallback: Optional[str] = None
        shortest = max(_MIN_STEM, math.ceil(len(key) * _MIN_STEM_SHARE))
        for cut in range(len(key) - 1, shortest - 1, -1):
            for term in groups.get(key[:cut], ())[:_SPELLINGS_TRIED]:
                for word in spell(term, cut):
                    if stem is None:
                        return word
                    if self._known(word, stem):
                        return word
                    fallback = fallback or word
        return fallback

    def _restore_folded(
        self, word: str, stem: Optional[Stem], keyboard: bool, inflected: bool = True, loose: bool = False
    ) -> Optional[str]:
        """A Cyrillic word typed without Kazakh letters (``inflected``: look
        for its stem among its prefixes if the whole word is not known;
        ``loose``: it was read from ASCII Latin, so use the loose keys)."""
        known = self._known(word, stem)
        if known and not keyboard:
            return word
        key, groups = (loose_fold(word), self._by_loose) if loose else (fold(word), self._by_fold)
        terms = groups.get(key)
        if terms:
            return terms[0]
        if not inflected:
            return word if known else None

        def spell(term: str, cut: int) -> List[str]:
            return [term + suffix for suffix in respell_suffix(term, key[cut:])]

        if stem is not None:
            return self._best_stemmed(key, groups, stem, spell, word if known else None)
        return self._by_prefix(key, groups, stem, spell)

    def _best_stemmed(
        self, key: str, groups: Dict[str, Tuple[str, ...]], stem: Stem, spell: _Speller, known: Optional[str]
    ) -> Optional[str]:
        """With a stemmer: of the whole-word spellings (:func:`respell_word`)
        and the prefix spellings (:meth:`_by_prefix`), the one whose stem is
        the most common term (``known``: the word itself, a known term).
        Spellings with ң for н count only if no other spelling is a term."""
        candidates = respell_word(key)
        for cut in range(len(key) - 1, _MIN_STEM_WITH_STEMMER - 1, -1):
            for term in groups.get(key[:cut], ())[:_SPELLINGS_TRIED]:
                candidates += spell(term, cut)
        first_choices = list(dict.fromkeys(candidates))
        ng_choices = [v for c in first_choices for v in ng_variants(c)[1:] if v not in first_choices]
        for choices in (first_choices, ng_choices):
            best, best_count = known, self._counts.get(stem(known), 0) if known else 0
            for candidate in choices:
                count = self._counts.get(stem(candidate), 0)
                if count > best_count:
                    best, best_count = candidate, count
            if best_count:
                return best
        return known

    def _restore_latin(
        self, word: str, stem: Optional[Stem], orthography: str, inflected: bool = True
    ) -> Optional[str]:
        """A Latin word: the vocabulary decides the letters its spelling leaves
        open (і/и/й, х/һ, ц/тс, я/иа, ь ...) and keeps the ones it gives."""
        reading = read_latin_word(word, orthography).lower()
        if orthography == "informal":  # ASCII: a Kazakh letter may be typed plain
            return self._restore_informal(reading, stem, inflected)
        if self._known(reading, stem):
            return reading
        ambiguous_i = (orthography == "2018" and "ı" not in word) or word.startswith("I")
        agree = _agreement(ambiguous_i)
        key = loose_fold(reading)
        terms = [t for t in self._by_loose.get(key, ()) if agree(t, reading)]
        if terms or not inflected:
            return terms[0] if terms else None

        def spell(term: str, cut: int) -> List[str]:
            end = _prefix_end(reading, key[:cut])
            return [term + reading[end:]] if end and agree(term, reading[:end]) else []

        return self._by_prefix(key, self._by_loose, stem, spell)

    def _restore_informal(self, reading: str, stem: Optional[Stem], inflected: bool) -> Optional[str]:
        """An ASCII word, read as informal romanisation: restored like a
        Russian-keyboard word; "ng" may be ң (жаңа) or н+г (Англия)."""
        found = self._restore_folded(reading, stem, True, inflected, loose=True)
        if "ң" in reading and (found is None or not self._known(found, stem)):
            return self._restore_folded(reading.replace("ң", "нг"), stem, True, inflected, loose=True) or found
        return found

    def lookup(
        self,
        word: str,
        stem: Optional[Stem] = None,
        orthography: Optional[str] = None,
        keyboard: bool = False,
        inflected: bool = True,
    ) -> Optional[str]:
        """The proper Cyrillic spelling of ``word`` that the vocabulary
        supports (lower case), or None if it has nothing to say.

        A Cyrillic word with Kazakh letters is taken as typed properly and
        comes back unchanged, as does a known term (or one whose stem is)
        unless ``keyboard``: the word comes from a query typed on a Russian
        keyboard, so its most common spelling wins (кала -> қала).
        ``inflected=False``: only the whole word is looked up, no stem
        among its prefixes (for words that may not be Kazakh at all).
        """
        script = script_of(word)
        lowered = word.lower()
        if script == "cyrillic":
            if any(ch in KAZAKH_LETTERS for ch in lowered) or not CYRILLIC_WORD.fullmatch(lowered):
                return lowered
            return self._restore_folded(lowered, stem, keyboard, inflected)
        if script != "latin":
            return None
        return self._restore_latin(word, stem, orthography or guess_orthography([word]), inflected)

    def restore(
        self,
        word: str,
        stem: Optional[Stem] = None,
        orthography: Optional[str] = None,
        keyboard: bool = False,
    ) -> str:
        """The likeliest proper Cyrillic spelling of one query word, typed
        properly, on a Russian keyboard, or in a Latin orthography (detected
        from the word if not given), in the word's case. Words the vocabulary
        cannot place come back unchanged (Cyrillic) or read by rule (Latin).
        See :meth:`lookup` for ``keyboard``.

        ``stem``: the analyzer's stemmer when the vocabulary holds stems.

        >>> restorer = Restorer([("кітап", 50), ("кітабы", 9), ("кім", 80), ("ким", 2)])
        >>> restorer.restore("китаптарынан", stem=lambda w: w[:5])
        'кітаптарынан'
        >>> restorer.restore("ким"), restorer.restore("ким", keyboard=True), restorer.restore("kitabyn")
        ('ким', 'кім', 'кітабын')
        """
        found = self.lookup(word, stem, orthography, keyboard)
        if found is not None:
            return with_case_of(found, word)
        if script_of(word) != "latin":
            return word
        return read_latin_word(word, orthography or guess_orthography([word]))

    def restore_text(self, text: str, stem: Optional[Stem] = None) -> str:
        """Restore the words of a query text.

        A query with no Kazakh letter in its Cyrillic words is taken as typed
        on a Russian keyboard and each of them gets its likeliest spelling;
        in any other query the Cyrillic words stay exactly as typed (words
        typed with look-alike Latin letters, like "Eр", are repaired). Latin
        words get their Cyrillic spelling from the vocabulary if it has one
        and they read as Kazakh (or as a term more common than their own
        Latin spelling); English words, Roman numerals and Latin terms stay.

        >>> Restorer([("қазақ", 5), ("тілі", 3)]).restore_text("kazak tili — Windows XP")
        'қазақ тілі — Windows XP'
        """
        spans, typed = split_words(text)
        # Kazakh letters as typed: a Latin look-alike (і typed as i) is no sign
        keyboard = not any(ch in KAZAKH_LETTERS for word in typed for ch in word.lower())
        words = [repair_mixed_script(w) if script_of(w) == "mixed" else w for w in typed]
        latin = [w for w in words if script_of(w) == "latin"]
        orthography = guess_orthography(latin) if latin else "informal"
        kazakh_run = bool(latin) and is_kazakh_run(latin)
        restored = [
            (self.restore(word, stem, keyboard=True) if keyboard else word)
            if script_of(word) == "cyrillic"
            else self._restore_latin_token(word, stem, orthography, kazakh_run)
            for word in words
        ]
        return join_words(text, spans, restored)

    def _restore_latin_token(
        self, word: str, stem: Optional[Stem], orthography: str, kazakh_run: bool
    ) -> str:
        """A Latin word of a query (``kazakh_run``: its Latin words read as
        Kazakh); see :meth:`restore_text`."""
        if script_of(word) != "latin" or is_roman_numeral(word):
            return word
        own_count = self._counts.get(word.lower(), 0)
        if not kazakh_run and (own_count or word_evidence(word) < 0):
            return word
        found = self.lookup(word, stem, orthography, inflected=kazakh_run)
        if found is not None and self._counts.get(found, 1) > own_count:
            return with_case_of(found, word)
        if own_count or not kazakh_run:
            return word
        return read_latin_word(word, orthography)


def _agreement(ambiguous_i: bool) -> Callable[[str, str], bool]:
    """Whether a vocabulary term can be the word a Latin spelling (with
    Kazakh letters) was read as: they may differ only in letters that the
    spelling does not tell apart; ``ambiguous_i``: і and и too (2018 written
    without ı, or a capital I)."""

    def key(cyrillic: str) -> str:
        if ambiguous_i:
            cyrillic = cyrillic.replace("і", "и")
        return loose_fold(cyrillic.translate(_KEEP_KAZAKH_LETTERS))

    return lambda term, reading: key(term) == key(reading)


def _prefix_end(reading: str, key_prefix: str) -> int:
    """Length of the start of ``reading`` whose loose fold is ``key_prefix``
    (0 if there is none)."""
    for end in range(1, len(reading) + 1):
        folded = loose_fold(reading[:end])
        if folded == key_prefix:
            return end
        if len(folded) > len(key_prefix):
            break
    return 0
