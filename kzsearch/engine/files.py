"""Files of an index folder, read and written without trusting the folder.

Everything here works relative to an open folder descriptor, on names that
hold no ``/``, so nothing outside the folder is read or written:

* reading opens with ``O_NOFOLLOW | O_NONBLOCK`` and requires a regular file
  (a planted symlink, FIFO or device is refused, never followed or waited
  on); a ``.npy`` header is parsed by hand, bounded, and must describe exactly
  the bytes the file holds, so a forged header cannot make us allocate;
* writing creates with ``O_CREAT | O_EXCL | O_NOFOLLOW``: a save never writes
  into an existing file, so a file some commit (or some reader's memory map)
  refers to is never touched, and a planted symlink is never followed.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d, Folder(d) as folder:
...     meta = folder.write_array("a.npy", np.arange(3, dtype=np.int32))
...     folder.read_array("a.npy", meta, np.int32, mmap=False).tolist()
[0, 1, 2]
"""
from __future__ import annotations

import ast
import errno
import mmap as mmap_module
import os
import stat
import zlib
from typing import Any, Dict, Optional

import numpy as np

_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_CREATE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
           | getattr(os, "O_CLOEXEC", 0))
_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 4096  # what numpy writes for a 1-d array is under 128 bytes
_CHUNK = 1 << 24
#: why a hard link could not be made, where a copy does instead
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES}


class UnsafeFile(ValueError):
    """A file of the folder that must not be used as it is (the message says why)."""


def crc32_of(data: Any) -> int:
    """CRC-32 of a buffer (zlib handles buffers above 4 GB in pieces)."""
    return zlib.crc32(data) & 0xFFFFFFFF


class Folder:
    """An open index folder: safe reads and exclusive creates by plain file name."""

    def __init__(self, path: Any) -> None:
        flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
        self.path = os.fspath(path)
        self.fd = os.open(self.path, flags)

    def __enter__(self) -> "Folder":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    # ------------------------------------------------------------ names
    def names(self) -> list:
        return os.listdir(self.fd)

    def exists(self, name: str) -> bool:
        try:
            os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return True

    def remove(self, name: str) -> None:
        """Unlink ``name`` (a mapped file keeps its data for whoever maps it)."""
        os.unlink(name, dir_fd=self.fd)

    def fsync(self) -> None:
        if os.name == "posix":
            os.fsync(self.fd)

    # ------------------------------------------------------------ reading
    def open_regular(self, name: str, max_size: Optional[int] = None) -> int:
        """A read descriptor of the regular file ``name`` (UnsafeFile for anything else)."""
        try:
            fd = os.open(name, _READ, dir_fd=self.fd)
        except FileNotFoundError:
            raise
        except OSError as e:
            raise UnsafeFile(f"{name} cannot be opened as a plain file ({e.strerror})") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise UnsafeFile(f"{name} is not a regular file")
            if max_size is not None and info.st_size > max_size:
                raise UnsafeFile(f"{name} is larger than {max_size} bytes")
        except BaseException:
            os.close(fd)
            raise
        return fd

    def read_bytes(self, name: str, max_size: int) -> bytes:
        fd = self.open_regular(name, max_size)
        try:
            size = os.fstat(fd).st_size
            data = _read_exactly(fd, size)
        finally:
            os.close(fd)
        return data

    def read_array(self, name: str, meta: Dict[str, int], dtype: Any, mmap: bool, ndim: int = 1,
                   verify: bool = True) -> np.ndarray:
        """The ``ndim``-d array in ``name``, checked against ``meta`` (its size and CRC-32) and ``dtype``.

        ``verify=False`` skips the CRC-32 (which reads every page): only for a
        file this process wrote itself into a private folder (:mod:`.spill`).
        Raises FileNotFoundError or UnsafeFile (the message names what is wrong).
        """
        fd = self.open_regular(name)
        try:
            size = os.fstat(fd).st_size
            if size != meta["size"]:
                raise UnsafeFile(f"{name} has {size} bytes, expected {meta['size']} (truncated or altered)")
            if size == 0:
                raise UnsafeFile(f"{name} is empty")
            if mmap:
                buffer: Any = mmap_module.mmap(fd, 0, access=mmap_module.ACCESS_READ)
            else:
                buffer = bytearray(size)
                _read_into(fd, buffer)
        finally:
            os.close(fd)
        if verify and crc32_of(buffer) != meta["crc32"]:
            raise UnsafeFile(f"{name} is damaged (checksum mismatch)")
        offset, shape = _parse_header(name, memoryview(buffer)[:_MAX_HEADER + 12], size, np.dtype(dtype), ndim)
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0:
            return np.zeros(shape, dtype=dtype)
        return np.frombuffer(buffer, dtype=np.dtype(dtype), count=count, offset=offset).reshape(shape)

    # ------------------------------------------------------------ writing
    def write_array(self, name: str, array: np.ndarray, sync: bool = True) -> Dict[str, int]:
        """Create ``name`` (it must not exist) holding ``array`` as .npy; fsync (unless not
        ``sync``); its size and CRC."""
        array = np.ascontiguousarray(array)
        header = _header(array)
        data = memoryview(array).cast("B") if array.size else b""
        crc = zlib.crc32(data, zlib.crc32(header)) & 0xFFFFFFFF
        self.write_bytes(name, (header, data), sync)
        return {"size": len(header) + len(data), "crc32": crc}

    def write_bytes(self, name: str, pieces: Any, sync: bool = True) -> None:
        """Create ``name`` exclusively from the byte strings ``pieces`` and fsync it (if ``sync``)."""
        fd = os.open(name, _CREATE, 0o644, dir_fd=self.fd)
        try:
            with os.fdopen(fd, "wb", closefd=False) as f:
                for piece in pieces:
                    f.write(piece)
                f.flush()
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def link_from(self, source: "Folder", name: str, target: str) -> None:
        """Create ``target`` (it must not exist) as a hard link to the regular file ``name`` of
        ``source`` — a copy where no link can be made (another file system) — and fsync it."""
        try:
            os.link(name, target, src_dir_fd=source.fd, dst_dir_fd=self.fd, follow_symlinks=False)
        except OSError as e:
            if e.errno not in _NO_LINK:
                raise
            fd = source.open_regular(name)
            try:
                self.write_bytes(target, iter(lambda: os.read(fd, _CHUNK), b""))
            finally:
                os.close(fd)
            return
        fd = os.open(target, _READ, dir_fd=self.fd)
        try:
            if os.name == "posix":
                os.fsync(fd)
        finally:
            os.close(fd)

    def rename(self, source: str, target: str) -> None:
        """Atomically give ``source`` the name ``target`` (replacing the entry, never following it)."""
        os.replace(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd)


