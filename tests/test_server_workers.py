"""`kzsearch serve --workers 2`: real processes on a free port, real HTTP, fresh connections.

Each check opens many fresh connections, so both workers answer (the
worker's pid is in ``GET /stats`` on the same connection, and the test says
it saw both): a write answered through one connection is visible to the
next search in either worker, replaces and deletes replicate, saves are
made once and recorded by all, and a dead worker stops the service with
one clear message.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="the server tests need the test extra (httpx)")
pytest.importorskip("uvicorn", reason="the server tests need the server extra (fastapi, uvicorn)")

from kzsearch import Index  # noqa: E402

TOKEN = "workers-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROOT = str(Path(__file__).resolve().parents[1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(folder, *extra):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.Popen([sys.executable, "-m", "kzsearch", "serve", "--index", str(folder), "--port", str(port),
                             "--token", TOKEN, "--workers", "2", *extra],
                            stderr=subprocess.PIPE, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the server did not start: {proc.communicate()[1]}")
        time.sleep(0.1)
    return proc, url


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=90)
    return proc.returncode, err


def fresh(url, tries=24):
    """(worker pid, /stats, then each of ``calls``) over ``tries`` fresh connections."""
    def each(*paths):
        seen = []
        for _ in range(tries):
            with httpx.Client(base_url=url) as client:  # a new connection: any worker may take it
                stats = client.get("/stats").json()
                seen.append((stats["worker"], stats, [client.get(p, params=q).json() for p, q in paths]))
        return seen
    return each


def ids_of(body):
    return {h["id"] for h in body["hits"]}


@pytest.fixture
def folder(tmp_path):
    index = Index()
    index.add([{"id": "a", "text": "Облыс бюджеті нақтыланды", "region": "Алматы"},
               {"id": "b", "text": "Мектеп оқушылары жарысқа қатысты", "region": "Астана"}])
    index.save(tmp_path / "ix")
    return tmp_path / "ix"


def commit_generation(folder):
    return json.loads((folder / "kzsearch-index.json").read_text())["generation"]


def test_writes_are_seen_by_every_worker_and_saved_once(folder):
    proc, url = start(folder, "--save-every", "3600")
    try:
        pids = set()
        with httpx.Client(base_url=url) as writer:
            for i in range(3):  # add: the next search in any worker finds it
                word = ["зауыт", "көпір", "саябақ"][i]
                r = writer.post("/documents", json=[{"id": f"n{i}", "text": f"Жаңа {word} ашылды"}], headers=AUTH)
                assert r.status_code == 200 and r.json()["added"] == 1
                for pid, stats, (body,) in fresh(url)(("/search", {"q": word})):
                    pids.add(pid)
                    assert ids_of(body) == {f"n{i}"} and stats["documents"] == 3 + i
                    assert stats["workers"] == 2 and stats["unsaved_changes"] is True
            # replace: the old words are gone and the new ones found, everywhere
            assert writer.post("/documents", json=[{"id": "a", "text": "Өзен суы тартылды"}],
                               headers=AUTH).status_code == 200
            for pid, stats, (old, new, doc) in fresh(url)(("/search", {"q": "бюджеті"}), ("/search", {"q": "өзен"}),
                                                         ("/documents/a", {})):
                pids.add(pid)
                assert ids_of(old) == set() and ids_of(new) == {"a"} and doc["text"] == "Өзен суы тартылды"
            # delete, then a second delete of the same id is 404 (it is gone in the worker that answers)
            assert writer.delete("/documents/b", headers=AUTH).status_code == 200
            assert writer.delete("/documents/b", headers=AUTH).json() == {
                "status": 404, "error": "no document with id 'b'"}
            for pid, stats, (body, doc) in fresh(url)(("/search", {"q": "мектеп"}), ("/documents/b", {})):
                pids.add(pid)
                assert ids_of(body) == set() and doc["status"] == 404 and stats["documents"] == 4
            # bad input fails alike in every worker and changes nothing
            bad = writer.post("/documents", json=[{"id": "x", "text": 5}], headers=AUTH)
            assert bad.status_code in (400, 422) and "error" in bad.json()
            # tokens: none, wrong
            assert writer.post("/documents", json=[{"id": "y", "text": "y"}]).status_code == 401
            assert writer.delete("/documents/a", headers={"Authorization": "Bearer wrong-token!"}).status_code == 403
            assert writer.post("/save").status_code == 401
            before = commit_generation(folder)
            saved = writer.post("/save", headers=AUTH)
            assert saved.status_code == 200 and saved.json()["saves"] == 1
            assert commit_generation(folder) == before + 1
            for pid, stats, _ in fresh(url)():  # every worker records the one save
                pids.add(pid)
                assert (stats["saves"], stats["unsaved_changes"], stats["documents"]) == (1, False, 4)
                assert stats["last_commit"] == saved.json()["last_commit"]
            assert writer.post("/documents", json=[{"id": "z", "text": "Соңғы жаңалық"}],
                               headers=AUTH).status_code == 200
        assert len(pids) == 2, "both workers answered"
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "2 worker processes" in err and "error" not in err
    assert commit_generation(folder) == before + 2  # the shutdown saved the last write, once
    index = Index.load(folder)
    assert sorted(index.get(i)["text"] for i in ["a", "z"]) == ["Соңғы жаңалық", "Өзен суы тартылды"]
    assert len(index) == 5 and "b" not in index


def test_a_dead_worker_stops_the_service_with_one_message(folder):
    proc, url = start(folder, "--save-every", "3600")
    try:
        assert httpx.post(f"{url}/documents", json=[{"id": "c", "text": "Жаңа көпір"}], headers=AUTH).status_code == 200
        victim = httpx.get(f"{url}/stats").json()["worker"]
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1
    assert f"(pid {victim}) was killed by signal 9; stopping the service" in err
    assert err.strip().splitlines()[-1].startswith("kzsearch: error: worker ")
    assert "Traceback" not in err
    assert "c" in Index.load(folder)  # the survivor saved every answered write


def test_the_workers_setting_is_checked(tmp_path):
    from kzsearch.server import ServerSettings
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError):
            ServerSettings(workers=bad).validate()
    proc = subprocess.run([sys.executable, "-m", "kzsearch", "serve", "--index", str(tmp_path), "--workers", "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "workers" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_folder_no_worker_can_load_is_one_error(folder):
    (folder / "kzsearch-index.json").write_text('{"forged": true}')
    proc = subprocess.run([sys.executable, "-m", "kzsearch", "serve", "--index", str(folder), "--port",
                           str(free_port()), "--workers", "2"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and re.fullmatch(  # (whichever worker says so first)
        f"kzsearch: error: worker [01] could not start: {re.escape(str(folder))}: kzsearch-index.json is not "
        "a kzsearch index commit", lines[0]), lines
