"""A one-byte code page for stored Kazakh texts: a block codec applied before deflate.

UTF-8 spends two bytes on every Cyrillic letter; KZ-1048 (the Kazakh
Windows code page, STRK1048-2002) spends one on each letter of the Kazakh
and Russian alphabets, on ASCII and on the punctuation Kazakh text uses
(«» – — № …). A block of stored texts (:mod:`.zipped_texts`) that holds
only such characters is stored in this code page: deflate then reads half
the bytes, so it spends about a third less CPU, and a 32 KB preset
dictionary holds twice the text (KazNERD documents: 2.47 → 3.69 times
smaller than their UTF-8, ``benchmarks/bench_texts.py``). A block with any
other character (Chinese, emoji, a lone surrogate, U+FFFE) stays UTF-8:
the codec is chosen per block (:data:`UTF8`, :data:`KZ`, the part
``texts.zcodec``), so every text round-trips exactly.

The table is written out here (not taken from Python's ``kz1048`` codec),
so that the format does not depend on the interpreter; byte 0x98 is
undefined, and a block holding it is damaged.

>>> len(encode("Қазақ тілі «KZ»")), len("Қазақ тілі «KZ»".encode("utf-8"))
(15, 26)
>>> decode(encode("Қазақ тілі «KZ»"))
'Қазақ тілі «KZ»'
>>> encode("漢字") is None
True
"""
from __future__ import annotations

import codecs
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

#: block codecs (``texts.zcodec``): UTF-8, or this module's code page
UTF8, KZ = 0, 1
#: the highest codec number a reader knows
LAST_CODEC = KZ

#: bytes 0x80-0xFF of KZ-1048 ('\ufffe': undefined)
_HIGH = ("\u0402\u0403\u201a\u0453\u201e\u2026\u2020\u2021\u20ac\u2030\u0409\u2039\u040a\u049a\u04ba\u040f"
         "\u0452\u2018\u2019\u201c\u201d\u2022\u2013\u2014\ufffe\u2122\u0459\u203a\u045a\u049b\u04bb\u045f"
         "\u00a0\u04b0\u04b1\u04d8\u00a4\u04e8\u00a6\u00a7\u0401\u00a9\u0492\u00ab\u00ac\u00ad\u00ae\u04ae"
         "\u00b0\u00b1\u0406\u0456\u04e9\u00b5\u00b6\u00b7\u0451\u2116\u0493\u00bb\u04d9\u04a2\u04a3\u04af"
         + "".join(map(chr, range(0x410, 0x450))))
#: byte -> character (str of 256)
DECODING_TABLE = "".join(map(chr, range(128))) + _HIGH
_ENCODING_MAP = codecs.charmap_build(DECODING_TABLE)  # leaves out '\ufffe'
#: the byte of a character not in the code page (undefined in it)
_NOT_HERE = 0x98
#: UTF-16 code unit -> its byte (0x98: not in the code page; a surrogate never is)
_BYTE_OF = np.full(1 << 16, _NOT_HERE, dtype=np.uint8)
_BYTE_OF[[ord(ch) for ch in DECODING_TABLE if ch != "\ufffe"]] = \
    [byte for byte, ch in enumerate(DECODING_TABLE) if ch != "\ufffe"]
#: byte -> its character's UTF-8 length - 1
_EXTRA_UTF8 = np.array([len(ch.encode("utf-8")) - 1 for ch in DECODING_TABLE], dtype=np.uint8)


def encode(text: str) -> Optional[bytes]:
    """``text`` in the code page, or None when a character is not in it."""
    try:
        return codecs.charmap_encode(text, "strict", _ENCODING_MAP)[0]
    except UnicodeEncodeError:
        return None


def encode_lossy(text: str) -> bytes:
    """``text`` in the code page, '?' for a character not in it (for a dictionary's sample)."""
    return codecs.charmap_encode(text, "replace", _ENCODING_MAP)[0]


def decode(raw: bytes) -> str:
    """Code page bytes back to text (UnicodeDecodeError on byte 0x98)."""
    return codecs.charmap_decode(raw, "strict", DECODING_TABLE)[0]


def to_utf8(raw: bytes) -> bytes:
    """Code page bytes as UTF-8 (UnicodeDecodeError on byte 0x98)."""
    return decode(raw).encode("utf-8")


