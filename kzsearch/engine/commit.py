"""The commit file of an index folder: its name patterns, checksum, and structural check.

The commit (``kzsearch-index.json``) is ASCII JSON listing settings, the
vocabulary runs, the segments and the size and CRC-32 of every file, with a
CRC-32 of its own. :func:`read_commit` reads it from an untrusted folder:
a bounded read of a regular file, the format and version, the checksum, and
then :func:`check_commit`, which requires every field to have its type and
range and every file name to match a pattern ``save`` writes (so no name can
reach outside the folder).

>>> check_commit({"generation": 0})
'bad generation, ids, method or settings'
>>> bool(DATA_FILE.fullmatch("seg000001-0a0b0c0d.terms.npy")), bool(DATA_FILE.fullmatch("../x.npy"))
(True, False)
"""
from __future__ import annotations

import contextlib
import json
import re
import zlib
from typing import Any, Dict, Iterator, Optional, Tuple

from ..errors import IndexFormatError
from .files import Folder, UnsafeFile
from .layout import SEGMENT_PARTS
from .segment_parts import COLUMN_FILE, column_files

FORMAT_NAME = "kzsearch-index"
FORMAT_VERSION = 3
#: versions this code reads (format 1: one text field, no positions; format 2: optional parts,
#: see segment_parts; format 3: compressed texts and compact positions, see layout)
READABLE_VERSIONS = (1, 2, 3)
COMMIT_FILE = "kzsearch-index.json"
LOCK_FILE = "kzsearch-index.lock"
#: a commit file larger than this is refused unread
MAX_COMMIT_BYTES = 64 << 20
_BIG = 1 << 62

SEGMENT_NAME = re.compile(r"seg\d{6,12}-[0-9a-f]{8}")
_PART_NAMES = "|".join(re.escape(p.name) for p in SEGMENT_PARTS)
DATA_FILE = re.compile(rf"(?:vocab-[0-9a-f]{{12}}\.(?:blob|offsets)"
                        rf"|(seg\d{{6,12}}-[0-9a-f]{{8}})\.(?:{_PART_NAMES}|{COLUMN_FILE}|live-\d{{1,19}}(?:-[0-9a-f]{{8}})?))\.npy")
TEMP_COMMIT = re.compile(re.escape(COMMIT_FILE) + r"\.tmp(?:-[0-9a-f]{8})?")
_VOCAB_NAME = re.compile(r"[0-9a-f]{12}")

def fail(folder: Any, message: str) -> IndexFormatError:
    return IndexFormatError(f"{folder}: {message}")


def checksum_of(body: Dict[str, Any]) -> int:
    return zlib.crc32(json.dumps(body, sort_keys=True, ensure_ascii=True).encode("ascii"))


def _is_int(value: Any, low: int = 0, high: int = _BIG) -> bool:
    return type(value) is int and low <= value <= high


