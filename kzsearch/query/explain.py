"""How one document's score is built, clause by clause, as Lucene's explain shows it.

:func:`explain` walks the same resolved query the executor ran and computes
every value from the same formulas in the same order, so the total equals
the hit's score. A term's explanation lists its frequency in the document
(``tf``), document frequency (``df``) over ``N`` documents, ``idf``, the
document's field length and the average, ``k1``, ``b`` and the query weight;
its ``facts`` hold the same numbers for programs.

>>> from kzsearch import Index
>>> index = Index(analyzer=str.split)
>>> index.add(["a b", "a c", "b c"])
>>> e = index.explain("a -c", "0")
>>> e.value == index.search("a -c")[0].score
True
>>> print(str(e).splitlines()[1])
  0.188001 = term 'a' [BM25 lucene], from:
"""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .execute import Scorer, _local_df, phrase_frequencies, phrase_idf_sum, term_postings
from .resolve import BoolNode, Node, PhraseNode, TermNode

IDF_FORMULA = {
    "lucene": "ln(1 + (N - df + 0.5) / (df + 0.5))",
    "okapi": "ln(N - df + 0.5) - ln(df + 0.5), floored at epsilon × mean idf",
    "bm25l": "ln(N + 1) - ln(df + 0.5)",
    "bm25+": "ln((N + 1) / df)",
}


@dataclass(frozen=True)
class Explanation:
    """A value, what it is, and the values it was computed from."""

    value: float
    description: str
    details: Tuple["Explanation", ...] = ()
    match: bool = True
    facts: Dict[str, float] = dataclass_field(default_factory=dict)

    def __str__(self) -> str:
        lines: List[str] = []
        self._lines(lines, 0)
        return "\n".join(lines)

    def _lines(self, lines: List[str], depth: int) -> None:
        lines.append(f"{'  ' * depth}{self.value:.6g} = {self.description}")
        for d in self.details:
            d._lines(lines, depth + 1)


def _leaf(value: float, description: str) -> Explanation:
    return Explanation(float(value), description)


def explain(node: Optional[Node], scorer: Scorer, doc: int, field_names: Tuple[str, ...]) -> Explanation:
    """How the global document ``doc`` scores for ``node`` (0 and ``match=False`` if it does not match)."""
    if node is None:
        return Explanation(0.0, "no match: the query has no searchable word", match=False)
    if isinstance(node, TermNode):
        return _term(node, scorer, doc, field_names)
    if isinstance(node, PhraseNode):
        return _phrase(node, scorer, doc, field_names)
    return _bool(node, scorer, doc, field_names)


def _field_name(field: Optional[int], field_names: Tuple[str, ...]) -> str:
    return "all fields" if field is None else field_names[field]


def _frequency_details(scorer: Scorer, doc: int, field: Optional[int], tf_values: np.ndarray,
                       field_names: Tuple[str, ...], what: str) -> Tuple[List[Explanation], Dict[str, float]]:
    """The frequency and length factors of one document, as explanations and as facts."""
    k1_b = [_leaf(scorer.params.k1, "k1")]
    if not scorer.bm25f:
        lengths, avg = scorer.lengths(None)
        tf = float(tf_values[0])
        details = [_leaf(tf, f"tf, {what} in the document"),
                   _leaf(lengths[doc], "dl, length of the document"),
                   _leaf(avg, "avgdl, average document length"), *k1_b, _leaf(scorer.params.b, "b")]
        return details, {"tf": tf, "field_length": float(lengths[doc]), "avg_field_length": float(avg)}
    assert scorer.fields is not None
    avglens = scorer.avg_field_lengths()
    rows = range(len(field_names)) if field is None else [field]
    parts, facts = [], {}
    for f in rows:
        lengths, _ = scorer.lengths(f)
        tf = float(tf_values[f, 0]) if field is None else float(tf_values[0])
        weight = float(scorer.fields.weights[f]) if field is None else 1.0
        name = field_names[f]
        parts.append(Explanation(tf, f"tf in {name} (weight {weight:g}, b {scorer.fields.bs[f]:g}), "
                                     "with its length:",
                                 (_leaf(lengths[doc], f"length of {name}"),
                                  _leaf(avglens[f], f"average length of {name}"))))
        facts.update({f"tf[{name}]": tf, f"field_length[{name}]": float(lengths[doc]),
                      f"avg_field_length[{name}]": float(avglens[f])})
    facts["tf"] = sum(e.value for e in parts)
    if field is not None:
        facts["field_length"] = facts[f"field_length[{field_names[field]}]"]
        facts["avg_field_length"] = facts[f"avg_field_length[{field_names[field]}]"]
    factors = scorer.field_factors(field is None)[list(rows), doc]
    tilde = float(np.dot(np.array([e.value for e in parts]), factors))
    details = [Explanation(tilde, f"tf~, BM25F frequency of the {what}: sum of w·tf / (1 - b + b·len / avglen):",
                           tuple(parts)), *k1_b]
    facts["tf~"] = tilde
    return details, facts


