"""Where documents come from: the bundled seeds, and input files for indexing.

>>> docs = seed_documents()
>>> len(docs), docs[0][0]
(5, 'turkistan-amanat-bureau-meeting')
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .engine.columns import kind_of


class InputError(ValueError):
    """A document source that cannot be read; the message names the file and line."""


def seed_documents() -> List[Tuple[str, str]]:
    """The five bundled Kazakh news articles as (id, text), id = file name without .txt."""
    try:
        folder = resources.files("kzsearch.seeds")  # installed: the seeds travel as a package
    except ModuleNotFoundError:
        # run from a source checkout, where the package is the top-level seeds/ folder
        folder = Path(__file__).resolve().parent.parent / "seeds"  # type: ignore[assignment]
    docs = [(entry.name[:-4], entry.read_text(encoding="utf-8"))
            for entry in folder.iterdir() if entry.name.endswith(".txt")]
    return sorted(docs)


Document = Union[str, Tuple[str, str], Dict[str, Any]]


class DocumentReader:
    r"""Documents of a JSONL file, a .txt file or a folder of .txt files, for :meth:`kzsearch.Index.add`.

    * JSONL (``.jsonl``/``.ndjson``): one object a line with a ``text`` string
      and optionally an ``id`` (string or integer);
    * ``.txt``: one document a line (blank lines skipped);
    * a folder: every ``*.txt`` below it is one document, id = its relative
      path without ``.txt``.

    A document with an id comes as an (id, text) pair; one without (a .txt
    line, a JSONL object without ``id``) as its text alone, so it gets the
    id ``Index.add`` gives: the next running number (0, 1, ... in a new
    index), exactly as if the same texts were passed to ``Index.add``.

    Input is UTF-8 (a byte-order mark at the start is ignored). A malformed
    line — invalid JSON, or bytes that are not UTF-8 — raises
    :class:`InputError` naming the file and line, unless ``skip_bad``: then it
    is counted in ``skipped`` and reading goes on.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "docs.txt")
    ...     with open(path, "wb") as f:
    ...         _ = f.write(b"\xef\xbb\xbffirst\n\nbad \xff\nthird\n")
    ...     reader = DocumentReader(path, skip_bad=True)
    ...     list(reader), reader.skipped
    (['first', 'third'], 1)

    With ``fields`` (the index's text fields), JSONL lines are read as whole
    documents (dicts, ``id`` as a str when present): those fields must be
    strings when present, at least one must be, and every other key is kept
    as metadata (checked here, so that ``skip_bad`` can skip a bad value).
    """

    def __init__(self, path: str, skip_bad: bool = False, fields: Optional[Sequence[str]] = None) -> None:
        self.path = Path(path)
        self.fields = list(fields) if fields is not None else None
        self.skip_bad = skip_bad
        self.skipped = 0
        self.first_error: Optional[str] = None
        if not self.path.exists():
            raise InputError(f"{path}: no such file or folder")

    def __iter__(self) -> Iterator[Document]:
        if self.path.is_dir():
            return self._folder()
        if self.path.suffix.lower() in (".jsonl", ".ndjson"):
            return self._jsonl()
        return self._txt()

    def _folder(self) -> Iterator[Document]:
        for file in sorted(self.path.rglob("*.txt")):
            try:
                text = file.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                self._bad(f"{file}: not UTF-8 text")
                continue
            except OSError as e:
                self._bad(f"{file}: cannot read ({e.strerror})")
                continue
            yield str(file.relative_to(self.path).with_suffix("")), text.removeprefix(_BOM)

    def _lines(self) -> Iterator[Tuple[int, str]]:
        """(line number, text) of every line that is UTF-8; a bad line is reported by number."""
        try:
            f = open(self.path, "rb")
        except OSError as e:
            raise InputError(f"{self.path}: cannot open ({e.strerror})") from None
        with f:
            for number, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    self._bad(f"{self.path}:{number}: not UTF-8 text (byte {e.start + 1} of the line)")
                    continue
                if number == 1:
                    line = line.removeprefix(_BOM)
                yield number, line.rstrip("\r\n")

    def _txt(self) -> Iterator[Document]:
        for _, line in self._lines():
            if line.strip():
                yield line

    def _jsonl(self) -> Iterator[Document]:
        for number, line in self._lines():
            if line.strip():
                doc = self._parse(line, number)
                if doc is not None:
                    yield doc

    def _parse(self, line: str, number: int) -> Optional[Document]:
        where = f"{self.path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            return self._bad(f"{where}: invalid JSON ({e.msg})")
        except RecursionError:
            return self._bad(f"{where}: invalid JSON (nested too deeply)")
        if not isinstance(obj, dict):
            return self._bad(f"{where}: expected a JSON object with a \"text\" field")
        if self.fields is not None:
            return self._document(obj, number, where)
        text = obj.get("text")
        if not isinstance(text, str):
            return self._bad(f"{where}: \"text\" must be a string")
        if "id" not in obj:
            return text
        doc_id = obj["id"]
        if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
            return self._bad(f"{where}: \"id\" must be a string or an integer")
        return str(doc_id), text

    def _document(self, obj: Dict[str, Any], number: int, where: str) -> Optional[Dict[str, Any]]:
        fields = self.fields or []
        if not any(isinstance(obj.get(f), str) for f in fields):
            names = ", ".join(f'"{f}"' for f in fields)
            return self._bad(f"{where}: expected a JSON object with a string field ({names})")
        for key, value in obj.items():
            if key == "id":
                continue
            if key in fields:
                if key in obj and not isinstance(value, str):
                    return self._bad(f"{where}: \"{key}\" must be a string")
                continue
            try:
                kind_of(value)
            except TypeError as e:
                return self._bad(f"{where}: \"{key}\": {e}")
        if "id" not in obj:
            return obj  # Index.add gives it the next running number
        doc_id = obj["id"]
        if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
            return self._bad(f"{where}: \"id\" must be a string or an integer")
        return dict(obj, id=str(doc_id))

    def _bad(self, message: str) -> None:
        if not self.skip_bad:
            raise InputError(message + " (use --skip-bad to index the rest)")
        self.skipped += 1
        if self.first_error is None:
            self.first_error = message
        return None


_BOM = "\ufeff"
