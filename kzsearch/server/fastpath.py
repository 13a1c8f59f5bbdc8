"""The lean path for ``GET /search``: parameters read, checked and answered without FastAPI's machinery.

``/search`` is the one route a busy service answers thousands of times a
second. FastAPI still declares it (so ``/docs`` and ``/openapi.json`` list
it with its parameters), but the app hands a ``GET /search`` straight to
:func:`answer_search` (see :class:`kzsearch.server.api.KzsearchApp`): the query
string parsed once with the standard library, the same checks and the same
error messages as the declared route, the search, snippets and JSON made on
a search thread, and one prebuilt response sent. That skips FastAPI's
middleware stack, routing, dependency solving, Starlette's request and
response objects and a second JSON pass: the measured cost per request is
in README ("Under load").

Both paths run the same code from :func:`checked_call` on, so they cannot
drift apart; tests compare them.

>>> from urllib.parse import urlencode
>>> call = search_call(urlencode({"q": "бюджет", "k": 3, "snippets": "false"}).encode(), Limits())
>>> call.q, call.k, call.offset, call.snippets
('бюджет', 3, 0, False)
>>> search_call(b"k=ten", Limits())
Traceback (most recent call last):
...
kzsearch.server.fastpath.BadRequest: (422, 'query.q: Field required; query.k: Input should be a valid integer, unable to parse string as an integer')
"""
from __future__ import annotations

import json
import re
from html import escape
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, unquote_to_bytes

try:  # optional (the server extra brings it): about 5x faster than the standard library here
    import orjson as _orjson
except ImportError:  # pragma: no cover - the standard library then
    _orjson = None

from .engine import FeatureMissing, SearchEngine, SearchResult
from .snippets import MARK_CLOSE, MARK_OPEN
from .settings import Limits

Send = Callable[[Dict[str, Any]], Awaitable[None]]

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)
_INT = re.compile(r"\s*([+-]?[0-9](?:_?[0-9]){0,3999})(?:\.0*)?\s*")  # as pydantic reads an int
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
_JSON_HEADER = (b"content-type", b"application/json")
#: characters no query, filter or id may hold: the C0 controls but tab, line feed and return, and DEL
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadRequest(Exception):
    """A request the service refuses: ``(status, message)``, answered as JSON."""

    def __init__(self, status: int, message: str, headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(status, message)
        self.status, self.message, self.headers = status, message, headers


@dataclass(frozen=True)
class SearchCall:
    """One ``/search`` request, checked."""

    q: str
    k: int = 10
    offset: int = 0
    filter: Optional[Dict[str, Any]] = None
    snippets: bool = True
    total: bool = False

    def run(self, engine: SearchEngine) -> bytes:
        """The response body: search, snippets and JSON (on a search thread)."""
        result = engine.search(self.q, k=self.k, offset=self.offset, filter=self.filter,
                               snippets=self.snippets, total=self.total)
        return dump_json(result_json(result, self.snippets))


def search_call(query_string: bytes, limits: Limits) -> SearchCall:
    """The ``/search`` parameters of a raw query string, checked (BadRequest when they are wrong).

    The last of repeated parameters counts and unknown ones are ignored, as in
    FastAPI; malformed values are 422 and out-of-bounds ones 400, with the
    declared route's messages.
    """
    params = query_params(query_string)
    problems: List[str] = []
    q = params.get("q")
    if q is None:
        problems.append("query.q: Field required")
    k = _integer(params, "k", 10, problems)
    offset = _integer(params, "offset", 0, problems)
    snippets = _boolean(params, "snippets", True, problems)
    total = _boolean(params, "total", False, problems)
    if problems:
        raise BadRequest(422, "; ".join(problems[:3]))
    return checked_call(q, k, offset, params.get("filter"), snippets, total, limits)  # type: ignore[arg-type]


def query_params(query_string: bytes) -> Dict[str, str]:
    """The parameters of a raw query string (the last of repeated ones): 400 unless UTF-8 without controls.

    >>> query_params(b"q=%D0%B1%D1%8E&k=3")
    {'q': 'бю', 'k': '3'}
    >>> query_params(b"q=%FF")
    Traceback (most recent call last):
    ...
    kzsearch.server.fastpath.BadRequest: (400, 'the query string is not valid UTF-8')
    """
    try:
        params = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                errors="strict"))
    except UnicodeDecodeError:
        raise BadRequest(400, "the query string is not valid UTF-8") from None
    for name, value in params.items():
        check_text(value, name)
    return params