def _term(node: TermNode, scorer: Scorer, doc: int, field_names: Tuple[str, ...]) -> Explanation:
    per_field = scorer.bm25f and node.field is None
    docs, tfs = term_postings(scorer.snapshot, node.term_id, node.field, per_field)
    at = int(np.searchsorted(docs, doc))
    if at == len(docs) or docs[at] != doc:
        return Explanation(0.0, f"no match: term {node.term!r} is not in the document "
                           f"({_field_name(node.field, field_names)})", match=False)
    local_df = _local_df(scorer, node.term_id, docs, node.field)
    term_idf = scorer.idf(node.term, local_df)
    tf_values = tfs[..., at:at + 1]
    value = float(scorer.score(np.array([doc]), tf_values, node.field, term_idf, node.weight)[0])
    df = scorer.df(node.term, local_df)
    frequency, facts = _frequency_details(scorer, doc, node.field, tf_values, field_names, "occurrences")
    details = (
        Explanation(term_idf, f"idf = {IDF_FORMULA[scorer.method]}, from:",
                    (_leaf(df, "df, documents holding the term"), _leaf(scorer.n_docs, "N, documents"))),
        *frequency,
        _leaf(node.weight, "query weight"),
    )
    facts.update({"df": float(df), "n_docs": float(scorer.n_docs), "idf": term_idf, "weight": node.weight})
    where = "" if node.field is None else f" in {field_names[node.field]}"
    return Explanation(value, f"term {node.term!r}{where} [BM25 {scorer.method}], from:", details,
                       facts=facts)


def _phrase(node: PhraseNode, scorer: Scorer, doc: int, field_names: Tuple[str, ...]) -> Explanation:
    docs, counts, local_df = phrase_frequencies(node, scorer)
    text = " ".join(node.terms)
    slop = f"~{node.slop}" if node.slop else ""
    at = int(np.searchsorted(docs, doc))
    if at == len(docs) or docs[at] != doc:
        return Explanation(0.0, f'no match: phrase "{text}"{slop} is not in the document', match=False)
    phrase_idf = phrase_idf_sum(node, local_df, scorer)
    tf_values = counts[..., at:at + 1]
    value = float(scorer.score(np.array([doc]), tf_values, node.field, phrase_idf, 1.0)[0])
    frequency, facts = _frequency_details(scorer, doc, node.field, tf_values, field_names, "phrase matches")
    idfs = tuple(Explanation(scorer.idf(t, df), f"idf of {t!r} = {IDF_FORMULA[scorer.method]}, from:",
                             (_leaf(scorer.df(t, df), "df"), _leaf(scorer.n_docs, "N")))
                 for t, df in zip(node.terms, local_df))
    details = (Explanation(phrase_idf, "idf, sum of the phrase terms' idf:", idfs), *frequency)
    facts.update({"idf": phrase_idf, "weight": 1.0})
    where = "" if node.field is None else f" in {field_names[node.field]}"
    return Explanation(value, f'phrase "{text}"{slop}{where} [BM25 {scorer.method}], from:', details,
                       facts=facts)


def _bool(node: BoolNode, scorer: Scorer, doc: int, field_names: Tuple[str, ...]) -> Explanation:
    label = f"{node.label}: " if node.label else ""
    must = [explain(c, scorer, doc, field_names) for c in node.must]
    should = [explain(c, scorer, doc, field_names) for c in node.should]
    missing = [e for e in must if not e.match]
    if missing:
        return Explanation(0.0, f"{label}no match: a required clause is missing", tuple(missing), False)
    if not must and not any(e.match for e in should):
        return Explanation(0.0, f"{label}no match: none of the optional clauses matches",
                           tuple(should), False)
    for clause in node.must_not:
        excluded = explain(clause, scorer, doc, field_names)
        if excluded.match:
            return Explanation(0.0, f"{label}no match: excluded by a must-not clause", (excluded,), False)
    value = 0.0
    for e in must + should:
        if e.match:
            value += e.value
    matched = tuple(e for e in must + should if e.match)
    return Explanation(value, f"{label}sum of:", matched)
