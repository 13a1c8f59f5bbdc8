"""The on-disk format: a folder of flat arrays and one checksummed commit file.

Layout of an index folder (format version 2)::

    kzsearch-index.json          the commit point: settings, analyzer, the
                                 list of segments and vocabulary parts, and
                                 the size and CRC-32 of every file below
    vocab-<name>.{blob,offsets}.npy
                                 a run of the vocabulary (terms as UTF-8)
    <segment>.{terms,offsets,docs,tfs,doc_len}.npy
    <segment>.{ids,texts}.{blob,offsets}.npy
                                 postings, lengths, stored ids and texts
    <segment>.live-<generation>.npy
                                 which documents are alive (only if some are deleted)
    <segment>.<part>.npy         format 2's optional parts, listed per segment in
                                 the commit: field_tfs, field_len, pos_offsets,
                                 positions, stored.{blob,offsets}, col<i>.<array>
                                 (see :mod:`.segment_parts`)

Format 2 also records the text fields (name, weight, b), whether positions
are kept, and the metadata column kinds. Format-1 folders still load: as
one ``text`` field without positions.

Every file is a plain ``.npy`` array; ``load_index`` memory-maps them, so
opening an index reads its commit file and checks its files' checksums, and
nothing is copied into RAM until a query touches it.

Saving is atomic. Files are written under names never used before and
fsync'ed; then the commit file is written beside the old one, fsync'ed and
renamed over it (``os.replace``), and the folder is fsync'ed. A save killed at
any moment leaves the old commit or the new one, whole. Files no commit
refers to any more are removed afterwards. Saving again to the folder an
index came from writes only what changed: new segments, new live masks, the
new part of the vocabulary, and a new commit.

Loading checks the format name and version, the commit's own checksum, and
the presence, size and CRC-32 of every file, and raises
:class:`kzsearch.IndexFormatError` saying which file is wrong and how.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from ..analysis import Analyzer
from .docstore import TextBlock
from ..errors import IndexFormatError
from .merging import MergePolicy
from .scoring import BM25Params
from .searcher import Snapshot
from .segment import Segment
from .segment_parts import (INT_DTYPES, column_part_names, optional_arrays, part_spec, read_schema,
                            schema_entry, segment_extras)
from .vocabulary import Vocabulary

FORMAT_NAME = "kzsearch-index"
FORMAT_VERSION = 2
#: versions this code reads (format 1: one text field, no positions)
READABLE_VERSIONS = (1, 2)
COMMIT_FILE = "kzsearch-index.json"
LOCK_FILE = "kzsearch-index.lock"
_ARRAYS = ("terms", "offsets", "docs", "tfs", "doc_len")
_BLOCKS = ("ids", "texts")

try:  # advisory locks between processes (POSIX); elsewhere saves are not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


@dataclass
class StorageState:
    """What an index last wrote to (or read from) a folder, for incremental saves."""

    folder: str
    generation: int
    files: Dict[str, Dict[str, int]]                       # name -> {"size", "crc32"}
    vocab_parts: List[Dict[str, Any]]                      # {"name", "start", "end"}
    segment_files: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # segment -> entry
    live_arrays: Dict[str, Any] = field(default_factory=dict)              # segment -> live array


# ---------------------------------------------------------------- writing
def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_array(folder: Path, name: str, array: np.ndarray, files: Dict[str, Dict[str, int]]) -> None:
    """Write one .npy file, fsync it and record its size and CRC-32."""
    path = folder / name
    with open(path, "wb") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    files[name] = {"size": path.stat().st_size, "crc32": _crc32_file(path)}


def _crc32_file(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 24)
            if not chunk:
                return crc
            crc = zlib.crc32(chunk, crc)


def _commit_checksum(body: Dict[str, Any]) -> int:
    return zlib.crc32(json.dumps(body, sort_keys=True, ensure_ascii=True).encode("ascii"))


@contextlib.contextmanager
def _locked(folder: Path, exclusive: bool) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT if exclusive else os.O_RDONLY, 0o644)
    except OSError:
        yield  # a read-only folder without a lock file: nobody can be writing
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _analyzer_entry(analyzer: Any) -> Dict[str, Any]:
    if type(analyzer) is Analyzer:
        return {"kind": "kzsearch.Analyzer", "config": analyzer.config}
    return {"kind": "custom", "repr": repr(analyzer)[:200]}


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"path {str(folder)!r} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / COMMIT_FILE).exists():
        raise ValueError(f"path {str(folder)!r} is a non-empty folder that holds no kzsearch index; "
                         "refusing to write into it")
    folder.mkdir(parents=True, exist_ok=True)


def save_index(index: Any, path: Any) -> None:
    """Write ``index`` to the folder ``path`` (see the module docstring)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be str or os.PathLike, not {type(path).__name__}")
    folder = Path(path)
    _prepare_folder(folder)
    with _locked(folder, exclusive=True):
        existing = set(os.listdir(folder))
        try:
            _save_locked(index, folder)
        except BaseException:
            # the commit was not replaced: remove what this attempt wrote
            for name in set(os.listdir(folder)) - existing:
                with contextlib.suppress(OSError):
                    os.remove(folder / name)
            raise
        _fsync_dir(folder)
        _remove_unreferenced(folder, index._storage_state.files)


