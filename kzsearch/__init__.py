"""kzsearch: full-text search for Kazakh text.

>>> import kzsearch
>>> index = kzsearch.Index()
>>> index.add(["Мектеп оқушылары", "Облыс бюджеті"])
>>> index.search("бюджеті")[0].id
'1'

Packages and modules, one job each: ``analysis`` (text -> terms),
``script`` (folding and Latin orthographies), ``engine`` (vocabulary,
segments, stored texts, scoring, query execution, merging, storage),
``query`` (the query language, explain, highlighting),
``index`` (the public Index), ``ingest`` (documents in, segments out),
``compat`` (rank-bm25 drop-in), ``cli``
(command line).
"""
__version__ = "0.1.0"

from .analysis import Analyzer, stem  # noqa: E402
from .compat import BM25L, BM25Okapi, BM25Plus  # noqa: E402
from .engine.fields import Field  # noqa: E402
from .errors import ConflictError, IndexFormatError  # noqa: E402
from .index import Hit, Index  # noqa: E402
from .query import Bool, Explanation, Highlight, Phrase, Prefix, Term, parse  # noqa: E402

__all__ = ["Analyzer", "stem", "Index", "Hit", "Field", "BM25Okapi", "BM25L", "BM25Plus",
           "IndexFormatError", "ConflictError", "Term", "Phrase", "Prefix", "Bool", "parse",
           "Explanation", "Highlight", "__version__"]
