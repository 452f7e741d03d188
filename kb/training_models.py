"""Required reading: level 2 assigns articles (one, a category or a tag) to an agent or a
level, optionally by a date; agents confirm each article read (kb.training).

An assignment names its articles by a rule, resolved when it is read: a category or a
tag covers the published articles that have it now, so an article published later in
an assigned category is required reading too. A confirmation records the revision of
the text the agent read (`Article.content_revision`): a newer published text makes the
article unread again.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.models import Category
from kb.models import Article


class ReadingAssignment(db.Model):
    """What (one article, a category or a tag) whom (one agent or a level) must read."""

    __tablename__ = "kb_reading_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("category.id", ondelete="CASCADE"))
    tag: Mapped[str | None] = mapped_column(sa.String(40))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                                index=True)
    level: Mapped[int | None] = mapped_column(sa.SmallInteger)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id",
                                                                     ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article | None] = relationship(lazy="joined")
    category: Mapped[Category | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])


class ReadingConfirmation(db.Model):
    """An agent's "read": the newest one per agent and article, with the text's revision."""

    __tablename__ = "kb_reading_confirmation"
    __table_args__ = (sa.UniqueConstraint("user_id", "article_id",
                                          name="uq_kb_reading_confirmation_reader"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_article.id", ondelete="CASCADE"),
                                            index=True)
    revision_number: Mapped[int] = mapped_column()
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
