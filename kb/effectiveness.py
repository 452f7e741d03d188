"""Article effectiveness: how often an article is read, used in replies, solves tickets at
level 1, and answers customers before they file a ticket.

For each article, over a period:

* views: article pages read (`ArticleViewDay`, one row per article and day, counted in
  the request; editors' own reading is not counted);
* uses: tickets it went into a reply or note of (`TicketArticle`);
* solved at level 1: of those tickets, how many were resolved (or closed) without ever
  being escalated, and not reopened within 14 days of that resolution (ticket events);
* deflections: searches on the new-ticket form after which the article was opened and
  no ticket was filed from that form (the search log);
* ratings: helpful votes and all votes on the article's current text (kb.ratings).

`boost_factors` turns the record (an article's and its translation twin's together) into a
gentle factor (at most 1 + KB_EFFECTIVENESS_BOOST) for the staff ticket page's suggestions
(`kb.ranking.rerank`).
"""
from __future__ import annotations

import csv
import io
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.models import EventKind, Status, TicketEvent
from kb.evidence_models import ArticleViewDay, SearchLog, SearchOpen, SearchSource
from kb.models import Article, ArticleRating, ArticleStatus, TicketArticle
from kb.search_log import own_transaction

REOPEN_WINDOW = timedelta(days=14)
PERIODS = (30, 90, 365)
SORT_KEYS = ("title", "views", "uses", "solved", "solved_share", "deflections", "rating")
_DONE = (Status.resolved.value, Status.closed.value)
_ACTIVE = tuple(s.value for s in (Status.new, Status.open, Status.waiting_on_customer))


# -- views --------------------------------------------------------------------------------

def count_view(article_id: int) -> None:
    """Add one view to the article's count for today (its own short transaction)."""
    table = ArticleViewDay.__table__
    day = utcnow().date()

    def write(conn: sa.Connection) -> None:
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(table).values(article_id=article_id, day=day, views=1)
        conn.execute(statement.on_conflict_do_update(
            index_elements=[table.c.article_id, table.c.day],
            set_={"views": table.c.views + 1}))
    own_transaction(write)


# -- tickets an article was used on -----------------------------------------------------

def solved_at_level_1(events: list[tuple[str, str | None, str | None, datetime]]) -> bool:
    """Whether a ticket's status and level events, oldest first, show it solved at level
    1: resolved or closed, never escalated, and not reopened within 14 days after."""
    resolved_at = None
    for kind, old, new, at in events:
        if kind == EventKind.level:
            return False
        if kind != EventKind.status:
            continue
        if resolved_at is None:
            if new in _DONE:
                resolved_at = at
        elif old in _DONE and new in _ACTIVE and at - resolved_at <= REOPEN_WINDOW:
            return False
    return resolved_at is not None


def ticket_outcomes(ticket_ids) -> dict[int, bool]:
    """Solved at level 1 (True) or not, for each ticket of `ticket_ids` (a select or ids)."""
    events: dict[int, list] = defaultdict(list)
    rows = db.session.execute(
        sa.select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.old_value,
                  TicketEvent.new_value, TicketEvent.created_at)
        .where(TicketEvent.ticket_id.in_(ticket_ids),
               TicketEvent.kind.in_((EventKind.status, EventKind.level)))
        .order_by(TicketEvent.ticket_id, TicketEvent.id))
    for ticket_id, kind, old, new, at in rows:
        events[ticket_id].append((kind, old, new, at))
    return {ticket_id: solved_at_level_1(found) for ticket_id, found in events.items()}


# -- the figures ----------------------------------------------------------------------------

@dataclass
class Effectiveness:
    article_id: int
    title: str = ""
    language: str = ""
    views: int = 0
    uses: int = 0
    solved: int = 0
    deflections: int = 0
    helpful: int = 0                  # votes on the current text
    votes: int = 0
    used_on: list[int] = field(default_factory=list, repr=False)

    @property
    def solved_share(self) -> float | None:
        return self.solved / self.uses if self.uses else None

    @property
    def rating(self) -> float | None:
        return self.helpful / self.votes if self.votes else None


def _since(days: int | None) -> datetime | None:
    return utcnow() - timedelta(days=days) if days else None


def figures(article_ids=None, *, days: int | None = None) -> dict[int, Effectiveness]:
    """The effectiveness of the articles `article_ids` (a list or a select; None: every
    article with any evidence) over the last `days` days (None: all time)."""
    since = _since(days)
    out: dict[int, Effectiveness] = {}

    def row(article_id: int) -> Effectiveness:
        return out.setdefault(article_id, Effectiveness(article_id))

    def limited(query, column):
        if article_ids is not None:
            query = query.where(column.in_(article_ids))
        return query

    views = limited(sa.select(ArticleViewDay.article_id, sa.func.sum(ArticleViewDay.views))
                    .group_by(ArticleViewDay.article_id), ArticleViewDay.article_id)
    if since is not None:
        views = views.where(ArticleViewDay.day >= since.date())
    for article_id, n in db.session.execute(views):
        row(article_id).views = int(n or 0)

    uses = limited(sa.select(TicketArticle.article_id, TicketArticle.ticket_id),
                   TicketArticle.article_id)
    if since is not None:
        uses = uses.where(TicketArticle.created_at >= since)
    used: list[tuple[int, int]] = list(db.session.execute(uses))
    outcomes = ticket_outcomes(sorted({ticket_id for _a, ticket_id in used})) if used else {}
    for article_id, ticket_id in used:
        item = row(article_id)
        item.uses += 1
        item.used_on.append(ticket_id)
        item.solved += outcomes.get(ticket_id, False)

    deflected = limited(
        sa.select(SearchOpen.article_id, sa.func.count(sa.distinct(SearchOpen.search_id)))
        .join(SearchLog, SearchLog.id == SearchOpen.search_id)
        .where(SearchLog.source == SearchSource.new_ticket, SearchLog.filed.is_(False))
        .group_by(SearchOpen.article_id), SearchOpen.article_id)
    if since is not None:
        deflected = deflected.where(SearchLog.searched_at >= since)
    for article_id, n in db.session.execute(deflected):
        row(article_id).deflections = int(n)

    # Ratings: the votes on each article's current text, as level 2's curation counts them
    # (kb.ratings), whatever the period.
    helpful = sa.func.sum(sa.case((ArticleRating.helpful.is_(True), 1), else_=0))
    votes = limited(
        sa.select(ArticleRating.article_id, sa.func.count(), helpful)
        .join(Article, sa.and_(Article.id == ArticleRating.article_id,
                               ArticleRating.revision_number
                               == sa.func.coalesce(Article.content_revision, 1)))
        .group_by(ArticleRating.article_id), ArticleRating.article_id)
    for article_id, n, yes in db.session.execute(votes):
        item = row(article_id)
        item.votes, item.helpful = int(n), int(yes or 0)
    return out


