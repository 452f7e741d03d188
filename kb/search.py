"""Searching the knowledge base: what people type in, what they may read, what they get.

`search()` never raises on user syntax: it falls back to plain words, bounds wildcards,
retries with typo tolerance when nothing matches, and always filters by the reader's
permissions inside the index (a `filter=` query, never post-filtering).
"""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from whoosh import qparser
from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimit
from whoosh.index import LockError

from helpdesk.extensions import db
from helpdesk.text_input import clean_text
from kb import index, index_upkeep
from kb.analysis import STOPWORDS, fold
from kb.models import Article
from kb.permissions import read_scope
from kb.snippets import snippet, terms_by_language

MAX_QUERY_CHARS = 200
MAX_PAGE = 50
RESULT_CACHE_SIZE = 256
_TEXT_FIELDS = [f"{kind}_{lang}" for kind in ("title", "tags", "body") for lang in index.LANGS]
_WORD = re.compile(r"\w+")
# A damaged index (or one being rebuilt for longer than KB_REBUILD_WAIT) makes search
# answer "unavailable" instead of failing the page.
UNAVAILABLE = (index.IndexUnavailable, LockError, *index.DAMAGE_ERRORS)


def _make_parser(group) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(_TEXT_FIELDS, index.SCHEMA, group=group)
    # Nobody may type `visibility:internal`, boost scores or ask for ranges.
    for plugin in (qparser.FieldsPlugin, qparser.BoostPlugin, qparser.RangePlugin):
        parser.remove_plugin_class(plugin)
    return parser


# Every word must match (fast, precise); if nothing does, any word may (see search()).
_ALL_WORDS = _make_parser(qparser.AndGroup)
_ANY_WORD = _make_parser(qparser.OrGroup)


@dataclass
class Hit:
    id: int
    title: str
    summary: str
    language: str
    status: str
    visibility: str
    category: str
    score: float
    snippet: Markup = Markup("")

    def as_json(self) -> dict:
        return {"id": self.id, "title": self.title, "summary": self.summary,
                "language": self.language, "score": round(self.score, 4),
                "snippet": str(self.snippet), "status": self.status,
                "visibility": self.visibility, "category": self.category}


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    per_page: int = 10
    has_next: bool = False
    corrected: str | None = None       # the query shown instead (typo tolerance)
    did_you_mean: str | None = None    # a suggestion to click
    message: str | None = None
    timed_out: bool = False
    unavailable: bool = False          # the index could not be read (see kb.index_upkeep)


# -- query building -------------------------------------------------------------------

def _bound(node):
    """Bound what one query node may cost.

    A wildcard needs two leading letters (else it becomes a plain word), and a phrase on
    a field without positions becomes an AND of its words.
    """
    if isinstance(node, wq.Phrase) and not index.SCHEMA[node.fieldname].format.supports(
            "positions"):
        return wq.And([wq.Term(node.fieldname, w) for w in node.words])
    if isinstance(node, wq.Wildcard | wq.Prefix):
        text = fold(node.text.lower())
        literal = re.split(r"[*?]", text, maxsplit=1)[0]
        if len(literal) < 2:
            word = text.strip("*?").replace("*", "").replace("?", "")
            return _words_query(word, node.fieldname) if word else wq.NullQuery
        return type(node)(node.fieldname, text)
    return node


def _tree_unions(node):
    """Use a tree of union matchers: it can skip blocks that cannot reach the top hits
    (Whoosh otherwise preloads every match on segments under 5,000 documents)."""
    if type(node) is wq.Or:
        node.matcher_type = wq.Or.DEFAULT_MATCHER
    return node


def _word_fields(node) -> tuple[list, list] | None:
    """Split one word's OR over all fields into (body terms, title and tag terms)."""
    if type(node) is not wq.Or or not all(isinstance(t, wq.Term) for t in node.subqueries):
        return None
    body = [t for t in node.subqueries if t.fieldname.startswith("body_")]
    rest = [t for t in node.subqueries if not t.fieldname.startswith("body_")]
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


def _words_query(text: str, fieldname: str | None = None):
    """An OR of the plain words of `text` (the fallback that never fails)."""
    words = [w.lower() for w in _WORD.findall(text)][:32]
    if not words:
        return wq.NullQuery
    fields = [fieldname] if fieldname else _TEXT_FIELDS
    parts = []
    for name in fields:
        analyzer = index.SCHEMA[name].analyzer
        for word in words:
            parts.extend(wq.Term(name, t.text) for t in analyzer(word, mode="query"))
    return wq.Or(parts).normalize() if parts else wq.NullQuery


def parse(text: str, *, any_word: bool = False):
    """Turn what a person typed into a query; malformed syntax falls back to plain words."""
    text = (text or "")[:MAX_QUERY_CHARS]
    try:
        parsed = (_ANY_WORD if any_word else _ALL_WORDS).parse(text)
        parsed = parsed.accept(_bound).normalize()
        if not any_word:             # for "any word" the plain union measured faster
            parsed = _match_on_body(parsed)
        parsed = parsed.accept(_tree_unions)
    except Exception:  # noqa: BLE001 -- Whoosh's parser raises assorted errors on odd input
        parsed = _words_query(text)
    return parsed


