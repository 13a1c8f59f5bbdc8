"""When to merge segments: a size-tiered policy over adjacent segments.

Every add makes a new small segment at the end. Segments fall into tiers by
their number of live documents (tier t holds sizes in
[floor·factor^(t-1), floor·factor^t)); as soon as ``factor`` adjacent segments
share a tier they are merged into one segment of the next tier — Lucene's
LogMergePolicy. Merging only neighbours keeps documents in insertion order,
which is how the searcher breaks ties. A segment with more than half of its
documents deleted is rewritten alone, to reclaim their space.

>>> plan_merge([5000, 120, 130, 110], factor=3, floor=1000)
(1, 4)
>>> plan_merge([5000, 120, 130], factor=3, floor=1000) is None
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple


@dataclass(frozen=True)
class MergePolicy:
    """``factor`` segments of one tier merge into one; sizes up to ``floor`` are tier 0."""

    factor: int = 10
    floor: int = 1000
    max_deleted_share: float = 0.5

    def __post_init__(self) -> None:
        """Refuse settings that would never merge or merge forever (``factor`` 1 loops)."""
        for name in ("factor", "floor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"merge_policy.{name} must be int, not {type(value).__name__}")
        share = self.max_deleted_share
        if isinstance(share, bool) or not isinstance(share, (int, float)):
            raise TypeError(f"merge_policy.max_deleted_share must be a number, not {type(share).__name__}")
        if self.factor < 2:
            raise ValueError(f"merge_policy.factor must be >= 2, got {self.factor!r}")
        if self.floor < 1:
            raise ValueError(f"merge_policy.floor must be >= 1, got {self.floor!r}")
        if not 0 < share <= 1:
            raise ValueError(f"merge_policy.max_deleted_share must be in (0, 1], got {share!r}")

    def plan(self, live_sizes: Sequence[int], stored_sizes: Sequence[int]) -> Optional[Tuple[int, int]]:
        for i, (live, stored) in enumerate(zip(live_sizes, stored_sizes)):
            if stored and (stored - live) > self.max_deleted_share * stored:
                return (i, i + 1)
        return plan_merge(live_sizes, self.factor, self.floor)


def tier(size: int, factor: int, floor: int) -> int:
    if size <= floor:
        return 0
    return int(math.floor(math.log(size / floor, factor))) + 1


def plan_merge(sizes: Sequence[int], factor: int = 10, floor: int = 1000) -> Optional[Tuple[int, int]]:
    """The first run [start, end) of ``factor`` adjacent same-tier segments, or None."""
    run_start = 0
    for i in range(1, len(sizes) + 1):
        if i == len(sizes) or tier(sizes[i], factor, floor) != tier(sizes[run_start], factor, floor):
            if i - run_start >= factor:
                return (run_start, run_start + factor)
            run_start = i
    return None
