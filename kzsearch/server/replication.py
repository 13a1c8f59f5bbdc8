"""One worker process of ``kzsearch serve --workers N``: the writes it asks for and the ones it applies.

Every worker holds its own :class:`~kzsearch.server.engine.SearchEngine`
over the same saved folder (memory-mapped, so the large arrays are shared
in the page cache) and answers searches alone. Writes are totally ordered by
the coordinator in the parent process (:mod:`kzsearch.server.processes`):

1. a worker that receives ``POST /documents``, ``DELETE /documents/{id}`` or
   ``POST /save`` sends the engine call (its name and arguments) to the
   coordinator instead of running it (:class:`ReplicatedWorkers.write`);
2. the coordinator numbers the write and sends it to every other worker;
   each applies it in that order (:class:`Replica`: on its event loop, or on
   a thread for a save or a large write), under the index's own writer lock,
   and acknowledges with the outcome (a result or the exception);
3. once they all have, and their outcomes agree, the coordinator sends the
   write to the worker that asked, with that outcome's signature: it applies
   the write, and when its own outcome has the same signature it answers
   the HTTP request at once (else the coordinator stops the service and the
   request fails). So a write that has answered is visible to the next
   search in every worker.

Writes jump the search queue: before each search a worker takes the
coordinator's messages already waiting (:meth:`Replica.pump`: one ``poll``
of the connection), so an ``apply`` waits for at most the one search in
progress, not for every request queued on the event loop; and once a
write's answer is back, the searches queued behind it yield until that
write's request has resumed and sent its response (:attr:`Replica.urgent`).

The same call on the same state gives the same outcome in every worker
(``Index.update``/``delete`` are deterministic; bad input fails alike before
anything changes); the coordinator checks that the outcomes agree. A save is
made by one worker only and the others record it (:meth:`SearchEngine.saved_elsewhere`).

Messages (pickled over a ``multiprocessing`` connection)::

    worker -> parent: ("ready", pid, documents) | ("failed", message) | ("op", request, name, args)
                      | ("ack", seq, outcome) | ("stopped",)
    parent -> worker: ("apply", seq, name, args) | ("apply", seq, name, args, request, signature)
                      | ("done", request, outcome) | ("drain",) | ("stop",)

An outcome is ``("ok", value)`` or ``("error", exception)``.

>>> from functools import partial
>>> from kzsearch import Index
>>> from kzsearch.server.engine import SearchEngine
>>> engine = SearchEngine(Index())
>>> engine_call(partial(engine.put, [{"id": "a", "text": "Мектеп"}]), engine)
('put', ([{'id': 'a', 'text': 'Мектеп'}],))
>>> apply_call(engine, "put", ([{"id": "a", "text": "Мектеп"}],))
('ok', 1)
>>> apply_call(engine, "delete", ("nobody",))[0]
'error'
"""
from __future__ import annotations

import asyncio
import itertools
import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Callable, Dict, Optional, Set, Tuple, TypeVar

from .engine import SearchEngine
from .workers import Workers

T = TypeVar("T")

#: the engine calls the HTTP routes write with, replicated to every worker
WRITES = frozenset({"put", "delete", "save"})
#: what a non-saving worker applies after another one saved: the commit time
SAVED = "saved_elsewhere"
#: a POST of more documents than this is applied on a thread, not on the worker's event loop
LOOP_WRITE_DOCUMENTS = 64

Outcome = Tuple[str, Any]


def engine_call(func: Callable[[], Any], engine: SearchEngine) -> Tuple[str, tuple]:
    """``func`` as (name, args): a bound write method of ``engine``, maybe in a ``functools.partial``.

    The routes of :mod:`kzsearch.server.api` hand the writer exactly these;
    anything else is refused (it could not be replayed in another process).
    """
    args: tuple = ()
    if isinstance(func, partial):
        if func.keywords:
            raise TypeError("a replicated write takes positional arguments only")
        func, args = func.func, func.args
    name = getattr(func, "__name__", None)
    if getattr(func, "__self__", None) is not engine or name not in WRITES:
        raise TypeError(f"not a replicable write of the engine: {func!r}")
    return name, args  # type: ignore[return-value]


