"""Segments spilled to disk during a build: written once in format 3, memory-mapped back, linked by saves.

A large build would otherwise hold every finished segment in memory until
the save: about 1 GB of postings and positions and 0.9 GB of texts at a
million documents. A :class:`SpillDir` is a private temporary folder (made
with ``mkdtemp``, mode 0700) into which a finished segment is written as the
files of a format-3 index folder (``<segment>.<part>.npy``, see
:mod:`.layout`: texts compressed per block, positions compact) and from
which it is memory-mapped back: the segment then costs page cache, not the
process's memory, and reads like a segment of a loaded index (same results
and scores). A save then hard-links the files into the index folder (a copy
across file systems) instead of encoding and writing them again
(:meth:`SpilledFiles.link_into`); so the compression of the stored texts
moves from the save into the build: into the worker processes that analyse
the texts (see :mod:`kzsearch.parallel`), or, for a build without workers,
into the writing of the spilled segment.

Where: ``Index(spill_dir=...)`` (a folder to make the temporary folder in),
else the environment variable ``KZSEARCH_SPILL_DIR``, else the system's
temporary folder; ``spill_dir=False`` or ``KZSEARCH_SPILL=0`` keeps every
segment in memory. Only segments of at least :data:`MIN_DOCS` documents are
spilled (small adds stay in memory).

A build that spills also writes a segment's compressed texts to the folder
as the worker processes hand them over, and a flush its stacked postings
and positions a range of terms at a time (:class:`TextSpool`,
:class:`ArrayFile`: appended files whose .npy header is written last);
:meth:`SpillDir.spill` takes such files over as they are.

Files are written without fsync (a save fsyncs what it links) and mapped
without reading their checksums (a checksum reads every page; the folder is
this process's own). A segment's files are unlinked when it is merged away
or its ``add`` fails, and the folder is removed when its index is collected
or the process exits (a mapped file keeps its data for whoever maps it).

>>> from kzsearch.engine.segment import build_segment
>>> from kzsearch.engine.docstore import TextBlock
>>> seg = build_segment(np.array([0, 1, 0], dtype=np.int32), np.array([2, 1]),
...                     texts=TextBlock.from_strings(["a b", "a"]), name="seg000001-00000000")
>>> spill = SpillDir()
>>> mapped = spill.spill(seg)
>>> mapped.docs.tolist(), mapped.texts[0], sorted(spill.records)
([0, 1, 0], 'a b', ['seg000001-00000000'])
>>> spill.close()
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import mmap
import os
import secrets
import shutil
import sys
import tempfile
import weakref
import zlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

import numpy as np

from .files import _CREATE, Folder, _header
from .layout import segment_arrays_and_columns, segment_from_arrays
from .segment import Segment
from .segment_parts import format2_entry
from .zipped_texts import JoinedTables, ZippedTexts, _narrowed

#: segments of fewer documents stay in memory
MIN_DOCS = 20_000
#: environment: the folder spill folders are made in; ``KZSEARCH_SPILL=0`` turns spilling off
ENV_DIR, ENV_SWITCH = "KZSEARCH_SPILL_DIR", "KZSEARCH_SPILL"


@dataclass
class SpilledFiles:
    """The files of one spilled segment: part name -> (file name in the spill folder, meta, dtype)."""

    folder: "SpillDir"
    files: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    format2: Dict[str, Any] = field(default_factory=dict)

    def link_into(self, target: Folder, disk: str, created: list) -> Dict[str, Dict[str, int]]:
        """Link (or copy) every file into ``target`` as ``<disk>.<part>.npy``, each fsync'ed;
        their metas by file name. Each name goes into ``created`` before it is made."""
        out = {}
        for part, entry in self.files.items():
            name = f"{disk}.{part}.npy"
            created.append(name)
            target.link_from(self.folder.folder, entry["file"], name)
            out[name] = entry["meta"]
        return out


def _load_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _load_trim() if sys.platform.startswith("linux") else None


def release_memory() -> None:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``; a no-op elsewhere).

    A build frees hundreds of MB of arrays after each segment, but glibc's
    malloc serves arrays under 32 MB from heaps it keeps once a larger one
    was freed, and the inverting thread has a heap of its own: without this,
    about 300 MB of freed memory stayed resident after a 300k-document build.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _mapping(array: Any) -> Optional[mmap.mmap]:
    """The ``mmap`` under ``array`` (through views and memoryviews), or None."""
    base = array
    for _ in range(8):
        if isinstance(base, mmap.mmap):
            return base
        base = base.obj if isinstance(base, memoryview) else getattr(base, "base", None)
        if base is None:
            return None
    return None


def drop_pages(array: Any) -> None:
    """Unmap the pages of a memory-mapped ``array`` that this process has touched (they stay in the
    page cache and fault back in on the next read): a sampled PSS counts touched file pages, and
    making a spilled segment reads its term frequencies and positions once. A no-op elsewhere."""
    mapping = _mapping(array)
    if mapping is not None and hasattr(mapping, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):
            mapping.madvise(mmap.MADV_DONTNEED)


def _remove(path: str, pid: int) -> None:
    if os.getpid() == pid:  # never from a forked worker
        shutil.rmtree(path, ignore_errors=True)


def default_dir(spill_dir: Union[None, bool, str, os.PathLike]) -> Optional[str]:
    """The folder to make spill folders in, or None when spilling is off (see the module docstring)."""
    if spill_dir is False:
        return None
    if spill_dir is None or spill_dir is True:
        if os.environ.get(ENV_SWITCH, "1").strip().lower() in ("0", "off", "false", "no"):
            return None
        return os.environ.get(ENV_DIR) or tempfile.gettempdir()
    return os.fspath(spill_dir)


class SpillDir:
    """A private temporary folder of spilled segments (see the module docstring)."""

    def __init__(self, parent: Optional[str] = None) -> None:
        self.path = tempfile.mkdtemp(prefix="kzsearch-spill-", dir=parent)
        self.folder = Folder(self.path)
        self.records: Dict[str, SpilledFiles] = {}
        self._finalizer = weakref.finalize(self, _remove, self.path, os.getpid())
        weakref.finalize(self, self.folder.close)

    def spill(self, seg: Segment, ready: Optional[Dict[str, Dict[str, Any]]] = None) -> Segment:
        """``seg`` written here in format 3 and mapped back (same content, name and live mask).

        ``ready``: parts already written in this folder (a :class:`TextSpool`'s
        ``texts.z``: part -> its ``file``, ``dtype`` and ``meta``); they are
        taken over as they are, and unlinked with the segment.
        """
        arrays, columns = segment_arrays_and_columns(seg)
        record = SpilledFiles(self, format2=format2_entry(arrays, columns))
        record.files.update(ready or {})
        try:
            for part in list(arrays):
                array = arrays.pop(part)  # each encoded array goes as soon as it is written
                if part in record.files:
                    continue
                name = f"{seg.name}.{part}.npy"
                record.files[part] = {"file": name, "dtype": array.dtype.str}
                record.files[part]["meta"] = self.folder.write_array(name, array, sync=False)
                del array
            mapped = {part: self.folder.read_array(entry["file"], entry["meta"], np.dtype(entry["dtype"]),
                                                   mmap=True, verify=False)
                      for part, entry in record.files.items()}
            out = segment_from_arrays(mapped, seg.live, seg.name, columns, seg.n_fields)
            for array in mapped.values():  # what making the segment read is this process's no more
                drop_pages(array)
        except BaseException:
            self._unlink(record)
            raise
        self.records[seg.name] = record
        return out

    def _unlink(self, record: SpilledFiles) -> None:
        for entry in record.files.values():
            with contextlib.suppress(OSError):
                self.folder.remove(entry["file"])

    def discard(self, name: str) -> None:
        """Unlink the files of segment ``name`` (merged away, or its add failed); mappings stay valid."""
        record = self.records.pop(name, None)
        if record is not None:
            self._unlink(record)

    def spool(self) -> "TextSpool":
        """A new :class:`TextSpool` in this folder."""
        return TextSpool(self)

    def close(self) -> None:
        """Remove the folder now (mapped segments keep their data)."""
        self.records.clear()
        self._finalizer()
        self.folder.close()


def _npy_header(dtype: Any, size: int) -> bytes:
    """The .npy header of ``size`` values of ``dtype`` (128 bytes for any size: written first, then over)."""
    shape = np.lib.stride_tricks.as_strided(np.zeros(1, dtype=dtype), shape=(size,), strides=(0,))
    return _header(shape)


class ArrayFile:
    """A 1-d array of ``dtype`` appended to a new file of a spill folder piece by piece, then
    memory-mapped back (:meth:`finish`) and taken over by :meth:`SpillDir.spill` as the part
    ``part`` of a segment (:meth:`entry`); :meth:`discard` unlinks it unless it was taken.

    >>> folder = SpillDir()
    >>> out = ArrayFile(folder, "docs", np.int32)
    >>> out.append(np.array([1, 2])); out.append(np.array([3]))
    >>> out.finish().tolist(), out.entry()["docs"]["meta"]["size"]
    ([1, 2, 3], 140)
    >>> out.discard(); folder.close()
    """

    def __init__(self, folder: "SpillDir", part: str, dtype: Any) -> None:
        self.folder, self.part, self.dtype = folder, part, np.dtype(dtype)
        self.file = f"spool-{secrets.token_hex(8)}.{part}.npy"
        self.meta: Optional[Dict[str, int]] = None
        self.taken = False  # the file belongs to a spilled segment now
        self.size = 0
        # created as a save creates its files (they may be linked into an index folder)
        self._fd: Optional[int] = os.open(self.file, _CREATE | getattr(os, "O_CLOEXEC", 0), 0o644,
                                          dir_fd=folder.folder.fd)
        self._write(_npy_header(self.dtype, 0))

    def _write(self, data: Any) -> None:
        view = memoryview(data).cast("B")
        while len(view):
            assert self._fd is not None
            view = view[os.write(self._fd, view):]

    def append(self, values: np.ndarray) -> None:
        """Add ``values`` (cast to the file's dtype) after those appended before."""
        values = np.ascontiguousarray(values, dtype=self.dtype)
        if len(values):
            self._write(values)
        self.size += len(values)

    def finish(self) -> np.ndarray:
        """Close the file and map the array back."""
        assert self._fd is not None
        header = _npy_header(self.dtype, self.size)
        os.pwrite(self._fd, header, 0)
        os.close(self._fd)
        self._fd = None
        crc = 0
        with open(os.path.join(self.folder.path, self.file), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                crc = zlib.crc32(chunk, crc)
        self.meta = {"size": len(header) + self.size * self.dtype.itemsize, "crc32": crc & 0xFFFFFFFF}
        return self.folder.folder.read_array(self.file, self.meta, self.dtype, mmap=True, verify=False)

    def entry(self) -> Dict[str, Any]:
        """The finished file, as :meth:`SpillDir.spill` takes it (``ready``)."""
        assert self.meta is not None
        return {self.part: {"file": self.file, "dtype": self.dtype.str, "meta": self.meta}}

    def discard(self) -> None:
        """Close and unlink the file, unless a spilled segment took it over."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if not self.taken:
            with contextlib.suppress(OSError):
                self.folder.folder.remove(self.file)


class TextSpool:
    """The compressed hit texts of a segment still being buffered, appended to a file of a
    spill folder as their batches come (:mod:`kzsearch.ingest`), so that the build holds
    their block tables, not their bytes, and a flush does not copy them into one array.

    :meth:`finish` gives them back as a :class:`ZippedTexts` whose ``z`` is the file,
    memory-mapped, and :meth:`entry` the file for :meth:`SpillDir.spill` to take over.

    >>> from kzsearch.engine.docstore import TextBlock
    >>> from kzsearch.engine.text_zipping import compress_texts
    >>> folder = SpillDir()
    >>> spool = folder.spool()
    >>> spool.append(ZippedTexts.from_parts(compress_texts(TextBlock.from_strings(["a b", "c"]))))
    >>> spool.append(ZippedTexts.from_parts(compress_texts(TextBlock.from_strings(["d"]))))
    >>> texts = spool.finish()
    >>> [texts[i] for i in range(3)], spool.entry()["texts.z"]["meta"]["size"] > 128
    (['a b', 'c', 'd'], True)
    >>> spool.discard(); folder.close()
    """

    def __init__(self, folder: SpillDir) -> None:
        self.folder = folder
        self.z = ArrayFile(folder, "texts.z", np.uint8)
        self.arrays: List[ArrayFile] = []  # the segment's other parts written here (see array)
        self.tables = JoinedTables()  # the appended texts' block tables

    @property
    def taken(self) -> bool:
        return self.z.taken

    @taken.setter
    def taken(self, value: bool) -> None:
        for out in [self.z] + self.arrays:
            out.taken = value

    def array(self, part: str, dtype: Any) -> ArrayFile:
        """A new file for part ``part`` of the same segment (taken over and discarded with the texts)."""
        self.arrays.append(ArrayFile(self.folder, part, dtype))
        return self.arrays[-1]

    def append(self, texts: ZippedTexts) -> None:
        """Add ``texts`` after those appended before."""
        self.z.append(texts.z)
        self.tables.add(texts)

    def finish(self) -> ZippedTexts:
        """Close the file and map the texts back."""
        z = self.z.finish()
        parts, self.tables = self.tables.parts(), JoinedTables()
        return ZippedTexts.from_parts(_narrowed({"texts.z": z, **parts}))

    def entry(self) -> Dict[str, Any]:
        """The finished files, as :meth:`SpillDir.spill` takes them (``ready``)."""
        out = self.z.entry()
        for array in self.arrays:
            out.update(array.entry())
        return out

    def discard(self) -> None:
        """Close and unlink the files, unless a spilled segment took them over."""
        for out in [self.z] + self.arrays:
            out.discard()
