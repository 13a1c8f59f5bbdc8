"""The ``kzsearch`` command line (also ``python -m kzsearch``).

    kzsearch search "облыс бюджеті"              # the bundled seeds
    kzsearch index docs.jsonl --out news.kzs     # JSONL, .txt or a folder of .txt
    kzsearch index news.jsonl --fields title:2,text --out news.kzs   # other keys stored
    kzsearch index more.jsonl --out news.kzs --append     # or --overwrite
    kzsearch delete --index news.kzs ID1 ID2     # or --ids-file ids.txt
    kzsearch search --index news.kzs "query" -k 5 --json
    kzsearch search --index news.kzs "бюджет" --filter region=Түркістан --filter "date>=2025-01-01"
    kzsearch stem мектептеріміздегі
    kzsearch analyze "Мектептердегі оқушылар"
    kzsearch serve --index news.kzs [--host 127.0.0.1] [--port 8765] [--token T] [--workers N]

Every failure prints one line to stderr and exits non-zero: 2 for a usage
error, 1 for anything else (a missing file, a damaged index, bad input).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any, Dict, Optional, Sequence

from . import __version__
from .analysis import Analyzer, stem
from .corpus import DocumentReader, seed_documents
from .engine.storage import COMMIT_FILE
from .index import Index
from .engine.fields import check_fields
from .engine.scoring import METHODS


class UsageError(Exception):
    """Wrong command-line usage (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kzsearch", description="Full-text search for Kazakh text.")
    parser.add_argument("--version", action="version", version=f"kzsearch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("search", help="search an index (default: the bundled seeds)")
    p.add_argument("query", help="the query text")
    p.add_argument("--index", metavar="PATH", help="an index folder made by 'kzsearch index'")
    p.add_argument("-k", type=int, default=5, metavar="N", help="number of hits (default 5)")
    p.add_argument("--json", action="store_true", help="print the hits as JSON")
    p.add_argument("--offset", type=int, default=0, metavar="N", help="skip the first N hits")
    p.add_argument("--filter", action="append", default=[], metavar="COND",
                   help="keep documents whose metadata match: key=value (repeat for any of), "
                        "key>=value, key>value, key<=value, key<value; repeat to combine")

    p = sub.add_parser("index", help="index a JSONL file, a .txt file or a folder of .txt files")
    p.add_argument("input", metavar="INPUT")
    p.add_argument("--out", required=True, metavar="PATH", help="index folder to write")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--append", action="store_true",
                      help="add to the index in PATH (documents with the id of one there replace it)")
    mode.add_argument("--overwrite", action="store_true", help="replace the index in PATH")
    p.add_argument("--method", choices=METHODS, default=None, help="BM25 variant (default lucene)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="analysis processes (default: all cores for large inputs)")
    p.add_argument("--skip-bad", action="store_true",
                   help="skip malformed lines (invalid JSON or not UTF-8) and report them")
    p.add_argument("--fields", metavar="SPEC", default=None,
                   help="text fields of JSONL documents with weights, e.g. title:2,text "
                        "(default text); other keys are stored as metadata")

    p = sub.add_parser("delete", help="delete documents by id from an index")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--index", required=True, metavar="PATH", help="the index folder")
    p.add_argument("--ids-file", metavar="FILE", help="a file of ids, one a line")
    p.add_argument("--missing-ok", action="store_true", help="ignore ids that are not in the index")

    p = sub.add_parser("stem", help="print the stem of each word")
    p.add_argument("words", nargs="+", metavar="WORD")

    p = sub.add_parser("analyze", help="print the index terms of a text")
    p.add_argument("text")

    p = sub.add_parser("serve", help="serve an index over HTTP with a search page (extra kzsearch[server])")
    p.add_argument("--index", required=True, metavar="PATH", help="the index folder to serve")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--token", default=None, help="token that write requests must carry "
                   "(default: the KZSEARCH_TOKEN environment variable)")
    p.add_argument("--save-every", type=float, default=None, metavar="SECONDS",
                   help="save changes on this schedule (default: only on POST /save)")
    p.add_argument("--create", action="store_true", help="start an empty index if PATH does not exist")
    p.add_argument("--search-threads", type=int, default=None, metavar="N",
                   help="threads searches run on in each process (0: on the event loop; default: cores, "
                        "at most 4, in one process, 0 in each of several)")
    p.add_argument("--workers", type=int, default=None, metavar="N", dest="serve_workers",
                   help="worker processes serving the same index, writes replicated to all "
                        "(default: cores, at most 4; 1: one process)")
    return parser


_CONDITION = re.compile(r"^([^<>=]+?)\s*(>=|<=|>|<|=)\s*(.*)$", re.S)
_OPERATORS = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}


