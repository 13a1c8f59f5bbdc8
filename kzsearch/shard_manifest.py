"""The manifest of a saved :class:`kzsearch.distributed.ShardedIndex`: which shard folders belong together.

``ShardedIndex.save`` writes each shard to ``folder/shard-NNNN`` and then
``folder/kzsearch-shards.json`` (:data:`MANIFEST`), JSON naming the shard
folders in order and their document counts. It is written beside the old one
and renamed into place, so a reader sees the old manifest or the new one,
never half of one; it is never written or read through a symbolic link, and
it may name only folders inside ``folder`` that ``save`` writes.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     write_manifest(folder, ["shard-0000", "shard-0001"], [3, 2])
...     [os.path.basename(path) for path in read_manifest(folder)]
['shard-0000', 'shard-0001']
"""
from __future__ import annotations

import json
import os
import re
import secrets
import stat
from typing import List

MANIFEST = "kzsearch-shards.json"
MANIFEST_FORMAT = "kzsearch-shards"
MANIFEST_VERSION = 1


def write_manifest(folder: str, names: List[str], sizes: List[int]) -> None:
    """Write the manifest beside the old one (never through a planted link) and rename it into place."""
    body = {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "shards": names, "n_docs": sizes}
    temporary = os.path.join(folder, f".{MANIFEST}.tmp-{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(body, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, os.path.join(folder, MANIFEST))


_SHARD_NAME = re.compile(r"shard-\d{4,9}")


def read_manifest(folder: str) -> List[str]:
    """The shard folders a manifest lists; names must be ones ``save`` writes (nothing outside ``folder``)."""
    path = os.path.join(folder, MANIFEST)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path} is not a regular file")
        raw = f.read(1 << 20)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueError(f"{path} is damaged (not valid JSON)") from None
    if not isinstance(body, dict) or body.get("format") != MANIFEST_FORMAT \
            or body.get("version") != MANIFEST_VERSION:
        raise ValueError(f"{path} is not a version-{MANIFEST_VERSION} kzsearch shard manifest")
    names = body.get("shards")
    if not isinstance(names, list) or not all(isinstance(n, str) and _SHARD_NAME.fullmatch(n) for n in names):
        raise ValueError(f"{path} lists shards under names that save does not write")
    return [os.path.join(folder, name) for name in names]
