"""A worker's token cache entries, handed over to the parent process in columns.

After a parallel build the parent's analyzer should be as warm as the
workers were (issue 15: the next ``add`` runs in the parent). A worker's
:class:`~.cache.TokenCache` notes the tokens it met first (``fresh``); a
:class:`CacheDelta` carries them home as a few lists and dicts — the tokens,
their joined terms, the layouts that are not 0, 1, 2, ..., the special ones,
and the worker's :class:`~.cache.TokenPlaces` of them (so that the parent
does not lay each one out again) — and :func:`absorb` takes them in with a
few C-level ``update`` calls, instead of one Python call per entry.
Entries are what the parent would compute itself (same settings), so one it
already holds is overwritten by an equal one.

>>> from kzsearch.analysis import Analyzer
>>> worker, home = Analyzer(), Analyzer()
>>> worker.cache_delta()  # starts tracking
[]
>>> terms = worker("Оқушылар іс-шара")
>>> deltas = worker.cache_delta()
>>> [(d.lang, d.tokens, d.special) for d in deltas]
[('kk', ['оқушылар', 'іс-шара'], ['іс-шара'])]
>>> home.absorb_cache(deltas)
>>> home._caches["kk"].places["оқушылар"], home("Оқушылар іс-шара") == terms
((('оқуш', '~оқушыл'), (0, 0), 1), True)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, NamedTuple, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from .cache import Place, TokenCache


class CacheDelta(NamedTuple):
    """What one token cache learned: ``tokens[i]`` has the terms ``joined[i]``; ``layouts``,
    ``special`` and ``places`` as in the cache, for these tokens."""

    lang: str
    tokens: List[str]
    joined: List[str]
    layouts: Dict[str, List[int]]
    special: List[str]
    places: Dict[str, "Place"]

    def entries(self) -> List[Tuple[str, str, str, object, bool, object]]:
        """(language, token, joined, layout, special, place) of each token (for tests)."""
        return [(self.lang, t, j, self.layouts.get(t), t in self.special, self.places.get(t))
                for t, j in zip(self.tokens, self.joined)]


def _subdict(source: Dict, keys: List[str]) -> Dict:
    """``{k: source[k] for k in keys if k in source}`` with C-level maps."""
    present = list(filter(source.__contains__, keys))
    return dict(zip(present, map(source.__getitem__, present)))


def cut(cache: "TokenCache") -> CacheDelta:
    """The entries of ``cache``'s fresh tokens (all still in it: called before it is cleared)."""
    tokens = cache.fresh or []
    places = cache.places if cache.places is not None else {}
    return CacheDelta(cache.lang, list(tokens), list(map(cache.__getitem__, tokens)),
                      _subdict(cache.layouts, tokens), list(filter(cache.special.__contains__, tokens)),
                      _subdict(places, tokens))


def absorb(cache: "TokenCache", delta: CacheDelta, limit: int) -> None:
    """Take ``delta`` into ``cache``, up to ``limit`` entries in all (the ones that fit, in order)."""
    room = limit - len(cache)
    if room <= 0:
        return
    tokens, layouts, special, places = delta.tokens, delta.layouts, delta.special, delta.places
    if len(tokens) > room:
        tokens = tokens[:room]
        layouts, places = _subdict(layouts, tokens), _subdict(places, tokens)
        kept = set(tokens)
        special = [t for t in special if t in kept]
    cache.layouts.update(layouts)  # before the entries, as put() does: a text analysed on another
    cache.special.update(special)  # thread that finds a token finds its layout and special mark
    cache.update(zip(tokens, delta.joined))
    if cache.places is not None:
        cache.places.update(places)