def apply_call(engine: SearchEngine, name: str, args: tuple) -> Outcome:
    """Run one replicated call on ``engine``; its outcome (never raises)."""
    try:
        if name == "save":
            saved = engine.save(*args)
            return "ok", (saved, engine.commit.time)
        if name == SAVED:
            engine.saved_elsewhere(*args)
            return "ok", None
        if name not in WRITES:
            raise TypeError(f"not a replicable write: {name!r}")
        return "ok", getattr(engine, name)(*args)
    except Exception as exc:
        return "error", _picklable(exc)


def signature(outcome: Outcome) -> Tuple[str, str]:
    """What two workers' outcomes of one write must share (a result's repr, an error's type and text)."""
    kind, value = outcome
    return (kind, f"{type(value).__name__}: {value}") if kind == "error" else (kind, repr(value))


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class Replica:
    """A worker's end of the coordinator, on the worker's event loop: applies the writes in order
    and hands back answers.

    The coordinator's connection is read by the event loop itself (``add_reader``),
    not by a thread: a thread would wait for the GIL while the loop searches
    (up to the 5 ms switch interval at each step; measured: writes took a p50
    of 54 ms that way). A small write (up to :data:`LOOP_WRITE_DOCUMENTS`
    documents, a delete) is applied right on the loop, between two requests,
    like a search; a save or a large write runs on a thread of its own so the
    loop goes on serving meanwhile.

    ``ready`` says the index is loaded; ``attach`` starts reading on the running
    loop; ``request`` sends a write and returns its number and the future its
    outcome will settle; ``pump`` handles the messages already waiting (called
    before each search, so writes jump the queue); ``finish`` (once the HTTP
    server has stopped) says so and waits for the coordinator's ``stop``
    (writes still arrive until then, and a final save).

    ``urgent`` holds the numbers of this worker's writes whose outcome has
    arrived but whose request has not yet resumed: searches wait behind them.
    """

    def __init__(self, conn: Any, engine: SearchEngine, on_drain: Callable[[], None]) -> None:
        self.conn, self.engine, self.on_drain = conn, engine, on_drain
        self._requests = itertools.count()
        self._pending: Dict[int, "asyncio.Future[Any]"] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stopped: Optional["asyncio.Future[None]"] = None
        self._slow: Optional[ThreadPoolExecutor] = None
        self._tasks: Set["asyncio.Future[None]"] = set()
        self._closed = False
        self.urgent: Set[int] = set()

    def ready(self) -> None:
        self.conn.send(("ready", os.getpid(), len(self.engine.index)))

    def attach(self) -> None:
        self._loop = loop = asyncio.get_running_loop()
        self._stopped = loop.create_future()
        loop.add_reader(self.conn.fileno(), self._readable)

    def request(self, name: str, args: tuple) -> Tuple[int, "asyncio.Future[Any]"]:
        assert self._loop is not None
        future = self._loop.create_future()
        number = next(self._requests)
        self._pending[number] = future
        self.conn.send(("op", number, name, args))
        return number, future

    def pump(self) -> None:
        """Handle every message of the coordinator already waiting (one ``poll`` when there is none)."""
        while not self._closed and self.conn.poll(0):
            self._handle_one()

    async def finish(self) -> None:
        assert self._stopped is not None
        if not self._stopped.done():
            try:
                self.conn.send(("stopped",))
            except OSError:  # the coordinator is gone
                return
            await self._stopped
        if self._slow is not None:
            self._slow.shutdown()

    def _readable(self) -> None:
        # (the loop's select may report a message that pump has already taken: poll first)
        self.pump()

    def _handle_one(self) -> None:
        try:
            message = self.conn.recv()
        except (EOFError, OSError):  # the coordinator is gone: stop serving; waiting writes fail
            self._close()
            for future in self._pending.values():
                _settle(future, ("error", RuntimeError("the service is stopping")))
            self._pending.clear()
            self.on_drain()
            return
        kind = message[0]
        if kind == "apply":
            _, seq, name, args, *answer = message  # (answer: this worker asked; see _answer)
            if name == "save" or (name == "put" and len(args[0] or ()) > LOOP_WRITE_DOCUMENTS):
                task = asyncio.ensure_future(self._apply_on_thread(seq, name, args, answer))
                self._tasks.add(task)  # (the loop keeps only a weak reference)
                task.add_done_callback(self._tasks.discard)
            else:
                outcome = apply_call(self.engine, name, args)
                self._answer(answer, outcome)
                self.conn.send(("ack", seq, outcome))
        elif kind == "done":
            _, number, outcome = message
            self._resolve(number, outcome)
        elif kind == "drain":
            self.on_drain()
        elif kind == "stop":
            self._close()

    async def _apply_on_thread(self, seq: int, name: str, args: tuple, answer: list) -> None:
        if self._slow is None:
            self._slow = ThreadPoolExecutor(1, thread_name_prefix="kzsearch-write")
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self._slow, apply_call, self.engine, name, args)
        self._answer(answer, outcome)
        self.conn.send(("ack", seq, outcome))

    def _answer(self, answer: list, outcome: Outcome) -> None:
        """This worker's own write: answer its request if ``outcome`` is what the others had."""
        if answer:
            request, expected = answer
            if expected is None or signature(outcome) == expected:
                self._resolve(request, outcome)

    def _resolve(self, number: int, outcome: Outcome) -> None:
        future = self._pending.pop(number, None)
        if future is None:
            return
        if not future.done():
            self.urgent.add(number)  # (until the request resumes: ReplicatedWorkers.write)
        _settle(future, outcome)

    def _close(self) -> None:
        assert self._loop is not None and self._stopped is not None
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self.conn.fileno())
        if not self._stopped.done():
            self._stopped.set_result(None)


