"""Kazakh text analysis: text -> list of index terms.

The chain (see :mod:`.analyzer`, settings in :mod:`.settings`): character
filters (:mod:`.normalize`) -> language routing (:mod:`.language`) ->
tokenizer (:mod:`.tokenize`) -> token filters (:mod:`.filters`): compounds
and numbers, stopwords (:mod:`.stopwords`), the Kazakh suffix stemmer
(:mod:`.stemmer`; tables in :mod:`.suffixes`, compiled and searched by
:mod:`.readings`, sound rules in :mod:`.phonology`) or Russian lemmas
(:mod:`.russian`); optional sub-word views beside each stem (:mod:`.views`).
Each token type is analysed once per language and cached (:mod:`.cache`).

Robustness: any ``str`` is analysed without error; tokens are cut to
:data:`MAX_TOKEN_LENGTH` characters and the per-token caches are bounded.

>>> Analyzer()("мектептердегі оқушылар")  # stems, each followed by its view (DEFAULT_VIEWS)
['мектеп', '~мектеп', 'оқуш', '~оқушыл']
>>> Analyzer(views=())("мектептердегі оқушылар")  # stems only
['мектеп', 'оқуш']
>>> stem("Қазақстанның")
'қазақстан'
"""
from .analyzer import CACHE_LIMIT, MAX_TOKEN_LENGTH, Analyzer, AnalyzerSettings
from .normalize import normalize
from .stemmer import KazakhStemmer, stem
from .tokenize import tokenize
from .views import RECOMMENDED_VIEWS, View, is_view_term

__all__ = [
    "Analyzer",
    "AnalyzerSettings",
    "KazakhStemmer",
    "stem",
    "normalize",
    "tokenize",
    "View",
    "RECOMMENDED_VIEWS",
    "is_view_term",
    "MAX_TOKEN_LENGTH",
    "CACHE_LIMIT",
]