def _save_locked(index: Any, folder: Path) -> None:
    """Write every new file, then rename the new commit into place (the caller holds the lock)."""
    previous = index._storage_state
    on_disk = _read_generation(folder)
    reuse = (previous is not None and previous.folder == str(folder.resolve())
             and previous.generation == on_disk)
    files: Dict[str, Dict[str, int]] = {}
    snapshot: Snapshot = index._snapshot
    vocab: Vocabulary = index._vocab

    vocab_parts: List[Dict[str, Any]] = []
    start = 0
    if reuse:
        for part in previous.vocab_parts:
            vocab_parts.append(part)
            for suffix in ("blob", "offsets"):
                fname = f"vocab-{part['name']}.{suffix}.npy"
                files[fname] = previous.files[fname]
            start = part["end"]
    if start < len(vocab) or not vocab_parts:
        name = secrets.token_hex(6)
        blob, offsets = TextBlock.from_strings(vocab.terms[start:]).to_arrays()
        _write_array(folder, f"vocab-{name}.blob.npy", blob, files)
        _write_array(folder, f"vocab-{name}.offsets.npy", offsets, files)
        vocab_parts.append({"name": name, "start": start, "end": len(vocab)})

    generation = (on_disk or 0) + 1
    segment_entries = []
    live_arrays: Dict[str, Any] = {}
    for seg in snapshot.segments:
        old = previous.segment_files.get(seg.name) if reuse else None
        entry: Dict[str, Any] = {"name": seg.name, "n_docs": seg.n_docs}
        if old is None:
            for a in _ARRAYS:
                _write_array(folder, f"{seg.name}.{a}.npy", getattr(seg, a), files)
            for b in _BLOCKS:
                blob, offsets = getattr(seg, b).to_arrays()
                _write_array(folder, f"{seg.name}.{b}.blob.npy", np.asarray(blob), files)
                _write_array(folder, f"{seg.name}.{b}.offsets.npy", offsets, files)
            extra, columns = optional_arrays(seg)
            for part, array in extra.items():
                _write_array(folder, f"{seg.name}.{part}.npy", array, files)
            entry["parts"] = sorted(p for p in extra if not p.startswith("col"))
            entry["columns"] = columns
        else:
            entry["parts"], entry["columns"] = old.get("parts", []), old.get("columns", [])
            for fname in _segment_files(seg.name, entry):
                files[fname] = previous.files[fname]
        if seg.live is None:
            entry["live"] = None
        elif old is not None and old.get("live") and previous.live_arrays.get(seg.name) is seg.live:
            entry["live"] = old["live"]
            files[old["live"]] = previous.files[old["live"]]
        else:
            entry["live"] = f"{seg.name}.live-{generation}.npy"
            _write_array(folder, entry["live"], seg.live, files)
        live_arrays[seg.name] = seg.live
        segment_entries.append(entry)

    settings = index.settings
    body = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "generation": generation,
        "method": settings.method,
        "params": {"k1": settings.params.k1, "b": settings.params.b,
                   "epsilon": settings.params.epsilon, "delta": settings.params.delta},
        "merge_policy": {"factor": index.merge_policy.factor, "floor": index.merge_policy.floor,
                         "max_deleted_share": index.merge_policy.max_deleted_share},
        "analyzer": _analyzer_entry(index.analyzer),
        "restore_queries": index._restorer is not None,
        "text_fields": schema_entry(index.fields, index.positions, index._schema),
        "next_id": index._next_id,
        "next_segment": index._next_segment,
        "vocabulary": vocab_parts,
        "segments": segment_entries,
        "files": files,
    }
    commit = dict(body, checksum=_commit_checksum(body))
    tmp = folder / (COMMIT_FILE + ".tmp")
    with open(tmp, "w", encoding="ascii") as f:
        json.dump(commit, f, ensure_ascii=True, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / COMMIT_FILE)  # the moment the new index becomes the index
    index._storage_state = StorageState(
        str(folder.resolve()), generation, files, vocab_parts,
        {e["name"]: e for e in segment_entries}, live_arrays)


