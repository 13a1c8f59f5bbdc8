"""Language routing: which sentences of a text are Russian.

Kazakh-specific letters (ә ғ қ ң ө ұ ү һ і) are the strong signal: a
sentence with any of them is Kazakh, even when it borrows Russian words
(*Бала после этого ойнап кетті*). A sentence without them is Russian only if
it has Russian function words (и, в, что, для, который …) that do not occur
in Kazakh, more of them than Kazakh function words (мен, деп, бір …), and
at least three Cyrillic words. Anything else — a lone word, a heading, a
list of names — is Kazakh: a lone word is never routed by guessing (the
Kazakh *сала* must not become the Russian *сало*).

>>> [lang for lang, _ in route("Министерства образования и науки. Бұл сала.")]
['ru', 'kk']
>>> route("Сала")
[('kk', 'Сала')]
"""
from __future__ import annotations

import re
from typing import List, Tuple

KAZAKH = "kk"
RUSSIAN = "ru"

#: A letter only Kazakh has (in either case): the strong signal of Kazakh text.
KAZAKH_LETTER = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
#: A Latin letter, accented ones included (Latin-script Kazakh, or foreign words).
LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
_RUSSIAN_WORDS = (
    "и в во что это как для из при или был была были было его её ее их она они "
    "также который которые которая которого которых которой только ещё еще все всех "
    "года году себя если чтобы может нет уже можно быть будет этого этом эти этой "
    "сегодня очень между после через над под без более по на за до со об"
)
_KAZAKH_WORDS = "мен бен пен деп де да та те бір бар жоқ екен еді осы сол ол олар бен"
#: Lowercase Russian function words; a text none of whose tokens is one is Kazakh.
RUSSIAN_MARKERS = frozenset(_RUSSIAN_WORDS.split())
_RUSSIAN_MARKER = re.compile(r"(?<!\w)(?:" + "|".join(_RUSSIAN_WORDS.split()) + r")(?!\w)",
                             re.IGNORECASE)
_KAZAKH_MARKER = re.compile(r"(?<!\w)(?:" + "|".join(set(_KAZAKH_WORDS.split())) + r")(?!\w)",
                            re.IGNORECASE)
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")
#: Sentence ends: . ! ? … ; and line breaks, followed by space.
_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\n+")


def may_contain_russian(text: str) -> bool:
    """Cheap check: False means the whole text is Kazakh."""
    return _RUSSIAN_MARKER.search(text) is not None


def sentence_language(sentence: str) -> str:
    """``'kk'`` or ``'ru'`` for one sentence (see the module docstring).

    >>> sentence_language("Закон вступает в силу"), sentence_language("Бала после этого ойнап кетті")
    ('ru', 'kk')
    """
    if KAZAKH_LETTER.search(sentence):
        return KAZAKH
    russian = len(_RUSSIAN_MARKER.findall(sentence))
    if russian == 0 or russian <= len(_KAZAKH_MARKER.findall(sentence)):
        return KAZAKH
    if len(_CYRILLIC_WORD.findall(sentence)) < 3:
        return KAZAKH
    return RUSSIAN


def route(text: str) -> List[Tuple[str, str]]:
    """Split ``text`` into runs of consecutive sentences of one language.

    >>> route("Бұл жаңа заң. Закон вступает в силу. Ол күшіне енеді.")[1]
    ('ru', 'Закон вступает в силу.')
    """
    if not may_contain_russian(text):
        return [(KAZAKH, text)]
    runs: List[Tuple[str, str]] = []
    for sentence in _SENTENCE_END.split(text):
        if not sentence:
            continue
        lang = sentence_language(sentence)
        if runs and runs[-1][0] == lang:
            runs[-1] = (lang, runs[-1][1] + " " + sentence)
        else:
            runs.append((lang, sentence))
    return runs or [(KAZAKH, text)]
