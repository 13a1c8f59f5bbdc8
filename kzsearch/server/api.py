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
traceback (the page at ``/`` answers its own bad parameters as a page, 400).
Before any route, :class:`KzsearchApp` refuses a target that is not UTF-8 or
holds control characters (400) and a POST of documents that is not JSON
(415), and answers ``HEAD`` on every ``GET`` route. Searches run on a pool of ``ServerSettings.search_threads``
threads (NumPy releases the GIL in the heavy parts, so they overlap), writes
on one thread of their own behind the index's lock (:mod:`.workers`);
requests beyond that wait their turn in order, which keeps tail latency
bounded instead of letting dozens of threads fight over the GIL. ``GET
/search`` takes the lean path of :mod:`.fastpath`.

>>> from kzsearch import Index
>>> app = create_app(SearchEngine(Index()))
>>> sorted(r.path for r in app.routes if r.path.startswith("/doc"))[:2]
['/docs', '/docs/oauth2-redirect']
"""
from __future__ import annotations

import secrets
import threading
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, AsyncIterator, Dict, List, Optional

from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from .. import __version__
from .engine import FeatureMissing, SearchEngine
from .fastpath import (BadRequest, answer_search, check_id, check_page, check_query, checked_call,
                       error_json, error_of, html_snippet, jsonable, parse_filter, parse_int, result_json,
                       target_problem)
from .limits import BodySizeLimit
from .page import render_page
from .settings import ServerSettings
from .workers import Workers

__all__ = ["KzsearchApp", "create_app", "html_snippet", "jsonable", "parse_filter", "result_json"]


class KzsearchApp(FastAPI):
    """FastAPI, with ``GET /search`` answered by the lean path of :mod:`kzsearch.server.fastpath`.

    The route is still declared on the app (OpenAPI, ``/docs``) and runs the
    same code; only the hot request skips FastAPI's per-request machinery.
    """

    kzsearch_engine: SearchEngine
    kzsearch_settings: ServerSettings
    kzsearch_workers: Workers

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if scope["method"] == "HEAD":  # a GET route answers HEAD too: its head, without the body
            scope, send = {**scope, "method": "GET"}, _without_body(send)
        if scope["path"] == "/search" and scope["method"] == "GET" \
                and not _has_body(scope):  # (a body, which /search never reads, meets the size bound)
            await answer_search(scope, send, self.kzsearch_engine, self.kzsearch_settings.limits,
                                self.kzsearch_workers.read)
            return
        problem = target_problem(scope.get("raw_path") or scope["path"].encode(), scope.get("query_string", b""))
        if problem is None and scope["method"] == "POST" and scope["path"] == "/documents" \
                and not _json_content(scope):
            await _send(send, 415, error_json(415, "send the documents as a JSON list with "
                                                   "'Content-Type: application/json'"), b"application/json")
            return
        if problem is not None:  # (Starlette would read it with replacement characters)
            if scope["path"] == "/":
                status, html = render_page(self.kzsearch_engine, error=problem)
                await _send(send, status, html.encode(), b"text/html; charset=utf-8")
            else:
                await _send(send, 400, error_json(400, problem), b"application/json")
            return
        await super().__call__(scope, receive, send)


def _json_content(scope: Any) -> bool:
    """Whether the request says its body is JSON (``application/json`` or ``application/...+json``)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))
    return False


def _without_body(send: Any) -> Any:
    async def head_only(message: Any) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)
    return head_only