def target_problem(raw_path: bytes, query_string: bytes) -> Optional[str]:
    """Why a request target cannot be served (not UTF-8 once percent-decoded, or control characters), or None.

    >>> target_problem(b"/documents/%D0%B0", b"q=x"), target_problem(b"/documents/%00", b"")
    (None, 'the path holds control characters')
    """
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return "the path is not valid UTF-8"
    if _CONTROL.search(path):
        return "the path holds control characters"
    try:
        query_params(query_string)
    except BadRequest as e:
        return e.message
    return None


def check_text(value: str, name: str) -> None:
    """400 when ``value`` holds control characters (NUL and the like; tab and newlines are fine)."""
    if _CONTROL.search(value):
        raise BadRequest(400, f"{name} holds control characters")


def check_id(doc_id: Any, limits: Limits, name: str = "id") -> None:
    """A document id the service accepts: a string of at most ``max_id_chars`` without control characters."""
    if isinstance(doc_id, str):
        if len(doc_id) > limits.max_id_chars:
            raise BadRequest(400, f"{name} is longer than {limits.max_id_chars} characters")
        check_text(doc_id, name)


def checked_call(q: str, k: int, offset: int, filter: Optional[str], snippets: bool, total: bool,
                 limits: Limits) -> SearchCall:
    """The bounds every search obeys (both paths)."""
    check_query(q, limits)
    check_page(k, offset, limits)
    return SearchCall(q, k, offset, parse_filter(filter, limits), snippets, total)


def check_query(q: str, limits: Limits, name: str = "q") -> None:
    if len(q) > limits.max_query_chars:
        raise BadRequest(400, f"{name} is longer than {limits.max_query_chars} characters")
    check_text(q, name)


def check_page(k: int, offset: int, limits: Limits) -> None:
    if not 0 <= k <= limits.max_k:
        raise BadRequest(400, f"k must be in 0..{limits.max_k}, got {k}")
    if not 0 <= offset <= limits.max_offset:
        raise BadRequest(400, f"offset must be in 0..{limits.max_offset}, got {offset}")


def parse_filter(text: Optional[str], limits: Optional[Limits] = None) -> Optional[Dict[str, Any]]:
    """The ``filter`` parameter: a JSON object, or nothing.

    >>> parse_filter('{"region": "Алматы"}')
    {'region': 'Алматы'}
    """
    if text is None or not text.strip():
        return None
    bound = (limits or Limits()).max_filter_chars
    if len(text) > bound:
        raise BadRequest(400, f"filter is longer than {bound} characters")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise BadRequest(400, "filter must be a JSON object, e.g. {\"region\": \"Алматы\"}")
    return value


def parse_int(text: str) -> Optional[int]:
    """``text`` as an integer, read as FastAPI (pydantic) reads one, or None.

    >>> parse_int(" +1_000 "), parse_int("7.00"), parse_int("7.5")
    (1000, 7, None)
    """
    number = _INT.fullmatch(text)
    return None if number is None else int(number.group(1))


def _integer(params: Mapping[str, str], name: str, default: int, problems: List[str]) -> int:
    text = params.get(name)
    if text is None:
        return default
    number = parse_int(text)
    if number is None:
        problems.append(f"query.{name}: Input should be a valid integer, unable to parse string as an integer")
        return default
    return number


