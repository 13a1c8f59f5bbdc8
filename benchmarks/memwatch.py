"""Peak memory of a process and all its descendants, sampled from /proc.

``RUSAGE_SELF`` misses what worker processes hold (kzsearch analyses in
forked workers; tantivy uses threads, which it does count), and summing
each process's RSS counts pages shared after a fork once per process. So a
thread reads ``/proc/<pid>/smaps_rollup`` of this process and of every
descendant every ``interval`` seconds and keeps the peak of the summed
proportional set sizes (PSS: a shared page counts 1/n in each of its n
sharers), and, for comparison, the peak of the summed RSS. A sample can
miss a peak shorter than the interval; :meth:`TreeMemory.peaks` therefore
also reports ``RUSAGE_SELF``'s exact peak of this process alone, and the
``tree`` figure is never below it.

>>> with TreeMemory(interval=0.01) as watch:
...     block = bytearray(50 * 2**20)
>>> watch.peaks()["tree_pss_mb"] >= 50 or not os.path.exists("/proc/self/smaps_rollup")
True
"""
from __future__ import annotations

import os
import resource
import sys
import threading
import time
from typing import Dict, Iterator, List, Optional, Tuple


def _children(pid: int) -> List[int]:
    out: List[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def tree(pid: int) -> Iterator[int]:
    """``pid`` and its descendants."""
    todo = [pid]
    while todo:
        p = todo.pop()
        yield p
        todo.extend(_children(p))


def rollup(pid: int) -> Tuple[int, int]:
    """(RSS, PSS) of ``pid`` in bytes, (0, 0) if it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return rss, pss


def self_peak_bytes() -> int:
    """``RUSAGE_SELF``'s peak resident set of this process (the old measure)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class TreeMemory:
    """Sample this process tree's memory on a thread (see the module docstring).

    ``trace``: keep every sample as (seconds since start, label, tree PSS
    bytes, own RSS bytes); ``mark(label)`` names the phase samples fall in.
    """

    def __init__(self, interval: float = 0.1, trace: bool = False) -> None:
        self.interval = interval
        self.pid = os.getpid()
        self.peak_pss = self.peak_rss = 0
        self.trace: Optional[List[Tuple[float, str, int, int]]] = [] if trace else None
        self.label = "start"
        self.phase_peaks: Dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memwatch", daemon=True)
        self._t0 = time.perf_counter()

    def mark(self, label: str) -> None:
        self.sample()
        self.label = label

    def sample(self) -> None:
        rss = pss = own = 0
        for p in tree(self.pid):
            r, s = rollup(p)
            rss += r
            pss += s
            if p == self.pid:
                own = r
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_rss = max(self.peak_rss, rss)
        self.phase_peaks[self.label] = max(self.phase_peaks.get(self.label, 0), pss)
        if self.trace is not None:
            self.trace.append((time.perf_counter() - self._t0, self.label, pss, own))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "TreeMemory":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def peaks(self) -> Dict[str, float]:
        """Peak MB: ``self_mb`` (RUSAGE_SELF, the old measure), ``tree_pss_mb`` (the honest one:
        sampled PSS sum of the tree, at least ``self_mb``), ``tree_rss_mb`` (sampled RSS sum)."""
        own = self_peak_bytes()
        return {"self_mb": own / 2**20, "tree_pss_mb": max(self.peak_pss, own) / 2**20,
                "tree_rss_mb": max(self.peak_rss, own) / 2**20}
