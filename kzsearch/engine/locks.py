"""Locks that a forked child can always take.

``fork`` copies a process with only the forking thread; a lock another
thread held at that moment stays held in the child forever, and the first
cache lookup there would wait for good (``search_many`` hung this way while
another thread ran ``search(q, b=...)``). A :class:`ForkSafeLock` is
re-created, unlocked, in every child right after a fork
(``os.register_at_fork``), so a child never waits on a lock whose owner is
not there. Use it for every lock that code run in forked workers may take.

>>> lock = ForkSafeLock(reentrant=True)
>>> with lock:
...     with lock:
...         "held twice"
'held twice'
"""
from __future__ import annotations

import os
import threading
import weakref
from typing import Any

_all_locks: "weakref.WeakSet[ForkSafeLock]" = weakref.WeakSet()


class ForkSafeLock:
    """A ``threading.Lock`` (``reentrant``: ``RLock``) that is fresh in a forked child."""

    __slots__ = ("_lock", "_reentrant", "__weakref__")

    def __init__(self, reentrant: bool = False) -> None:
        self._reentrant = reentrant
        self._lock: Any = threading.RLock() if reentrant else threading.Lock()
        _all_locks.add(self)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> "ForkSafeLock":
        self._lock.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()

    def _renew(self) -> None:
        self._lock = threading.RLock() if self._reentrant else threading.Lock()


def _renew_all_in_child() -> None:
    for lock in list(_all_locks):
        lock._renew()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_all_in_child)
