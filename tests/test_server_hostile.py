"""Hostile requests to the real service: every answer is a clean 4xx (JSON, or the HTML page at ``/``).

A real uvicorn server on 127.0.0.1 (one process, and ``--workers 2`` at the
end), spoken to with httpx and, where a client would refuse to send the
request, with a raw socket. Nothing here may answer 500 or a traceback, and a
write that fails leaves the index as it was.
"""
import json
import re
import socket
import threading

import pytest

httpx = pytest.importorskip("httpx", reason="the server tests need the test extra (httpx)")
pytest.importorskip("fastapi", reason="the server tests need the server extra (fastapi, uvicorn)")

from kzsearch import Index  # noqa: E402
from kzsearch.server.protocol import MAX_HEADER_BYTES, MAX_URL_BYTES  # noqa: E402
from serverkit import TOKEN, running  # noqa: E402

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server():
    with running(token=TOKEN) as (url, engine):
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client, engine, url


@pytest.fixture
def fresh():
    with running(token=TOKEN) as (url, engine):
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client, engine, url


def assert_json_error(response, status):
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status and isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text


def assert_html_page(response, status):
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!doctype html>") and "Traceback" not in response.text


def raw(url, data):
    """Send ``data`` as is; (status, headers, body) of the answer."""
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    status = int(head.split(b" ", 2)[1])
    return status, head.decode("latin-1").lower(), body


def state(engine):
    return sorted(engine.index.ids()), len(engine.index)


# ---------------------------------------------------------------- /search and /complete parameters
@pytest.mark.parametrize("query, status", [
    ("q=x&k=-1", 400), ("q=x&k=101", 400), ("q=x&k=" + "9" * 40, 400), ("q=x&k=abc", 422), ("q=x&k=1e3", 422),
    ("q=x&k=", 422), ("q=x&k=5.5", 422), ("q=x&k=nan", 422), ("q=x&k=%EF%BC%91", 422),
    ("q=x&offset=-1", 400), ("q=x&offset=" + "9" * 40, 400), ("q=x&offset=ten", 422),
    ("q=" + "a" * 513, 400), ("", 422), ("k=3", 422),
    ("q=%00x", 400), ("q=x%01%02", 400), ("q=%7F", 400),                     # control characters
    ("q=%FF%FE", 400), ("q=%C3", 400), ("q=%ED%A0%80", 400),                  # not UTF-8
    ("q=x&filter=%7B", 400), ("q=x&filter=%5B%5D", 400), ("q=x&filter=null", 400), ("q=x&filter=1e999", 400),
    ("q=x&filter=" + "%5B" * 3000 + "%5D" * 3000, 400),                       # nested too deep for json
    ("q=x&filter=" + "%7B%22a%22%3A" * 600 + "1" + "%7D" * 600, 400),          # deep, unknown key
    ("q=x&filter=%7B%22nofield%22%3A%22x%22%7D", 400),                        # unknown field
    ("q=x&filter=%7B%22region%22%3A%7B%22%24gt%22%3A1%7D%7D", 400),           # unknown operator
    ("q=x&filter=%7B%22region%22%3Anull%7D", 400),
    ("q=x&filter=%7B%22region%22%3A%22" + "x" * 4100 + "%22%7D", 400),         # past max_filter_chars
    ("q=x&snippets=maybe", 422), ("q=x&total=2", 422),
])
def test_bad_search_parameters(server, query, status):
    client, engine, _ = server
    assert_json_error(client.get("/search?" + query), status)


@pytest.mark.parametrize("query", ["q=%25zz%254", "q=%20%20", "q=%22(((AND%20OR%20NOT%20--%20%2B%22%20title%3A",
                                   "q=%zz%4", "q=x&q=y", "q=x&unknown=1", "q=x&k=%205", "q=x&k=0"])
def test_odd_but_valid_searches_answer(server, query):
    response = server[0].get("/search?" + query)
    assert response.status_code == 200 and isinstance(response.json()["hits"], list)


@pytest.mark.parametrize("query, status", [
    ("q=" + "a" * 513, 400), ("q=%00", 400), ("q=%FF", 400), ("q=x&k=-1", 400), ("q=x&k=abc", 422), ("", 422),
])
def test_bad_completions(server, query, status):
    assert_json_error(server[0].get("/complete?" + query), status)