def encode_texts(strings: Sequence[str]) -> Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``strings`` joined, in the code page, at a few NumPy passes over their UTF-16:
    (code page bytes, int64[n+1] where each string starts in them, int64[n+1] where each
    starts in their UTF-8), or None when they hold a character beyond U+FFFF. A character
    not in the code page becomes byte 0x98 (:func:`bad_bytes`), and the UTF-8 lengths of
    the strings holding one are measured by encoding them.

    >>> kz, chars, utf8 = encode_texts(["ас", "", "漢ү"])
    >>> kz.tobytes(), chars.tolist(), utf8.tolist()
    (b'\\xe0\\xf1\\x98\\xbf', [0, 2, 2, 4], [0, 4, 4, 9])
    """
    joined = "".join(strings)
    units = np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    if len(units) != len(joined):
        return None
    kz = np.take(_BYTE_OF, units)
    chars = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)), out=chars[1:])
    extra = np.zeros(len(kz) + 1, dtype=np.uint32 if len(kz) < 1 << 31 else np.int64)
    np.cumsum(np.take(_EXTRA_UTF8, kz), out=extra[1:])
    utf8 = chars + extra[chars]
    bad = bad_bytes(kz, chars)
    if len(bad):  # those strings' UTF-8 is measured, not derived
        lengths = np.diff(utf8)
        lengths[bad] = [len(strings[i].encode("utf-8", "surrogatepass")) for i in bad.tolist()]
        np.cumsum(lengths, out=utf8[1:])
    return kz, chars, utf8


def bad_bytes(kz: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Which of the runs of ``kz`` between ``bounds`` (ascending) hold a character not in the code page."""
    where = np.flatnonzero(kz == _NOT_HERE)
    if not len(where):
        return where
    return np.unique(np.searchsorted(bounds, where, side="right") - 1)


def block_pieces(strings: Sequence[str], block_bytes: int, cut: Callable[[np.ndarray, int], np.ndarray]
                 ) -> Optional[Tuple[List[Any], List[int], np.ndarray, np.ndarray]]:
    """The blocks of ``strings`` (``cut``: the first string of each block, then n, from
    their UTF-8 offsets), each in the code page where all its characters are in it, else
    in UTF-8: (pieces, each block's codec, UTF-8 offsets, cuts), or None when a
    string holds a character beyond U+FFFF (see :func:`encode_texts`).

    >>> pieces, kinds, offsets, cuts = block_pieces(["ас", "漢", "үй"], 1, lambda o, b: np.arange(4))
    >>> [bytes(p) for p in pieces], kinds, offsets.tolist()
    ([b'\\xe0\\xf1', b'\\xe6\\xbc\\xa2', b'\\xbf\\xe9'], [1, 0, 1], [0, 4, 7, 11])
    """
    encoded = encode_texts(strings)
    if encoded is None:
        return None
    kz, chars, utf8 = encoded
    cuts = cut(utf8, block_bytes)
    bounds = chars[cuts]
    kinds = np.full(len(cuts) - 1, KZ, dtype=np.uint8)
    kinds[bad_bytes(kz, bounds)] = UTF8
    kinds[bounds[1:] == bounds[:-1]] = UTF8  # empty: nothing to recode
    view = memoryview(kz)
    spans = bounds.tolist()
    pieces: List[Any] = [view[a:b] for a, b in zip(spans, spans[1:])]
    for blk in np.flatnonzero(kinds == UTF8).tolist():
        a, b = cuts[blk:blk + 2].tolist()
        pieces[blk] = "".join(strings[a:b]).encode("utf-8", "surrogatepass")
    return pieces, kinds.tolist(), utf8, cuts


def recode_pieces(pieces: List[Any]) -> Tuple[List[Any], List[int]]:
    """UTF-8 ``pieces`` (bytes-like; lone surrogates passed) each in the code page where all
    its characters are in it: (pieces, each one's codec as a list)."""
    out, kinds = [], []
    for piece in pieces:
        recoded = encode(bytes(piece).decode("utf-8", "surrogatepass")) if len(piece) else None
        out.append(piece if recoded is None else recoded)
        kinds.append(UTF8 if recoded is None else KZ)
    return out, kinds


def blocks_of_blob(blob: np.ndarray, bounds: np.ndarray, recode: bool = True) -> Tuple[List[Any], List[int]]:
    """The blocks of UTF-8 ``blob`` between ``bounds``, each in the code page where it can be
    (``recode`` False: all UTF-8, the codecs [])."""
    view = memoryview(np.ascontiguousarray(blob))  # zlib reads slices of it: no copy
    spans = np.asarray(bounds).tolist()
    pieces: List[Any] = [view[a:b] for a, b in zip(spans, spans[1:])]
    return recode_pieces(pieces) if recode else (pieces, [])


def mostly_in(text: str) -> bool:
    """Whether at most 1% of the characters of ``text`` are not in the code page (then its
    blocks will mostly be stored in it)."""
    return (encode_lossy(text).count(b"?") - text.count("?")) * 100 <= len(text)
