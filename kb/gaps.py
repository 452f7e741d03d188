"""Knowledge gaps: what people search for and do not find, and escalations solved without
an article — the evidence level 2 writes articles from.

Two kinds of gap, over a period:

* searches with no or few hits (at most KB_GAP_MAX_HITS; a few-hit search counts unless
  a result of it was opened and no ticket filed after it), grouped by their stemmed words
  (`kb.search_log.stem_key`), most frequent first;
* tickets resolved at level 2 or 3 with no article linked to them, and no knowledge
  decision on resolving that settles them (only "a new article is needed" does not, until
  its draft is published).

A gap leaves the list by itself once the knowledge base answers it: the search, run again
now for the readers who searched, finds more than KB_GAP_MAX_HITS hits, or a hit that
changed after the last of those searches (bounded: at most KB_GAP_RECHECK searches are run
again per page); a ticket gets an article linked, or an article written from it is
published. Level 2 may also dismiss a gap (kept, with who and when).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_login import AnonymousUserMixin

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.text_input import whole_number
from helpdesk.tickets.models import EventKind, KnowledgeDecision, Status, Ticket, TicketEvent
from helpdesk.tickets.permissions import visible_tickets
from kb.evidence_models import (
    GapArticle,
    GapDismissal,
    GapKind,
    ReaderClass,
    SearchLog,
    SearchOpen,
)
from kb.models import Article, ArticleStatus, TicketArticle
from kb.search_log import normalise, stem_key

PERIODS = (7, 30, 90)
_DONE = (Status.resolved.value, Status.closed.value)
_PUBLIC_READERS = (ReaderClass.anonymous, ReaderClass.customer)


class _Agent:
    """Stands for "a level-1 agent" when a gap's search is run again for staff."""

    is_authenticated = is_active = is_staff = True
    is_admin = False
    level = 1


@dataclass
class SearchGap:
    key: str
    query: str                               # the most frequent wording
    searches: int
    last_searched: datetime
    readers: list[tuple[ReaderClass, int]]   # who searched, most first
    language: str
    articles: list[Article] = field(default_factory=list)   # written from this gap

    @property
    def public(self) -> bool:
        return any(reader in _PUBLIC_READERS for reader, _n in self.readers)


@dataclass
class TicketGap:
    ticket: Ticket
    resolved_at: datetime
    articles: list[Article] = field(default_factory=list)