def _settle(future: "asyncio.Future[Any]", outcome: Outcome) -> None:
    if future.cancelled():
        return
    kind, value = outcome
    if kind == "ok":
        future.set_result(value)
    else:
        future.set_exception(value)


class ReplicatedWorkers(Workers):
    """:class:`~kzsearch.server.workers.Workers` whose writes go through the coordinator."""

    def __init__(self, search_threads: int, replica: Replica, count: int) -> None:
        super().__init__(search_threads)
        self.replica, self.count = replica, count

    async def read(self, func: Callable[[], T]) -> T:
        """``func()`` where searches run, after the writes waiting (they jump the queue)."""
        replica = self.replica
        replica.pump()
        while replica.urgent:  # a write's answer is back: its request goes first
            await asyncio.sleep(0)
        return await super().read(func)

    async def write(self, func: Callable[[], T]) -> T:
        name, args = engine_call(func, self.replica.engine)
        number, future = self.replica.request(name, args)
        try:
            result = await future
        finally:
            self.replica.urgent.discard(number)
        return result  # type: ignore[no-any-return]

    def describe(self) -> Dict[str, Any]:
        return {"worker": os.getpid(), "workers": self.count}


def run_worker(conn: Any, listener: Any, path: str, settings: Any, create: bool, count: int) -> None:
    """A worker's life: load the index, serve on ``listener`` until drained, apply writes until stopped."""
    import signal
    from dataclasses import replace

    import uvicorn

    from .api import create_app
    from .run import open_engine, uvicorn_options
    from .settings import search_threads_of

    # the parent decides when to stop (a signal's default would kill us before the final save);
    # uvicorn handles the signals itself while it serves
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        engine = open_engine(path, create=create)
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}" if not isinstance(exc, (OSError, ValueError))
                   else str(exc)))
        return
    server: Optional[Any] = None

    def drain() -> None:
        if server is not None:
            server.should_exit = True

    replica = Replica(conn, engine, drain)
    workers = ReplicatedWorkers(search_threads_of(settings, count), replica, count)
    app = create_app(engine, replace(settings, save_every=None), workers=workers)  # the parent saves
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **uvicorn_options()))
    replica.ready()

    async def main() -> None:
        replica.attach()
        try:
            await server.serve(sockets=[listener])
        finally:
            await replica.finish()

    get_factory = getattr(server.config, "get_loop_factory", None)
    if get_factory is None:  # an older uvicorn: the loop comes from the event loop policy it sets
        server.config.setup_event_loop()
    loop_factory = get_factory() if get_factory is not None else None
    loop = loop_factory() if loop_factory is not None else asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