def _segment_files(name: str, entry: Dict[str, Any]) -> List[str]:
    out = [f"{name}.{a}.npy" for a in _ARRAYS]
    out += [f"{name}.{b}.{part}.npy" for b in _BLOCKS for part in ("blob", "offsets")]
    out += [f"{name}.{part}.npy" for part in entry.get("parts", [])]
    out += [f"{name}.{part}.npy" for part in column_part_names(entry.get("columns", []))]
    return out


def _remove_unreferenced(folder: Path, files: Dict[str, Any]) -> None:
    """Delete this format's files that the new commit no longer lists."""
    for entry in folder.iterdir():
        name = entry.name
        ours = name.endswith(".npy") and (name.startswith("seg") or name.startswith("vocab-"))
        if (ours and name not in files) or name == COMMIT_FILE + ".tmp":
            with contextlib.suppress(OSError):
                entry.unlink()


def _read_generation(folder: Path) -> Optional[int]:
    try:
        with open(folder / COMMIT_FILE, encoding="ascii") as f:
            return int(json.load(f).get("generation"))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


# ---------------------------------------------------------------- reading
def _fail(folder: Path, message: str) -> IndexFormatError:
    return IndexFormatError(f"{folder}: {message}")


def read_commit(folder: Path) -> Dict[str, Any]:
    """The commit file's contents, checked for format, version and checksum."""
    path = folder / COMMIT_FILE
    if not folder.is_dir():
        raise _fail(folder, "no such index folder")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _fail(folder, f"not a kzsearch index ({COMMIT_FILE} is missing)") from None
    except OSError as e:
        raise _fail(folder, f"cannot read {COMMIT_FILE}: {e.strerror}") from None
    try:
        commit = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _fail(folder, f"{COMMIT_FILE} is damaged (not valid JSON)") from None
    if not isinstance(commit, dict) or commit.get("format") != FORMAT_NAME:
        raise _fail(folder, f"{COMMIT_FILE} is not a kzsearch index commit")
    version = commit.get("version")
    if version not in READABLE_VERSIONS:
        raise _fail(folder, f"unknown index format version {version!r} "
                            f"(this kzsearch reads versions {', '.join(map(str, READABLE_VERSIONS))})")
    body = {k: v for k, v in commit.items() if k != "checksum"}
    if commit.get("checksum") != _commit_checksum(body):
        raise _fail(folder, f"{COMMIT_FILE} is damaged (checksum mismatch)")
    return commit


def _load_array(folder: Path, name: str, files: Dict[str, Any], mmap: bool,
                dtype: Any, ndim: int = 1) -> np.ndarray:
    meta = files.get(name)
    if not isinstance(meta, dict):
        raise _fail(folder, f"commit does not list {name}")
    path = folder / name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _fail(folder, f"{name} is missing") from None
    if size != meta.get("size"):
        raise _fail(folder, f"{name} has {size} bytes, expected {meta.get('size')} (truncated or altered)")
    if _crc32_file(path) != meta.get("crc32"):
        raise _fail(folder, f"{name} is damaged (checksum mismatch)")
    try:
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise _fail(folder, f"{name} is not a readable array ({e})") from None
    allowed = [np.dtype(d) for d in (dtype if isinstance(dtype, tuple) else (dtype,))]
    if array.dtype not in allowed or array.ndim != ndim:
        expected = " or ".join(str(d) for d in allowed)
        raise _fail(folder, f"{name} holds {array.dtype}[{array.ndim}d], expected {expected}[{ndim}d]")
    return array


def _load_block(folder: Path, prefix: str, files: Dict[str, Any], mmap: bool) -> TextBlock:
    blob = _load_array(folder, f"{prefix}.blob.npy", files, mmap, np.uint8)
    offsets = _load_array(folder, f"{prefix}.offsets.npy", files, mmap, np.int64)
    if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(blob):
        raise _fail(folder, f"{prefix}.offsets.npy does not match its blob")
    return TextBlock(blob, offsets)


def _check(folder: Path, ok: bool, message: str) -> None:
    if not ok:
        raise _fail(folder, message)


