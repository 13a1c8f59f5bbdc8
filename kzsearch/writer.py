"""The write side of an :class:`kzsearch.Index`: publishing segments, deletions and merges.

Every change becomes a new :class:`~kzsearch.engine.searcher.Snapshot`
swapped in whole (``_swap``): new segments are appended, deletions replace a
segment by a copy with a new live mask (``_without``), and merges replace a
run of adjacent segments by one (``_install_merge``), carrying over the
deletions made while they ran. Merges follow the index's
:class:`~kzsearch.engine.merging.MergePolicy`, on a background thread or
during ``add``. ``_id_locations`` maps each live id to (segment name, local
document), built on first use (a build into a fresh index never needs it: a
million-document build does not hold a million-entry dict) and kept in step
with every swap from then on. An ``add`` that replaces nothing checks its new
ids with ``_live_ids_among`` instead, which does not build it: each segment's
ids hashed and sorted (:class:`~kzsearch.engine.id_lookup.SortedIds`, kept per
segment in ``_sorted_ids``).

:class:`SegmentWriter` is a mixin of :class:`kzsearch.Index`; it uses the
index's ``_snapshot``, ``_write_lock``, ``_locations``, ``_merger``,
``merge_policy``, ``background_merges``, ``_next_id`` and ``_next_segment``.
"""
from __future__ import annotations

import itertools
import secrets
import threading
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import numpy as np

from .engine import spill
from .engine.docstore import TextBlock
from .engine.id_lookup import SortedIds, string_hashes
from .engine.searcher import Snapshot
from .engine.segment import Segment, merge_segments

_SPILL_LOCK = threading.Lock()  # makes an index's spill folder once