def parse_fields(spec: str) -> Dict[str, float]:
    """``title:2,text`` -> {"title": 2.0, "text": 1.0}."""
    fields: Dict[str, float] = {}
    for part in spec.split(","):
        name, _, weight = part.strip().partition(":")
        if not name:
            raise UsageError(f"argument --fields: empty field name in {spec!r}")
        try:
            fields[name] = float(weight) if weight else 1.0
        except ValueError:
            raise UsageError(f"argument --fields: weight of {name!r} is not a number: {weight!r}") from None
    return fields


def _value(raw: str, kind: Optional[str], condition: str) -> Any:
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            return _value(raw, "float", condition)
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise UsageError(f"argument --filter: {condition!r} needs a number") from None
    if kind == "bool":
        if raw.lower() not in ("true", "false", "1", "0"):
            raise UsageError(f"argument --filter: {condition!r} needs true or false")
        return raw.lower() in ("true", "1")
    return raw


def parse_filters(conditions: Sequence[str], schema: Dict[str, str]) -> Optional[Dict[str, Any]]:
    """``["region=Түркістан", "date>=2025-01-01"]`` -> a filter for :meth:`Index.search`.

    Values are read as the key's column holds them (numbers for numbers);
    ``=`` repeated on one key means any of the values.
    """
    out: Dict[str, Any] = {}
    for condition in conditions:
        match = _CONDITION.match(condition)
        if not match:
            raise UsageError(f"argument --filter: expected key=value or key>=value, got {condition!r}")
        key, op, raw = match.group(1).strip(), match.group(2), match.group(3).strip()
        value = _value(raw, schema.get(key), condition)
        if op == "=":
            previous = out.get(key)
            if isinstance(previous, dict):
                raise UsageError(f"argument --filter: {key!r} has both a range and a value")
            out[key] = value if previous is None else (previous if isinstance(previous, list)
                                                       else [previous]) + [value]
        else:
            previous = out.setdefault(key, {})
            if not isinstance(previous, dict):
                raise UsageError(f"argument --filter: {key!r} has both a range and a value")
            previous[_OPERATORS[op]] = value
    return out or None


def _title(hit: Any) -> Optional[str]:
    title = hit.fields.get("title") if hit.fields else None
    return title if isinstance(title, str) and title.strip() else None


def _search(args: argparse.Namespace) -> None:
    if args.k < 0:
        raise UsageError(f"argument -k: must be >= 0, got {args.k}")
    if args.offset < 0:
        raise UsageError(f"argument --offset: must be >= 0, got {args.offset}")
    if args.index:
        index = Index.load(args.index)
    else:
        index = Index()
        index.add(seed_documents())
    filter = parse_filters(args.filter, index.schema)
    hits = index.search(args.query, k=args.k, offset=args.offset, filter=filter)
    suggestion = index.suggest_query(args.query)
    if args.json:
        rows = [{"rank": r, "id": h.id, "score": h.score,
                 "snippet": index.highlight(h, args.query).snippet, "text": h.text, "fields": h.fields}
                for r, h in enumerate(hits, args.offset + 1)]
        found = {"query": args.query, "did_you_mean": suggestion, "hits": rows}
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return
    if suggestion is not None:
        print(f"did you mean: {suggestion}")
    if not hits:
        print(f"no documents match {args.query!r}")
        return
    for rank, hit in enumerate(hits, args.offset + 1):
        title = _title(hit)
        print(f"{rank}. {hit.id}  (score {hit.score:.3f})" + (f"  {' '.join(title.split())}" if title else ""))
        print(f"   {index.highlight(hit, args.query).snippet}")


