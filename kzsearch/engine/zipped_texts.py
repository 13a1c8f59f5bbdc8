"""Stored texts compressed per block with zlib (format 3), read one block at a time.

The texts of a segment are cut, at document boundaries, into blocks of
about :data:`.text_zipping.BLOCK_BYTES` bytes (written by :mod:`.text_zipping`) of UTF-8, each deflated so that it decodes
on its own (raw deflate, no header: the file has a CRC), on all cores::

    texts.z        uint8      the blocks' deflate data back to back
    texts.zblocks  uint32[B+1] where each block's data starts in texts.z (int64 past 4 GB)
    texts.zdocs    uint32[B+1] the first document of each block (the last entry: n)
    texts.offsets  uint32[n+1] where each text starts in the uncompressed whole (int64 past 4 GB)

optionally, the codec of each block (part ``texts.zcodec``, uint8[B]: 0 UTF-8,
1 the one-byte Kazakh code page of :mod:`.codepage`, which halves the bytes
deflate reads; without the part, every block is UTF-8; the offsets count
UTF-8 bytes either way: a code page block is decoded as far as a text needs
and kept as UTF-8), and, optionally, preset dictionaries (zlib's ``zdict``: text the blocks may
refer back to as if it came just before each of them; parts ``texts.zdict``,
``texts.zdictpos``, ``texts.zdictblk``, see :mod:`.text_dictionaries`).
A dictionary is a sample of the collection's first texts
(:func:`~.text_dictionaries.train_dictionary`):
a build's worker processes share the one their pool made from its first
batch, so a build's segments usually hold one; concatenating segments
(merges) concatenates their tables, so no block is compressed twice. An
empty dictionary (a block run of a folder written without them, e.g. by
format 3's first code: level 4) means none. With a dictionary the short
words and endings every block repeats need not be spelt out in each
block, so 1 KB blocks of UTF-8 (about one document of KazNERD sentences) at zlib's
fastest level shrank Kazakh text 2.4-fold, where without one they shrank
2.1-fold at level 4, for two thirds of the CPU. Deflate's cost is mostly a
fixed cost per block (its Huffman tables, about 7 µs) plus one per byte read;
the code page halves the bytes, and 2 KB blocks of UTF-8 (about 1.1 KB of
the code page) halve the blocks. In the code page, where a letter is a byte,
entropy coding alone (:data:`.text_zipping.HUFFMAN`, zlib's ``Z_HUFFMAN_ONLY``: no search
for repeats, so no dictionary) still shrinks KazNERD documents 2.8-fold, more
than a dictionary did for UTF-8, at half its CPU (``benchmarks/bench_texts.py``;
with a dictionary and level 1: 3.7-fold at two thirds of it); a hit's text
costs about 20% more to read. Texts mostly outside the code page keep
level 1 and a dictionary.

Reading text i decompresses its block only as far as the text ends, and
keeps the last few blocks decoded (a hit's text is read twice: ``Hit.text``
and ``Hit.fields``). A block that is damaged, or decodes to another length
than the offsets say, raises :class:`kzsearch.IndexFormatError` when it is
read, like text that is not UTF-8.

>>> from kzsearch.engine.text_zipping import compress_texts
>>> block = TextBlock.from_strings(["мектеп", "", "AMANAT"] * 2000)
>>> parts = compress_texts(block, zdict=b"AMANAT")
>>> texts = ZippedTexts.from_parts(parts)
>>> texts[0], texts[2], texts[5999], len(texts), len(parts["texts.zdocs"]) > 2
('мектеп', 'AMANAT', 'AMANAT', 6000, True)
>>> list(texts.take(np.array([2, 0])))
['AMANAT', 'мектеп']
>>> parts["texts.zdictblk"].tolist() == [0, len(parts["texts.zdocs"]) - 1]
True
"""
from __future__ import annotations

import bisect
import zlib
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import IndexFormatError
from . import codepage
from .docstore import TextBlock, _decode, gather_strings
from .text_dictionaries import DICT_PARTS, NO_DICT, check_dictionaries, dictionary_table

#: decoded blocks kept per segment
_CACHED = 8
#: deflate's window: 32 KB, raw streams (no zlib header or checksum: the file has a CRC)
_WBITS = 15
#: the parts of format 3's compressed texts
TEXT_PARTS = ("texts.z", "texts.zblocks", "texts.zdocs")


def _damaged() -> IndexFormatError:
    return IndexFormatError("a stored text block is damaged (the index files are damaged)")


