"""Query-time features above the engine: the query language, typo tolerance
and completions. Each module here turns what a person typed into what the
engine scores; none of them is imported by :mod:`kzsearch.engine`.
"""