def only_stop_words(text: str) -> bool:
    words = [fold(w.lower()) for w in _WORD.findall(text or "")]
    return bool(words) and all(w in STOPWORDS or len(w) < 2 for w in words)


def get_locale_name() -> str:
    """The interface language: messages in a cached result are in it."""
    return str(get_locale() or "en")


def scope_filter(user, *, category: str | None = None, language: str | None = None):
    """The index query selecting what `user` may read, narrowed by the page's filters."""
    scope = read_scope(user)
    parts = [wq.Term("kind", "article"),
             wq.Or([wq.Term("status", str(s)) for s in scope.statuses]),
             wq.Or([wq.Term("visibility", str(v)) for v in scope.visibilities])]
    if category:
        parts.append(wq.Term("category", category))
    if language in index.LANGS:
        parts.append(wq.Term("language", language))
    return wq.And(parts), f"{scope.key}|{category or ''}|{language or ''}"


def _allowed_docs(searcher, filter_query, key: str) -> set[int]:
    """The document numbers the filter admits, cached on the (per-process) searcher."""
    cache = searcher.__dict__.setdefault("_kb_filters", {})
    docs = cache.get(key)
    if docs is None:
        if len(cache) > 64:
            cache.clear()
        docs = cache[key] = set(searcher.docs_for_query(filter_query))
    return docs


# -- searching ------------------------------------------------------------------------

class _BoundedFilterCollector(FilterCollector):
    """Whoosh's `filter=` collector that also stops at a deadline (partial results)."""

    def __init__(self, child, allow: set[int], timelimit: float):
        super().__init__(child, allow=allow)
        # Whoosh treats an empty allow-set as "no filter"; keep our own, so empty means none.
        self.allowed = allow
        self.deadline = time.monotonic() + timelimit

    def collect_matches(self):
        child, allow, offset, deadline = self.child, self.allowed, self.offset, self.deadline
        for count, sub_docnum in enumerate(child.matches(), 1):
            if not count % 256 and time.monotonic() > deadline:
                raise TimeLimit
            if offset + sub_docnum in allow:
                child.collect(sub_docnum)


def _run(searcher, parsed, allowed: set[int], limit: int, timelimit: float):
    collector = _BoundedFilterCollector(searcher.collector(limit=limit, terms=False),
                                        allowed, timelimit)
    timed_out = False
    try:
        searcher.search_with_collector(parsed, collector)
    except TimeLimit:
        timed_out = True
    return collector.results(), timed_out


def _hit(whoosh_hit, terms: dict[str, set[str]] | None) -> Hit:
    stored = whoosh_hit.fields()
    hit = Hit(id=int(stored["id"]), title=stored["title"], summary=stored.get("summary", ""),
              language=stored["language"], status=stored["status"],
              visibility=stored["visibility"], category=stored.get("category", ""),
              score=float(whoosh_hit.score or 0.0))
    if terms is not None:
        hit.snippet = snippet(stored.get("snippet", ""), hit.language,
                              terms.get(hit.language, set()))
    return hit


def _known(reader, word: str) -> bool:
    """Whether `word` is in the index: as written, or as a stem in either language."""
    if ("spell", word) in reader:
        return True
    for lang in index.LANGS:
        analyzer = index.SCHEMA[f"body_{lang}"].analyzer
        for token in analyzer(word, mode="query"):
            if any((f"{kind}_{lang}", token.text) in reader for kind in ("title", "body")):
                return True
    return False


def _correction(searcher, text: str) -> str | None:
    """Return `text` with unknown words replaced by the closest indexed word, or None."""
    reader = searcher.reader()
    corrector = searcher.corrector("spell")
    changed = False

    def fix(match):
        nonlocal changed
        word = fold(match.group(0).lower())
        if len(word) < 3 or word in STOPWORDS or _known(reader, word):
            return match.group(0)
        suggestions = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
        if suggestions and suggestions[0] != word:
            changed = True
            return suggestions[0]
        return match.group(0)

    corrected = _WORD.sub(fix, text)
    return corrected if changed else None


def search(text: str, user, *, category: str | None = None, language: str | None = None,
           page: int = 1, per_page: int = 10, highlight: bool = True,
           app: Flask | None = None) -> SearchResult:
    """Search the articles `user` may read. Never raises on what a person typed."""
    app = app or current_app._get_current_object()
    text = " ".join(clean_text(text or "").split())[:MAX_QUERY_CHARS]
    page = min(max(int(page or 1), 1), MAX_PAGE)
    result = SearchResult(query=text, page=page, per_page=per_page)
    if not text:
        return result
    parsed = parse(text)
    if parsed is wq.NullQuery or (not parsed.is_leaf() and not list(parsed.leaves())):
        result.message = (_("Your search only contained very common words. Try a more "
                            "specific word.") if only_stop_words(text)
                          else _("Please type a word to search for."))
        return result
    filter_query, key = scope_filter(user, category=category, language=language)
    try:
        index_upkeep.catch_up(app)
        s = index.searcher(app)
        # Popular questions and typeahead prefixes repeat: answers are kept per searcher,
        # so any index change (a new searcher) starts afresh.
        cache = s.__dict__.setdefault("_kb_results", OrderedDict())
        cache_key = (text, key, page, per_page, highlight, get_locale_name())
        if cache_key in cache:
            cache.move_to_end(cache_key)
            result = cache[cache_key]
        else:
            result = _search(s, text, parsed, filter_query, key, result, app, highlight)
            cache[cache_key] = result
            if len(cache) > RESULT_CACHE_SIZE:
                cache.popitem(last=False)
    except UNAVAILABLE as exc:
        index_upkeep.note_unavailable(app, exc)
        result.unavailable = True
        result.message = _("Search is unavailable right now; please try again in a few "
                           "minutes. Articles and tickets can still be opened as usual.")
        return result
    index_upkeep.note_available(app)
    hits = in_database(result.hits, user)
    return result if len(hits) == len(result.hits) else replace(
        result, hits=hits, message=result.message if hits else _(
            "No articles match your search."))


