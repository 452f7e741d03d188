"""Knowledge-base tables: articles, their revisions, feedback, answers, ratings, curation
events, ticket links, outbox.

Article categories are the ticket categories (`helpdesk.tickets.models.Category`).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.models import Category, Ticket


def _enum(cls, length=16):
    return sa.Enum(cls, native_enum=False, length=length, validate_strings=True)


class ArticleStatus(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    published = "published"
    archived = "archived"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ArticleStatus.draft: _l("Draft"),
    ArticleStatus.in_review: _l("In review"),
    ArticleStatus.published: _l("Published"),
    ArticleStatus.archived: _l("Archived"),
}


class Visibility(enum.StrEnum):
    internal = "internal"
    public = "public"

    @property
    def label(self):
        return VISIBILITY_LABELS[self]


VISIBILITY_LABELS = {
    Visibility.internal: _l("Internal (agents only)"),
    Visibility.public: _l("Public"),
}



class Article(db.Model):
    """A knowledge-base article: the current state; every save also writes a revision."""

    __tablename__ = "kb_article"
    __table_args__ = (sa.Index("ix_kb_article_status_updated", "status", "updated_at"),
                      sa.Index("ix_kb_article_status_review_by", "status", "review_by"))

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    tags: Mapped[str] = mapped_column(sa.String(400), default="")
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.internal)
    status: Mapped[ArticleStatus] = mapped_column(_enum(ArticleStatus),
                                                  default=ArticleStatus.draft)
    is_known_error: Mapped[bool] = mapped_column(default=False)
    translation_key: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    # How many readers said "this answered my question": a cache of the ArticleAnswerEvent
    # rows, raised in the transaction that adds one (older counts predate the events).
    answered_count: Mapped[int] = mapped_column(default=0)
    # Curation (kb.reviews, kb.twins, kb.ratings): who answers for the article and when
    # it must be checked again; when and in which revision its text (title, summary,
    # body) last changed; when an editor last confirmed it matches its translation.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    review_by: Mapped[date | None] = mapped_column(sa.Date)
    content_changed_at: Mapped[datetime | None] = mapped_column()
    content_revision: Mapped[int | None] = mapped_column()
    translation_checked_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category | None] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article", order_by="ArticleRevision.number",
        cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug} {self.status}>"

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in (self.tags or "").split(",") if t.strip()]


class ArticleRevision(db.Model):
    """One saved state of an article (every field an editor sets): who saved it, when, why."""

    __tablename__ = "kb_article_revision"
    __table_args__ = (sa.UniqueConstraint("article_id", "number",
                                          name="uq_kb_article_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_article.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(8))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    tags: Mapped[str] = mapped_column(sa.String(400), default="")
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility))
    status: Mapped[ArticleStatus] = mapped_column(_enum(ArticleStatus))
    is_known_error: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    translation_key: Mapped[str | None] = mapped_column(sa.String(120))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    comment: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship(lazy="joined")
    category: Mapped[Category | None] = relationship()


class FeedbackKind(enum.StrEnum):
    change = "change"
    outdated = "outdated"

    @property
    def label(self):
        return {FeedbackKind.change: _l("Suggested change"),
                FeedbackKind.outdated: _l("Flagged as outdated")}[self]


class ArticleFeedback(db.Model):
    """A level-1 suggestion or "outdated" flag, waiting in level 2's review list."""

    __tablename__ = "kb_article_feedback"
    __table_args__ = (sa.Index("ix_kb_article_feedback_open", "resolved_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_article.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[FeedbackKind] = mapped_column(_enum(FeedbackKind))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    article: Mapped[Article] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")


class TicketArticle(db.Model):
    """An article that went into a reply or note on a ticket (which articles solve tickets)."""

    __tablename__ = "kb_ticket_article"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "article_id",
                                          name="uq_kb_ticket_article_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_article.id", ondelete="CASCADE"),
                                            index=True)
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    is_internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    article: Mapped[Article] = relationship(lazy="joined")


class AnswerSource(enum.StrEnum):
    kb_page = "kb_page"
    new_ticket = "new_ticket"

    @property
    def label(self):
        return {AnswerSource.kb_page: _l("Article page"),
                AnswerSource.new_ticket: _l("New-ticket form")}[self]


class ArticleAnswerEvent(db.Model):
    """One reader saying "this answered my question": once per reader and article.

    `reader_key` is "user:<id>" for a logged-in reader or "browser:<random id>" from a
    cookie, never an address. `query` is the search that led to the article, if known.
    """

    __tablename__ = "kb_article_answer"
    __table_args__ = (sa.UniqueConstraint("article_id", "reader_key",
                                          name="uq_kb_article_answer_reader"),
                      sa.Index("ix_kb_article_answer_answered_at", "answered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_article.id", ondelete="CASCADE"))
    revision_number: Mapped[int] = mapped_column()
    reader_key: Mapped[str] = mapped_column(sa.String(80))
    source: Mapped[AnswerSource] = mapped_column(_enum(AnswerSource))
    query: Mapped[str | None] = mapped_column(sa.String(200))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship()


class ArticleRating(db.Model):
    """A reader's "helpful" / "not helpful" on one revision of an article's text.

    One per reader and revision (`Article.content_revision`): voting again on the same
    revision replaces the vote. `reader_key` is "user:<id>" or "browser:<random id>"
    (kb.readers), never an address.
    """

    __tablename__ = "kb_article_rating"
    __table_args__ = (sa.UniqueConstraint("article_id", "revision_number", "reader_key",
                                          name="uq_kb_article_rating_reader"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_article.id", ondelete="CASCADE"))
    revision_number: Mapped[int] = mapped_column()
    reader_key: Mapped[str] = mapped_column(sa.String(80))
    helpful: Mapped[bool] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship()


class CurationEventKind(enum.StrEnum):
    review_confirmed = "review_confirmed"
    owner_changed = "owner_changed"
    review_date_changed = "review_date_changed"
    translation_confirmed = "translation_confirmed"

    @property
    def label(self):
        return CURATION_EVENT_LABELS[self]


CURATION_EVENT_LABELS = {
    CurationEventKind.review_confirmed: _l("Checked: still accurate"),
    CurationEventKind.owner_changed: _l("New owner"),
    CurationEventKind.review_date_changed: _l("New review date"),
    CurationEventKind.translation_confirmed: _l("Checked: still matches its translation"),
}


class CurationEvent(db.Model):
    """A check or setting that is not a revision of the text, shown in the history:
    "still accurate", "still matches its translation", a new owner or review date.

    `detail` holds names, dates and titles only (the label says what happened, in the
    reader's language): "Anna → Max", "2027-06-01", "Deutsch: Titel".
    """

    __tablename__ = "kb_curation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_article.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[CurationEventKind] = mapped_column(_enum(CurationEventKind, 24))
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    by: Mapped[User | None] = relationship(lazy="joined")


class OutboxEntry(db.Model):
    """A change the search index must apply, written in the transaction that made it.

    Rows are kept (every host's index replica reads them in id order) and pruned by age.
    """

    __tablename__ = "kb_index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