def load_index(path: Any, analyzer: Optional[Any] = None, mmap: bool = True) -> Any:
    """Open the index saved in the folder ``path``."""
    from ..index import Index

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be str or os.PathLike, not {type(path).__name__}")
    folder = Path(path)
    with _locked(folder, exclusive=False) if folder.is_dir() else contextlib.nullcontext():
        commit = read_commit(folder)
        stored = commit.get("analyzer")
        if analyzer is None and not (isinstance(stored, dict) and stored.get("kind") == "kzsearch.Analyzer"):
            shown = stored.get("repr", "?") if isinstance(stored, dict) else "?"
            raise ValueError(f"analyzer: the index in {str(folder)!r} was built with a custom analyzer "
                             f"({shown}); pass the same one: Index.load(path, analyzer=...)")
        try:
            return _build(folder, commit, analyzer, mmap, Index)
        except IndexFormatError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise _fail(folder, f"{COMMIT_FILE} is inconsistent ({type(e).__name__}: {e})") from None


def _build(folder: Path, commit: Dict[str, Any], analyzer: Optional[Any], mmap: bool, index_class: Any) -> Any:
    files = commit["files"]
    if analyzer is None:
        analyzer = Analyzer.from_config(commit["analyzer"]["config"])
    params = BM25Params(**commit["params"])
    fields, positions, schema = read_schema(commit.get("text_fields") if commit["version"] >= 2 else None)
    index = index_class(analyzer=analyzer, method=commit["method"], k1=params.k1, b=params.b,
                        epsilon=params.epsilon, delta=params.delta,
                        merge_policy=MergePolicy(**commit["merge_policy"]),
                        restore_queries=bool(commit.get("restore_queries", False)),
                        fields=fields, positions=positions)
    index._schema = schema

    terms: List[str] = []
    for part in commit["vocabulary"]:
        terms.extend(_load_block(folder, f"vocab-{part['name']}", files, mmap=False))
        _check(folder, len(terms) == part["end"], f"vocabulary part {part['name']} has the wrong size")
    vocab = Vocabulary(terms)

    segments = []
    live_arrays = {}
    for entry in commit["segments"]:
        name = entry["name"]
        arrays = {a: _load_array(folder, f"{name}.{a}.npy", files, mmap,
                                 np.int64 if a == "offsets" else INT_DTYPES) for a in _ARRAYS}
        blocks = {b: _load_block(folder, f"{name}.{b}", files, mmap) for b in _BLOCKS}
        n_docs = entry["n_docs"]
        live = None
        if entry.get("live"):
            live = _load_array(folder, entry["live"], files, mmap=False, dtype=np.bool_)
            _check(folder, len(live) == n_docs, f"{entry['live']} has the wrong length")
        _check(folder, len(arrays["doc_len"]) == n_docs and len(blocks["ids"]) == n_docs
               and len(blocks["texts"]) == n_docs, f"segment {name} has inconsistent document counts")
        _check(folder, len(arrays["offsets"]) == len(arrays["terms"]) + 1
               and int(arrays["offsets"][-1]) == len(arrays["docs"]) == len(arrays["tfs"]),
               f"segment {name} has inconsistent postings")
        _check(folder, len(arrays["terms"]) == 0 or int(arrays["terms"][-1]) < len(vocab),
               f"segment {name} refers to terms beyond the vocabulary")
        columns = entry.get("columns", []) if commit["version"] >= 2 else []
        extra = {}
        for part in list(entry.get("parts", []) if commit["version"] >= 2 else []) + column_part_names(columns):
            dtypes, ndim = part_spec(part)
            extra[part] = _load_array(folder, f"{name}.{part}.npy", files, mmap, dtypes, ndim)
        try:
            extras = segment_extras(extra, columns, arrays["tfs"], arrays["doc_len"])
        except ValueError as e:
            raise _fail(folder, f"segment {name}: {e}") from None
        _check(folder, extras["field_len"] is None or extras["field_len"].shape[0] == len(index.fields),
               f"segment {name} has field arrays for another number of fields")
        _check(folder, extras["field_len"] is not None or len(index.fields) == 1 or not n_docs,
               f"segment {name} lacks the field arrays of a {len(index.fields)}-field index")
        segments.append(Segment(arrays["terms"], arrays["offsets"], arrays["docs"], arrays["tfs"],
                                arrays["doc_len"], blocks["ids"], blocks["texts"], live, name, **extras))
        live_arrays[name] = live

    index._vocab = vocab
    index._snapshot = Snapshot(segments)
    index._next_id = int(commit["next_id"])
    index._next_segment = int(commit["next_segment"])
    index._storage_state = StorageState(str(folder.resolve()), int(commit["generation"]), files,
                                        list(commit["vocabulary"]),
                                        {e["name"]: e for e in commit["segments"]}, live_arrays)
    return index
