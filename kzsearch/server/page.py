"""The search page: one HTML file, filled in on the server.

``GET /?q=...`` returns the whole page with its results already in it, so
basic search, filters, paging and the language switch work with JavaScript
off (every control is a form or a link). The page's little script only adds
completions and results as you type, fetching ``/?q=...&fragment=1`` — the
same results, rendered by this module — so there is one renderer.

Every value from the index or the request is HTML-escaped; matched words
come from the engine's private-use markers and become ``<mark>`` tags.

>>> from kzsearch import Index
>>> from kzsearch.server.engine import SearchEngine
>>> index = Index()
>>> index.add(["Облыс бюджеті нақтыланды"], ids=["a"])
>>> status, html = render_page(SearchEngine(index), q="бюджеті", fragment=True)
>>> status, "<mark>бюджеті</mark>" in html
(200, True)
"""
from __future__ import annotations

import json
from html import escape
from importlib import resources
from string import Template
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode

from .engine import FeatureMissing, SearchEngine, SearchResult
from .i18n import LANGUAGE_NAMES, LANGUAGES, language, text

#: hits per page
PAGE_SIZE = 10


def _template() -> Template:
    source = resources.files(__package__).joinpath("static/page.html").read_text(encoding="utf-8")
    return Template(source)


_TEMPLATE = _template()


def render_page(engine: SearchEngine, q: str = "", offset: int = 0, filter_text: str = "",
                lang: str = "kk", fragment: bool = False, error: Optional[str] = None) -> Tuple[int, str]:
    """(HTTP status, HTML) of the page, or of its results part alone with ``fragment``.

    ``error``: a problem found in the request (the page says it, with status 400, and searches nothing).
    """
    lang = language(lang)
    status, body = 200, ""
    try:
        if error is not None:
            raise ValueError(error)
        filters = _parse_filter(filter_text)
        if q.strip():
            result = engine.search(q, k=PAGE_SIZE, offset=offset, filter=filters, total=True)
            body = _results(engine, result, filters, lang)
    except (ValueError, TypeError, FeatureMissing) as e:
        status = 501 if isinstance(e, FeatureMissing) else 400
        body = f'<p class="notice" role="alert">{text(lang, "error")}: {escape(str(e))}</p>'
    if fragment:
        return status, body
    languages = " ".join(
        f'<a href="{_link(q, 0, filter_text, code)}" hreflang="{code}"'
        f'{" aria-current=true" if code == lang else ""}>{LANGUAGE_NAMES[code]}</a>' for code in LANGUAGES)
    html = _TEMPLATE.substitute(
        lang=lang, title=escape(text(lang, "title")), language_label=escape(text(lang, "language")),
        languages=languages, complete="yes" if engine.can.complete else "no", query=escape(q),
        placeholder=escape(text(lang, "placeholder")), filter=escape(filter_text), search=text(lang, "search"),
        results=body, documents=escape(text(lang, "documents", n=len(engine.index))), api=text(lang, "api"))
    return status, html


def _parse_filter(filter_text: str) -> Dict[str, Any]:
    if not filter_text.strip():
        return {}
    try:
        value = json.loads(filter_text)
    except RecursionError:
        raise ValueError("filter is nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError("filter must be a JSON object")
    return value


def _link(q: str, offset: int, filters: Any, lang: str) -> str:
    """A page URL (HTML-escaped for an attribute)."""
    params: Dict[str, Any] = {"q": q}
    if offset:
        params["offset"] = offset
    if filters:
        params["filter"] = filters if isinstance(filters, str) else json.dumps(filters, ensure_ascii=False)
    params["lang"] = lang
    return escape("/?" + urlencode(params))


def _results(engine: SearchEngine, result: SearchResult, filters: Dict[str, Any], lang: str) -> str:
    from .api import html_snippet

    q, parts = result.query, []
    if result.corrected:
        parts.append(f'<p class="notice corrected">{text(lang, "corrected")} '
                     f'<a href="{_link(result.corrected, 0, filters, lang)}">{escape(result.corrected)}</a></p>')
    elif result.restored and result.restored != q:
        parts.append(f'<p class="notice restored">{text(lang, "restored")} <b>{escape(result.restored)}</b></p>')
    parts.append(_filters(engine, q, filters, lang))
    if not result.hits:
        parts.append(f'<p class="summary">{text(lang, "nothing")}</p>')
        return "\n".join(parts)
    first, last = result.offset + 1, result.offset + len(result.hits)
    summary = text(lang, "shown", first=first, last=last)
    if result.total is not None:
        summary = f'{text(lang, "found", n=result.total)} · {summary}'
    parts.append(f'<p class="summary">{escape(summary)}</p>')
    items: List[str] = []
    for hit in result.hits:
        title = escape(hit.title or hit.id)
        meta = f"{escape(hit.id)} · {hit.score:.3f}" if hit.title else f"{hit.score:.3f}"
        items.append(f'<li data-id="{escape(hit.id)}"><div class="hit-title">{title}</div>'
                     f'<div class="snippet">{html_snippet(hit.snippet)}</div>'
                     f'<div class="meta">{meta}</div></li>')
    parts.append(f'<ol class="hits" start="{first}">{"".join(items)}</ol>')
    pages = []
    if result.offset > 0:
        back = max(0, result.offset - result.k)
        pages.append(f'<a rel="prev" class="previous" href="{_link(q, back, filters, lang)}">{text(lang, "previous")}</a>')
    else:
        pages.append("<span></span>")
    if result.has_more:
        pages.append(f'<a rel="next" class="next" href="{_link(q, result.offset + result.k, filters, lang)}">'
                     f'{text(lang, "next")}</a>')
    parts.append(f'<nav class="pages">{"".join(pages)}</nav>')
    return "\n".join(parts)


def _filters(engine: SearchEngine, q: str, filters: Dict[str, Any], lang: str) -> str:
    """Links that add a metadata filter, and links that remove the active ones."""
    rows: List[str] = []
    for key, value in filters.items():
        rest = {k: v for k, v in filters.items() if k != key}
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append(f'<a class="active" href="{_link(q, 0, rest, lang)}" title="{text(lang, "remove")}">'
                    f'{escape(key)}: {escape(shown)} ✕</a>')
    for key, values in engine.facets(q, filters).items():
        if key in filters:
            continue
        links = "".join(f'<a class="facet" data-field="{escape(key)}" href="{_link(q, 0, {**filters, key: value}, lang)}">'
                        f'{escape(value)} ({n})</a>' for value, n in values)
        rows.append(f'<div><span class="field">{escape(key)}</span>{links}</div>')
    if not rows:
        return ""
    return f'<section class="filters" aria-label="{text(lang, "filters")}">{"".join(rows)}</section>'
