"""Searching the knowledge base: what people type in, what they may read, what they get.

`search()` never raises on user syntax: it falls back to plain words, bounds wildcards,
retries with typo tolerance when nothing matches, and always filters by the reader's
permissions inside the index (a `filter=` query, never post-filtering).

Its parts: query parsing and the permission filter (`kb.search_query`), hits and their
check against the database (`kb.search_results`), typo correction and a ticket's telling
words (`kb.search_words`).
"""
from __future__ import annotations

from dataclasses import replace

from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from whoosh.index import LockError

from helpdesk.text_input import clean_text
from kb import index, index_upkeep, search_expansion
from kb.search_query import MAX_QUERY_CHARS, is_empty, only_stop_words, parse, scope_filter
from kb.search_results import Hit, SearchResult, hit_from, in_database
from kb.search_words import correction, distinctive_words
from kb.snippets import terms_by_language
from kb.whoosh_internals import BoundedFilterCollector, TimeLimit, searcher_cache

__all__ = ["MAX_PAGE", "MAX_QUERY_CHARS", "Hit", "SearchResult", "UNAVAILABLE", "in_database",
           "only_stop_words", "parse", "scope_filter", "search", "suggest_for_text",
           "suggest_for_ticket"]

MAX_PAGE = 50
RESULT_CACHE_SIZE = 256
# A damaged index (or one being rebuilt for longer than KB_REBUILD_WAIT) makes search
# answer "unavailable" instead of failing the page.
UNAVAILABLE = (index.IndexUnavailable, LockError, *index.DAMAGE_ERRORS)


def get_locale_name() -> str:
    """The interface language: messages in a cached result are in it."""
    return str(get_locale() or "en")


def _allowed_docs(searcher, filter_query, key: str) -> set[int]:
    """The document numbers the filter admits, cached per searcher (per process)."""
    cache = searcher_cache(searcher, "filters")
    docs = cache.get(key)
    if docs is None:
        if len(cache) > 64:
            cache.clear()
        docs = cache[key] = set(searcher.docs_for_query(filter_query))
    return docs


def _run(searcher, parsed, allowed: set[int], limit: int, timelimit: float):
    collector = BoundedFilterCollector(searcher.collector(limit=limit, terms=False),
                                       allowed, timelimit)
    timed_out = False
    try:
        searcher.search_with_collector(parsed, collector)
    except TimeLimit:
        timed_out = True
    return collector.results(), timed_out


def _time_limit(app: Flask) -> float:
    return float(app.config.get("KB_SEARCH_TIME_LIMIT", 0.5))


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
    if is_empty(parsed):
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
        cache = searcher_cache(s, "results")
        cache_key = (text, key, page, per_page, highlight, get_locale_name(),
                     search_expansion.cache_key())      # synonyms, dictionary
        if cache_key in cache:
            result = cache[cache_key] = cache.pop(cache_key)      # the most recent last
        else:
            result = _search(s, text, parsed, filter_query, key, result, app, highlight)
            cache[cache_key] = result
            if len(cache) > RESULT_CACHE_SIZE:
                del cache[next(iter(cache))]
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


def _search(s, text, parsed, filter_query, key, result, app, highlight) -> SearchResult:
    page, per_page = result.page, result.per_page
    allowed = _allowed_docs(s, filter_query, key)
    timelimit = _time_limit(app)
    limit = page * per_page + 1
    results, result.timed_out = _run(s, parsed, allowed, limit, timelimit)
    if not results.scored_length() and " " in text:
        parsed = parse(text, any_word=True)
        results, result.timed_out = _run(s, parsed, allowed, limit, timelimit)
    corrected = correction(s, text)
    if corrected:
        # Offer a correction only if it finds something this reader may see (the
        # vocabulary of internal articles must not leak through "did you mean").
        fixed_query = parse(corrected, any_word=True)
        fixed, fixed_timed_out = _run(s, fixed_query, allowed, limit, timelimit)
        if fixed.scored_length() and not results.scored_length():
            results, result.timed_out, result.corrected = fixed, fixed_timed_out, corrected
            parsed = fixed_query
        elif fixed.scored_length():
            result.did_you_mean = corrected
    start = (page - 1) * per_page
    found = [results[i] for i in range(start, min(results.scored_length(), start + per_page))]
    terms = terms_by_language(parsed) if highlight else None
    result.hits = [hit_from(h, terms) for h in found]
    result.has_next = results.scored_length() > start + per_page
    if not result.hits:
        result.message = _("No articles match your search.")
    return result


def suggest_for_text(text: str, user, *, limit: int = 5, app: Flask | None = None,
                     language: str | None = None) -> list[Hit]:
    """Articles for free text (a ticket's subject and body): its rarest words, OR-ed;
    of translation twins the one in `language` (default: the reader's)."""
    app = app or current_app._get_current_object()
    filter_query, key = scope_filter(user)
    try:
        index_upkeep.catch_up(app)
        s = index.searcher(app)
        words = distinctive_words(s, clean_text(text or ""), 12)
        if not words:
            return []
        results, _timed_out = _run(s, parse(" ".join(words), any_word=True),
                                   _allowed_docs(s, filter_query, key), limit,
                                   _time_limit(app))
        hits = [hit_from(results[i], None) for i in range(results.scored_length())]
    except UNAVAILABLE as exc:
        index_upkeep.note_unavailable(app, exc)   # the ticket page shows no suggestions
        return []
    return in_database(hits, user, language=language)


def suggest_for_ticket(ticket, user, *, limit: int = 5) -> list[Hit]:
    """Suggested articles for a ticket, from its subject (twice: it says most) and body;
    of translation twins the one in the customer's language (it goes into their reply)."""
    requester = getattr(ticket, "requester", None)
    return suggest_for_text(f"{ticket.subject} {ticket.subject} {(ticket.body or '')[:600]}",
                            user, limit=limit, language=getattr(requester, "language", None))
