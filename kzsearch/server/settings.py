"""The service's settings: where it listens, who may write, and its limits.

Safe by default: it listens on 127.0.0.1; with a token every write needs
``Authorization: Bearer <token>``; without a token writes are open only to
a loopback listener and refused outright on any other address.

>>> settings = ServerSettings(host="0.0.0.0")
>>> settings.write_policy()
'closed'
>>> ServerSettings(token="s3cret", host="0.0.0.0").write_policy()
'token'
>>> ServerSettings().write_policy()
'open'
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Optional

#: the environment variable a token may come from (``--token`` wins)
TOKEN_ENV = "KZSEARCH_TOKEN"


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask."""

    max_body_bytes: int = 8 * 1024 * 1024   # a POST body
    max_k: int = 100                        # hits per page
    max_offset: int = 10_000                # how deep paging goes
    max_query_chars: int = 512              # a query or a completion prefix
    max_documents: int = 10_000             # documents in one POST
    max_filter_chars: int = 4096            # the filter parameter (JSON)
    max_id_chars: int = 1024                # a document id (in a path or a POST)

    def validate(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be int, not {type(value).__name__}")
            if value < 1:
                raise ValueError(f"{name} must be positive, got {value}")


@dataclass(frozen=True)
class ServerSettings:
    """How the service runs (see the module docstring)."""

    host: str = "127.0.0.1"
    port: int = 8765
    token: Optional[str] = None
    save_every: Optional[float] = None       # seconds between saves of changes; None: only POST /save
    #: threads searches run on in each process (0: on the event loop); None: the default,
    #: min(4, cores) in one process and WORKER_SEARCH_THREADS in each of several (see README)
    search_threads: Optional[int] = None
    workers: int = field(default_factory=lambda: default_workers())  # processes (kzsearch serve)
    limits: Limits = Limits()

    def validate(self) -> None:
        if not isinstance(self.host, str) or not self.host:
            raise ValueError(f"host must be a host name or address, got {self.host!r}")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port < 65536:
            raise ValueError(f"port must be an integer in 0..65535, got {self.port!r}")
        if self.token is not None and (not isinstance(self.token, str) or len(self.token) < 8):
            raise ValueError("token must be a string of at least 8 characters")
        if self.save_every is not None and (isinstance(self.save_every, bool)
                                            or not isinstance(self.save_every, (int, float))
                                            or not self.save_every > 0):
            raise ValueError(f"save_every must be a positive number of seconds, got {self.save_every!r}")
        if self.search_threads is not None and (isinstance(self.search_threads, bool)
                                                or not isinstance(self.search_threads, int)
                                                or self.search_threads < 0):
            raise ValueError(f"search_threads must be a non-negative integer, got {self.search_threads!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be a positive integer, got {self.workers!r}")
        self.limits.validate()

    @property
    def loopback(self) -> bool:
        """Whether the service listens on this machine only."""
        return is_loopback(self.host)

    def write_policy(self) -> str:
        """'token' (writes need the token), 'open' (loopback, no token) or 'closed'."""
        if self.token:
            return "token"
        return "open" if self.loopback else "closed"


#: search threads in each worker process when there are several: none, searches run on the
#: worker's event loop (the least CPU a request: no GIL hand-over; the other workers keep the
#: service answering while one searches)
WORKER_SEARCH_THREADS = 0


def search_threads_of(settings: ServerSettings, processes: int = 1) -> int:
    """The search threads each of ``processes`` processes runs.

    >>> search_threads_of(ServerSettings(search_threads=3), 2), search_threads_of(ServerSettings(), 2)
    (3, 0)
    """
    if settings.search_threads is not None:
        return settings.search_threads
    return default_search_threads(processes)


def default_search_threads(processes: int = 1) -> int:
    """Search threads a process runs by default: min(4, cores) alone, WORKER_SEARCH_THREADS among several."""
    return WORKER_SEARCH_THREADS if processes > 1 else min(4, os.cpu_count() or 1)


def default_workers(cores: Optional[int] = None) -> int:
    """Worker processes by default: one a core, at most 4.

    >>> [default_workers(n) for n in (1, 2, 8)]
    [1, 2, 4]
    """
    cores = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, min(4, cores))


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only.

    >>> [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "10.0.0.5")]
    [True, True, True, False, False]
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_from_env(token: Optional[str]) -> Optional[str]:
    """``token`` if given, else the :data:`TOKEN_ENV` variable, else None."""
    return token if token else (os.environ.get(TOKEN_ENV) or None)
