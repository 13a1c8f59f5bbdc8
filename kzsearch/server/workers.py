"""Where the service's work runs: a pool of search threads and one writer thread.

Searches go to ``search_threads`` threads (NumPy releases the GIL in the
heavy parts, so they overlap with each other and with the event loop's HTTP
work), or run on the event loop itself with ``search_threads=0``. Writes go
to one thread of their own, so they are serialised in arrival order and a
write's answer is sent only once it is visible to searches. Requests beyond
the threads queue in order.

Plain :class:`concurrent.futures.ThreadPoolExecutor` and
``loop.run_in_executor``: the cheapest hand-over asyncio has (the measured
difference to AnyIO's ``to_thread`` with a capacity limiter is in README).

>>> import asyncio
>>> workers = Workers(search_threads=2)
>>> asyncio.run(workers.read(lambda: 6 * 7))
42
>>> workers.close()
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, TypeVar

T = TypeVar("T")


class Workers:
    """The search pool and the writer thread (made on first use, closed by :meth:`close`)."""

    def __init__(self, search_threads: int) -> None:
        self.search_threads = search_threads
        self._read: Optional[ThreadPoolExecutor] = None
        self._write: Optional[ThreadPoolExecutor] = None

    async def read(self, func: Callable[[], T]) -> T:
        """``func()`` on a search thread (or right here with no search threads)."""
        if not self.search_threads:
            return func()
        if self._read is None:
            self._read = ThreadPoolExecutor(self.search_threads, thread_name_prefix="kzsearch-search")
        return await asyncio.get_running_loop().run_in_executor(self._read, func)

    async def write(self, func: Callable[[], T]) -> T:
        """``func()`` on the writer thread, after the writes before it."""
        if self._write is None:
            self._write = ThreadPoolExecutor(1, thread_name_prefix="kzsearch-write")
        return await asyncio.get_running_loop().run_in_executor(self._write, func)

    def close(self) -> None:
        """Finish the queued work and stop the threads (they are made again if used after)."""
        for pool in (self._read, self._write):
            if pool is not None:
                pool.shutdown(wait=True)
        self._read = self._write = None