# ---------------------------------------------------------------- document ids in the path
@pytest.mark.parametrize("path, status", [
    ("/documents/%00", 400), ("/documents/a%01b", 400), ("/documents/%FF", 400),
    ("/documents/" + "x" * 1025, 400), ("/documents/nobody", 404), ("/documents/..%2F..%2Fetc%2Fpasswd", 404),
    ("/documents/%D0%B6%D0%BE%D2%9B", 404), ("/documents/a/b/c", 404),
])
def test_bad_document_ids(server, path, status):
    assert_json_error(server[0].get(path), status)


def test_ids_with_slashes_dots_and_unicode_round_trip(fresh):
    client, engine, url = fresh
    ids = ["news/2025/01/budget", "..", "a..b", "қазақ/тілі", "x" * 1024, "with space", "q?x#y", "%41"]
    docs = [{"id": i, "text": f"Мәтін нөмірі {n}"} for n, i in enumerate(ids)]
    assert client.post("/documents", json=docs, headers=AUTH).json()["added"] == len(ids)
    for doc_id in ids:
        assert client.get("/documents/" + _quote(doc_id)).json()["id"] == doc_id, doc_id
    # '..' as a raw path segment is not normalised away by the server
    status, _, body = raw(url, b"GET /documents/.. HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and json.loads(body)["id"] == ".."
    for doc_id in ids:
        assert client.delete("/documents/" + _quote(doc_id), headers=AUTH).status_code == 200
        assert doc_id not in engine.index
    assert_json_error(client.delete("/documents/" + _quote(ids[0]), headers=AUTH), 404)


def _quote(doc_id):
    """The id as a path (clients drop '.' and '..' segments unless they are percent-encoded)."""
    from urllib.parse import quote
    return "/".join(p.replace(".", "%2E") if p in (".", "..") else p for p in quote(doc_id, safe="/").split("/"))


# ---------------------------------------------------------------- write bodies
@pytest.mark.parametrize("content, headers, status", [
    (b"not json", JSON, 422),
    (b"[{not json", JSON, 422),
    (b'[{"id": "\xff", "text": "x"}]', JSON, 400),                             # not UTF-8
    (b"[" * 100000 + b"]" * 100000, JSON, 400),                                 # nested too deep
    (b'{"id": "a", "text": "x"}', JSON, 422),                                   # an object, not a list
    (b'"x"', JSON, 422), (b"1", JSON, 422), (b"[1]", JSON, 422), (b'[{"id": "a", "text": "x"}, 5]', JSON, 422),
    (b"[{}]", JSON, 400), (b'[{"text": "x"}]', JSON, 400), (b'[{"id": 5, "text": "x"}]', JSON, 400),
    (b'[{"id": "", "text": "x"}]', JSON, 400), (b'[{"id": "a", "text": 7}]', JSON, 400),
    (b'[{"id": "a", "text": "x", "region": {"a": 1}}]', JSON, 400),
    (b'[{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]', JSON, 400),      # an id twice
    (b'[{"id": "ok", "text": "x"}, {"id": 1, "text": "y"}]', JSON, 400),       # the good one is not kept
    (b'[{"id": "a\\u0000b", "text": "x"}]', JSON, 400),                        # control character in an id
    (json.dumps([{"id": "x" * 1025, "text": "x"}]).encode(), JSON, 400),
    (b'[{"id": "a", "text": "x"}]', {**AUTH, "Content-Type": "text/plain"}, 415),
    (b'[{"id": "a", "text": "x"}]', {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}, 415),
    (b'[{"id": "a", "text": "x"}]', AUTH, 415),                                  # no content type
    (b"[" + b" " * (8 * 1024 * 1024) + b"]", JSON, 413),
    (b'[{"id": "a", "text": "x"}]', {"Content-Type": "application/json"}, 401),  # no token
    (b'[{"id": "a", "text": "x"}]', {"Content-Type": "application/json", "Authorization": "Bearer wrong-token-1"}, 403),
    (b'[{"id": "a", "text": "x"}]', {"Content-Type": "application/json", "Authorization": "Basic dXNlcjpwYXNz"}, 401),
    (b'[{"id": "a", "text": "x"}]', {"Content-Type": "application/json", "Authorization": "Bearer"}, 401),
])
def test_bad_writes_leave_the_index_as_it_was(fresh, content, headers, status):
    client, engine, _ = fresh
    before = state(engine)
    assert_json_error(client.post("/documents", content=content, headers=headers), status)
    assert state(engine) == before


def test_chunked_bodies(fresh):
    client, engine, url = fresh
    before = state(engine)

    def endless():
        for _ in range(200):
            yield b" " * 65536
    assert_json_error(client.post("/documents", content=endless(), headers=JSON), 413)
    assert state(engine) == before

    def good():
        yield b'[{"id": "chunked", '
        yield '"text": "Бөліктеп жіберілген мәтін"}]'.encode()
    assert client.post("/documents", content=good(), headers=JSON).json()["added"] == 1
    assert client.get("/documents/chunked").json()["text"] == "Бөліктеп жіберілген мәтін"
    # a chunked body cut short of valid JSON
    status, head, body = raw(url, b"POST /documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
                             + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                               b"5\r\n[{\"id\r\n0\r\n\r\n")
    assert status == 422 and json.loads(body)["status"] == 422


@pytest.mark.parametrize("method, path", [("DELETE", "/documents/a"), ("POST", "/save")])
@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer wrong-token-1"}, 403)])
def test_other_writes_need_the_token(fresh, method, path, headers, status):
    client, engine, _ = fresh
    before = state(engine)
    assert_json_error(client.request(method, path, headers=headers), status)
    assert state(engine) == before


# ---------------------------------------------------------------- methods, paths and malformed HTTP
def test_head_answers_like_get_without_a_body(server):
    client = server[0]
    for path in ["/", "/?q=облыс", "/search?q=облыс", "/health", "/stats", "/openapi.json"]:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/search").status_code == 422 and client.head("/nope").status_code == 404


@pytest.mark.parametrize("method, path, status", [
    ("OPTIONS", "/search", 405), ("OPTIONS", "/documents", 405), ("POST", "/search", 405),
    ("PUT", "/documents", 405), ("PATCH", "/documents/a", 405), ("DELETE", "/search", 405),
    ("GET", "/nope", 404), ("GET", "/static/../../etc/passwd", 404), ("GET", "/search/", 404),
])
def test_unknown_methods_and_paths(server, method, path, status):
    assert_json_error(server[0].request(method, path), status)


@pytest.mark.parametrize("request_bytes, status", [
    (b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /search?q=a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"POST /documents HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    (b"POST /documents HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
    (b"POST /documents HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (MAX_HEADER_BYTES + 1) + b"\r\n\r\n", 431),
    (b"GET /search?q=" + b"a" * (MAX_URL_BYTES + 1) + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /documents/%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
])
def test_malformed_http_is_a_json_error(server, request_bytes, status):
    got, head, body = raw(server[2], request_bytes)
    assert got == status and "application/json" in head
    assert json.loads(body)["status"] == status
    assert server[0].get("/health").status_code == 200  # and the service goes on


# ---------------------------------------------------------------- the page
@pytest.mark.parametrize("query, status", [
    ("q=x&offset=abc", 400), ("q=x&offset=-1", 400), ("q=x&offset=" + "9" * 40, 400),
    ("q=x&filter=%7B", 400), ("q=x&filter=" + "%5B" * 3000 + "%5D" * 3000, 400),
    ("q=x&filter=%7B%22nofield%22%3A1%7D", 400), ("q=" + "a" * 600, 200),
    ("q=%FF", 400), ("q=%00", 400), ("q=x&lang=%3Cscript%3E", 200), ("q=x&fragment=maybe", 200),
])
def test_bad_page_parameters_give_the_page(server, query, status):
    assert_html_page(server[0].get("/?" + query), status)


def test_nothing_unescaped_reaches_the_page(fresh):
    client, engine, _ = fresh
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&'
    doc = {"id": 'evil"><script>alert(3)</script>', "text": f"Облыс бюджеті {evil} нақтыланды",
           "title": f"Тақырып {evil}"}
    if engine.can.documents:
        doc["region"] = f'"><svg onload=alert(4)>{evil}'
    assert client.post("/documents", json=[doc], headers=AUTH).status_code == 200
    for query in ["бюджеті", "бюджеті " + evil, "script alert", evil]:
        for extra in ["", "&fragment=1", "&lang=ru"]:
            response = client.get("/?q=" + _quote(query) + extra)
            assert response.status_code == 200
            html = response.text
            assert "<script>alert" not in html and "<img" not in html and "<svg" not in html
            assert len(re.findall(r"<script\b", html)) == (0 if extra == "&fragment=1" else 1)  # the page's own
            assert "&lt;script&gt;" in html or query == "script alert"
    body = client.get("/search", params={"q": "бюджеті"}).json()
    snippet = next(h["snippet_html"] for h in body["hits"] if h["id"] == doc["id"])
    assert "<script" not in snippet and "&lt;script&gt;" in snippet and "<mark>" in snippet


def test_the_pages_script_never_writes_raw_html_of_its_own():
    """The script puts JSON values in with ``.value``/``textContent``; ``innerHTML`` takes only the
    server-rendered (escaped) fragment."""
    from importlib import resources
    page = resources.files("kzsearch.server").joinpath("static/page.html").read_text(encoding="utf-8")
    script = page.split("<script>", 1)[1]
    assert script.count("innerHTML") == 1 and "results.innerHTML = html" in script
    assert 'fetch("/?" + query("fragment"))' in script
    assert "outerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script
    assert "option.value = word" in script


# ---------------------------------------------------------------- concurrent writes and searches
def test_concurrent_bad_and_good_writes_with_searches(fresh):
    client, engine, url = fresh
    n = len(engine.index)
    failures = []

    def writer(w):
        with httpx.Client(base_url=url, timeout=60) as c:
            for i in range(15):
                doc_id = f"w{w}-{i}"
                ok = c.post("/documents", json=[{"id": doc_id, "text": f"Жаңа көпір салынды {w} {i}"}], headers=AUTH)
                bad = c.post("/documents", json=[{"id": f"bad{w}-{i}", "text": "x"}, {"id": 5}], headers=AUTH)
                seen = c.get("/documents/" + doc_id)
                if ok.status_code != 200 or bad.status_code != 400 or seen.status_code != 200:
                    failures.append((ok.status_code, bad.status_code, seen.status_code))

    def reader():
        with httpx.Client(base_url=url, timeout=60) as c:
            for i in range(40):
                r = c.get("/search", params={"q": "көпір салынды", "k": 5, "offset": i % 3})
                if r.status_code != 200:
                    failures.append(r.status_code)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)] + \
              [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(engine.index) == n + 45 and not any(i.startswith("bad") for i in engine.index.ids())


# ---------------------------------------------------------------- the same through `serve --workers 2`
def test_worker_processes_refuse_alike_and_see_every_answered_write(tmp_path):
    from test_server_workers import TOKEN as WTOKEN, start, stop

    index = Index()
    index.add([{"id": f"d{i}", "text": f"Облыс бюджеті нақтыланды {i}", "region": "Алматы"} for i in range(20)])
    index.save(tmp_path / "ix")
    proc, url = start(tmp_path / "ix")
    auth = {"Authorization": f"Bearer {WTOKEN}"}
    try:
        statuses = []
        for _ in range(6):  # fresh connections: both workers answer
            with httpx.Client(base_url=url, timeout=30) as c:
                statuses += [c.get("/search?q=%FF").status_code, c.get("/search?q=x&k=-1").status_code,
                             c.get("/search?q=%00").status_code, c.get("/documents/%00").status_code,
                             c.get("/?q=x&offset=abc").status_code,
                             c.post("/documents", content=b"[{", headers={**auth, "Content-Type": "application/json"}
                                    ).status_code,
                             c.post("/documents", json=[{"id": "x", "text": "y"}, {"id": 3}], headers=auth).status_code,
                             c.post("/documents", json=[{"id": "x", "text": "y"}]).status_code,
                             c.post("/documents", content=b"[]", headers={**auth, "Content-Type": "text/plain"}
                                    ).status_code]
                status, _, _ = raw(url, b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n")
                statuses.append(status)
        assert set(statuses) <= {400, 401, 415, 422} and 500 not in statuses
        counts = set()
        for _ in range(8):
            with httpx.Client(base_url=url) as c:
                counts.add(c.get("/health").json()["documents"])
        assert counts == {20}  # no failed write changed any worker

        failures = []

        def writer(w):
            for i in range(8):
                with httpx.Client(base_url=url, timeout=60) as c:
                    doc_id = f"w{w}/{i}"
                    if c.post("/documents", json=[{"id": doc_id, "text": f"Жаңа көпір {w}x{i}"}],
                              headers=auth).status_code != 200:
                        failures.append(("post", doc_id))
                for _ in range(2):  # fresh connections: whichever worker answers has it
                    with httpx.Client(base_url=url, timeout=60) as c:
                        if doc_id not in {h["id"] for h in c.get("/search", params={"q": f"{w}x{i}"}).json()["hits"]}:
                            failures.append(("unseen", doc_id))

        def reader():
            with httpx.Client(base_url=url, timeout=60) as c:
                for i in range(30):
                    if c.get("/search", params={"q": "облыс бюджеті", "offset": i % 4}).status_code != 200:
                        failures.append("search")

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)] + \
                  [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        for _ in range(6):
            with httpx.Client(base_url=url) as c:
                assert c.get("/health").json()["documents"] == 44
    finally:
        code, err = stop(proc)
    assert code == 0 and "Traceback" not in err
