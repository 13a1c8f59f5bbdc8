"""What an index is made of when it goes to or comes from a folder: plain parts and storage state.

:func:`~kzsearch.engine.storage.save_index` takes :class:`IndexParts`,
:func:`~kzsearch.engine.storage.load_index` returns them; a
:class:`StorageState` remembers what a folder already holds, so that a save
rewrites only what changed.

>>> IndexParts({}, ["a"], [], 0, 1).state is None
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .segment import Segment


@dataclass
class StorageState:
    """What an index knows of the folders it loaded from or saved to, for safe incremental saves.

    ``commits``: folder (real path) -> (generation, checksum) of the commit this
    index last read or wrote there. ``segment_files``: segment name ->
    {"disk": its name in files, "files": {file: {"size", "crc32"}}};
    ``live_files``: segment name -> (live array, file, meta); ``vocab_parts``:
    {"name", "start", "end", "files"} of the vocabulary runs last written.
    A file is reused only where a folder's current commit lists it with the same meta.
    """

    commits: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    vocab_parts: List[Dict[str, Any]] = field(default_factory=list)
    segment_files: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    live_files: Dict[str, Tuple[Any, str, Dict[str, int]]] = field(default_factory=dict)


@dataclass
class IndexParts:
    """An index as plain parts: what ``save_index`` writes and ``load_index`` returns.

    ``settings``: "method", "params" (k1, b, epsilon, delta), "merge_policy"
    (factor, floor, max_deleted_share), "analyzer" ({"kind": "kzsearch.Analyzer",
    "config": {...}} or {"kind": "custom", "repr": ...}), "restore_queries".
    ``spilled``: segment name -> its files already written in format 3 elsewhere
    (:class:`~kzsearch.engine.spill.SpilledFiles`), which a save links instead of writing.
    """

    settings: Dict[str, Any]
    terms: Sequence[str]
    segments: Sequence[Segment]
    next_id: int
    next_segment: int
    state: Optional[StorageState] = None
    spilled: Optional[Dict[str, Any]] = None