class ZippedTexts(TextBlock):
    """n stored texts compressed per block (see the module docstring); a TextBlock."""

    __slots__ = ("z", "zblocks", "zdocs", "zdict", "zdictpos", "zdictblk", "zcodec", "_cache", "_block_of",
                 "_dicts")

    def __init__(self, z: np.ndarray, zblocks: np.ndarray, zdocs: np.ndarray, offsets: np.ndarray,
                 zdict: Optional[np.ndarray] = None, zdictpos: Optional[np.ndarray] = None,
                 zdictblk: Optional[np.ndarray] = None, zcodec: Optional[np.ndarray] = None) -> None:
        self.strings = None
        self.blob = None
        self.offsets = offsets
        self.z, self.zblocks, self.zdocs = z, zblocks, zdocs
        self.zdict, self.zdictpos, self.zdictblk = zdict, zdictpos, zdictblk
        self.zcodec = zcodec  # uint8[B] or None: every block UTF-8
        self._cache: Dict[int, bytes] = {}
        self._block_of: Optional[np.ndarray] = None  # the block of each text (int32[n]), on first read
        # (each dictionary as bytes, the first block of each but the first), on first read
        self._dicts: Optional[Tuple[List[bytes], List[int]]] = None

    @classmethod
    def from_parts(cls, parts: Dict[str, np.ndarray]) -> "ZippedTexts":
        return cls(parts["texts.z"], parts["texts.zblocks"], parts["texts.zdocs"], parts["texts.offsets"],
                   *(parts.get(k) for k in DICT_PARTS), parts.get("texts.zcodec"))

    def parts(self) -> Dict[str, np.ndarray]:
        out = {"texts.z": self.z, "texts.zblocks": self.zblocks, "texts.zdocs": self.zdocs,
               "texts.offsets": self.offsets}
        if self.zdictblk is not None:
            out.update({"texts.zdict": self.zdict, "texts.zdictpos": self.zdictpos,
                        "texts.zdictblk": self.zdictblk})
        if self.zcodec is not None:
            out["texts.zcodec"] = self.zcodec
        return out

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def dictionary_runs(self) -> List[Tuple[np.ndarray, int]]:
        """(dictionary, the number of blocks it serves) in block order (an empty one: none)."""
        n_blocks = len(self.zblocks) - 1
        if self.zdictblk is None:
            return [(NO_DICT, n_blocks)] if n_blocks else []
        pos, first = np.asarray(self.zdictpos).tolist(), np.asarray(self.zdictblk).tolist()
        return [(self.zdict[pos[d]:pos[d + 1]], first[d + 1] - first[d]) for d in range(len(first) - 1)]

    @classmethod
    def concat(cls, blocks: Sequence["ZippedTexts"]) -> "ZippedTexts":  # type: ignore[override]
        """The texts of ``blocks`` one after the other, their compressed blocks reused as they are."""
        tables = JoinedTables()
        for block in blocks:
            tables.add(block)
        z = np.concatenate([np.asarray(b.z) for b in blocks]) if blocks else np.zeros(0, dtype=np.uint8)
        return cls.from_parts(_narrowed({"texts.z": z, **tables.parts()}))

    def _dictionary(self, b: int) -> bytes:
        """The preset dictionary of block ``b`` (b"": none)."""
        if self.zdictblk is None:
            return b""
        dicts = self._dicts
        if dicts is None:
            pos = np.asarray(self.zdictpos).tolist()
            dicts = self._dicts = ([np.asarray(self.zdict[a:e]).tobytes() for a, e in zip(pos, pos[1:])],
                                   np.asarray(self.zdictblk[1:-1]).tolist())
        if not dicts[1]:  # one dictionary (a build's segment): no search
            return dicts[0][0]
        return dicts[0][bisect.bisect_right(dicts[1], b)]

    def _block(self, b: int, upto: Optional[int] = None) -> bytes:
        """Block ``b`` decoded at least up to byte ``upto`` of it (all of it when None)."""
        cached = self._cache.get(b)
        if upto is None:
            upto = int(self.offsets[self.zdocs[b + 1]]) - int(self.offsets[self.zdocs[b]])
        if cached is not None and len(cached) >= upto:
            return cached
        if not upto:
            return b""
        return self._inflate(b, upto)

    def _inflate(self, b: int, upto: int) -> bytes:
        """Block ``b`` decoded (as UTF-8) up to byte ``upto`` of it (a code page block: at
        least that far), and kept in the cache."""
        lo, hi = self.zblocks[b:b + 2].tolist()
        zdict = self._dictionary(b)
        recode = self.zcodec is not None and int(self.zcodec[b]) == codepage.KZ
        try:
            inflate = zlib.decompressobj(-_WBITS, zdict) if zdict else zlib.decompressobj(-_WBITS)
            raw = _recoded_prefix(inflate, self.z[lo:hi], upto) if recode else \
                inflate.decompress(self.z[lo:hi], upto)
        except (zlib.error, ValueError):  # UnicodeDecodeError is a ValueError
            raise _damaged() from None
        if recode:  # a prefix of at least upto bytes, or the whole block
            full = int(self.offsets[self.zdocs[b + 1]]) - int(self.offsets[self.zdocs[b]])
            if len(raw) > full or len(raw) < upto or (inflate.eof and len(raw) != full):
                raise _damaged()
        elif len(raw) != upto:
            raise _damaged()
        cache = self._cache  # no lock: a race costs at most a block decoded twice or kept a while
        if len(cache) >= _CACHED:
            try:
                del cache[next(iter(cache))]
            except (StopIteration, KeyError, RuntimeError):
                pass
        cache[b] = raw
        return raw

    def __getitem__(self, i: int) -> str:
        offsets = self.offsets
        n = len(offsets) - 1
        if type(i) is not int:
            i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("text index out of range")
        block_of = self._block_of
        if block_of is None:  # made on first read: a lookup instead of a binary search per text
            block_of = self._block_of = np.repeat(np.arange(len(self.zdocs) - 1, dtype=np.int32),
                                                  np.diff(np.asarray(self.zdocs, dtype=np.int64)))
        b = int(block_of[i])
        base = int(offsets[self.zdocs[b]])
        lo, hi = offsets[i:i + 2].tolist()
        hi -= base
        return _decode(self._block(b, hi)[lo - base:hi])

    def __iter__(self) -> Iterator[str]:
        for b in range(len(self.zdocs) - 1):
            raw = self._block(b)
            first, last = int(self.zdocs[b]), int(self.zdocs[b + 1])
            bounds = (np.asarray(self.offsets[first:last + 1]) - int(self.offsets[first])).tolist()
            for lo, hi in zip(bounds, bounds[1:]):
                yield _decode(raw[lo:hi])

    def _blob_of_blocks(self, blocks: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(the decoded ``blocks`` back to back, where each starts in it)."""
        raw = [self._block(int(b)) for b in blocks]
        starts = np.zeros(len(raw) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in raw], out=starts[1:])
        return np.frombuffer(b"".join(raw), dtype=np.uint8), starts

    def to_arrays(self) -> Tuple[np.ndarray, np.ndarray]:
        """(blob, offsets) uncompressed (all blocks decoded)."""
        blob, _ = self._blob_of_blocks(np.arange(len(self.zdocs) - 1))
        if len(blob) != int(self.offsets[-1]) - int(self.offsets[0]):
            raise _damaged()
        return blob, np.asarray(self.offsets, dtype=np.int64) - int(self.offsets[0])

    def take(self, indices: np.ndarray) -> TextBlock:
        """The texts at ``indices``, in that order, as an uncompressed block (their blocks decoded once)."""
        indices = np.asarray(indices, dtype=np.int64)
        block_of = np.searchsorted(self.zdocs, indices, side="right") - 1
        needed, which = np.unique(block_of, return_inverse=True)
        blob, block_start = self._blob_of_blocks(needed)
        offsets = np.asarray(self.offsets, dtype=np.int64)
        starts = block_start[which] + offsets[indices] - offsets[self.zdocs[block_of]]
        return gather_strings(blob, starts, offsets[indices + 1] - offsets[indices])


def _recoded_prefix(inflate: Any, data: Any, upto: int) -> bytes:
    """The UTF-8 of a code page block from its start to ``upto`` bytes or a little past (or its
    end): Kazakh text takes about 1.85 UTF-8 bytes a character, and a code page byte is one."""
    out = codepage.to_utf8(inflate.decompress(data, max(1, upto * 10 // 17)))
    while len(out) < upto and not inflate.eof:
        more = inflate.decompress(inflate.unconsumed_tail, upto - len(out))
        if not more:
            break
        out += codepage.to_utf8(more)
    return out


class JoinedTables:
    """The block tables (and dictionary runs) of texts joined one after another, their
    compressed blocks reused as they are: what :meth:`ZippedTexts.concat` returns, and what
    :class:`.spill.TextSpool` keeps while its blocks go to a file.

    >>> from kzsearch.engine.text_zipping import compress_texts
    >>> a = ZippedTexts.from_parts(compress_texts(TextBlock.from_strings(["a b", "c"])))
    >>> tables = JoinedTables(); tables.add(a); tables.add(a)
    >>> tables.parts()["texts.offsets"].tolist(), tables.n_docs
    ([0, 3, 4, 7, 8], 4)
    """

    def __init__(self) -> None:
        self.n_z = self.n_docs = self.n_bytes = 0  # compressed bytes, texts and text bytes so far
        self._zblocks: List[np.ndarray] = []
        self._zdocs: List[np.ndarray] = []
        self._offsets: List[np.ndarray] = []
        self._runs: List[Tuple[np.ndarray, int]] = []  # (dictionary, blocks it serves)
        self._codecs: List[np.ndarray] = []  # each block's codec (see ZippedTexts.zcodec)

    def add(self, texts: ZippedTexts) -> None:
        """Join the tables of ``texts``, whose blocks follow those added before."""
        self._zblocks.append(np.asarray(texts.zblocks[:-1], dtype=np.int64) + self.n_z)
        if len(texts):
            self._zdocs.append(np.asarray(texts.zdocs[:-1], dtype=np.int64) + self.n_docs)
        self._offsets.append(np.asarray(texts.offsets[:-1], dtype=np.int64) + self.n_bytes)
        self._runs.extend(texts.dictionary_runs())
        n_blocks = len(texts.zblocks) - 1
        self._codecs.append(np.asarray(texts.zcodec, dtype=np.uint8) if texts.zcodec is not None
                            else np.zeros(n_blocks, dtype=np.uint8))
        self.n_z += len(texts.z)
        self.n_docs += len(texts)
        self.n_bytes += int(texts.offsets[-1])

    def parts(self) -> Dict[str, np.ndarray]:
        """Every part of the joined texts but ``texts.z`` (int64; see :func:`_narrowed`)."""
        def ended(pieces: List[np.ndarray], end: int) -> np.ndarray:
            return np.concatenate(pieces + [np.array([end], dtype=np.int64)])
        parts = {"texts.zblocks": ended(self._zblocks, self.n_z), "texts.zdocs": ended(self._zdocs, self.n_docs),
                 "texts.offsets": ended(self._offsets, self.n_bytes)}
        parts.update(dictionary_table(self._runs))
        codecs = np.concatenate(self._codecs) if self._codecs else np.zeros(0, dtype=np.uint8)
        if codecs.any():
            parts["texts.zcodec"] = codecs
        return parts


def _narrowed(parts: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Offsets as uint32 where they fit (half the space), else int64."""
    for key in ("texts.zblocks", "texts.zdocs", "texts.offsets", "texts.zdictpos", "texts.zdictblk"):
        values = parts.get(key)
        if values is not None:
            parts[key] = values.astype(np.uint32 if int(values[-1]) < 2 ** 32 else np.int64, copy=False)
    return parts


def check_zipped(parts: Dict[str, np.ndarray], n_docs: int) -> Optional[str]:
    """What is structurally wrong with compressed text parts of ``n_docs`` texts, or None."""
    z, zblocks, zdocs, offsets = (parts.get(k) for k in ("texts.z", "texts.zblocks", "texts.zdocs",
                                                         "texts.offsets"))
    if z is None or zblocks is None or zdocs is None or offsets is None:
        return "compressed texts miss a part"
    if len(offsets) != n_docs + 1 or int(offsets[0]) != 0 or bool(np.any(offsets[1:] < offsets[:-1])):
        return "stored texts do not match their offsets"
    if len(zblocks) != len(zdocs) or int(zblocks[0]) != 0 or int(zblocks[-1]) != len(z) \
            or bool(np.any(zblocks[1:] < zblocks[:-1])):
        return "compressed text blocks do not match their stream"
    if int(zdocs[0]) != 0 or int(zdocs[-1]) != n_docs or (n_docs and len(zdocs) < 2) \
            or bool(np.any(zdocs[1:] <= zdocs[:-1])):
        return "compressed text blocks do not match the documents"
    problem = check_dictionaries(parts)
    if problem:
        return problem
    zcodec = parts.get("texts.zcodec")
    if zcodec is not None and (len(zcodec) != len(zblocks) - 1 or zcodec.dtype != np.uint8
                               or (len(zcodec) and int(zcodec.max()) > codepage.LAST_CODEC)):
        return "compressed text blocks do not match their codecs"
    if n_docs:  # the last block must decode to what the offsets say (the others are checked when read)
        expected = int(offsets[-1]) - int(offsets[zdocs[-2]])
        zdict = ZippedTexts.from_parts(parts)._dictionary(len(zblocks) - 2)
        try:
            inflate = zlib.decompressobj(-_WBITS, zdict) if zdict else zlib.decompressobj(-_WBITS)
            raw = inflate.decompress(np.asarray(z[int(zblocks[-2]):]).tobytes(), expected + 1)
            if zcodec is not None and int(zcodec[-1]) == codepage.KZ:
                raw = codepage.to_utf8(raw)
        except (zlib.error, ValueError, OverflowError):
            return "compressed texts are damaged"
        if len(raw) != expected:
            return "stored texts do not match their offsets"
    return None
