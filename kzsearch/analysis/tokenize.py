"""Tokenizer: normalised text -> raw tokens, in text order.

One fast regular expression finds runs of word characters joined by inner
hyphens, apostrophes, dots and commas (``үй-коммуналдық``, ``ақш-та``,
``5,8``, ``2025-2027``, ``18.11.2025``, ``қ.мұхаметжанов``); when the text
contains ``://``, ``www.`` or ``@``, URLs and e-mail addresses are found
first and kept whole. Typographic quotes, dashes and other punctuation are
not word characters, so they separate tokens and never become terms.

What a token contributes to the index — a decimal number, a range, a word
with an ending after a hyphen, a compound's parts — is decided once per
token type by the token filters (:mod:`.analyzer`), so that this step stays
a single C-level ``findall``.

>>> tokenize("2025-2027 жылдарға 5,8 миллиард, ақш-та іс-шара; info@gov.kz")
['2025-2027', 'жылдарға', '5,8', 'миллиард', 'ақш-та', 'іс-шара', 'info@gov.kz']
"""
from __future__ import annotations

import re
from typing import List

_TOKEN = r"\w+(?:[-'.,–]\w+)*"
_URL = r"(?:https?://|www\.)[^\s<>\"'«»“”()\[\]]+[^\s<>\"'«»“”()\[\].,;:!?]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"

_plain_tokens = re.compile(_TOKEN).findall
_tokens_and_addresses = re.compile(rf"{_URL}|{_EMAIL}|{_TOKEN}").findall


def tokenize(text: str) -> List[str]:
    """Split normalised (lowercase) text into raw tokens.

    >>> tokenize("55-ші конкурсы, https://www.gov.kz/memleket?lang=kk.")
    ['55-ші', 'конкурсы', 'https://www.gov.kz/memleket?lang=kk']
    """
    if "@" in text or "://" in text or "www." in text:
        return _tokens_and_addresses(text)
    return _plain_tokens(text)


def is_address(token: str) -> bool:
    """True for a URL or e-mail token."""
    return "@" in token or "://" in token or token.startswith("www.")
