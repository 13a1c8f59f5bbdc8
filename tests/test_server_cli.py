"""`kzsearch serve`, run as a user runs it: a subprocess on a free loopback port."""
import os
import socket
import subprocess
import sys
import time

import pytest

httpx = pytest.importorskip("httpx", reason="the server tests need the test extra (httpx)")
pytest.importorskip("uvicorn", reason="the server tests need the server extra (fastapi, uvicorn)")

from kzsearch import Index  # noqa: E402


def run(*args, **kw):
    proc = subprocess.run([sys.executable, "-m", "kzsearch", *args], capture_output=True, text=True,
                          timeout=120, **kw)
    return proc.returncode, proc.stdout, proc.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("args, code, message", [
    (["serve"], 2, "--index"),
    (["serve", "--index", "{tmp}/nowhere.kzs"], 1, "no index at"),
    (["serve", "--index", "x", "--port", "70000"], 2, "port"),
    (["serve", "--index", "x", "--token", "short"], 2, "token"),
    (["serve", "--index", "x", "--save-every", "0"], 2, "save_every"),
])
def test_usage_errors_are_one_line(tmp_path, args, code, message):
    got, out, err = run(*[a.format(tmp=tmp_path) for a in args])
    assert got == code and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_serve_an_index_folder(tmp_path):
    index = Index()
    index.add(["Облыс бюджеті нақтыланды", "Мектеп оқушылары"], ids=["a", "b"])
    index.save(tmp_path / "ix")
    port = free_port()
    env = {**os.environ, "KZSEARCH_TOKEN": "from-the-environment"}
    proc = subprocess.Popen([sys.executable, "-m", "kzsearch", "serve", "--index", str(tmp_path / "ix"),
                             "--port", str(port)], stderr=subprocess.PIPE, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"{url}/health").json() == {"status": "ok", "documents": 2}
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert httpx.get(f"{url}/search", params={"q": "бюджеті"}).json()["hits"][0]["id"] == "a"
        doc = [{"id": "c", "text": "Жаңа мектеп"}]
        assert httpx.post(f"{url}/documents", json=doc).status_code == 401  # the token came from the env
        ok = httpx.post(f"{url}/documents", json=doc, headers={"Authorization": "Bearer from-the-environment"})
        assert ok.status_code == 200
        assert httpx.post(f"{url}/save", headers={"Authorization": "Bearer from-the-environment"}).status_code == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "serving 2 documents" in err and "writes: token" in err
    assert len(Index.load(tmp_path / "ix")) == 3


def test_without_the_server_extra_the_error_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['fastapi'] = None; sys.modules['uvicorn'] = None\n"
            "from kzsearch.cli import main\n"
            f"sys.exit(main(['serve', '--index', {str(tmp_path)!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "pip install 'kzsearch[server]'" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
