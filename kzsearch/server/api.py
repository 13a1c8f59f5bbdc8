"""The HTTP service: a FastAPI app over one :class:`~kzsearch.server.engine.SearchEngine`.

Routes (OpenAPI docs at ``/docs``, the schema at ``/openapi.json``)::

    GET    /                     the search page (server-rendered; JavaScript optional)
    GET    /search?q=&k=&offset=&filter=     hits as JSON
    GET    /complete?q=&k=       completions of the last word (when the index has them)
    GET    /documents/{id}       a stored document
    POST   /documents            add or replace documents (a JSON list)      [write]
    DELETE /documents/{id}       delete a document                            [write]
    POST   /save                 save the index to its folder                 [write]
    GET    /health, /stats

Every error is JSON ``{"status": <code>, "error": "<one line>"}``, never a
traceback. Searches run on a pool of ``ServerSettings.search_threads``
threads (NumPy releases the GIL in the heavy parts, so they overlap), writes
on one thread of their own behind the index's lock; requests beyond that wait
their turn in order on the event loop, which keeps tail latency bounded
instead of letting dozens of threads fight over the GIL.

>>> from kzsearch import Index
>>> app = create_app(SearchEngine(Index()))
>>> sorted(r.path for r in app.routes if r.path.startswith("/doc"))[:2]
['/docs', '/docs/oauth2-redirect']
"""
from __future__ import annotations

import json
import secrets
import threading
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, TypeVar

from anyio import CapacityLimiter, to_thread

from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException

from .. import __version__
from .engine import FeatureMissing, SearchEngine, SearchResult
from .snippets import MARK_CLOSE, MARK_OPEN
from .limits import BodySizeLimit
from .page import render_page
from .settings import ServerSettings

T = TypeVar("T")


def create_app(engine: SearchEngine, settings: Optional[ServerSettings] = None) -> FastAPI:
    """The service's ASGI app (run it with uvicorn; see :mod:`kzsearch.server.run`)."""
    settings = settings or ServerSettings()
    settings.validate()
    limits = settings.limits
    pools: Dict[str, CapacityLimiter] = {}

    async def on_pool(name: str, size: int, func: Callable[[], T]) -> T:
        limiter = pools.get(name)
        if limiter is None:  # made inside the event loop that uses it
            limiter = pools[name] = CapacityLimiter(size)
        return await to_thread.run_sync(func, limiter=limiter)

    async def reading(func: Callable[[], T]) -> T:
        if not settings.search_threads:  # on the event loop itself
            return func()
        return await on_pool("read", settings.search_threads, func)

    async def writing(func: Callable[[], T]) -> T:
        return await on_pool("write", 1, func)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        saver = _ScheduledSaver(engine, settings.save_every) if settings.save_every else None
        if saver:
            saver.start()
        try:
            yield
        finally:
            if saver:
                saver.stop()

    app = FastAPI(title="kzsearch", version=__version__, lifespan=lifespan,
                  description="Full-text search over Kazakh text: BM25 with Kazakh analysis.")
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_body_bytes)
    _install_error_handlers(app)

    async def writer(request: Request) -> None:
        """Refuse a write unless this request may write (see kzsearch.server.settings)."""
        policy = settings.write_policy()
        if policy == "closed":
            raise HTTPException(403, "writes are disabled: the service listens on a non-loopback "
                                     "address without a token (start it with --token)")
        if policy == "token":
            header = request.headers.get("authorization", "")
            scheme, _, given = header.partition(" ")
            if scheme.lower() != "bearer" or not given:
                raise HTTPException(401, "this endpoint needs 'Authorization: Bearer <token>'",
                                    headers={"WWW-Authenticate": "Bearer"})
            if not secrets.compare_digest(given.strip().encode(), settings.token.encode()):  # type: ignore[union-attr]
                raise HTTPException(403, "wrong token")

    def checked_query(q: str, name: str = "q") -> str:
        if len(q) > limits.max_query_chars:
            raise HTTPException(400, f"{name} is longer than {limits.max_query_chars} characters")
        return q

    def checked_page(k: int, offset: int) -> None:
        if not 0 <= k <= limits.max_k:
            raise HTTPException(400, f"k must be in 0..{limits.max_k}, got {k}")
        if not 0 <= offset <= limits.max_offset:
            raise HTTPException(400, f"offset must be in 0..{limits.max_offset}, got {offset}")

    @app.get("/", response_class=HTMLResponse, summary="The search page")
    async def page(request: Request, q: str = "", offset: int = 0, filter: str = "", lang: str = "kk",
                   fragment: bool = False) -> HTMLResponse:
        status, html = await reading(partial(
            render_page, engine, q=q[:limits.max_query_chars], offset=min(max(offset, 0), limits.max_offset),
            filter_text=filter, lang=lang, fragment=fragment))
        return HTMLResponse(html, status_code=status)

    @app.get("/search", summary="Search", description="Hits with their stored fields and a snippet "
             "whose matched words are in <mark> tags (HTML-escaped); `filter` is a JSON object "
             "(issue 11's filters, e.g. {\"region\": \"Алматы\"}).")
    async def search(q: str = Query(..., description="the query"), k: int = 10, offset: int = 0,
               filter: Optional[str] = Query(None, description="a JSON object of metadata filters"),
               snippets: bool = Query(True, description="false: no snippet_html and spans (faster)"),
               total: bool = Query(False, description="true: count every matching document "
                                   "(about the cost of one more search)")) -> JSONResponse:
        checked_query(q)
        checked_page(k, offset)
        result = await reading(partial(engine.search, q, k=k, offset=offset, filter=parse_filter(filter),
                                       snippets=snippets, total=total))
        return JSONResponse(result_json(result))

    @app.get("/complete", summary="Completions of the last word of a partial query")
    async def complete(q: str, k: int = 10) -> JSONResponse:
        checked_query(q)
        checked_page(k, 0)
        return JSONResponse({"query": q, "completions": await reading(partial(engine.complete, q, k))})

    @app.get("/documents/{doc_id}", summary="A stored document")
    async def get_document(doc_id: str) -> JSONResponse:
        try:
            return JSONResponse(jsonable(await reading(partial(engine.document, doc_id))))
        except KeyError:
            raise HTTPException(404, f"no document with id {doc_id!r}") from None

    @app.post("/documents", summary="Add or replace documents", dependencies=[Depends(writer)],
              description="A JSON list of objects with an `id` and a `text` (and stored fields when "
                          "the index has them); a present id is replaced.")
    async def put_documents(documents: List[Dict[str, Any]] = Body(...)) -> JSONResponse:
        if len(documents) > limits.max_documents:
            raise HTTPException(413, f"at most {limits.max_documents} documents in one request")
        added = await writing(partial(engine.put, documents))
        return JSONResponse({"added": added, "documents": len(engine.index)})

    @app.delete("/documents/{doc_id}", summary="Delete a document", dependencies=[Depends(writer)])
    async def delete_document(doc_id: str) -> JSONResponse:
        try:
            await writing(partial(engine.delete, doc_id))
        except KeyError:
            raise HTTPException(404, f"no document with id {doc_id!r}") from None
        return JSONResponse({"deleted": doc_id, "documents": len(engine.index)})

    @app.post("/save", summary="Save the index to its folder", dependencies=[Depends(writer)])
    async def save() -> JSONResponse:
        await writing(engine.save)
        return JSONResponse(engine.stats())

    @app.get("/health", summary="Liveness")
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "documents": len(engine.index)})

    @app.get("/stats", summary="Documents, segments, terms, the last commit and the features on")
    async def stats() -> JSONResponse:
        data = engine.stats()
        data["writes"] = settings.write_policy()
        return JSONResponse(data)

    return app


