"""An HTTP search service and search page over a kzsearch index (extra ``kzsearch[server]``).

Modules, one job each: ``settings`` (where it listens, tokens, limits),
``engine`` (the one adapter between the service and the Index, feature
detection included), ``limits`` (request-body bound), ``api`` (the FastAPI
app and its JSON routes), ``page`` and ``i18n`` (the server-rendered search
page in Kazakh, Russian and English), ``run`` (uvicorn).

>>> from kzsearch import Index
>>> from kzsearch.server import SearchEngine, create_app
>>> app = create_app(SearchEngine(Index()))
>>> app.title
'kzsearch'
"""
from .api import create_app
from .engine import SearchEngine
from .run import open_engine, serve
from .settings import Limits, ServerSettings

__all__ = ["create_app", "SearchEngine", "open_engine", "serve", "Limits", "ServerSettings"]