def _since(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def _max_hits() -> int:
    return int(current_app.config.get("KB_GAP_MAX_HITS", 1))


def _dismissed(kind: GapKind):
    return sa.select(GapDismissal.key).where(GapDismissal.kind == kind)


def _written_from(kind: GapKind, keys) -> dict[str, list[Article]]:
    found: dict[str, list[Article]] = defaultdict(list)
    if not keys:
        return found
    for key, article in db.session.execute(
            sa.select(GapArticle.key, Article).join(Article, Article.id == GapArticle.article_id)
            .where(GapArticle.kind == kind, GapArticle.key.in_(keys))
            .order_by(GapArticle.id)):
        found[key].append(article)
    return found


# -- searches -----------------------------------------------------------------------------

def search_gaps(*, days: int = 30, limit: int = 25) -> list[SearchGap]:
    """The most frequent searches with few hits in the last `days` days that the knowledge
    base still does not answer, grouped by stem, not dismissed."""
    since, max_hits = _since(days), _max_hits()
    recheck = int(current_app.config.get("KB_GAP_RECHECK", 40))
    # A search with a few hits of which one was opened (and no ticket filed after it) found
    # its answer; with none opened, or filed anyway, it did not.
    opened = sa.select(SearchOpen.search_id).where(SearchOpen.search_id == SearchLog.id)
    few = sa.and_(SearchLog.searched_at >= since, SearchLog.hits <= max_hits,
                  sa.or_(SearchLog.hits == 0, SearchLog.filed.is_(True), ~opened.exists()))
    count = sa.func.count().label("n")
    candidates = list(db.session.execute(
        sa.select(SearchLog.key, count, sa.func.max(SearchLog.searched_at))
        .where(few, SearchLog.key.not_in(_dismissed(GapKind.search)))
        .group_by(SearchLog.key).order_by(count.desc(), SearchLog.key)
        .limit(max(limit, recheck))))
    if not candidates:
        return []
    keys = [key for key, _n, _last in candidates]
    wordings: dict[str, Counter] = defaultdict(Counter)
    languages: dict[str, Counter] = defaultdict(Counter)
    readers: dict[str, Counter] = defaultdict(Counter)
    for key, query, language, reader, n in db.session.execute(
            sa.select(SearchLog.key, SearchLog.query, SearchLog.language, SearchLog.reader,
                      sa.func.count())
            .where(few, SearchLog.key.in_(keys))
            .group_by(SearchLog.key, SearchLog.query, SearchLog.language, SearchLog.reader)):
        wordings[key][query] += n
        languages[key][language] += n
        readers[key][ReaderClass(reader)] += n
    written = _written_from(GapKind.search, keys)
    gaps = []
    for checked, (key, n, last) in enumerate(candidates):
        if len(gaps) >= limit or checked >= recheck:
            break
        gap = SearchGap(
            key=key, query=min(wordings[key].items(), key=lambda w: (-w[1], w[0]))[0],
            searches=n, last_searched=last,
            readers=sorted(readers[key].items(), key=lambda r: (-r[1], r[0])),
            language=languages[key].most_common(1)[0][0], articles=written.get(key, []))
        if not answered_now(gap, max_hits=max_hits):
            gaps.append(gap)
    return gaps


def answered_now(gap: SearchGap, *, max_hits: int | None = None) -> bool:
    """Whether the knowledge base answers the gap's search today, for the readers who
    searched: more hits than a gap has, or a hit changed since the last search."""
    from kb.search import search

    max_hits = _max_hits() if max_hits is None else max_hits
    reader = AnonymousUserMixin() if gap.public else _Agent()
    result = search(gap.query, reader, per_page=max_hits + 1, highlight=False)
    if result.unavailable:
        return False        # cannot tell now: keep it listed
    if len(result.hits) > max_hits or result.has_next:
        return True
    if not result.hits:
        return False
    changed = db.session.scalar(sa.select(sa.func.max(Article.updated_at)).where(
        Article.id.in_([hit.id for hit in result.hits])))
    return changed is not None and changed > gap.last_searched


# -- tickets ------------------------------------------------------------------------------

def ticket_gaps(user: User, *, days: int = 30, limit: int = 25) -> list[TicketGap]:
    """Tickets resolved at level 2 or 3 in the last `days` days, visible to `user`, with
    no article linked, none published from them, not dismissed; newest first."""
    resolved = (sa.select(TicketEvent.ticket_id, sa.func.max(TicketEvent.created_at)
                          .label("resolved_at"))
                .where(TicketEvent.kind == EventKind.status, TicketEvent.new_value.in_(_DONE),
                       TicketEvent.created_at >= _since(days))
                .group_by(TicketEvent.ticket_id).subquery())
    linked = sa.select(TicketArticle.ticket_id)
    published_from = (sa.select(GapArticle.key)
                      .join(Article, Article.id == GapArticle.article_id)
                      .where(GapArticle.kind == GapKind.ticket,
                             Article.status == ArticleStatus.published))
    # The knowledge decision on resolving (helpdesk.tickets.knowledge_decision) settles a
    # ticket, unless it asked for a new article that is not published yet.
    published = sa.select(Article.id).where(Article.status == ArticleStatus.published)
    decided = sa.and_(Ticket.knowledge_decision.is_not(None), sa.or_(
        Ticket.knowledge_decision != KnowledgeDecision.new_article,
        sa.func.coalesce(Ticket.knowledge_article_id, 0).in_(published)))
    query = (visible_tickets(user).add_columns(resolved.c.resolved_at)
             .join(resolved, resolved.c.ticket_id == Ticket.id)
             .where(Ticket.level >= 2, Ticket.status.in_((Status.resolved, Status.closed)),
                    Ticket.id.not_in(linked), ~decided,
                    sa.cast(Ticket.id, sa.String).not_in(published_from),
                    sa.cast(Ticket.id, sa.String).not_in(_dismissed(GapKind.ticket)))
             .order_by(resolved.c.resolved_at.desc(), Ticket.id.desc()).limit(limit))
    rows = list(db.session.execute(query))
    written = _written_from(GapKind.ticket, [str(ticket.id) for ticket, _at in rows])
    drafts = {article.id: article for article in db.session.scalars(sa.select(Article).where(
        Article.id.in_([t.knowledge_article_id for t, _at in rows
                        if t.knowledge_article_id is not None])))} if rows else {}
    gaps = []
    for ticket, at in rows:
        articles = written.get(str(ticket.id), [])
        draft = drafts.get(ticket.knowledge_article_id)
        if draft is not None and draft not in articles:
            articles = [*articles, draft]
        gaps.append(TicketGap(ticket=ticket, resolved_at=at, articles=articles))
    return gaps


def resolution_text(ticket: Ticket) -> str:
    """What solved the ticket, as far as the ticket says: the last public reply by staff
    (or, if there is none, the last internal note)."""
    staff = [m for m in ticket.messages if m.author is not None and m.author.is_staff
             and m.body.strip()]
    public = [m for m in staff if not m.is_internal]
    chosen = (public or staff)[-1:] if (public or staff) else []
    return chosen[0].body if chosen else ""


def visible_ticket(user: User, ticket_id) -> Ticket | None:
    ticket_id = whole_number(ticket_id)
    if ticket_id is None:
        return None
    return db.session.scalar(visible_tickets(user).where(Ticket.id == ticket_id))


# -- acting on a gap ------------------------------------------------------------------------

def dismiss(kind: GapKind, key: str, *, by: User, label: str = "") -> bool:
    """Dismiss a gap (again: no change). Returns whether it was newly dismissed.
    `label`: what the list of dismissals shows (a search's wording, a ticket's
    reference). The caller commits."""
    exists = db.session.scalar(sa.select(GapDismissal.id).where(
        GapDismissal.kind == kind, GapDismissal.key == key))
    if exists is not None:
        return False
    db.session.add(GapDismissal(kind=kind, key=key, label=label[:200], dismissed_by_id=by.id,
                                dismissed_at=utcnow()))
    db.session.flush()
    return True


def dismissals(*, limit: int = 20) -> list[tuple[GapDismissal, User | None]]:
    """The latest dismissals, with who dismissed them."""
    return list(db.session.execute(
        sa.select(GapDismissal, User).outerjoin(User, User.id == GapDismissal.dismissed_by_id)
        .order_by(GapDismissal.dismissed_at.desc(), GapDismissal.id.desc()).limit(limit)))


def gap_of(args, user: User) -> tuple[GapKind, str] | None:
    """The gap a new-article link names (`from_search=<query>` or `from_ticket=<id>`)."""
    if args.get("from_ticket"):
        ticket = visible_ticket(user, args.get("from_ticket"))
        return (GapKind.ticket, str(ticket.id)) if ticket is not None else None
    key = stem_key(normalise(args.get("from_search") or ""))
    return (GapKind.search, key) if key else None


def prefill(form, args, user: User) -> None:
    """Fill a new article's form from the gap the link names: a search's words as the
    title (and its language), or a ticket's subject, category, language and resolution."""
    if args.get("from_ticket"):
        ticket = visible_ticket(user, args.get("from_ticket"))
        if ticket is None:
            return
        form.title.data = ticket.subject[:200]
        form.body.data = resolution_text(ticket)
        if ticket.category_id is not None:
            form.category.data = ticket.category_id
        language = ticket.requester.language if ticket.requester else None
    else:
        query = normalise(args.get("from_search") or "")
        if not stem_key(query):
            return
        form.title.data = query[:1].upper() + query[1:]
        form.tags.data = ", ".join(dict.fromkeys(query.split()))[:400]
        language = args.get("language")
    if language in {choice.value for choice in form.language.choices}:
        form.language.data = language


def note_article(article: Article, args, *, by: User) -> None:
    """Remember that `article` was written from the gap the new-article link named."""
    gap = gap_of(args, by)
    if gap is not None:
        db.session.add(GapArticle(kind=gap[0], key=gap[1], article_id=article.id,
                                  created_by_id=by.id, created_at=utcnow()))