def parse_filter(text: Optional[str]) -> Optional[Dict[str, Any]]:
    """The ``filter`` parameter: a JSON object, or nothing.

    >>> parse_filter('{"region": "Алматы"}')
    {'region': 'Алматы'}
    """
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise HTTPException(400, "filter must be a JSON object, e.g. {\"region\": \"Алматы\"}") from None
    if not isinstance(value, dict):
        raise HTTPException(400, "filter must be a JSON object, e.g. {\"region\": \"Алматы\"}")
    return value


def html_snippet(snippet: str) -> str:
    """A marked snippet as HTML: the text escaped, the marks as ``<mark>`` tags.

    >>> html_snippet("a<b " + MARK_OPEN + "c" + MARK_CLOSE)
    'a&lt;b <mark>c</mark>'
    """
    from html import escape

    return escape(snippet, quote=False).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def jsonable(value: Any) -> Any:
    """A stored value as JSON can carry it: NumPy scalars as numbers, dates as ISO strings.

    >>> import datetime, numpy as np
    >>> jsonable({"n": np.int32(3), "d": datetime.date(2025, 1, 2), "tags": ("a", "b")})
    {'n': 3, 'd': '2025-01-02', 'tags': ['a', 'b']}
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    if hasattr(value, "tolist"):  # NumPy arrays
        return value.tolist()
    return str(value)


def result_json(result: SearchResult) -> Dict[str, Any]:
    return {"query": result.query, "k": result.k, "offset": result.offset, "total": result.total,
            "has_more": result.has_more, "corrected": result.corrected, "restored": result.restored,
            "hits": [{"id": h.id, "score": h.score, "fields": jsonable(h.fields),
                      "snippet_html": html_snippet(h.snippet), "spans": [list(s) for s in h.spans]}
                     for h in result.hits]}


def _error(status: int, message: str, headers: Optional[Dict[str, str]] = None) -> JSONResponse:
    return JSONResponse({"status": status, "error": " ".join(str(message).split())},
                        status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors()[:3]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return _error(422, "; ".join(problems) or "invalid request")

    @app.exception_handler(FeatureMissing)
    async def missing(request: Request, exc: FeatureMissing) -> JSONResponse:
        return _error(501, str(exc))

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(TypeError)
    async def bad_type(request: Request, exc: TypeError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"internal error ({type(exc).__name__})")


class _ScheduledSaver:
    """Saves the index's changes every ``seconds`` on a daemon thread, and once more at stop."""

    def __init__(self, engine: SearchEngine, seconds: float) -> None:
        self.engine, self.seconds = engine, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kzsearch-saver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.engine.save(only_if_changed=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.engine.save(only_if_changed=True)
            except Exception:  # a failed save stays dirty and is retried next round
                pass
