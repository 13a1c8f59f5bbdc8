"""An HTTP search service and search page over a kzsearch index (extra ``kzsearch[server]``).

Modules, one job each: ``settings`` (where it listens, tokens, limits),
``engine`` (the one adapter between the service and the Index, feature
detection included), ``snippets`` (matched words and marked snippets),
``limits`` (request-body bound), ``protocol`` (uvicorn's HTTP protocol with JSON
errors and a bound on the request head), ``api`` (the FastAPI
app and its JSON routes), ``fastpath`` (the lean ``GET /search``: parameters,
checks, JSON), ``workers`` (the search and writer threads), ``page`` and
``i18n`` (the server-rendered search page in Kazakh, Russian and English),
``run`` (uvicorn), ``processes`` (``serve --workers N``: the worker processes
and the coordinator of their writes, in the parent) and ``replication`` (a
worker's side of it).

Only ``api``, ``limits``, ``protocol`` and ``run`` need FastAPI and uvicorn; the names
below are imported on first use, so ``kzsearch.server.engine`` (which the
LangChain retriever shares) works without the extra.

>>> from kzsearch import Index
>>> from kzsearch.server import SearchEngine, create_app
>>> app = create_app(SearchEngine(Index()))
>>> app.title
'kzsearch'
"""
from importlib import import_module
from typing import Any

_EXPORTS = {"create_app": "api", "SearchEngine": "engine", "open_engine": "run", "serve": "run",
            "Limits": "settings", "ServerSettings": "settings"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
