"""Text analysis: text -> list of index terms.

Placeholder chain (lowercase word tokens); the Kazakh analysis chain replaces it.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

_WORD = re.compile(r"\w+")


def stem(word: str) -> str:
    """Return the stem of one Kazakh word (placeholder: lowercase only)."""
    if not isinstance(word, str):
        raise TypeError(f"word must be str, not {type(word).__name__}")
    return word.lower()


class Analyzer:
    """Callable turning a text into a list of terms.

    >>> Analyzer()("Облыс бюджеті")
    ['облыс', 'бюджеті']
    """

    def __init__(self) -> None:
        pass

    def __call__(self, text: str) -> List[str]:
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return _WORD.findall(text.lower())

    @property
    def config(self) -> Dict[str, Any]:
        """JSON-serialisable settings; ``Analyzer.from_config(a.config)`` rebuilds it."""
        return {}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Analyzer":
        return cls(**config)