def for_article(article: Article, *, days: int | None = None) -> Effectiveness:
    """One article's figures (the editors' box on the article page)."""
    found = figures([article.id], days=days).get(article.id) or Effectiveness(article.id)
    found.title, found.language = article.title, article.language
    return found


def report(*, days: int | None = 90, sort: str = "uses", descending: bool = True,
           limit: int | None = None) -> list[Effectiveness]:
    """Every published article with its figures, sorted by `sort` (see SORT_KEYS)."""
    found = figures(None, days=days)
    rows = []
    for article_id, title, language in db.session.execute(
            sa.select(Article.id, Article.title, Article.language).where(
                Article.status == ArticleStatus.published)):
        item = found.get(article_id) or Effectiveness(article_id)
        item.title, item.language = title, language
        rows.append(item)
    sort = sort if sort in SORT_KEYS else "uses"
    rows.sort(key=lambda item: (item.title.casefold(), item.article_id))
    if sort == "title":
        if descending:
            rows.reverse()
    else:
        # Equal figures stay in title order; articles without a figure (no uses, no
        # votes) come last either way.
        present = [item for item in rows if getattr(item, sort) is not None]
        present.sort(key=lambda item: getattr(item, sort), reverse=descending)
        rows = present + [item for item in rows if getattr(item, sort) is None]
    return rows[:limit] if limit else rows


CSV_HEADER = ("article_id", "title", "language", "views", "uses", "solved_at_level_1",
              "solved_share", "deflections", "helpful_votes", "votes")


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: list[Effectiveness]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for item in rows:
        share = f"{item.solved_share:.3f}" if item.solved_share is not None else ""
        values = [item.article_id, _cell(item.title), item.language, item.views, item.uses,
                  item.solved, share, item.deflections, item.helpful, item.votes]
        writer.writerow(values)
    return out.getvalue()


# -- the boost on the ticket page's suggestions ---------------------------------------------

PRIOR_USES = 3        # an article's record counts fully only after a few uses


def score(item: Effectiveness) -> float:
    """0..1: the share of an article's uses that solved tickets at level 1, and of the
    new-ticket searches it answered, shrunk towards 0 while there are few."""
    good = item.solved + item.deflections
    return good / (item.uses + item.deflections + PRIOR_USES)


_cache_lock = threading.Lock()


def boost_factors(app: Flask | None = None) -> dict[int, float]:
    """{article id: factor ≥ 1} from the last year's record, kept for
    KB_EFFECTIVENESS_CACHE seconds per app (the ticket page asks on every view)."""
    app = app or current_app._get_current_object()
    weight = float(app.config.get("KB_EFFECTIVENESS_BOOST", 0.15))
    if weight <= 0:
        return {}
    state = app.extensions.setdefault("kb_effectiveness", {})
    ttl = float(app.config.get("KB_EFFECTIVENESS_CACHE", 600))
    now = time.monotonic()
    cached = state.get("factors")
    if cached is not None and now - cached[0] < ttl:
        return cached[1]
    with _cache_lock:
        factors = {article_id: 1.0 + weight * score(item)
                   for article_id, item in _with_twins(figures(None, days=365)).items()
                   if item.uses or item.deflections}
        state["factors"] = (now, factors)
    return factors


def _with_twins(found: dict[int, Effectiveness]) -> dict[int, Effectiveness]:
    """Each article's record added up with its translation twins' (same translation key):
    the German text solves tickets as well as the English one, and the ticket page shows
    one twin of a pair."""
    if not found:
        return found
    keys = dict(db.session.execute(sa.select(Article.id, Article.translation_key).where(
        Article.id.in_(list(found)), Article.translation_key.is_not(None))).all())
    if not keys:
        return found
    by_key: dict[str, Effectiveness] = {}
    for article_id, key in keys.items():
        total = by_key.setdefault(key, Effectiveness(0))
        item = found[article_id]
        total.uses += item.uses
        total.solved += item.solved
        total.deflections += item.deflections
    out = dict(found)
    for article_id, key in db.session.execute(sa.select(
            Article.id, Article.translation_key).where(Article.translation_key.in_(by_key))):
        total = by_key[key]
        out[article_id] = Effectiveness(article_id, uses=total.uses, solved=total.solved,
                                        deflections=total.deflections)
    return out