class SegmentWriter:
    """How an Index publishes its changes (see the module docstring)."""

    _snapshot: Snapshot
    _write_lock: Any
    _locations: Optional[Dict[str, Tuple[str, int]]]
    _sorted_ids: Dict[str, SortedIds]
    _merger: Optional[threading.Thread]
    _next_id: int
    _next_segment: int
    merge_policy: Any
    background_merges: bool
    spill_dir: Any
    _spill: Optional[spill.SpillDir]

    def _sealed(self, seg: Segment) -> Segment:
        """``seg`` spilled to disk and mapped back (:mod:`kzsearch.engine.spill`) when it holds
        at least ``spill.MIN_DOCS`` documents and spilling is on; else ``seg`` itself."""
        if seg.n_docs < spill.MIN_DOCS:
            return seg
        folder = self._spill_folder()
        return seg if folder is None else folder.spill(seg)

    def _spill_folder(self) -> Optional[spill.SpillDir]:
        """This index's spill folder (made on first use), or None when spilling is off."""
        if self._spill is None:
            parent = spill.default_dir(self.spill_dir)
            if parent is None:
                return None
            with _SPILL_LOCK:
                if self._spill is None:
                    self._spill = spill.SpillDir(parent)
        return self._spill

    def _discard_spilled(self, segments: Sequence[Segment]) -> None:
        """Unlink the spilled files of ``segments`` (merged away, or made by a failed add)."""
        if self._spill is not None:
            for seg in segments:
                self._spill.discard(seg.name)

    def _segment_by_name(self, name: str) -> Segment:
        for seg in self._snapshot.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    def _id_locations(self) -> Dict[str, Tuple[str, int]]:
        locations = self._locations
        if locations is None:
            with self._write_lock:
                if self._locations is None:
                    built: Dict[str, Tuple[str, int]] = {}
                    for seg in self._snapshot.segments:
                        ids = list(seg.ids)
                        alive = range(len(ids)) if seg.live is None else np.flatnonzero(seg.live).tolist()
                        name = seg.name
                        built.update({ids[i]: (name, i) for i in alive})
                    self._locations = built
                locations = self._locations
        return locations

    def _live_ids_among(self, candidates: Sequence[str]) -> Set[str]:
        """The ``candidates`` that are ids of live documents: looked up in ``_id_locations`` once
        that is built, else in each segment's :class:`SortedIds` (made on first use, kept while the
        segment's ids are those it was made from)."""
        locations = self._locations
        if locations is not None:
            return {d for d in candidates if d in locations}
        found: Set[str] = set()
        self._keep_sorted_ids()
        wanted = string_hashes(TextBlock.from_strings(candidates))
        for seg in self._snapshot.segments:
            sorted_ids = self._sorted_ids.get(seg.name)
            if sorted_ids is None:
                sorted_ids = self._sorted_ids[seg.name] = SortedIds(seg.ids)
            live = seg.live
            found.update(candidates[i] for i, local in sorted_ids.find(candidates, wanted)
                         if live is None or live[local])
        return found

    def _keep_sorted_ids(self) -> None:
        """Drop the :class:`SortedIds` of segments no longer in the snapshot (they hold its ids)."""
        if self._sorted_ids:
            now = {seg.name: seg.ids for seg in self._snapshot.segments}
            self._sorted_ids = {name: s for name, s in self._sorted_ids.items() if now.get(name) is s.ids}

    def _new_segment_name(self) -> str:
        self._next_segment += 1
        # the random part keeps file names unique when another index saves to the same folder
        return f"seg{self._next_segment:06d}-{secrets.token_hex(4)}"

    def _default_ids(self) -> Iterator[str]:
        while True:
            doc_id = str(self._next_id)
            self._next_id += 1
            yield doc_id

    def _without(self, segments: Sequence[Segment], doc_ids: Sequence[str]) -> List[Segment]:
        """``segments`` with the documents ``doc_ids`` marked deleted (copy-on-write)."""
        if not doc_ids:
            return list(segments)
        locations = self._id_locations()
        by_segment: Dict[str, List[int]] = {}
        for doc_id in doc_ids:
            name, local = locations[doc_id]
            by_segment.setdefault(name, []).append(local)
        out = []
        for seg in segments:
            dead = by_segment.get(seg.name)
            if dead:
                live = np.ones(seg.n_docs, dtype=bool) if seg.live is None else seg.live.copy()
                live[dead] = False
                seg = seg.with_live(live)
            out.append(seg)
        return out

    def _commit(self, new_segments: List[Segment], replaced: List[str]) -> None:
        if not replaced and self._locations is None:  # nothing to look up: stay lazy
            self._swap(list(self._snapshot.segments) + new_segments, added=new_segments)
            self._maybe_merge()
            return
        locations = self._id_locations()
        present = [d for d in replaced if d in locations]
        segments = self._without(self._snapshot.segments, present) + new_segments
        self._swap(segments, drop=present, added=new_segments)
        self._maybe_merge()

    def _swap(self, segments: Sequence[Segment], drop: Sequence[str] = (),
              added: Sequence[Segment] = ()) -> None:
        """Publish a new snapshot and keep the id locations in step (if they were built:
        ``_id_locations`` builds them from the snapshot on first use)."""
        locations = self._locations
        self._snapshot = Snapshot(segments)
        self._keep_sorted_ids()
        if locations is None:
            return
        for doc_id in drop:
            del locations[doc_id]
        for seg in added:
            self._point_ids_at(seg)

    def _plan_merge(self) -> Optional[Tuple[int, int]]:
        segs = self._snapshot.segments
        return self.merge_policy.plan([s.n_live for s in segs], [s.n_docs for s in segs])

    def _maybe_merge(self) -> None:
        """Run the merges the policy asks for: on a background thread, or here and now."""
        if not self.background_merges:
            run = self._plan_merge()
            while run is not None:
                self._replace_run(*run)
                run = self._plan_merge()
        elif self._merger is None and self._plan_merge() is not None:
            self._merger = threading.Thread(target=self._merge_loop, name="kzsearch-merge", daemon=True)
            self._merger.start()

    def _merge_loop(self) -> None:
        """Background merging: pick a run under the lock, merge outside it, install under it."""
        while True:
            with self._write_lock:
                run = self._plan_merge()
                if run is None:
                    self._merger = None
                    return
                sources = self._snapshot.segments[run[0]:run[1]]
                name = self._new_segment_name()
            merged = self._sealed(merge_segments(sources, name))
            with self._write_lock:
                self._install_merge(sources, merged)

    def wait_for_merges(self) -> None:
        """Block until background merging has nothing left to do."""
        merger = self._merger
        while merger is not None:
            merger.join()
            merger = self._merger

    def _install_merge(self, sources: Sequence[Segment], merged: Segment) -> None:
        """Swap ``merged`` in for ``sources``, carrying over deletions made meanwhile."""
        segs = list(self._snapshot.segments)
        where = {seg.name: i for i, seg in enumerate(segs)}
        first = where.get(sources[0].name)
        if first is None or [where.get(s.name) for s in sources] != list(range(first, first + len(sources))):
            self._discard_spilled([merged])
            return  # the sources changed meanwhile (optimize ran): drop this merge
        dead, base = [], 0
        for source, now in zip(sources, segs[first:first + len(sources)]):
            was_live = source.live if source.live is not None else np.ones(source.n_docs, dtype=bool)
            if now.live is not source.live:
                rank = np.cumsum(was_live) - 1  # position of each survivor in the merged segment
                dead.append(rank[was_live & ~now.live] + base)
            base += int(was_live.sum())
        if dead:
            live = np.ones(merged.n_docs, dtype=bool)
            live[np.concatenate(dead)] = False
            merged = merged.with_live(live)
        segs[first:first + len(sources)] = [merged]
        self._snapshot = Snapshot(segs)
        self._keep_sorted_ids()
        self._point_ids_at(merged)
        self._discard_spilled(sources)  # readers that still map them keep their data

    def _replace_run(self, start: int, end: int) -> None:
        sources = self._snapshot.segments[start:end]
        self._install_merge(sources, self._sealed(merge_segments(sources, self._new_segment_name())))

    def _point_ids_at(self, seg: Segment) -> None:
        """Record that the live documents of ``seg`` now live there."""
        locations = self._locations
        if locations is None:
            return
        live = seg.live
        if live is None:
            locations.update(zip(seg.ids, zip(itertools.repeat(seg.name), range(seg.n_docs))))
        else:
            for i in np.flatnonzero(live).tolist():
                locations[seg.ids[i]] = (seg.name, i)
