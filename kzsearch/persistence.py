"""Between an :class:`kzsearch.Index` and its folder: parts out for ``save``, an Index back from ``load``.

:mod:`kzsearch.engine.storage` reads and writes plain parts (settings as
data, the vocabulary's terms, segments, counters, what was last written) and
knows nothing of the Index or the analysis chain; this module takes those
parts from an Index and assembles an Index from them, building the analyzer
from its stored configuration and validating every stored setting as the
constructor validates arguments — a forged setting is an
:class:`kzsearch.IndexFormatError`, like any other damage.

>>> import tempfile
>>> from kzsearch import Index
>>> index = Index()
>>> index.add(["Мектеп оқушылары"], ids=["a"])
>>> with tempfile.TemporaryDirectory() as d:
...     save_parts(index, d)
...     [hit.id for hit in load_parts(Index, d, None, True).search("мектеп")]
['a']
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from .analysis import Analyzer, AnalyzerSettings
from .engine.merging import MergePolicy
from .engine.searcher import Snapshot
from .engine.segment_parts import read_schema, schema_entry
from .engine.storage import IndexParts, load_index, save_index
from .engine.vocabulary import Vocabulary
from .errors import IndexFormatError


def analyzer_entry(analyzer: Any) -> Dict[str, Any]:
    """How an analyzer is recorded: its configuration, or (a custom callable) its repr."""
    if type(analyzer) is Analyzer:
        return {"kind": "kzsearch.Analyzer", "config": analyzer.config}
    return {"kind": "custom", "repr": repr(analyzer)[:200]}


def _checked_config(config: Any) -> Dict[str, Any]:
    """A stored analyzer configuration whose every value has the type of the default's."""
    defaults = AnalyzerSettings().to_dict()
    if not isinstance(config, dict):
        raise TypeError("analyzer config must be a dict")
    for key, value in config.items():
        if key not in defaults or type(value) is not type(defaults[key]):
            raise TypeError(f"analyzer config {str(key)[:40]!r}: {str(value)[:40]!r}")
    return config


def save_parts(index: Any, path: Any) -> None:
    """Save ``index`` to ``path`` (the caller holds the index's write lock)."""
    params = index.settings.params
    policy = index.merge_policy
    settings = {
        "method": index.settings.method,
        "params": {"k1": params.k1, "b": params.b, "epsilon": params.epsilon, "delta": params.delta},
        "merge_policy": {"factor": policy.factor, "floor": policy.floor,
                         "max_deleted_share": policy.max_deleted_share},
        "analyzer": analyzer_entry(index.analyzer),
        "restore_queries": index._restorer is not None,
        "text_fields": schema_entry(index.fields, index.positions, index._schema),
    }
    parts = IndexParts(settings, index._vocab.terms, index._snapshot.segments, index._next_id,
                       index._next_segment, index._storage_state,
                       spilled=dict(index._spill.records) if index._spill is not None else None)
    index._storage_state = save_index(parts, path)


def load_parts(index_class: Any, path: Any, analyzer: Optional[Any], mmap: bool) -> Any:
    """The Index saved in ``path`` (``analyzer``: the custom one it was built with)."""
    if not isinstance(mmap, bool):
        raise TypeError(f"mmap must be bool, not {type(mmap).__name__}")
    if analyzer is not None and not callable(analyzer):
        raise TypeError(f"analyzer must be callable, not {type(analyzer).__name__}")
    parts = load_index(path, mmap=mmap)
    settings = parts.settings
    stored = settings["analyzer"]
    if stored.get("kind") not in ("kzsearch.Analyzer", "custom"):
        raise IndexFormatError(f"{path}: the stored analyzer is of no known kind")
    if analyzer is None and stored.get("kind") != "kzsearch.Analyzer":
        shown = str(stored.get("repr", "?"))[:200]
        raise ValueError(f"analyzer: the index in {str(path)!r} was built with a custom analyzer "
                         f"({shown}); pass the same one: Index.load(path, analyzer=...)")
    try:
        if analyzer is None:
            analyzer = Analyzer.from_config(_checked_config(stored.get("config")))
        params, policy = settings["params"], settings["merge_policy"]
        fields, positions, schema = read_schema(settings.get("text_fields"))
        index = index_class(analyzer=analyzer, method=settings["method"],
                            merge_policy=MergePolicy(**policy), restore_queries=settings["restore_queries"],
                            fields=fields, positions=positions, **params)
        index._schema = schema
        vocab = Vocabulary(parts.terms)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        raise IndexFormatError(f"{path}: the stored settings are invalid ({e})") from None
    index._vocab = vocab
    index._snapshot = Snapshot(parts.segments)
    index._next_id = parts.next_id
    index._next_segment = parts.next_segment
    index._storage_state = parts.state
    return index
