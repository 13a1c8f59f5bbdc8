"""uvicorn's HTTP protocol with the service's manners: JSON errors and a bound on the request head.

A request so malformed that the HTTP parser refuses it (a bad request line,
a ``Content-Length`` that is not a number, both ``Content-Length`` and
``Transfer-Encoding``, an unknown method) never reaches the app: uvicorn
answers it itself, in plain text. :func:`protocol_class` returns uvicorn's
own protocol (httptools when installed, else h11) with that answer made
JSON like every other error of the service, ``{"status": 400, "error": ...}``.

It also bounds the request head: a URL over :data:`MAX_URL_BYTES` is
refused with 414 and headers over :data:`MAX_HEADER_BYTES` in all with 431,
before the app is called. These two bounds hold with httptools (which the
``server`` extra installs); on h11 alone only h11's own bound on a head still
incomplete applies. Request bodies are bounded by :mod:`.limits`.

>>> cls = protocol_class()
>>> cls.__name__.startswith("Kzsearch"), hasattr(cls, "send_400_response")
(True, True)
"""
from __future__ import annotations

import json
from typing import Any, Optional

#: the longest request target (path and query string) accepted, in bytes
MAX_URL_BYTES = 64 * 1024
#: the most header bytes (names and values) one request may send
MAX_HEADER_BYTES = 32 * 1024

_REASONS = {400: b"Bad Request", 414: b"URI Too Long", 431: b"Request Header Fields Too Large"}
_MESSAGES = {400: "malformed HTTP request",
             414: f"request target over {MAX_URL_BYTES} bytes",
             431: f"request headers over {MAX_HEADER_BYTES} bytes"}

_CLASS: Optional[type] = None


class _TooLarge(Exception):
    """Raised from a parser callback (the parser then reports an error: see ``send_400_response``)."""


def protocol_class() -> type:
    """uvicorn's default HTTP protocol class, answering malformed requests with JSON (made once)."""
    global _CLASS
    if _CLASS is None:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol

        _CLASS = type(f"Kzsearch{AutoHTTPProtocol.__name__}", (_Manners, AutoHTTPProtocol), {})
    return _CLASS


class _Manners:
    """Mixed in before uvicorn's protocol class (httptools' callbacks; h11 has none of them)."""

    _kz_status = 400
    _kz_url = 0
    _kz_head = 0

    def on_message_begin(self) -> None:
        self._kz_status, self._kz_url, self._kz_head = 400, 0, 0
        super().on_message_begin()  # type: ignore[misc]

    def on_url(self, url: bytes) -> None:
        self._kz_url += len(url)
        if self._kz_url > MAX_URL_BYTES:
            self._kz_status = 414
            raise _TooLarge()
        super().on_url(url)  # type: ignore[misc]

    def on_header(self, name: bytes, value: bytes) -> None:
        self._kz_head += len(name) + len(value)
        if self._kz_head > MAX_HEADER_BYTES:
            self._kz_status = 431
            raise _TooLarge()
        super().on_header(name, value)  # type: ignore[misc]

    def send_400_response(self, msg: str) -> None:
        transport: Any = getattr(self, "transport")
        status = self._kz_status
        body = json.dumps({"status": status, "error": _MESSAGES[status]}).encode()
        head = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])]
        for name, value in getattr(self, "server_state").default_headers:
            head.append(name + b": " + value + b"\r\n")
        head.append(b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        transport.write(b"".join(head) + body)
        transport.close()
