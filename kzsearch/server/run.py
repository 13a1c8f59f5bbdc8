"""Running the service: open the index, build the app, serve it with uvicorn.

``kzsearch serve --index news.kzs`` calls :func:`serve`; tests and embedders
use :func:`open_engine` and :func:`kzsearch.server.create_app` directly.

>>> from kzsearch.server.settings import ServerSettings
>>> check_bind(ServerSettings(host="0.0.0.0"))
'writes are disabled: listening on 0.0.0.0 without a token'
"""
from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from ..index import Index
from .api import create_app
from .engine import SearchEngine
from .settings import ServerSettings


#: how uvicorn runs the app: no access log (a line per request costs CPU; put a proxy in front
#: for logs), no proxy-header rewriting (the service never uses the client's address), and no
#: ``server: uvicorn`` header
UVICORN = {"log_level": "warning", "access_log": False, "proxy_headers": False, "server_header": False}


def uvicorn_options() -> Dict[str, Any]:
    """:data:`UVICORN`, with the HTTP protocol that answers malformed requests in JSON (:mod:`.protocol`)."""
    from .protocol import protocol_class

    return {**UVICORN, "http": protocol_class()}


def open_engine(path: Any, create: bool = False) -> SearchEngine:
    """The engine over the index folder ``path`` (a new empty index there with ``create``)."""
    folder = Path(path)
    if folder.exists():
        return SearchEngine(Index.load(folder), path=str(folder))
    if not create:
        raise FileNotFoundError(f"no index at {folder} (make one with 'kzsearch index', or pass --create)")
    return SearchEngine(Index(), path=str(folder))


def check_bind(settings: ServerSettings) -> Optional[str]:
    """A warning to print before serving, or None."""
    if settings.write_policy() == "closed":
        return f"writes are disabled: listening on {settings.host} without a token"
    return None


def serve(path: Any, settings: ServerSettings, create: bool = False) -> None:
    """Serve the index at ``path`` until interrupted."""
    import uvicorn

    settings.validate()
    if settings.workers > 1:
        from .processes import serve_processes

        warning = check_bind(settings)
        if warning:
            print(f"kzsearch: warning: {warning}", file=sys.stderr)
        code = serve_processes(path, settings, create=create)
        if code:
            sys.exit(code)
        return
    engine = open_engine(path, create=create)
    warning = check_bind(settings)
    if warning:
        print(f"kzsearch: warning: {warning}", file=sys.stderr)
    app = create_app(engine, settings)
    print(f"kzsearch: serving {len(engine.index)} documents on http://{settings.host}:{settings.port}/ "
          f"(writes: {settings.write_policy()})", file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=settings.port, **uvicorn_options())


@contextlib.contextmanager
def serving_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a thread; yields its base URL; stops it on exit.

    ``port=0`` takes a free port (bound here first, so no other process can
    take it in between). For tests, benchmarks and embedding.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **uvicorn_options()))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="kzsearch-server",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    bound = sock.getsockname()
    try:
        yield f"http://{'[' + bound[0] + ']' if ':' in bound[0] else bound[0]}:{bound[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