def _boolean(params: Mapping[str, str], name: str, default: bool, problems: List[str]) -> bool:
    text = params.get(name)
    if text is None:
        return default
    word = text.lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    problems.append(f"query.{name}: Input should be a valid boolean, unable to interpret input")
    return default


# ---------------------------------------------------------------- the answer
def html_snippet(snippet: str) -> str:
    """A marked snippet as HTML: the text escaped, the marks as ``<mark>`` tags.

    >>> html_snippet("a<b " + MARK_OPEN + "c" + MARK_CLOSE)
    'a&lt;b <mark>c</mark>'
    """
    if "&" in snippet or "<" in snippet or ">" in snippet:  # (most snippets have nothing to escape)
        snippet = escape(snippet, quote=False)
    return snippet.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def jsonable(value: Any) -> Any:
    """A stored value as JSON can carry it: NumPy scalars as numbers, dates as ISO strings.

    >>> import datetime, numpy as np
    >>> jsonable({"n": np.int32(3), "d": datetime.date(2025, 1, 2), "tags": ("a", "b")})
    {'n': 3, 'd': '2025-01-02', 'tags': ['a', 'b']}
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        for k, v in value.items():
            if type(v) is not str or type(k) is not str:
                return {str(k): jsonable(v) for k, v in value.items()}
        return value  # the common case: text fields
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    if hasattr(value, "tolist"):  # NumPy arrays
        return value.tolist()
    return str(value)


def result_json(result: SearchResult, snippets: bool = True) -> Dict[str, Any]:
    """A page of hits as the API's JSON object."""
    return {"query": result.query, "k": result.k, "offset": result.offset, "total": result.total,
            "has_more": result.has_more, "corrected": result.corrected, "restored": result.restored,
            "hits": [{"id": h.id, "score": h.score, "fields": jsonable(h.fields),
                      "snippet_html": html_snippet(h.snippet) if snippets else "",
                      "spans": h.spans}  # (tuples: JSON arrays)
                     for h in result.hits]}


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, as Starlette's JSONResponse writes it (with orjson when installed).

    >>> dump_json({"q": "бюджет", "score": 1.5, "hits": []})
    b'{"q":"\xd0\xb1\xd1\x8e\xd0\xb4\xd0\xb6\xd0\xb5\xd1\x82","score":1.5,"hits":[]}'
    """
    if _orjson is not None:
        try:
            return _orjson.dumps(value)
        except TypeError:  # what orjson does not take (an int past 64 bits): the standard library
            pass
    return stdlib_json(value)


def stdlib_json(value: Any) -> bytes:
    """:func:`dump_json` with the standard library alone."""
    return _JSON.encode(value).encode("utf-8")


def error_json(status: int, message: Any) -> bytes:
    return dump_json({"status": status, "error": " ".join(str(message).split())})


def error_of(exc: BaseException) -> Tuple[int, str]:
    """(status, message) the service answers for an exception (one mapping for both paths)."""
    if isinstance(exc, BadRequest):
        return exc.status, exc.message
    if isinstance(exc, FeatureMissing):
        return 501, str(exc)
    if isinstance(exc, (ValueError, TypeError)):
        return 400, str(exc)
    return 500, f"internal error ({type(exc).__name__})"


async def answer_search(scope: Mapping[str, Any], send: Send, engine: SearchEngine, limits: Limits,
                        reading: Callable[[Callable[[], bytes]], Awaitable[bytes]]) -> None:
    """Answer one ``GET /search`` ASGI request (``reading`` runs a function where searches run)."""
    try:
        call = search_call(scope.get("query_string", b""), limits)
        status, body = 200, await reading(partial_run(call, engine))
    except Exception as exc:  # every failure is a JSON answer, never a traceback
        status, message = error_of(exc)
        body = error_json(status, message)
    await send({"type": "http.response.start", "status": status,
                "headers": [_JSON_HEADER, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def partial_run(call: SearchCall, engine: SearchEngine) -> Callable[[], bytes]:
    return lambda: call.run(engine)
