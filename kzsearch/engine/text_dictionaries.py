"""Preset dictionaries of compressed stored texts (see :mod:`.zipped_texts`): training, tables, checks.

A preset dictionary (zlib's ``zdict``) is text that a deflate stream may
refer back to as if it came just before it; the blocks of stored texts are
short (1 KB) and each starts afresh, so without one every block spells out
again the words and endings all blocks share. A segment's dictionaries lie
in three optional parts (all or none)::

    texts.zdict     uint8       the dictionaries back to back (each at most 32 KB, deflate's window)
    texts.zdictpos  uint32[D+1] where each dictionary starts in texts.zdict
    texts.zdictblk  uint32[D+1] the first block each dictionary serves (the last entry: B)

An empty dictionary serves blocks compressed without one.

>>> table = dictionary_table([(np.frombuffer(b"ab", np.uint8), 2), (np.frombuffer(b"ab", np.uint8), 1),
...                           (NO_DICT, 4)])
>>> bytes(table["texts.zdict"]), table["texts.zdictpos"].tolist(), table["texts.zdictblk"].tolist()
(b'ab', [0, 2, 2], [0, 3, 7])
>>> check_dictionaries(dict(table, **{"texts.zblocks": np.zeros(8)})) is None
True
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

#: the longest preset dictionary (deflate's window)
DICT_BYTES = 32768
#: a dictionary is trained only from a sample of at least this many bytes
DICT_MIN_SAMPLE = 4096
#: texts of fewer UTF-8 bytes are compressed without one (it would cost more space than it saves)
DICT_MIN_TEXT = 256 * 1024
#: the optional parts of the preset dictionaries (all three or none)
DICT_PARTS = ("texts.zdict", "texts.zdictpos", "texts.zdictblk")
#: the dictionary of blocks compressed without one
NO_DICT = np.zeros(0, dtype=np.uint8)


def train_dictionary(sample: bytes) -> bytes:
    """A preset dictionary from ``sample``, UTF-8 of a collection's first texts: its last
    :data:`DICT_BYTES` (b"": none, when the sample is shorter than :data:`DICT_MIN_SAMPLE`).

    Deflate reaches a dictionary's end with the shortest distances. A
    dictionary of the sample's most frequent words shrank KazNERD sentences
    only 1.3% more; one made of other sentences than the texts' did as well
    as their own (``benchmarks/bench_texts.py``): the gain is the language's
    common words and endings, not repeated sentences.
    """
    return bytes(sample[-DICT_BYTES:]) if len(sample) >= DICT_MIN_SAMPLE else b""


def default_dictionary(pieces: List[Any]) -> bytes:
    """A dictionary trained from the first blocks' bytes (see :func:`train_dictionary`)."""
    sample, size = [], 0
    for piece in pieces:
        if size >= DICT_BYTES:
            break
        sample.append(bytes(piece))
        size += len(sample[-1])
    return train_dictionary(b"".join(sample))


def dictionary_table(runs: List[Tuple[np.ndarray, int]]) -> Dict[str, np.ndarray]:
    """The dictionary parts of blocks served by ``runs`` (dictionary, block count) in order:
    runs of one dictionary joined (a build's segments share theirs), {} when none has one."""
    joined: List[Tuple[np.ndarray, int]] = []
    for zdict, count in runs:
        if not count:
            continue
        if joined and (joined[-1][0] is zdict or np.array_equal(joined[-1][0], zdict)):
            joined[-1] = (joined[-1][0], joined[-1][1] + count)
        else:
            joined.append((zdict, count))
    if not any(len(zdict) for zdict, _ in joined):
        return {}
    pos = np.zeros(len(joined) + 1, dtype=np.int64)
    np.cumsum([len(zdict) for zdict, _ in joined], out=pos[1:])
    first = np.zeros(len(joined) + 1, dtype=np.int64)
    np.cumsum([count for _, count in joined], out=first[1:])
    zdict = np.concatenate([np.asarray(d, dtype=np.uint8) for d, _ in joined])
    return {"texts.zdict": zdict, "texts.zdictpos": pos, "texts.zdictblk": first}


def check_dictionaries(parts: Dict[str, np.ndarray]) -> Optional[str]:
    """What is wrong with the dictionary parts, or None (also when there are none)."""
    zdict, pos, first = (parts.get(k) for k in DICT_PARTS)
    if zdict is None and pos is None and first is None:
        return None
    if zdict is None or pos is None or first is None:
        return "compressed texts miss a dictionary part"
    n_blocks = len(parts["texts.zblocks"]) - 1
    if len(pos) != len(first) or len(pos) < 2 or int(pos[0]) != 0 or int(pos[-1]) != len(zdict) \
            or bool(np.any(pos[1:] < pos[:-1])) or int(np.max(np.diff(np.asarray(pos, dtype=np.int64)))) > DICT_BYTES:
        return "text dictionaries do not match their offsets"
    if int(first[0]) != 0 or int(first[-1]) != n_blocks or bool(np.any(first[1:] <= first[:-1])):
        return "text dictionaries do not match the blocks"
    return None
