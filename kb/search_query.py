"""From what a person typed to a Whoosh query: parsing, bounding its cost, and the
reader's permissions as an index filter.

`parse()` never raises on user syntax: malformed input falls back to plain words.
"""
from __future__ import annotations

import re

from whoosh import qparser
from whoosh import query as wq

from kb import search_expansion
from kb.analysis import STOPWORDS, fold
from kb.index_schema import LANGS, SCHEMA, has_positions
from kb.permissions import read_scope
from kb.whoosh_internals import use_union_tree

MAX_QUERY_CHARS = 200
TEXT_FIELDS = [f"{kind}_{lang}" for kind in ("title", "tags", "body") for lang in LANGS]
WORD = re.compile(r"\w+")


def _make_parser(group) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(TEXT_FIELDS, SCHEMA, group=group)
    # Nobody may type `visibility:internal`, boost scores or ask for ranges.
    for plugin in (qparser.FieldsPlugin, qparser.BoostPlugin, qparser.RangePlugin):
        parser.remove_plugin_class(plugin)
    return parser


# Every word must match (fast, precise); if nothing does, any word may (see kb.search).
_ALL_WORDS = _make_parser(qparser.AndGroup)
_ANY_WORD = _make_parser(qparser.OrGroup)


def _bound(node):
    """Bound what one query node may cost.

    A wildcard needs two leading letters (else it becomes a plain word), and a phrase on
    a field without positions becomes an AND of its words.
    """
    if isinstance(node, wq.Phrase) and not has_positions(node.fieldname):
        return wq.And([wq.Term(node.fieldname, w) for w in node.words])
    if isinstance(node, wq.Wildcard | wq.Prefix):
        text = fold(node.text.lower())
        literal = re.split(r"[*?]", text, maxsplit=1)[0]
        if len(literal) < 2:
            word = text.strip("*?").replace("*", "").replace("?", "")
            return words_query(word, node.fieldname) if word else wq.NullQuery
        return type(node)(node.fieldname, text)
    return node


def _field_of(node) -> str | None:
    """The field of a term, or of an AND of terms in one field (a two-word synonym or
    translation, kb.search_expansion); None for anything else."""
    if isinstance(node, wq.Term):
        return node.fieldname
    if type(node) is wq.And and node.subqueries and all(
            isinstance(t, wq.Term) for t in node.subqueries):
        names = {t.fieldname for t in node.subqueries}
        return names.pop() if len(names) == 1 else None
    return None


def _word_fields(node) -> tuple[list, list] | None:
    """Split one word's OR over all fields into (body terms, title and tag terms)."""
    if type(node) is not wq.Or:
        return None
    fields = [_field_of(t) for t in node.subqueries]
    if None in fields:
        return None
    body = [t for t, name in zip(node.subqueries, fields, strict=True)
            if name.startswith("body_")]
    rest = [t for t, name in zip(node.subqueries, fields, strict=True)
            if not name.startswith("body_")]
    return (body, rest) if body else None


def _match_on_body(parsed):
    """Rewrite a query of plain words to match on the body field and score titles and tags.

    The body field also holds the title and the tags, so an intersection of plain body
    terms finds the same articles as an intersection of unions over every field, at a
    fraction of the cost; titles and tags still add their weight through AndMaybe.
    Queries of any other shape (NOT, phrases, wildcards) are left as they are.
    """
    words = parsed.subqueries if type(parsed) is wq.And else [parsed]
    split = [_word_fields(word) for word in words]
    if not split or any(part is None for part in split):
        return parsed
    required = [wq.Or(body).normalize() for body, _rest in split]
    optional = [term for _body, rest in split for term in rest]
    required_query = wq.And(required) if len(required) > 1 else required[0]
    return wq.AndMaybe(required_query, wq.Or(optional)) if optional else required_query


def words_query(text: str, fieldname: str | None = None):
    """An OR of the plain words of `text` (the fallback that never fails)."""
    words = [w.lower() for w in WORD.findall(text)][:32]
    if not words:
        return wq.NullQuery
    fields = [fieldname] if fieldname else TEXT_FIELDS
    parts = []
    for name in fields:
        analyzer = SCHEMA[name].analyzer
        for word in words:
            parts.extend(wq.Term(name, t.text) for t in analyzer(word, mode="query"))
    return wq.Or(parts).normalize() if parts else wq.NullQuery


def parse(text: str, *, any_word: bool = False):
    """Turn what a person typed into a query; malformed syntax falls back to plain words."""
    text = (text or "")[:MAX_QUERY_CHARS]
    try:
        parsed = (_ANY_WORD if any_word else _ALL_WORDS).parse(text)
        parsed = parsed.accept(_bound)
        # Synonyms and translations join each word's OR (kb.search_expansion).
        parsed = parsed.accept(search_expansion.expander(search_expansion.plan(text)))
        parsed = parsed.normalize()
        if not any_word:             # for "any word" the plain union measured faster
            parsed = _match_on_body(parsed)
        parsed = parsed.accept(use_union_tree)
    except Exception:  # noqa: BLE001 -- Whoosh's parser raises assorted errors on odd input
        parsed = words_query(text)
    return parsed


def is_empty(parsed) -> bool:
    """Whether a parsed query has nothing left to match (only stop words, punctuation)."""
    return parsed is wq.NullQuery or (not parsed.is_leaf() and not list(parsed.leaves()))


def only_stop_words(text: str) -> bool:
    words = [fold(w.lower()) for w in WORD.findall(text or "")]
    return bool(words) and all(w in STOPWORDS or len(w) < 2 for w in words)


def scope_filter(user, *, category: str | None = None, language: str | None = None):
    """The index query selecting what `user` may read, narrowed by the page's filters,
    and a key naming it (for caches)."""
    scope = read_scope(user)
    parts = [wq.Term("kind", "article"),
             wq.Or([wq.Term("status", str(s)) for s in scope.statuses]),
             wq.Or([wq.Term("visibility", str(v)) for v in scope.visibilities])]
    if category:
        parts.append(wq.Term("category", category))
    if language in LANGS:
        parts.append(wq.Term("language", language))
    return wq.And(parts), f"{scope.key}|{category or ''}|{language or ''}"
