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


class DocumentReader:
    """Documents of a JSONL file, a .txt file or a folder of .txt files, as (id, text).

    * JSONL (``.jsonl``/``.ndjson``): one object a line with a ``text`` string
      and an ``id`` (string or integer; the line number when absent);
    * ``.txt``: one document a line, id = line number (blank lines skipped);
    * a folder: every ``*.txt`` below it is one document, id = its relative
      path without ``.txt``.

    A malformed JSONL line raises :class:`InputError` naming the line, unless
    ``skip_bad``: then it is counted in ``skipped`` and reading goes on.

    With ``fields`` (the index's text fields), JSONL lines are read as whole
    documents (dicts with a string ``id``): those fields must be strings when
    present, at least one must be, and every other key is kept as metadata
    (checked here, so that ``skip_bad`` can skip a line with a bad value).
    """

    def __init__(self, path: str, skip_bad: bool = False, fields: Optional[Sequence[str]] = None) -> None:
        self.path = Path(path)
        self.fields = list(fields) if fields is not None else None
        self.skip_bad = skip_bad
        self.skipped = 0
        self.first_error: Optional[str] = None
        if not self.path.exists():
            raise InputError(f"{path}: no such file or folder")

    def __iter__(self) -> Iterator[Union[Tuple[str, str], Dict[str, Any]]]:
        if self.path.is_dir():
            return self._folder()
        if self.path.suffix.lower() in (".jsonl", ".ndjson"):
            return self._jsonl()
        return self._lines()

    def _open(self, path: Path):
        try:
            return open(path, encoding="utf-8")
        except OSError as e:
            raise InputError(f"{path}: cannot open ({e.strerror})") from None

    def _decode_error(self, path: Path, e: UnicodeDecodeError) -> InputError:
        return InputError(f"{path}: not UTF-8 text (byte {e.start} of a line)")

    def _folder(self) -> Iterator[Tuple[str, str]]:
        for file in sorted(self.path.rglob("*.txt")):
            try:
                text = file.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                self._bad(f"{file}: not UTF-8 text")
                continue
            yield str(file.relative_to(self.path).with_suffix("")), text

    def _lines(self) -> Iterator[Tuple[str, str]]:
        with self._open(self.path) as f:
            try:
                for number, line in enumerate(f, 1):
                    line = line.rstrip("\n")
                    if line.strip():
                        yield str(number), line
            except UnicodeDecodeError as e:
                raise self._decode_error(self.path, e) from None

    def _jsonl(self) -> Iterator[Tuple[str, str]]:
        with self._open(self.path) as f:
            number = 0
            while True:
                try:
                    line = f.readline()
                except UnicodeDecodeError as e:
                    raise self._decode_error(self.path, e) from None
                if not line:
                    return
                number += 1
                if not line.strip():
                    continue
                doc = self._parse(line, number)
                if doc is not None:
                    yield doc

    def _parse(self, line: str, number: int) -> Optional[Union[Tuple[str, str], Dict[str, Any]]]:
        where = f"{self.path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            return self._bad(f"{where}: invalid JSON ({e.msg})")
        if not isinstance(obj, dict):
            return self._bad(f"{where}: expected a JSON object with a \"text\" field")
        if self.fields is not None:
            return self._document(obj, number, where)
        text = obj.get("text")
        if not isinstance(text, str):
            return self._bad(f"{where}: \"text\" must be a string")
        doc_id = obj.get("id", number)
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
        doc_id = obj.get("id", number)
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