def in_database(hits: list[Hit], user) -> list[Hit]:
    """Keep the hits whose article the database has and `user` may read there.

    The index is a copy: after a database restore it may hold articles the database
    does not (until it is rebuilt), and a change may not be applied yet.
    """
    if not hits:
        return hits
    scope = read_scope(user)
    readable = {article_id for article_id, status, visibility in db.session.execute(
        _ARTICLE_STATES, {"ids": [hit.id for hit in hits]})
        if status in scope.statuses and visibility in scope.visibilities}
    return [hit for hit in hits if hit.id in readable]


# One statement for every search (SQLAlchemy compiles it once).
_ARTICLE_STATES = sa.select(Article.id, Article.status, Article.visibility).where(
    Article.id.in_(sa.bindparam("ids", expanding=True)))


def _search(s, text, parsed, filter_query, key, result, app, highlight) -> SearchResult:
    page, per_page = result.page, result.per_page
    allowed = _allowed_docs(s, filter_query, key)
    timelimit = float(app.config.get("KB_SEARCH_TIME_LIMIT", 0.5))
    limit = page * per_page + 1
    results, result.timed_out = _run(s, parsed, allowed, limit, timelimit)
    if not results.scored_length() and " " in text:
        parsed = parse(text, any_word=True)
        results, result.timed_out = _run(s, parsed, allowed, limit, timelimit)
    correction = _correction(s, text)
    if correction:
        # Offer a correction only if it finds something this reader may see (the
        # vocabulary of internal articles must not leak through "did you mean").
        fixed_query = parse(correction, any_word=True)
        fixed, fixed_timed_out = _run(s, fixed_query, allowed, limit, timelimit)
        if fixed.scored_length() and not results.scored_length():
            results, result.timed_out, result.corrected = fixed, fixed_timed_out, correction
            parsed = fixed_query
        elif fixed.scored_length():
            result.did_you_mean = correction
    start = (page - 1) * per_page
    found = [results[i] for i in range(start, min(results.scored_length(), start + per_page))]
    terms = terms_by_language(parsed) if highlight else None
    result.hits = [_hit(h, terms) for h in found]
    result.has_next = results.scored_length() > start + per_page
    if not result.hits:
        result.message = _("No articles match your search.")
    return result


def suggest_for_text(text: str, user, *, limit: int = 5, app: Flask | None = None) -> list[Hit]:
    """Articles for free text (a ticket's subject and body): its rarest words, OR-ed."""
    app = app or current_app._get_current_object()
    filter_query, key = scope_filter(user)
    try:
        index_upkeep.catch_up(app)
        s = index.searcher(app)
        words = _distinctive_words(s, clean_text(text or ""), 12)
        if not words:
            return []
        results, _timed_out = _run(s, parse(" ".join(words), any_word=True),
                                   _allowed_docs(s, filter_query, key), limit,
                                   float(app.config.get("KB_SEARCH_TIME_LIMIT", 0.5)))
        hits = [_hit(results[i], None) for i in range(results.scored_length())]
    except UNAVAILABLE as exc:
        index_upkeep.note_unavailable(app, exc)   # the ticket page shows no suggestions
        return []
    return in_database(hits, user)


def _distinctive_words(searcher, text: str, count: int) -> list[str]:
    """The `count` words of `text` that the fewest articles contain (they say the most)."""
    reader = searcher.reader()
    scored = {}
    for word in _WORD.findall((text or "")[:2000]):
        folded = fold(word.lower())
        if folded in scored or len(folded) < 3 or folded in STOPWORDS or folded.isdigit():
            continue
        frequency = sum(reader.doc_frequency(f"body_{lang}", index.SCHEMA[
            f"body_{lang}"].analyzer.term(word) or "") for lang in index.LANGS)
        if frequency:
            scored[folded] = frequency
    return sorted(scored, key=scored.get)[:count]


def suggest_for_ticket(ticket, user, *, limit: int = 5) -> list[Hit]:
    """Suggested articles for a ticket, from its subject (twice: it says most) and body."""
    return suggest_for_text(f"{ticket.subject} {ticket.subject} {(ticket.body or '')[:600]}",
                            user, limit=limit)