def _holds_index(path: str) -> bool:
    return os.path.isdir(path) and os.path.lexists(os.path.join(path, COMMIT_FILE))


def _index(args: argparse.Namespace) -> None:
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"argument --workers: must be >= 1, got {args.workers}")
    fields = parse_fields(args.fields) if args.fields is not None else None
    existing = _holds_index(args.out)
    if existing and not (args.append or args.overwrite):
        raise UsageError(f"{args.out} already holds an index; pass --append to add to it "
                         "or --overwrite to replace it")
    if existing and args.append:
        index = Index.load(args.out)
        if args.method is not None and args.method != index.settings.method:
            raise UsageError(f"argument --method: the index in {args.out} uses {index.settings.method!r}")
        if fields is not None and check_fields(fields) != index.fields:
            raise UsageError(f"argument --fields: the index in {args.out} has the fields "
                             f"{','.join(f'{n}:{f.weight:g}' for n, f in index.fields.items())}")
        before = len(index)
    else:
        index, before = Index(method=args.method or "lucene", fields=fields), 0
    reader = DocumentReader(args.input, skip_bad=args.skip_bad, fields=list(index.fields))
    # with --append, a document whose id is already there replaces it; documents without
    # an id of their own get the index's next running numbers
    index.add(reader, workers=args.workers, progress=True, replace=args.append)
    index.save(args.out)  # a failed or interrupted first save removes what it created
    skipped = f"; skipped {reader.skipped} bad lines (first: {reader.first_error})" if reader.skipped else ""
    grew = f" ({len(index) - before:+d})" if args.append else ""
    print(f"indexed {len(index)} documents{grew} into {args.out}{skipped}", file=sys.stderr)


def _delete(args: argparse.Namespace) -> None:
    ids = list(args.ids)
    if args.ids_file:
        reader = DocumentReader(args.ids_file)
        ids += [line for line in reader._txt() if isinstance(line, str)]
    if not ids:
        raise UsageError("no ids given: pass IDs or --ids-file FILE")
    if not _holds_index(args.index):
        raise FileNotFoundError(f"{args.index}: no kzsearch index there")
    index = Index.load(args.index)
    deleted = index.delete(ids, missing_ok=args.missing_ok)
    index.save(args.index)
    print(f"deleted {deleted} documents from {args.index}; {len(index)} left", file=sys.stderr)


def _serve(args: argparse.Namespace) -> None:
    try:
        from .server import serve
        from .server.settings import ServerSettings, token_from_env
    except ImportError as e:
        raise RuntimeError(f"the server needs its extra: pip install 'kzsearch[server]' ({e})") from None
    extra = {} if args.search_threads is None else {"search_threads": args.search_threads}
    if args.serve_workers is not None:
        extra["workers"] = args.serve_workers
    settings = ServerSettings(host=args.host, port=args.port, token=token_from_env(args.token),
                              save_every=args.save_every, **extra)
    try:
        settings.validate()
    except ValueError as e:
        raise UsageError(str(e)) from None
    serve(args.index, settings, create=args.create)


def main(argv: Optional[Sequence[str]] = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            raise UsageError("a command is required: search, index, delete, stem, analyze or serve "
                             "(see --help)")
        if args.command == "search":
            _search(args)
        elif args.command == "index":
            _index(args)
        elif args.command == "delete":
            _delete(args)
        elif args.command == "stem":
            for word in args.words:
                print(f"{word}\t{stem(word)}")
        elif args.command == "analyze":
            print(" ".join(Analyzer()(args.text)))
        elif args.command == "serve":
            _serve(args)
        return 0
    except UsageError as e:
        print(f"kzsearch: usage error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kzsearch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except MemoryError:
        print("kzsearch: error: out of memory", file=sys.stderr)
        return 1
    except Exception as e:  # every other failure: one line, no traceback
        message = str(e) or type(e).__name__
        print(f"kzsearch: error: {' '.join(message.split())}", file=sys.stderr)
        return 1


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
