"""Query-time features above the engine: the query language, typo tolerance
and completions. Each module here turns what a person typed into what the
engine scores; none of them is imported by :mod:`kzsearch.engine`.

The query language: :mod:`.objects` (Term, Phrase, Prefix, Bool),
:mod:`.parser` (query strings -> objects), :mod:`.resolve` (objects -> index
terms), :mod:`.phrase` (phrase matching over positions), :mod:`.execute`
(matching and scoring), :mod:`.explain` and :mod:`.highlight`.
"""
from .explain import Explanation
from .highlight import Highlight
from .objects import Bool, Phrase, Prefix, Term
from .parser import parse

__all__ = ["Bool", "Phrase", "Prefix", "Term", "parse", "Explanation", "Highlight"]