async def _send(send: Any, status: int, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _has_body(scope: Any) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or name == b"content-length" and value != b"0":
            return True
    return False


def create_app(engine: SearchEngine, settings: Optional[ServerSettings] = None,
               workers: Optional[Workers] = None) -> KzsearchApp:
    """The service's ASGI app (run it with uvicorn; see :mod:`kzsearch.server.run`).

    ``workers``: where searches and writes run (default: this process's
    threads; ``serve --workers N`` passes :class:`.replication.ReplicatedWorkers`).
    """
    settings = settings or ServerSettings()
    settings.validate()
    limits = settings.limits
    workers = workers or Workers(settings.search_threads)
    reading, writing = workers.read, workers.write

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
            workers.close()

    app = KzsearchApp(title="kzsearch", version=__version__, lifespan=lifespan, redirect_slashes=False,
                      description="Full-text search over Kazakh text: BM25 with Kazakh analysis.")
    app.kzsearch_engine, app.kzsearch_settings, app.kzsearch_workers = engine, settings, workers
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

    @app.get("/", response_class=HTMLResponse, summary="The search page",
             description="Server-rendered: results, filters and paging work without JavaScript. Bad "
                         "parameters give the page with the problem said, status 400, never JSON; a "
                         "query past the length bound is cut to it.")
    async def page(q: str = "", offset: str = "0", filter: str = "", lang: str = "kk",
                   fragment: str = "") -> HTMLResponse:
        problem, start = None, 0
        number = parse_int(offset or "0")
        if number is None:
            problem = "offset must be a whole number"
        else:
            start = number
            if not 0 <= start <= limits.max_offset:
                problem, start = f"offset must be in 0..{limits.max_offset}", 0
        q = q[:limits.max_query_chars]  # (a long paste is searched by its start, as before)
        if len(filter) > limits.max_filter_chars:
            problem, filter = f"filter is longer than {limits.max_filter_chars} characters", ""
        status, html = await reading(partial(
            render_page, engine, q=q, offset=start, filter_text=filter, lang=lang,
            fragment=fragment.lower() in ("1", "true", "yes", "on"), error=problem))
        return HTMLResponse(html, status_code=status)

    @app.get("/search", summary="Search", description="Hits with their stored fields and a snippet "
             "whose matched words are in <mark> tags (HTML-escaped); `filter` is a JSON object "
             "(issue 11's filters, e.g. {\"region\": \"Алматы\"}).")
    async def search(q: str = Query(..., description="the query"), k: int = 10, offset: int = 0,
               filter: Optional[str] = Query(None, description="a JSON object of metadata filters"),
               snippets: bool = Query(True, description="false: no snippet_html and spans (faster)"),
               total: bool = Query(False, description="true: count every matching document "
                                   "(about the cost of one more search)")) -> Response:
        # (GET /search is answered by KzsearchApp's lean path; this is the same code, for the docs)
        call = checked_call(q, k, offset, filter, snippets, total, limits)
        return Response(await reading(partial(call.run, engine)), media_type="application/json")

    @app.get("/complete", summary="Completions of the last word of a partial query")
    async def complete(q: str, k: int = 10) -> JSONResponse:
        check_query(q, limits)
        check_page(k, 0, limits)
        return JSONResponse({"query": q, "completions": await reading(partial(engine.complete, q, k))})

    @app.get("/documents/{doc_id:path}", summary="A stored document",
             description="The id is the rest of the path (it may hold `/`; percent-encode `?` and `#`).")
    async def get_document(doc_id: str) -> JSONResponse:
        check_id(doc_id, limits)
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
        for i, doc in enumerate(documents):
            check_id(doc.get("id"), limits, f"documents[{i}].id")
        added = await writing(partial(engine.put, documents))
        return JSONResponse({"added": added, "documents": len(engine.index)})

    @app.delete("/documents/{doc_id:path}", summary="Delete a document", dependencies=[Depends(writer)])
    async def delete_document(doc_id: str) -> JSONResponse:
        check_id(doc_id, limits)
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
        data.update(workers.describe())  # type: ignore[union-attr]
        return JSONResponse(data)

    return app


def _error(status: int, message: str, headers: Optional[Dict[str, str]] = None) -> Response:
    return Response(error_json(status, message), status_code=status, headers=headers,
                    media_type="application/json")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return _error(422, "the body is not valid JSON")
        for err in exc.errors()[:3]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return _error(422, "; ".join(problems) or "invalid request")

    async def mapped(request: Request, exc: Exception) -> Response:
        return _error(*error_of(exc), getattr(exc, "headers", None))

    for kind in (BadRequest, FeatureMissing, ValueError, TypeError, Exception):
        app.add_exception_handler(kind, mapped)


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
