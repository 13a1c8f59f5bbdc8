"""``kzsearch serve --workers N``: N worker processes behind one port, and the coordinator of their writes.

One Python process has one GIL: its search threads and its event loop hand
it over dozens of times a request (README, "Where the service's extra CPU
goes"), so one process cannot keep two cores busy with Python work. Here
the parent binds the port and starts ``N`` workers
(:func:`kzsearch.server.replication.run_worker`); each loads the same index
folder (memory-mapped) and serves on its own ``SO_REUSEPORT`` listener, so the
kernel spreads connections over them (one listener shared by all workers
where the platform has no ``SO_REUSEPORT``).

The parent then runs the :class:`Coordinator`: the one place writes are
ordered. It applies one write at a time in every worker, the worker that
asked last: that one applies it and answers its request only when its
outcome is the one all the others acknowledged, so a write that has
answered is visible to the next search in any worker; a save (``POST
/save``, ``--save-every`` and the final save at shutdown) is made by one
worker and recorded by the others, so ``/stats`` agrees across workers.

A worker that dies, or workers whose outcomes for one write disagree, stop
the whole service with one clear message and exit code 1 (with
``--save-every`` the surviving workers' state, which holds every write that
was answered, is saved first): a supervisor (systemd, a container runtime)
restarts it from the saved folder. SIGINT/SIGTERM stop it cleanly: the
workers finish their requests (writes included), then the final save, then
exit 0.

>>> sockets = listeners("127.0.0.1", 0, 2)
>>> len({s.getsockname() for s in sockets}) == 1  # one port, a listener per worker (or one shared)
True
>>> for s in sockets: s.close()
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional, Tuple

from .replication import SAVED, Outcome, signature as _signature
from .settings import ServerSettings

#: how long workers get to finish their requests at shutdown before they are killed
STOP_SECONDS = 60.0


def listeners(host: str, port: int, count: int) -> List[socket.socket]:
    """``count`` listening sockets on one port with ``SO_REUSEPORT`` (else one, shared by all)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    reuseport = hasattr(socket, "SO_REUSEPORT") and count > 1 and os.environ.get("KZSEARCH_SHARED_LISTENER") != "1"
    if reuseport and port:
        # a port some other service holds must not be shared with it: a plain bind says whether it is free
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    sockets: List[socket.socket] = []
    try:
        for _ in range(count if reuseport else 1):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuseport:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # (port 0: the others take the port the first was given)
            sock.listen(2048)
            sock.set_inheritable(True)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets * count if len(sockets) == 1 else sockets


class WorkerProcess:
    """The parent's view of one worker: its process, its connection and where it is in its life."""

    def __init__(self, number: int, listener: socket.socket, path: str, settings: ServerSettings,
                 create: bool, count: int) -> None:
        self.number = number
        parent_end, child_end = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])  # the folder kzsearch is imported from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        code = ("import sys; from kzsearch.server.processes import worker_entry; "
                "worker_entry(int(sys.argv[1]), int(sys.argv[2]))")
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(child_end.fileno()), str(listener.fileno())],
                                     pass_fds=(child_end.fileno(), listener.fileno()), env=env)
        child_end.close()
        self.conn = Connection(parent_end.detach())
        self.conn.send(("start", path, settings, create, count))  # (the token goes here, not on argv)
        self.pid: Optional[int] = None
        self.documents = 0
        self.ready = self.served = False
        self.alive = True

    def send(self, message: tuple) -> bool:
        """Send ``message``; False when the worker is gone."""
        if not self.alive:
            return False
        try:
            self.conn.send(message)
            return True
        except OSError:
            return False

    def exit_status(self) -> str:
        code = self.proc.wait()
        return f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"


def worker_entry(conn_fd: int, listener_fd: int) -> None:
    """What a worker process runs (see :func:`kzsearch.server.replication.run_worker`)."""
    from .replication import run_worker

    conn = Connection(conn_fd)
    kind, path, settings, create, count = conn.recv()
    run_worker(conn, socket.socket(fileno=listener_fd), path, settings, create, count)


