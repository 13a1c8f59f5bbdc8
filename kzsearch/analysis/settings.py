"""Settings of an analyzer: one frozen, JSON-serialisable dataclass.

>>> AnalyzerSettings(stopwords=["Облыс"]).to_dict()["stopwords"]
['облыс']
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, Tuple, Union

from .normalize import normalize
from .views import DEFAULT_VIEWS, View, parse_views

#: Longest token, in characters, that reaches the token filters (longer ones are cut).
MAX_TOKEN_LENGTH = 64


@dataclass(frozen=True)
class AnalyzerSettings:
    """Settings of an :class:`Analyzer` (all JSON-serialisable).

    stemming: Kazakh suffix stemming and Russian lemmatization.
    stopwords: True for the built-in Kazakh and Russian lists, False for none,
        or a sequence of words (any language, normalised like the text).
    russian: route Russian sentences to pymorphy3 (else everything is Kazakh).
    compounds: add the solid form of a hyphenated compound as one more term.
    max_token_length: tokens are cut to this many characters.
    latin: Latin-script Kazakh (any official orthography, or informal) is
        read as Cyrillic before analysis (:func:`kzsearch.script.to_cyrillic`);
        English and other Latin words stay as they are.
    stem_prefix: if above 0, a Kazakh stem is indexed by its first
        ``stem_prefix`` letters only (``6``: президенттік and президент both
        -> ``презид``), a coarser key that also meets derived words and
        compounds written solid; 0 (the default) keeps the whole stem.
    views: sub-word views emitted beside each word's term (see
        :mod:`.views`): :class:`~.views.View` objects or dicts such as
        ``{"kind": "prefix", "size": 6, "weight": 1.0}``; by default
        :data:`~.views.DEFAULT_VIEWS` (the word's first 6 letters at query
        weight 0.4, words of 3+ letters); ``()`` (or ``None``, ``False``): stems
        only. A stored config without ``views`` (saved before views existed)
        has none (:meth:`Analyzer.from_config`).
    """

    stemming: bool = True
    stopwords: Union[bool, Tuple[str, ...]] = True
    russian: bool = True
    compounds: bool = True
    max_token_length: int = MAX_TOKEN_LENGTH
    stem_prefix: int = 0
    latin: bool = True
    views: Tuple[View, ...] = DEFAULT_VIEWS

    def __post_init__(self) -> None:
        object.__setattr__(self, "views", parse_views(self.views))
        if not isinstance(self.stem_prefix, int) or self.stem_prefix < 0:
            raise ValueError("stem_prefix must be an int >= 0")
        if not isinstance(self.stopwords, bool):
            if isinstance(self.stopwords, str):
                raise TypeError("stopwords must be a bool or an iterable of words, not str")
            words = sorted({normalize(str(w)).strip() for w in self.stopwords} - {""})
            object.__setattr__(self, "stopwords", tuple(words))
        if not isinstance(self.max_token_length, int) or self.max_token_length < 1:
            raise ValueError("max_token_length must be a positive int")

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        if not isinstance(self.stopwords, bool):
            d["stopwords"] = list(self.stopwords)
        d["views"] = [v.to_dict() for v in self.views]  # a config without "views" has none
        return d
