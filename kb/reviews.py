"""Review dates and owners: every published article has someone who answers for it and a
date by which it must be checked again.

Publishing sets the owner (if the article has none: whoever published it, else its
author) and the review-by date (KB_REVIEW_MONTHS months later, default 6). A past-due
article is on the curation list until an editor says "still accurate" (which renews the
date and is recorded in the history) or publishes it anew. The use cases that change an
article are in kb.curation; this module holds the dates, the lists and the history rows.
"""
from __future__ import annotations

import calendar
from datetime import date

import sqlalchemy as sa
from flask import current_app, has_app_context

from helpdesk.accounts.models import Level, Role, User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb.models import Article, ArticleStatus, CurationEvent, CurationEventKind

DEFAULT_REVIEW_MONTHS = 6


def review_months() -> int:
    """KB_REVIEW_MONTHS: months from publishing (or a check) to the next review."""
    raw = current_app.config.get("KB_REVIEW_MONTHS", DEFAULT_REVIEW_MONTHS) \
        if has_app_context() else DEFAULT_REVIEW_MONTHS
    try:
        return max(int(raw), 1)
    except (TypeError, ValueError):
        return DEFAULT_REVIEW_MONTHS


def today() -> date:
    return utcnow().date()


def add_months(start: date, months: int) -> date:
    """`start` moved by `months` calendar months (the 31st becomes the month's last day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def next_review_date(start: date | None = None) -> date:
    return add_months(start or today(), review_months())


def on_publish(article: Article, *, by: User | None) -> None:
    """Publishing: default owner, and the next review KB_REVIEW_MONTHS from now."""
    if article.owner_id is None and article.owner is None:
        article.owner = by if by is not None else article.author
    article.review_by = next_review_date()


def is_past_due(article: Article) -> bool:
    return (article.status == ArticleStatus.published and article.review_by is not None
            and article.review_by < today())


def _past_due_filter():
    return sa.and_(Article.status == ArticleStatus.published, Article.review_by < today())


def past_due(limit: int = 100) -> list[Article]:
    """Published articles past their review-by date, the longest overdue first."""
    return list(db.session.scalars(sa.select(Article).where(_past_due_filter())
                                   .order_by(Article.review_by, Article.id).limit(limit)))


def past_due_count() -> int:
    """How many articles are past their review date (the navigation's count)."""
    return db.session.scalar(sa.select(sa.func.count(Article.id)).where(
        _past_due_filter())) or 0


def owner_candidates(current: User | None = None) -> list[User]:
    """Who may own articles: active level-2 agents and admins (and the current owner)."""
    users = list(db.session.scalars(sa.select(User).where(
        User.is_active_account.is_(True),
        sa.or_(User.role == Role.admin, sa.and_(User.role == Role.agent,
                                                User.level == int(Level.l2))))
        .order_by(User.name, User.id)))
    if current is not None and current.id not in {user.id for user in users}:
        users.append(current)     # (Flask-Login's User == compares login sessions: ids)
    return users


def record(article: Article, kind: CurationEventKind, *, by: User | None,
           detail: str = "") -> CurationEvent:
    """Add a row to the article's history of checks and settings."""
    event = CurationEvent(article_id=article.id, kind=kind, by=by, detail=detail[:300],
                          created_at=utcnow())
    db.session.add(event)
    return event


def events_of(article: Article, limit: int = 100) -> list[CurationEvent]:
    """The article's checks and setting changes, newest first (the history page)."""
    return list(db.session.scalars(sa.select(CurationEvent).where(
        CurationEvent.article_id == article.id)
        .order_by(CurationEvent.created_at.desc(), CurationEvent.id.desc()).limit(limit)))
