"""Tables of the knowledge loop's evidence: the search log, the articles opened from a
search, article views per day, and what level 2 did about knowledge gaps.

No row here names a customer: a search stores what was typed (normalised), the reader's
class (anonymous, customer, level N, admin) and what happened next, never a user id, a
ticket id or an address.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.clock import utcnow
from helpdesk.extensions import db


def _enum(cls, length=16):
    return sa.Enum(cls, native_enum=False, length=length, validate_strings=True)


class SearchSource(enum.StrEnum):
    kb = "kb"                     # the knowledge-base pages
    new_ticket = "new_ticket"     # the answers offered while a ticket's subject is typed
    ticket = "ticket"             # the article search on the staff ticket page

    @property
    def label(self):
        return {SearchSource.kb: _l("Knowledge base"),
                SearchSource.new_ticket: _l("New-ticket form"),
                SearchSource.ticket: _l("Ticket page")}[self]


class ReaderClass(enum.StrEnum):
    anonymous = "anonymous"
    customer = "customer"
    l1 = "l1"
    l2 = "l2"
    l3 = "l3"
    admin = "admin"

    @property
    def label(self):
        return {ReaderClass.anonymous: _l("Visitors"), ReaderClass.customer: _l("Customers"),
                ReaderClass.l1: _l("Level 1"), ReaderClass.l2: _l("Level 2"),
                ReaderClass.l3: _l("Level 3"), ReaderClass.admin: _l("Admins")}[self]


class SearchLog(db.Model):
    """One search: what was typed, how many hits it found, and what came of it.

    `query` is the text as typed, normalised (NFC, lower case, single spaces, e-mail
    addresses and long numbers taken out); `key` its stemmed words, sorted, which groups
    "Rücksendungen" with "rücksendung". `hits` counts the hits of the first page, plus one
    if there were more. `filed`: a new-ticket search after which the ticket was filed.
    """

    __tablename__ = "kb_search_log"
    __table_args__ = (sa.Index("ix_kb_search_log_searched_at", "searched_at"),
                      sa.Index("ix_kb_search_log_key", "key", "searched_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    searched_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[SearchSource] = mapped_column(_enum(SearchSource))
    query: Mapped[str] = mapped_column(sa.String(200))
    key: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(8))
    hits: Mapped[int] = mapped_column(default=0)
    reader: Mapped[ReaderClass] = mapped_column(_enum(ReaderClass))
    filed: Mapped[bool] = mapped_column(default=False)


class SearchOpen(db.Model):
    """An article opened from a search's results (once per search and article)."""

    __tablename__ = "kb_search_open"
    __table_args__ = (sa.UniqueConstraint("search_id", "article_id",
                                          name="uq_kb_search_open_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_search_log.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleViewDay(db.Model):
    """How often an article's page was read on one day (one row per article and day)."""

    __tablename__ = "kb_article_views"
    __table_args__ = (sa.UniqueConstraint("article_id", "day", name="uq_kb_article_views_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_article.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column()
    views: Mapped[int] = mapped_column(default=0)


class GapKind(enum.StrEnum):
    search = "search"     # key: the stemmed words of the searches
    ticket = "ticket"     # key: the ticket's id


class GapDismissal(db.Model):
    """Level 2 decided a knowledge gap needs no article: who and when."""

    __tablename__ = "kb_gap_dismissal"
    __table_args__ = (sa.UniqueConstraint("kind", "key", name="uq_kb_gap_dismissal_gap"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[GapKind] = mapped_column(_enum(GapKind))
    key: Mapped[str] = mapped_column(sa.String(200))
    label: Mapped[str] = mapped_column(sa.String(200), default="")   # a wording, a ref
    dismissed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    dismissed_at: Mapped[datetime] = mapped_column(default=utcnow)


class GapArticle(db.Model):
    """An article written from a knowledge gap ("write an article")."""

    __tablename__ = "kb_gap_article"
    __table_args__ = (sa.Index("ix_kb_gap_article_gap", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[GapKind] = mapped_column(_enum(GapKind))
    key: Mapped[str] = mapped_column(sa.String(200))
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
