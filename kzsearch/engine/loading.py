"""Loading an index folder's parts: every file checked, every segment checked, then assembled.

:func:`load_parts` reads what a checked commit (:func:`.commit.read_commit`)
lists — the vocabulary runs, each segment's parts in the dtypes its entry
names, live masks — and checks each segment's structure
(:func:`.layout.check_segment`, :func:`.segment_parts.segment_extras`) and the
ids across segments (:func:`.layout.check_ids`). Anything wrong raises
:class:`kzsearch.IndexFormatError` naming the file or the segment. Format 1, 2
and 3 folders load alike: which parts a segment has says how it is stored.
"""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from ..errors import IndexFormatError
from .commit import fail, reading
from .docstore import TextBlock
from .files import Folder
from .index_parts import IndexParts, StorageState
from .layout import SEGMENT_PARTS, check_ids, check_segment, segment_from_arrays
from .segment_parts import column_files, fields_count


def _array(folder: Folder, name: str, files: Dict[str, Any], dtype: Any, mmap: bool) -> np.ndarray:
    with reading(folder, name, f"{name} is missing"):
        return folder.read_array(name, files[name], dtype, mmap)


def load_parts(folder: Folder, commit: Dict[str, Any], checksum: int, mmap: bool, key: str) -> IndexParts:
    """The parts of the index whose checked ``commit`` (with ``checksum``) ``folder`` holds."""
    files = commit["files"]
    state = StorageState(commits={key: (commit["generation"], checksum)})
    terms: List[str] = []
    for part in commit["vocabulary"]:
        prefix = f"vocab-{part['name']}"
        blob = _array(folder, f"{prefix}.blob.npy", files, np.uint8, mmap=False)
        offsets = _array(folder, f"{prefix}.offsets.npy", files, np.int64, mmap=False)
        n = part["end"] - part["start"]
        if not (len(offsets) == n + 1 and offsets[0] == 0 and offsets[-1] == len(blob)
                and bool(np.all(offsets[1:] >= offsets[:-1]))):
            raise fail(folder.path, f"{prefix}.offsets.npy does not match its blob or the part's size")
        try:
            terms.extend(TextBlock(blob, offsets))
        except IndexFormatError:
            raise fail(folder.path, f"{prefix}.blob.npy holds terms that are not UTF-8") from None
        state.vocab_parts.append(dict(part, files={f"{prefix}.{s}.npy": files[f"{prefix}.{s}.npy"]
                                                   for s in ("blob", "offsets")}))

    segments = []
    for entry in commit["segments"]:
        name, n_docs = entry["name"], entry["n_docs"]
        dtypes = {p.name: entry.get("dtypes", {}).get(p.name, p.dtype) for p in SEGMENT_PARTS
                  if f"{name}.{p.name}.npy" in files}
        dtypes.update(column_files(entry.get("columns", [])))  # checked by check_commit
        seg_files = {f"{name}.{part}.npy": files[f"{name}.{part}.npy"] for part in dtypes}
        arrays = {part: _array(folder, f"{name}.{part}.npy", files, dtype, mmap)
                  for part, dtype in dtypes.items()}
        live = None
        if entry.get("live") is not None:
            live = _array(folder, entry["live"], files, np.bool_, mmap=False)
            if len(live) and int(live.view(np.uint8).max()) > 1:
                raise fail(folder.path, f"{entry['live']} holds values other than 0 and 1")
            state.live_files[name] = (live, entry["live"], files[entry["live"]])
        problem = check_segment(arrays, n_docs, len(terms), live)
        if problem:
            raise fail(folder.path, f"segment {name}: {problem}")
        try:
            segments.append(segment_from_arrays(arrays, live, name, entry.get("columns", []),
                                                fields_count(commit)))
        except ValueError as e:
            raise fail(folder.path, f"segment {name}: {e}") from None
        format2 = {k: entry[k] for k in ("dtypes", "columns") if k in entry}
        state.segment_files[name] = {"disk": name, "files": seg_files, "format2": format2}

    # a default id is never handed out twice, even if next_id was written too low
    problem, next_id = check_ids([(s.ids.blob, s.ids.offsets, s.live) for s in segments], commit["next_id"])
    if problem:
        raise fail(folder.path, problem)
    settings = {k: commit.get(k) for k in ("method", "params", "merge_policy", "analyzer")}
    settings["restore_queries"] = commit.get("restore_queries", False)
    settings["text_fields"] = commit.get("text_fields")  # format 1: None
    return IndexParts(settings, terms, segments, next_id, commit["next_segment"], state)
