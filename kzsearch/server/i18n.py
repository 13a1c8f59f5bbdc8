"""The search page's words in Kazakh (the default), Russian and English.

>>> text("kk", "search")
'Іздеу'
>>> text("xx", "search")  # an unknown language falls back to Kazakh
'Іздеу'
>>> text("en", "found", n=3)
'3 documents found'
"""
from __future__ import annotations

from typing import Dict

#: interface languages, the first being the default
LANGUAGES = ("kk", "ru", "en")
#: how each language names itself in the switcher
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

MESSAGES: Dict[str, Dict[str, str]] = {
    "kk": {
        "title": "kzsearch — қазақша іздеу",
        "search": "Іздеу",
        "placeholder": "Сұрауыңызды жазыңыз…",
        "found": "{n} құжат табылды",
        "shown": "{first}–{last} нәтиже",
        "nothing": "Ештеңе табылмады",
        "corrected": "Түзетілген сұрау бойынша нәтижелер:",
        "restored": "Сұрау қазақ әліпбиімен оқылды:",
        "filters": "Сүзгілер",
        "remove": "алып тастау",
        "previous": "← Алдыңғы",
        "next": "Келесі →",
        "api": "API құжаттамасы",
        "error": "Қате",
        "language": "Тіл",
        "documents": "{n} құжат индексте",
    },
    "ru": {
        "title": "kzsearch — поиск по-казахски",
        "search": "Найти",
        "placeholder": "Введите запрос…",
        "found": "Найдено документов: {n}",
        "shown": "результаты {first}–{last}",
        "nothing": "Ничего не найдено",
        "corrected": "Показаны результаты по исправленному запросу:",
        "restored": "Запрос прочитан казахским алфавитом:",
        "filters": "Фильтры",
        "remove": "убрать",
        "previous": "← Назад",
        "next": "Далее →",
        "api": "Документация API",
        "error": "Ошибка",
        "language": "Язык",
        "documents": "документов в индексе: {n}",
    },
    "en": {
        "title": "kzsearch — Kazakh search",
        "search": "Search",
        "placeholder": "Type your query…",
        "found": "{n} documents found",
        "shown": "results {first}–{last}",
        "nothing": "Nothing found",
        "corrected": "Showing results for the corrected query:",
        "restored": "Query read in the Kazakh alphabet:",
        "filters": "Filters",
        "remove": "remove",
        "previous": "← Previous",
        "next": "Next →",
        "api": "API docs",
        "error": "Error",
        "language": "Language",
        "documents": "{n} documents in the index",
    },
}


def language(lang: str) -> str:
    """``lang`` if the page speaks it, else the default (Kazakh)."""
    return lang if lang in MESSAGES else LANGUAGES[0]


def text(lang: str, key: str, **values: object) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in."""
    message = MESSAGES[language(lang)][key]
    return message.format(**values) if values else message