def _read_exactly(fd: int, size: int) -> bytes:
    buffer = bytearray(size)
    _read_into(fd, buffer)
    return bytes(buffer)


def _read_into(fd: int, buffer: bytearray) -> None:
    view = memoryview(buffer)
    done = 0
    while done < len(buffer):
        n = os.readv(fd, [view[done:done + _CHUNK]])
        if n == 0:
            raise UnsafeFile("file shrank while being read")
        done += n


def _header(array: np.ndarray) -> bytes:
    """The .npy (version 1.0) header numpy itself would write for a C-ordered array."""
    d = {"descr": np.lib.format.dtype_to_descr(array.dtype), "fortran_order": False,
         "shape": array.shape}
    text = repr(d)
    # pad so that header + data starts on a 64-byte boundary, ending in a newline
    total = len(_MAGIC) + 2 + 2 + len(text) + 1
    text += " " * ((64 - total % 64) % 64) + "\n"
    return _MAGIC + b"\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def _parse_header(name: str, head: memoryview, size: int, dtype: np.dtype, ndim: int) -> tuple:
    """(data offset, shape) of a .npy file of ``size`` bytes holding a C-ordered ``ndim``-d array."""
    raw = bytes(head)
    if raw[:6] != _MAGIC or len(raw) < 10:
        raise UnsafeFile(f"{name} is not a .npy array file")
    major = raw[6]
    if major == 1:
        length, start = int.from_bytes(raw[8:10], "little"), 10
    elif major in (2, 3):
        length, start = int.from_bytes(raw[8:12], "little"), 12
    else:
        raise UnsafeFile(f"{name} has an unknown .npy version {major}")
    if length > _MAX_HEADER or start + length > min(size, len(raw)):
        raise UnsafeFile(f"{name} has a malformed .npy header")
    try:
        text = raw[start:start + length].decode("utf-8" if major == 3 else "latin1")
        d = ast.literal_eval(text)
    except (UnicodeDecodeError, ValueError, SyntaxError, MemoryError, RecursionError):
        raise UnsafeFile(f"{name} has a malformed .npy header") from None
    if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
        raise UnsafeFile(f"{name} has a malformed .npy header")
    shape = d["shape"]
    if not (isinstance(shape, tuple) and len(shape) == ndim and all(type(n) is int and n >= 0 for n in shape)):
        raise UnsafeFile(f"{name} must hold a {ndim}-d array, its header says shape {shape!r}")
    if d["descr"] != np.lib.format.dtype_to_descr(dtype) or d["fortran_order"] is not False and ndim > 1:
        raise UnsafeFile(f"{name} holds {d['descr']!r}, expected {dtype.str!r} in C order")
    offset = start + length
    count = 1
    for n in shape:  # Python ints: a forged shape cannot overflow
        count *= n
    if offset + count * dtype.itemsize != size:
        raise UnsafeFile(f"{name}: its header does not match its size")
    return offset, shape
