"""Writing stored texts as format 3's compressed blocks (the reading side: :mod:`.zipped_texts`).

:func:`compress_texts` cuts texts into blocks at document boundaries, puts
each block whose characters all have a byte in the Kazakh code page
(:mod:`.codepage`) into it, and deflates the blocks on all cores, each so
that it decodes on its own. The module's settings say how; the module
docstring of :mod:`.zipped_texts` says why (block size, level, dictionaries,
entropy coding only).

>>> from kzsearch.engine.zipped_texts import ZippedTexts
>>> parts = compress_texts(TextBlock.from_strings(["мектеп", "AMANAT"] * 3000))
>>> texts = ZippedTexts.from_parts(parts)
>>> texts[1], len(texts), int(parts["texts.zcodec"].max()) == codepage.KZ
('AMANAT', 6000, True)
"""
from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional

import numpy as np

from . import codepage
from .docstore import TextBlock
from .text_dictionaries import DICT_BYTES, DICT_MIN_TEXT, default_dictionary, dictionary_table
from .zipped_texts import _WBITS, ZippedTexts, _narrowed

#: whether saves compress stored texts (False: format 3 writes them whole, as ``texts.blob``:
#: about 2.2 times the space, and a hit reads its text without decoding a block)
COMPRESS = True
#: whether saves store blocks whose characters all are in the Kazakh code page in it (see :mod:`.codepage`)
CODEPAGE = True
#: uncompressed bytes (of UTF-8) a block holds at least (it ends at the first document boundary past
#: this): 2 KB of Kazakh UTF-8 is about 1.1 KB in the code page (:mod:`.codepage`), as much for
#: deflate to read as a 1 KB block of UTF-8 (the size before the code page), in fewer blocks
BLOCK_BYTES = 2048
#: blocks of texts mostly in the code page are only entropy-coded (zlib's Z_HUFFMAN_ONLY), without a
#: preset dictionary, unless their first blocks show that they repeat themselves (see the module docstring)
HUFFMAN = True
#: zlib level (1, the fastest: a dictionary makes up for its shorter matches, see the module docstring)
LEVEL = 1
#: blocks deflated by one compressor (a task of the thread pool)
_RUN = 512

def _deflate_run(pieces: List[Any], level: int, zdict: bytes = b"", huffman: bool = False) -> List[bytes]:
    """Each piece deflated (raw, no header) so that its bytes decode on their own.

    With ``zdict``, each piece is a stream of its own from a copy of one
    compressor primed with the dictionary (a copy is a memcpy; priming hashes
    the whole dictionary); without, one compressor runs over all of them and
    ends each at a full-flush point (a full flush forgets what came before),
    with ``huffman`` only entropy-coding their bytes (zlib's ``Z_HUFFMAN_ONLY``).
    """
    if zdict:
        primed = zlib.compressobj(level, zlib.DEFLATED, -_WBITS, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
        out = []
        for p in pieces:
            deflate = primed.copy()
            out.append(deflate.compress(p) + deflate.flush())
        return out
    deflate = zlib.compressobj(level, zlib.DEFLATED, -_WBITS, 8,
                               zlib.Z_HUFFMAN_ONLY if huffman else zlib.Z_DEFAULT_STRATEGY)
    return [deflate.compress(p) + deflate.flush(zlib.Z_FULL_FLUSH) for p in pieces]


def _repetitive(pieces: List[Any], sample: int = 4) -> bool:
    """Whether level 1 shrinks the first ``sample`` blocks to under 3/4 of what entropy coding
    alone does: text that repeats itself (a template, a sentence over and over), where the
    search for repeats pays (KazNERD documents: 0.95 of it)."""
    probe = pieces[:sample]
    huffman = sum(map(len, _deflate_run(probe, 1, huffman=True)))
    return sum(map(len, _deflate_run(probe, 1))) * 4 < huffman * 3


def _cuts(offsets: np.ndarray, block_bytes: int) -> np.ndarray:
    """First document of each block, then n: a block ends at the first boundary past ``block_bytes``."""
    n = len(offsets) - 1
    total = int(offsets[-1])
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    cuts = np.searchsorted(offsets[:-1], np.arange(0, max(total, 1), block_bytes, dtype=np.int64), side="left")
    return np.unique(np.concatenate(([0], cuts[cuts < n], [n]))).astype(np.int64)


def compress_texts(texts: TextBlock, block_bytes: Optional[int] = None, level: Optional[int] = None,
                   threads: Optional[int] = None, zdict: Optional[bytes] = None) -> Dict[str, np.ndarray]:
    """Format 3's parts of ``texts`` (blocks compressed on all cores; a ZippedTexts is reused as is).

    ``zdict``: the preset dictionary (b"": none); by default one trained
    from the texts' first bytes when they hold at least :data:`DICT_MIN_TEXT`.
    """
    if isinstance(texts, ZippedTexts):
        return texts.parts()
    block_bytes = block_bytes or BLOCK_BYTES
    level = LEVEL if level is None else level
    found = (codepage.block_pieces(texts.strings, block_bytes, _cuts)
             if CODEPAGE and texts.strings is not None else None)
    if found is not None:
        pieces, kinds, offsets, cuts = found
    else:  # UTF-8 blocks, each recoded where it can be (no strings at hand, or one beyond U+FFFF)
        blob, offsets = texts.to_arrays()
        offsets = np.asarray(offsets, dtype=np.int64)
        cuts = _cuts(offsets, block_bytes)
        pieces, kinds = codepage.blocks_of_blob(blob, offsets[cuts], CODEPAGE)
    # mostly code page blocks, not a text repeating itself: entropy coding alone (see HUFFMAN)
    huffman = HUFFMAN and 2 * sum(kinds) >= max(1, len(kinds)) and not _repetitive(pieces)
    if zdict is None:
        zdict = default_dictionary(pieces) if int(offsets[-1]) >= DICT_MIN_TEXT and not huffman else b""
    if len(zdict) > DICT_BYTES:
        raise ValueError(f"zdict: at most {DICT_BYTES} bytes, not {len(zdict)}")
    runs = [pieces[a:a + _RUN] for a in range(0, len(pieces), _RUN)]
    del pieces
    workers = min(threads or os.cpu_count() or 1, len(runs))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:  # zlib lets go of the GIL while it compresses
            done = list(pool.map(lambda run: _deflate_run(run, level, zdict, huffman), runs))
    else:
        done = [_deflate_run(run, level, zdict, huffman) for run in runs]
    del runs
    streams = [s for run in done for s in run]
    zblocks = np.zeros(len(streams) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in streams], out=zblocks[1:])
    z = np.frombuffer(b"".join(streams), dtype=np.uint8) if streams else np.zeros(0, dtype=np.uint8)
    parts = {"texts.z": z, "texts.zblocks": zblocks, "texts.zdocs": cuts, "texts.offsets": offsets}
    if zdict and len(streams):
        parts.update(dictionary_table([(np.frombuffer(zdict, dtype=np.uint8), len(streams))]))
    if any(kinds):
        parts["texts.zcodec"] = np.array(kinds, dtype=np.uint8)
    return _narrowed(parts)
