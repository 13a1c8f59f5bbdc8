"""The on-disk format and the save/load protocol: flat arrays and one checksummed commit file.

Layout of an index folder (format version 3)::

    kzsearch-index.json          the commit point: settings, analyzer, the
                                 list of segments and vocabulary parts, and
                                 the size and CRC-32 of every file below
    kzsearch-index.lock          taken by saves (exclusive) and loads (shared)
    vocab-<name>.{blob,offsets}.npy
                                 a run of the vocabulary (terms as UTF-8)
    <segment>.<part>.npy         one file a row of layout.SEGMENT_PARTS (the
                                 optional ones only where used: text fields,
                                 positions, stored fields) and one per array of
                                 each metadata column, col<i>.<array>
    <segment>.live-<generation>[-<tag>].npy
                                 which documents are alive (only if some are deleted)

Format 2 (:mod:`.segment_parts`) adds the optional parts, a segment entry's
``dtypes`` (parts stored narrower than their default) and ``columns``, and
the commit's ``text_fields`` (fields with weight and b, positions on or
off, metadata kinds). Format 3 stores the texts compressed per block
(:mod:`.zipped_texts`: ``texts.z``, ``texts.zblocks``, ``texts.zdocs``
instead of ``texts.blob``), positions compact and their offsets derived
from the term frequencies (:mod:`.compact`: ``positions.*`` instead of
``positions`` and ``pos_offsets``), and term frequencies in the narrowest
dtype that holds them: about 2.6 times smaller. Format-1 and format-2
folders still load (format 1: one ``text`` field, no positions); a save
writes format 3. Loading reads and checks the files (:mod:`.loading`).

Saving (:func:`save_index`) never writes into an existing file: new content
gets a new name, created with ``O_EXCL | O_NOFOLLOW`` and fsync'ed; a file
the folder's current commit already lists with the same size and CRC-32 is
reused instead; the files of a segment spilled during the build
(:mod:`.spill`, passed as ``IndexParts.spilled``) are hard-linked (copied
across file systems) and fsync'ed rather than encoded again. Then a new
commit is written beside the old one, renamed over it and the folder
fsync'ed; files no commit refers to any more are
unlinked (never truncated: a reader that maps them keeps its data). So a
save killed at any moment leaves the old commit or the new one, whole, and
readers keep correct results until they reload.

Two writers: a save compares the folder's commit with the one this index
last loaded from or saved to that folder (generation and checksum) and
raises :class:`kzsearch.ConflictError` if it changed meanwhile. An index
that never saw the folder replaces its content whole.

Loading (:func:`load_index`) treats the folder as data: names must match the
patterns above, every file is opened without following links and must be a
regular file of the listed size and CRC-32, ``.npy`` headers must describe
exactly the file, and each segment passes :func:`layout.check_segment`.
Anything else raises :class:`kzsearch.IndexFormatError` naming the file.

This module knows parts, not the :class:`kzsearch.Index`: ``save_index``
takes :class:`~.index_parts.IndexParts` and ``load_index`` returns them.

>>> import tempfile
>>> from kzsearch.engine.segment import build_segment
>>> seg = build_segment(np.array([0, 1], dtype=np.int32), np.array([2]), name="seg000001-0a0b0c0d")
>>> settings = {"method": "lucene", "params": {}, "merge_policy": {}, "analyzer": {"kind": "custom"},
...             "restore_queries": False}
>>> with tempfile.TemporaryDirectory() as d:
...     state = save_index(IndexParts(settings, ["a", "b"], [seg], 1, 1, None), d)
...     loaded = load_index(d)
>>> list(loaded.terms), loaded.segments[0].docs.tolist(), loaded.next_id
(['a', 'b'], [0, 0], 1)
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

from ..errors import ConflictError, IndexFormatError
from .commit import (COMMIT_FILE, DATA_FILE, FORMAT_NAME, FORMAT_VERSION, LOCK_FILE, MAX_COMMIT_BYTES,
                     SEGMENT_NAME, TEMP_COMMIT, checksum_of, fail, read_commit)
from .docstore import TextBlock
from .files import Folder
from .index_parts import IndexParts, StorageState
from .layout import segment_arrays_and_columns
from .loading import load_parts
from .segment_parts import format2_entry

__all__ = ["COMMIT_FILE", "LOCK_FILE", "MAX_COMMIT_BYTES", "FORMAT_NAME", "FORMAT_VERSION", "SEGMENT_NAME",
           "IndexParts", "StorageState", "save_index", "load_index", "is_own_file", "checksum_of"]

try:  # advisory locks between processes (POSIX); elsewhere saves are not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _check_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be str or os.PathLike, not {type(path).__name__}")
    return Path(path)


def is_own_file(name: str) -> bool:
    """Whether ``name`` is a file a save writes (data, lock or temporary commit)."""
    return (name in (COMMIT_FILE, LOCK_FILE) or DATA_FILE.fullmatch(name) is not None
            or TEMP_COMMIT.fullmatch(name) is not None)


@contextlib.contextmanager
def _locked(folder: Folder, exclusive: bool) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    flags = (os.O_RDWR | os.O_CREAT if exclusive else os.O_RDONLY) | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(LOCK_FILE, flags, 0o644, dir_fd=folder.fd)
    except FileNotFoundError:
        yield  # a read-only folder without a lock file: nobody can be writing
        return
    except OSError as e:
        if exclusive and e.errno in (13, 30):  # EACCES, EROFS: say so plainly
            raise
        raise fail(folder.path, f"{LOCK_FILE} cannot be opened as a plain file ({e.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise fail(folder.path, f"{LOCK_FILE} is not a regular file")
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _folder_key(path: Path) -> str:
    return os.path.realpath(path)


# ---------------------------------------------------------------- saving
def _prepare_folder(folder: Path) -> List[Path]:
    """Check or create the target folder; the folders this call created (to undo)."""
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"path {str(folder)!r} exists and is not a folder")
    if folder.is_dir():
        names = os.listdir(folder)
        if COMMIT_FILE not in names and not all(is_own_file(n) for n in names):
            raise ValueError(f"path {str(folder)!r} is a non-empty folder that holds no kzsearch index; "
                             "refusing to write into it")
        return []
    missing = []
    for parent in [folder, *folder.parents]:
        if parent.exists():
            break
        missing.append(parent)
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def save_index(parts: IndexParts, path: Any) -> StorageState:
    """Write ``parts`` to the folder ``path``; returns the new storage state (see the module docstring).

    A failed save removes every file it created (and the folder, if it made
    it) and leaves the folder's commit as it was.
    """
    folder_path = _check_path(path)
    created_dirs = _prepare_folder(folder_path)
    try:
        with Folder(folder_path) as folder:
            with _locked(folder, exclusive=True):
                return _Save(parts, folder, _folder_key(folder_path)).run()
    except BaseException:
        if created_dirs and not os.path.lexists(folder_path / COMMIT_FILE):  # made it: leave nothing
            with contextlib.suppress(OSError):
                os.remove(folder_path / LOCK_FILE)
            for made in created_dirs:
                with contextlib.suppress(OSError):
                    made.rmdir()
        raise


class _Save:
    """One save under the folder's exclusive lock."""

    def __init__(self, parts: IndexParts, folder: Folder, key: str) -> None:
        self.parts, self.folder, self.key = parts, folder, key
        self.state = parts.state or StorageState()
        self.files: Dict[str, Dict[str, int]] = {}
        self.created: List[str] = []
        self.existing = set(folder.names())

    def run(self) -> StorageState:
        try:
            current: Optional[Tuple[Dict[str, Any], int]] = read_commit(self.folder)
        except IndexFormatError:
            current = None  # no index there, or a damaged one: nothing readable to keep
        known = self.state.commits.get(self.key)
        if known is not None and current is not None and (current[0]["generation"], current[1]) != known:
            raise ConflictError(f"{self.folder.path}: the index there changed since this index loaded or "
                                "saved it (another writer saved); load it again, or save elsewhere")
        self.on_disk = current[0]["files"] if current else {}
        self.on_disk_vocab = current[0]["vocabulary"] if current else []
        self.generation = current[0]["generation"] + 1 if current else 1
        self.checksum: Optional[int] = None
        try:
            new_state, checksum = self._write_all()
        except BaseException:
            if not self._committed():  # interrupted right after the rename: the files are the index now
                for name in self.created:  # only what this save created: never a committed file
                    with contextlib.suppress(OSError):
                        self.folder.remove(name)
            raise
        self.folder.fsync()
        self._collect_garbage()
        new_state.commits = dict(self.state.commits)
        new_state.commits[self.key] = (self.generation, checksum)
        return new_state

    def _committed(self) -> bool:
        """Whether the folder's commit is the one this save wrote."""
        if self.checksum is None:
            return False
        try:
            return read_commit(self.folder)[1] == self.checksum
        except (IndexFormatError, OSError):
            return False

    def _reusable(self, files: Dict[str, Dict[str, int]]) -> bool:
        for name, meta in files.items():
            if self.on_disk.get(name) != meta:
                return False
            try:
                if os.stat(name, dir_fd=self.folder.fd, follow_symlinks=False).st_size != meta["size"]:
                    return False
            except OSError:
                return False
        return True

    def _write(self, name: str, array: np.ndarray) -> Dict[str, int]:
        self.created.append(name)  # before: a half-written file is removed too
        self.existing.add(name)
        meta = self.folder.write_array(name, array)
        self.files[name] = meta
        return meta

    def _encoded(self, seg: Any, disk: str) -> Dict[str, Any]:
        """Write ``seg``'s files as ``disk``; its segment record."""
        arrays, columns = segment_arrays_and_columns(seg)  # encoded once: arrays and commit entry
        record: Dict[str, Any] = {"disk": disk, "files": {}, "format2": format2_entry(arrays, columns)}
        for part_name, array in arrays.items():  # the table's parts, then columns
            fname = f"{disk}.{part_name}.npy"
            record["files"][fname] = self._write(fname, array)
        return record

    def _linked(self, name: str, disk: str) -> Optional[Dict[str, Any]]:
        """Link segment ``name``'s spilled files as ``disk`` (see :mod:`.spill`); its segment
        record, or None when it was not spilled or its files cannot be linked (then written)."""
        spilled = (self.parts.spilled or {}).get(name)
        if spilled is None:
            return None
        made: List[str] = []
        try:
            files = spilled.link_into(self.folder, disk, made)
        except OSError:  # e.g. the temporary folder was cleaned meanwhile: encode and write instead
            for fname in made:
                with contextlib.suppress(OSError):
                    self.folder.remove(fname)
            return None
        finally:
            self.created.extend(made)
            self.existing.update(made)
        self.files.update(files)
        return {"disk": disk, "files": files, "format2": spilled.format2}

    def _fresh_segment_name(self, name: str) -> str:
        serial = name.split("-")[0]
        while any(n.startswith(name + ".") for n in self.existing):
            name = f"{serial}-{secrets.token_hex(4)}"
        return name

    def _write_all(self) -> Tuple[StorageState, int]:
        parts, state = self.parts, self.state
        new = StorageState()
        # vocabulary: reuse the runs the folder already holds, write the rest as one new run
        start = 0
        for part in state.vocab_parts:
            listed = {k: part[k] for k in ("name", "start", "end")}
            i = len(new.vocab_parts)
            if (part["end"] > len(parts.terms) or i >= len(self.on_disk_vocab)
                    or self.on_disk_vocab[i] != listed or not self._reusable(part["files"])):
                break
            new.vocab_parts.append(part)
            self.files.update(part["files"])
            start = part["end"]
        if start < len(parts.terms) or not new.vocab_parts:
            name = secrets.token_hex(6)
            blob, offsets = TextBlock.from_strings(list(parts.terms[start:])).to_arrays()
            metas = {}
            for suffix, array in (("blob", blob), ("offsets", offsets)):
                fname = f"vocab-{name}.{suffix}.npy"
                metas[fname] = self._write(fname, array)
            new.vocab_parts.append({"name": name, "start": start, "end": len(parts.terms), "files": metas})

        entries = []
        for seg in parts.segments:
            record = state.segment_files.get(seg.name)
            if record is not None and self._reusable(record["files"]):
                self.files.update(record["files"])
            else:
                disk = self._fresh_segment_name(seg.name)
                record = self._linked(seg.name, disk) or self._encoded(seg, disk)
            new.segment_files[seg.name] = record
            disk = record["disk"]
            live_name = None
            if seg.live is not None:
                old = state.live_files.get(seg.name)
                if (old is not None and old[0] is seg.live and old[1].startswith(disk + ".live-")
                        and self._reusable({old[1]: old[2]})):
                    live_name = old[1]
                    self.files[live_name] = old[2]
                else:
                    live_name = f"{disk}.live-{self.generation}-{secrets.token_hex(4)}.npy"
                    self._write(live_name, np.asarray(seg.live, dtype=np.bool_))
                new.live_files[seg.name] = (seg.live, live_name, self.files[live_name])
            entries.append({"name": disk, "n_docs": seg.n_docs, "live": live_name,
                            **record.get("format2", {})})

        settings = parts.settings
        body = {
            "format": FORMAT_NAME, "version": FORMAT_VERSION, "generation": self.generation,
            "method": settings["method"], "params": settings["params"],
            "merge_policy": settings["merge_policy"], "analyzer": settings["analyzer"],
            "restore_queries": settings["restore_queries"], "text_fields": settings.get("text_fields"),
            "next_id": parts.next_id, "next_segment": parts.next_segment,
            "vocabulary": [{k: p[k] for k in ("name", "start", "end")} for p in new.vocab_parts],
            "segments": entries, "files": self.files,
        }
        checksum = self.checksum = checksum_of(body)
        text = json.dumps(dict(body, checksum=checksum), ensure_ascii=True, indent=1, sort_keys=True)
        temp = f"{COMMIT_FILE}.tmp-{secrets.token_hex(4)}"
        self.created.append(temp)
        self.folder.write_bytes(temp, (text.encode("ascii"),))
        self.folder.rename(temp, COMMIT_FILE)  # the moment the new index becomes the index
        self.created.remove(temp)
        self.created = []  # committed: nothing of this save may be removed any more
        return new, checksum

    def _collect_garbage(self) -> None:
        """Unlink this format's files that the new commit does not list (never truncate)."""
        for name in self.folder.names():
            if name in self.files or name in (COMMIT_FILE, LOCK_FILE):
                continue
            if DATA_FILE.fullmatch(name) or TEMP_COMMIT.fullmatch(name):
                with contextlib.suppress(OSError):
                    self.folder.remove(name)


# ---------------------------------------------------------------- loading
def load_index(path: Any, mmap: bool = True) -> IndexParts:
    """The parts of the index saved in the folder ``path`` (see the module docstring)."""
    folder_path = _check_path(path)
    if not folder_path.is_dir():
        raise fail(folder_path, "no such index folder")
    try:
        folder = Folder(folder_path)
    except OSError as e:
        raise fail(folder_path, f"cannot open the folder ({e.strerror})") from None
    with folder, _locked(folder, exclusive=False):
        commit, checksum = read_commit(folder)
        return load_parts(folder, commit, checksum, mmap, _folder_key(folder_path))