def check_commit(commit: Any) -> Optional[str]:
    """What is wrong with the structure of a parsed commit (its checksum is already right)."""
    if not (_is_int(commit.get("generation"), 1) and _is_int(commit.get("next_id"), 0, 10**18)
            and _is_int(commit.get("next_segment")) and isinstance(commit.get("method"), str)
            and type(commit.get("restore_queries", False)) is bool):
        return "bad generation, ids, method or settings"
    for key in ("params", "merge_policy", "analyzer", "files"):
        if not isinstance(commit.get(key), dict):
            return f"bad {key!r}"
    files = commit["files"]
    for name, meta in files.items():
        if not DATA_FILE.fullmatch(name):
            return f"lists a file named {name[:80]!r}, which no save writes"
        if not (isinstance(meta, dict) and _is_int(meta.get("size")) and _is_int(meta.get("crc32"), 0, 2**32 - 1)):
            return f"bad size or checksum of {name}"
    vocabulary, segments = commit.get("vocabulary"), commit.get("segments")
    if not isinstance(vocabulary, list) or not vocabulary or not isinstance(segments, list):
        return "bad vocabulary or segment list"
    end = 0
    for part in vocabulary:
        if not (isinstance(part, dict) and isinstance(part.get("name"), str)
                and _VOCAB_NAME.fullmatch(part["name"]) and part.get("start") == end
                and _is_int(part.get("end"), end, 2**31 - 1)):
            return "bad vocabulary part"
        end = part["end"]
        if any(f"vocab-{part['name']}.{s}.npy" not in files for s in ("blob", "offsets")):
            return f"vocabulary part {part['name']} is not among the files"
    names = set()
    for entry in segments:
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and SEGMENT_NAME.fullmatch(entry["name"]) and _is_int(entry.get("n_docs"), 0, 2**31 - 1)):
            return "bad segment entry"
        name, live = entry["name"], entry.get("live")
        if name in names:
            return f"segment {name} is listed twice"
        names.add(name)
        if live is not None:
            match = DATA_FILE.fullmatch(live) if isinstance(live, str) else None
            if match is None or match.group(1) != name or ".live-" not in live or live not in files:
                return f"bad live mask of segment {name}"
        if any(f"{name}.{p.name}.npy" not in files for p in SEGMENT_PARTS if not p.optional):
            return f"files of segment {name} are not listed"
        problem = _check_format2_entry(entry, files)
        if problem:
            return f"segment {name}: {problem}"
    return None


_PARTS = {p.name: p for p in SEGMENT_PARTS}


def _check_format2_entry(entry: Dict[str, Any], files: Dict[str, Any]) -> Optional[str]:
    """What is wrong with a segment entry's ``dtypes`` and ``columns`` (format 2), if anything."""
    dtypes = entry.get("dtypes", {})
    if not isinstance(dtypes, dict):
        return "bad dtypes"
    for part, dtype in dtypes.items():
        if part not in _PARTS or not isinstance(dtype, str) or not _PARTS[part].allows(dtype):
            return f"part {str(part)[:40]!r} cannot hold {str(dtype)[:20]!r}"
    try:
        names = column_files(entry.get("columns", []))
    except ValueError as e:
        return str(e)
    if any(f"{entry['name']}.{part}.npy" not in files for part in names):
        return "files of its columns are not listed"
    return None


@contextlib.contextmanager
def reading(folder: Folder, name: str, missing: str) -> Iterator[None]:
    """Turn what can go wrong reading the file ``name`` into an IndexFormatError.

    ``missing`` is the message for a file that is not there; an unsafe file
    (a link, a FIFO, a wrong size) or another OS error is named as such.
    """
    try:
        yield
    except FileNotFoundError:
        raise fail(folder.path, missing) from None
    except UnsafeFile as e:
        raise fail(folder.path, str(e)) from None
    except OSError as e:
        raise fail(folder.path, f"cannot read {name}: {e.strerror}") from None


def read_commit(folder: Folder) -> Tuple[Dict[str, Any], int]:
    """(commit, checksum): the commit file parsed and checked; IndexFormatError otherwise."""
    with reading(folder, COMMIT_FILE, f"not a kzsearch index ({COMMIT_FILE} is missing)"):
        raw = folder.read_bytes(COMMIT_FILE, MAX_COMMIT_BYTES)
    try:
        commit = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise fail(folder.path, f"{COMMIT_FILE} is damaged (not valid JSON)") from None
    if not isinstance(commit, dict) or commit.get("format") != FORMAT_NAME:
        raise fail(folder.path, f"{COMMIT_FILE} is not a kzsearch index commit")
    version = commit.get("version")
    if version not in READABLE_VERSIONS:
        raise fail(folder.path, f"unknown index format version {version!r} "
                                 f"(this kzsearch reads versions {', '.join(map(str, READABLE_VERSIONS))})")
    body = {k: v for k, v in commit.items() if k != "checksum"}
    checksum = commit.get("checksum")
    if checksum != checksum_of(body):
        raise fail(folder.path, f"{COMMIT_FILE} is damaged (checksum mismatch)")
    problem = check_commit(commit)
    if problem:
        raise fail(folder.path, f"{COMMIT_FILE} is inconsistent: {problem}")
    return commit, checksum


