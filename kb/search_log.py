"""The search log: every search from the KB pages, the new-ticket form and the staff
ticket page, what it found, whether a result was opened, and (on the new-ticket form)
whether the ticket was filed anyway.

No identity is stored: no user id, no address, no ticket; the reader is kept only as a
class (`ReaderClass`), and e-mail addresses and long numbers are taken out of the query.

Logging must never slow or break a search: a search is a read (GET), so its row is
written in a short transaction of its own, right after the search, and any failure to
write is logged and forgotten. A page names its row by a signed reference (`ref`), which
the results' links, the typeahead's next request and the new-ticket form carry back.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from helpdesk.clock import utcnow
from helpdesk.config import LANGUAGE_CODES
from helpdesk.database import writing
from helpdesk.extensions import db
from kb.analysis import language_analyzer
from kb.evidence_models import ReaderClass, SearchLog, SearchOpen, SearchSource
from kb.permissions import is_staff

log = logging.getLogger(__name__)

QUERY_MAX = 200
# A typeahead keeps updating its search's row while it types, for this long, unless a
# result of it was opened (then the next words are a new search).
TYPING_WINDOW = timedelta(minutes=30)
MAX_REFS = 20                 # search references a new-ticket form carries back

_EMAIL = re.compile(r"\S+@\S+")
_LONG_NUMBER = re.compile(r"\d[\d ./-]{4,}\d")      # order, phone, IBAN-like numbers
_WORDS = re.compile(r"\w+(?:[.-]\w+)*")
_DE, _EN = language_analyzer("de"), language_analyzer("en")


# -- what is stored ---------------------------------------------------------------------

def reader_class(user) -> ReaderClass:
    """The class of reader `user` is: anonymous, customer, level 1-3 or admin."""
    if not getattr(user, "is_authenticated", False):
        return ReaderClass.anonymous
    if not is_staff(user):
        return ReaderClass.customer
    if user.is_admin:
        return ReaderClass.admin
    return {1: ReaderClass.l1, 2: ReaderClass.l2}.get(int(user.level or 1), ReaderClass.l3)


def normalise(text: str) -> str:
    """The query as stored: lower case, single spaces, no e-mail address or long number."""
    text = _LONG_NUMBER.sub(" ", _EMAIL.sub(" ", text or ""))
    return " ".join(text.lower().split())[:QUERY_MAX]


def stem_key(text: str) -> str:
    """The stemmed words of a query, sorted: the key that groups searches into one gap.

    Each word is stemmed as German and as English and the shorter stem is kept, so the
    key does not depend on the language the reader happened to use ("Rücksendungen",
    "rücksendung" and "Ruecksendung" are all "ruecksend"). Stop words are left out.
    """
    stems = set()
    for match in _WORDS.finditer(text or ""):
        word = match.group(0)
        candidates = [t for t in (_DE.term(word), _EN.term(word)) if t]
        if candidates:
            stems.add(min(candidates, key=lambda t: (len(t), t)))
    return " ".join(sorted(stems))[:QUERY_MAX]


# -- references a page carries ------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="kb-search-log")


def make_ref(search_id: int) -> str:
    return _serializer().dumps(search_id)


def read_ref(ref: str | None) -> int | None:
    """The search id a reference names, or None for a missing or forged one."""
    if not ref or len(ref) > 100:
        return None
    try:
        value = _serializer().loads(ref)
    except BadSignature:
        return None
    return value if isinstance(value, int) and value > 0 else None


def read_refs(text: str | None) -> list[int]:
    """The search ids of a comma-separated list of references (a new-ticket form's)."""
    ids = (read_ref(ref.strip()) for ref in (text or "").split(",")[:MAX_REFS])
    return sorted({i for i in ids if i is not None})


# -- writing the log ----------------------------------------------------------------------

def own_transaction(work: Callable[[sa.Connection], object]):
    """Run `work` in a short writing transaction of its own; None if anything failed.

    The request's session stays a reader (on SQLite it never has to upgrade its read to
    the write lock), and a failure to log costs the page nothing.
    """
    try:
        with writing(), db.engine.begin() as conn:
            return work(conn)
    except Exception:      # noqa: BLE001 (the log must never break a search)
        log.warning("could not write to the search log", exc_info=True)
        return None


def log_search(result, *, user, source: str | None = None, language: str = "en",
               previous: str | None = None) -> str | None:
    """Log a search (`kb.search.SearchResult`) and return the reference of its row.

    Only first pages of searches that ran are logged (not paging, not an unavailable
    index, not a query of stop words only). `previous`: the reference of the row the
    same typeahead wrote a moment ago, which is updated instead of adding a row while it
    belongs to the same reader and source, is recent and none of its results was opened.
    """
    try:
        return _log_search(result, user=user, source=source, language=language,
                           previous=previous)
    except Exception:      # noqa: BLE001 (the log must never break a search)
        log.warning("could not log a search", exc_info=True)
        return None


def _log_search(result, *, user, source, language, previous) -> str | None:
    if result.unavailable or result.page != 1 or not result.query:
        return None
    query = normalise(result.query)
    key = stem_key(query)
    if not key:
        return None
    source = SearchSource(source) if source in SearchSource._value2member_map_ \
        else SearchSource.kb
    reader = reader_class(user)
    now = utcnow()
    values = {"query": query, "key": key,
              "language": language if language in LANGUAGE_CODES else "en",
              "hits": len(result.hits) + (1 if result.has_next else 0), "searched_at": now}
    previous_id = read_ref(previous)
    table = SearchLog.__table__

    def write(conn: sa.Connection) -> int:
        if previous_id is not None:
            opened = sa.select(SearchOpen.search_id).where(
                SearchOpen.search_id == previous_id).exists()
            updated = conn.execute(sa.update(table).where(
                table.c.id == previous_id, table.c.source == source.value,
                table.c.reader == reader.value, table.c.filed.is_(False),
                table.c.searched_at > now - TYPING_WINDOW, ~opened).values(**values))
            if updated.rowcount == 1:
                return previous_id
        inserted = conn.execute(sa.insert(table).values(
            source=source.value, reader=reader.value, filed=False, **values))
        return inserted.inserted_primary_key[0]
    search_id = own_transaction(write)
    return make_ref(search_id) if search_id else None


def record_open(ref: str | None, article_id: int) -> bool:
    """Record that a result of the search `ref` names was opened (once per article)."""
    search_id = read_ref(ref)
    if search_id is None:
        return False

    def write(conn: sa.Connection) -> bool:
        exists = conn.execute(sa.select(SearchLog.id).where(SearchLog.id == search_id)).first()
        if exists is None:
            return False       # pruned meanwhile
        done = conn.execute(sa.select(SearchOpen.id).where(
            SearchOpen.search_id == search_id, SearchOpen.article_id == article_id)).first()
        if done is None:
            conn.execute(sa.insert(SearchOpen.__table__).values(
                search_id=search_id, article_id=article_id, opened_at=utcnow()))
        return True
    return bool(own_transaction(write))


def mark_filed(refs: str | None) -> int:
    """The new-ticket form that carried `refs` filed its ticket: mark its searches.

    Runs in the ticket's transaction (the caller commits); stores nothing about the
    ticket or its customer.
    """
    ids = read_refs(refs)
    if not ids:
        return 0
    return db.session.execute(sa.update(SearchLog).where(
        SearchLog.id.in_(ids), SearchLog.source == SearchSource.new_ticket).values(
        filed=True)).rowcount


def prune(*, older_than: timedelta) -> int:
    """Delete searches (and the articles opened from them) older than `older_than`.

    Returns how many searches went. The caller commits.
    """
    cutoff = utcnow() - older_than
    old = sa.select(SearchLog.id).where(SearchLog.searched_at < cutoff)
    db.session.execute(sa.delete(SearchOpen).where(SearchOpen.search_id.in_(old)))
    return db.session.execute(sa.delete(SearchLog).where(
        SearchLog.searched_at < cutoff)).rowcount

