"""A small progress bar on stderr for long-running work (indexing large inputs).

>>> bar = Progress("indexing", enabled=False)
>>> bar.advance(10); bar.close()
"""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


class Progress:
    """Counts items; after the first second, redraws one stderr line at most five times a second."""

    def __init__(self, label: str, total: Optional[int] = None, enabled: bool = True,
                 stream: Optional[TextIO] = None) -> None:
        self.label = label
        self.total = total
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.count = 0
        self._start = time.monotonic()
        self._last_draw = self._start + 0.8  # first drawing after a second
        self._drawn = False

    def advance(self, n: int = 1) -> None:
        self.count += n
        if self.enabled and time.monotonic() - self._last_draw >= 0.2:
            self._draw()

    def _draw(self) -> None:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self.count / elapsed
        if self.total:
            share = min(self.count / self.total, 1.0)
            filled = int(share * 30)
            text = f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.count:,}/{self.total:,}"
        else:
            text = f"{self.label} {self.count:,} documents"
        self.stream.write(f"\r{text}  {rate:,.0f}/s  {elapsed:.0f}s ")
        self.stream.flush()
        self._last_draw = time.monotonic()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
