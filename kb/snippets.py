"""Highlighted excerpts of search hits: escaped text with the query's words <mark>ed."""
from __future__ import annotations

import re

from markupsafe import Markup, escape

from kb.index_schema import LANGS, SCHEMA

_SNIPPET_TOKENS = re.compile(r"\w+")


def snippet(text: str, language: str, terms: set[str], width: int = 240) -> Markup:
    """Return an escaped excerpt of `text` around the first query match, matches <mark>ed.

    Words are compared in their indexed form (folded, stemmed in `language`), so
    "refunds" marks "refund" and "Rueckerstattung" marks "Rückerstattung".
    """
    analyzer = SCHEMA[f"body_{language}"].analyzer
    matches = [(m.start(), m.end()) for m in _SNIPPET_TOKENS.finditer(text)
               if analyzer.term(m.group(0)) in terms] if terms else []
    start = 0
    if matches and matches[0][0] > 80:
        start = text.find(" ", matches[0][0] - 70) + 1
    end = min(len(text), start + width)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + width // 2)
    parts, cursor = [Markup("…") if start else Markup("")], start
    for begin, finish in matches:
        if begin < start or finish > end:
            continue
        parts += [escape(text[cursor:begin]), Markup("<mark>%s</mark>") % text[begin:finish]]
        cursor = finish
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append(Markup("…"))
    return Markup("").join(parts)


def terms_by_language(parsed) -> dict[str, set[str]]:
    """The indexed terms of a parsed query, by the language of their field."""
    terms: dict[str, set[str]] = {lang: set() for lang in LANGS}
    for fieldname, text in parsed.iter_all_terms():
        lang = fieldname.rsplit("_", 1)[-1]
        if lang in terms:
            terms[lang].add(text if isinstance(text, str) else text.decode("utf-8"))
    return terms
