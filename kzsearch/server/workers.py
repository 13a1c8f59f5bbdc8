"""Where the service's work runs: a pool of search threads and one writer thread.

Searches go to ``search_threads`` threads (NumPy releases the GIL in the
heavy parts, so they overlap with each other and with the event loop's HTTP
work), or run on the event loop itself with ``search_threads=0``. Writes go
to one thread of their own, so they are serialised in arrival order and a
write's answer is sent only once it is visible to searches. Requests beyond
the threads queue in order.

Threads that take work from one :class:`queue.SimpleQueue` and hand the
result back with ``loop.call_soon_threadsafe``: the least an asyncio hand-over
costs (``run_in_executor`` adds a concurrent.futures Future and a chained
asyncio one, AnyIO's ``to_thread`` a capacity limiter and a cancel scope on top;
the measured difference is in README).

>>> import asyncio
>>> workers = Workers(search_threads=2)
>>> asyncio.run(workers.read(lambda: 6 * 7))
42
>>> workers.close()
"""
from __future__ import annotations

import asyncio
import os
import queue
import threading
from typing import Any, Callable, Dict, List, Optional, TypeVar

from .settings import default_search_threads

T = TypeVar("T")


class _Threads:
    """``size`` daemon threads running what :meth:`run` queues, in order of arrival."""

    def __init__(self, size: int, name: str) -> None:
        self._queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
                         for i in range(size)]
        for thread in self._threads:
            thread.start()

    async def run(self, func: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((loop, future, func))
        return await future

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            loop, future, func = job
            try:
                result, error = func(), None
            except BaseException as exc:  # handed to the awaiting request, which answers JSON
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass
            del job, future, func, result, error


def _settle(future: "asyncio.Future[Any]", result: Any, error: Optional[BaseException]) -> None:
    if future.cancelled():  # the client went away
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class Workers:
    """The search threads and the writer thread (made on first use, stopped by :meth:`close`)."""

    def __init__(self, search_threads: Optional[int]) -> None:
        # (None: the default of one process, see kzsearch.server.settings)
        self.search_threads = default_search_threads(1) if search_threads is None else search_threads
        self._read: Optional[_Threads] = None
        self._write: Optional[_Threads] = None

    async def read(self, func: Callable[[], T]) -> T:
        """``func()`` on a search thread (or right here with no search threads)."""
        if not self.search_threads:
            return func()
        if self._read is None:
            self._read = _Threads(self.search_threads, "kzsearch-search")
        return await self._read.run(func)

    async def write(self, func: Callable[[], T]) -> T:
        """``func()`` on the writer thread, after the writes before it."""
        if self._write is None:
            self._write = _Threads(1, "kzsearch-write")
        return await self._write.run(func)

    def describe(self) -> Dict[str, Any]:
        """What ``GET /stats`` says of the processes: this one's pid and how many serve."""
        return {"worker": os.getpid(), "workers": 1}

    def close(self) -> None:
        """Finish the queued work and stop the threads (they are made again if used after)."""
        pools: List[Optional[_Threads]] = [self._read, self._write]
        self._read = self._write = None
        for pool in pools:
            if pool is not None:
                pool.close()