class Coordinator:
    """Orders the writes of all workers, applies each everywhere, saves; runs until the service stops."""

    def __init__(self, workers: List[WorkerProcess], save_every: Optional[float]) -> None:
        self.workers = workers
        self.save_every = save_every
        self.queue: Deque[Tuple[Optional[WorkerProcess], int, str, tuple]] = deque()
        self.current: Optional[Dict[str, Any]] = None
        self.seq = 0
        self.stopping = False
        self.failure: Optional[str] = None
        self.final_save_queued = self.stop_sent = False
        self.announced = self.signalled = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)

    # ------------------------------------------------------------------ the loop
    def run(self, host: str, port: int, write_policy: str) -> int:
        """Serve until stopped; the exit code (1 after a failure)."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        next_save = time.monotonic() + self.save_every if self.save_every else None
        deadline: Optional[float] = None
        while any(w.alive for w in self.workers):
            now = time.monotonic()
            if self.signalled:
                self.stop()
            if next_save is not None and now >= next_save and not self.stopping:
                if not any(origin is None for origin, *_ in self.queue):  # (a save already waits)
                    self.queue.append((None, 0, "save", (True,)))
                next_save = now + self.save_every  # type: ignore[operator]
            self._advance()
            if self.stopping and deadline is None:
                deadline = now + STOP_SECONDS
            if self.stopping and self._all_served():
                self._finish_stopping()
            if deadline is not None and now > deadline:
                for w in self.workers:
                    if w.alive:
                        w.proc.kill()
            if not self.announced and all(w.ready for w in self.workers):
                self.announced = True
                print(f"kzsearch: serving {self.workers[0].documents} documents on http://{host}:{port}/ "
                      f"(writes: {write_policy}; {len(self.workers)} worker processes)", file=sys.stderr)
            timeout = 1.0 if next_save is None else max(0.0, min(1.0, next_save - now))
            for ready in wait([w.conn for w in self.workers if w.alive] + [self._wake_r], timeout):
                if ready is self._wake_r:
                    self._drain_wake()
                    continue
                worker = next(w for w in self.workers if w.conn is ready)
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    self._lost(worker)
                    continue
                self._handle(worker, message)
        for w in self.workers:
            w.proc.wait()
        if self.failure:
            print(f"kzsearch: error: {self.failure}", file=sys.stderr)
            return 1
        return 0

    def _on_signal(self, signum: int, frame: Any) -> None:
        # (only a flag: the loop may be in the middle of a message to a worker)
        self.signalled = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(512):
                pass
        except OSError:
            pass

    def stop(self, failure: Optional[str] = None) -> None:
        """Begin stopping: the workers finish their requests; the first failure is what is reported."""
        if failure and not self.failure:
            self.failure = failure
            if self.announced:  # (said at once: the workers may take a while to finish their requests)
                print(f"kzsearch: {failure}; stopping the service", file=sys.stderr)
        if not self.stopping:
            self.stopping = True
            for w in self.workers:
                w.send(("drain",))

    def _all_served(self) -> bool:
        return all(w.served or not w.alive for w in self.workers) and not self.queue and self.current is None

    def _finish_stopping(self) -> None:
        if self.save_every and not self.final_save_queued and any(w.alive for w in self.workers):
            self.final_save_queued = True  # the final save, once every request has been answered
            self.queue.append((None, 0, "save", (True,)))
            self._advance()
            return
        if not self.stop_sent:
            self.stop_sent = True  # (each worker exits; its connection's end of file says so)
            for w in self.workers:
                w.send(("stop",))

    # ------------------------------------------------------------------ messages
    def _handle(self, worker: WorkerProcess, message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready, worker.pid, worker.documents = True, message[1], message[2]
        elif kind == "failed":
            self.stop(f"worker {worker.number} could not start: {message[1]}")
        elif kind == "op":
            self.queue.append((worker, message[1], message[2], message[3]))
        elif kind == "ack":
            self._acked(worker, message[1], message[2])
        elif kind == "stopped":
            worker.served = True
            if not self.stopping:
                self.stop()

    def _lost(self, worker: WorkerProcess) -> None:
        worker.alive = False
        status = worker.exit_status()
        if not (self.stopping and worker.served):
            self.stop(f"worker {worker.number} (pid {worker.pid or worker.proc.pid}) {status}")
        if self.current is not None and worker.number in self.current["waiting"]:
            self._acked(worker, self.current["seq"], None)

    # ------------------------------------------------------------------ one write at a time
    def _advance(self) -> None:
        if self.current is not None or not self.queue:
            return
        if not all(w.ready for w in self.workers if w.alive):
            return  # every worker must have loaded the folder before anything changes it
        origin, request, name, args = self.queue.popleft()
        self.seq += 1
        op: Dict[str, Any] = {"seq": self.seq, "origin": origin, "request": request, "name": name,
                              "args": args, "outcomes": {}}
        self.current = op
        alive = [w for w in self.workers if w.alive]
        if not alive:
            self._done(("error", RuntimeError("no worker left")))
            return
        if name == "save":  # one worker saves
            op["phase"] = "save"
            self._send_all(alive[:1], ("apply", self.seq, name, args))
            return
        # the other workers first; the asking worker last, with their outcome, so that it answers
        # its request as it applies the write (one hop less, and no search of its own in between)
        op["phase"], op["last"] = "write", origin if origin is not None and origin.alive else None
        self._send_all([w for w in alive if w is not op["last"]], ("apply", self.seq, name, args))

    def _send_all(self, targets: List[WorkerProcess], message: tuple) -> None:
        op = self.current
        assert op is not None
        op["waiting"] = {w.number for w in targets}
        op["outcomes"] = {}
        for w in targets:
            w.send(message)
        if not op["waiting"]:
            self._phase_done()

    def _acked(self, worker: WorkerProcess, seq: int, outcome: Optional[Outcome]) -> None:
        op = self.current
        if op is None or seq != op["seq"] or worker.number not in op["waiting"]:
            return
        op["waiting"].discard(worker.number)
        if outcome is not None:
            op["outcomes"][worker.number] = outcome
        if not op["waiting"]:
            self._phase_done()

    def _phase_done(self) -> None:
        op = self.current
        assert op is not None
        outcomes = list(op["outcomes"].values())
        if op["phase"] == "write" and op["last"] is not None and len({_signature(o) for o in outcomes}) <= 1:
            last, op["last"], op["phase"], op["before"] = op["last"], None, "last", outcomes
            expected = _signature(outcomes[0]) if outcomes else None
            self._send_all([last], ("apply", op["seq"], op["name"], op["args"], op["request"], expected))
            return
        if op["phase"] == "last":
            if outcomes:  # (the asking worker answered itself when its outcome matched `expected`)
                op["answered"] = len({_signature(o) for o in op["before"] + outcomes}) == 1
            outcomes = op["before"] + outcomes
        if not outcomes:
            self._done(("error", RuntimeError("the worker applying this write died")))
            return
        signatures = {_signature(o) for o in outcomes}
        if len(signatures) > 1:
            self.stop(f"the workers disagree on write #{op['seq']} ({op['name']}): {sorted(signatures)}")
            self._done(("error", RuntimeError("the service's workers disagree; it is stopping")))
            return
        outcome = outcomes[0]
        if op["phase"] == "save" and outcome[0] == "ok":
            saved, when = outcome[1]
            others = [w for w in self.workers if w.alive and w.number not in op["outcomes"]]
            if saved and others:
                op["phase"], op["result"] = "note", ("ok", saved)
                self._send_all(others, ("apply", op["seq"], SAVED, (when,)))
                return
            outcome = ("ok", saved)
        elif op["phase"] == "note":
            outcome = op["result"]
        self._done(outcome)

    def _done(self, outcome: Outcome) -> None:
        op, self.current = self.current, None
        assert op is not None
        if op["origin"] is not None:
            if not op.get("answered"):
                op["origin"].send(("done", op["request"], outcome))
        elif outcome[0] == "error":
            print(f"kzsearch: warning: the scheduled save failed: {outcome[1]!r}", file=sys.stderr)
        self._advance()


def serve_processes(path: Any, settings: ServerSettings, create: bool = False) -> int:
    """Serve the index at ``path`` from ``settings.workers`` processes until stopped; the exit code."""
    folder = Path(path)
    if not folder.exists() and not create:
        raise FileNotFoundError(f"no index at {folder} (make one with 'kzsearch index', or pass --create)")
    sockets = listeners(settings.host, settings.port, settings.workers)
    port = sockets[0].getsockname()[1]
    workers: List[WorkerProcess] = []
    try:
        for number, sock in enumerate(sockets):
            workers.append(WorkerProcess(number, sock, str(folder), settings, create, settings.workers))
    except BaseException:
        for w in workers:
            w.proc.kill()
        raise
    finally:
        for sock in set(sockets):
            sock.close()  # (the workers hold their own copies)
    return Coordinator(workers, settings.save_every).run(settings.host, port, settings.write_policy())
