"""Forging index folders for the hostile-folder tests: edit a file or the commit,
then recompute the checksums so that only the structure checks can catch it."""
import io
import json
import zlib

import numpy as np

from kzsearch.engine.storage import COMMIT_FILE, checksum_of


def commit_of(path):
    return json.loads((path / COMMIT_FILE).read_text())


def write_commit(path, commit):
    """Write ``commit`` with a correct checksum of its own."""
    body = {k: v for k, v in commit.items() if k != "checksum"}
    (path / COMMIT_FILE).write_text(json.dumps(dict(body, checksum=checksum_of(body))))


def segment(path):
    """The commit entry of the folder's first segment."""
    return commit_of(path)["segments"][0]


def forge_file(path, name, data):
    """Replace file ``name`` with raw bytes ``data`` and make the commit agree with it."""
    (path / name).write_bytes(data)
    commit = commit_of(path)
    commit["files"][name] = {"size": len(data), "crc32": zlib.crc32(data)}
    write_commit(path, commit)


def forge_array(path, name, array):
    """Replace the .npy file ``name`` with ``array``, checksums recomputed."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    forge_file(path, name, buffer.getvalue())


def set_at(i, value):
    """An array edit for the forge helpers: element ``i`` becomes ``value``."""
    def change(a):
        a[i] = value
        return a
    return change
