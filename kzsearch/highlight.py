"""Snippets (moved to :mod:`kzsearch.query.highlight`; kept here for old imports).

>>> snippet("Облыс бюджеті нақтыланды.", {"бюджеті"}, str.split, width=40)
'Облыс [бюджеті] нақтыланды.'
"""
from .query.highlight import Highlight, matched_spans, snippet, snippet_from_spans  # noqa: F401
