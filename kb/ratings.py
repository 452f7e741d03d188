"""Reader ratings: "helpful" / "not helpful", with an optional comment.

Customers, visitors and agents rate published articles they may read. One vote per
reader and revision of the text (`Article.content_revision`): voting again on the same
text replaces the vote, a new text starts a new round. Anonymous visitors are told apart
by the random browser id of kb.readers (never the address); the view throttles them.
Editors see the ratio and the comments; articles rated poorly (at least KB_RATING_MIN_VOTES
votes on the current text, a helpful share of at most KB_RATING_MAX_RATIO) are on the
curation list until the text changes. Independent of "this answered my question"
(kb.answers), which counts answers, not opinions.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb import permissions as perms
from kb.models import Article, ArticleRating, ArticleStatus

COMMENT_MAX = 1000
DEFAULTS = {"KB_RATING_MIN_VOTES": 5, "KB_RATING_MAX_RATIO": 0.5,
            "KB_RATING_RATE_LIMIT": "20 per hour"}


def setting(name: str):
    """A rating setting (KB_RATING_MIN_VOTES, _MAX_RATIO, _RATE_LIMIT), parsed."""
    default = DEFAULTS[name]
    raw = current_app.config.get(name, default) if has_app_context() else default
    try:
        return type(default)(raw)
    except (TypeError, ValueError):
        return default


def can_rate(user, article: Article) -> bool:
    """Whoever may read a published article may rate it."""
    return article.status == ArticleStatus.published and perms.can_read_article(user, article)


def _revision(article: Article) -> int:
    return article.content_revision or 1


def rate(article: Article, *, reader_key: str, helpful: bool, comment: str = "") -> bool:
    """Record the reader's vote on the article's current text, replacing their earlier
    vote on the same text. True if this is their first vote on it.

    The unique constraint decides between two requests of one reader; flushes inside a
    savepoint, the caller commits.
    """
    comment = " ".join((comment or "").split())[:COMMENT_MAX]
    revision = _revision(article)
    vote = ArticleRating(article_id=article.id, revision_number=revision,
                         reader_key=reader_key[:80], helpful=bool(helpful), comment=comment,
                         created_at=utcnow(), updated_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(vote)
        return True
    except IntegrityError:
        pass
    db.session.execute(sa.update(ArticleRating).where(
        ArticleRating.article_id == article.id, ArticleRating.revision_number == revision,
        ArticleRating.reader_key == reader_key[:80]).values(
        helpful=bool(helpful), comment=comment, updated_at=utcnow()))
    return False


def vote_of(article: Article, reader_key: str | None) -> ArticleRating | None:
    """The reader's vote on the article's current text, if any."""
    if not reader_key:
        return None
    return db.session.scalar(sa.select(ArticleRating).where(
        ArticleRating.article_id == article.id,
        ArticleRating.revision_number == _revision(article),
        ArticleRating.reader_key == reader_key))


@dataclass(frozen=True)
class RatingSummary:
    revision: int
    helpful: int
    not_helpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful

    @property
    def ratio(self) -> float | None:
        """The helpful share (None without votes)."""
        return self.helpful / self.total if self.total else None

    @property
    def percent(self) -> int | None:
        return None if self.ratio is None else round(self.ratio * 100)

    @property
    def poor(self) -> bool:
        return (self.total >= setting("KB_RATING_MIN_VOTES")
                and self.ratio <= setting("KB_RATING_MAX_RATIO"))


_HELPFUL = sa.func.sum(sa.case((ArticleRating.helpful.is_(True), 1), else_=0))


def summary(article: Article) -> RatingSummary:
    """The votes on the article's current text."""
    helpful, total = db.session.execute(sa.select(_HELPFUL, sa.func.count()).where(
        ArticleRating.article_id == article.id,
        ArticleRating.revision_number == _revision(article))).one()
    helpful, total = int(helpful or 0), int(total or 0)
    return RatingSummary(_revision(article), helpful, total - helpful)


def comments(article: Article, limit: int = 20) -> list[ArticleRating]:
    """Votes with a comment, on any text of the article, the newest first."""
    return list(db.session.scalars(sa.select(ArticleRating).where(
        ArticleRating.article_id == article.id, ArticleRating.comment != "")
        .order_by(ArticleRating.updated_at.desc(), ArticleRating.id.desc()).limit(limit)))


def _poor_votes():
    """Per published article, the votes on its current text, where they are poor."""
    min_votes, max_ratio = setting("KB_RATING_MIN_VOTES"), setting("KB_RATING_MAX_RATIO")
    total = sa.func.count(ArticleRating.id)
    return (sa.select(ArticleRating.article_id, _HELPFUL.label("helpful"),
                      total.label("total"))
            .join(Article, sa.and_(
                Article.id == ArticleRating.article_id,
                ArticleRating.revision_number == sa.func.coalesce(Article.content_revision, 1)))
            .where(Article.status == ArticleStatus.published)
            .group_by(ArticleRating.article_id)
            .having(total >= max(min_votes, 1))
            .having(sa.cast(_HELPFUL, sa.Float) <= max_ratio * sa.cast(total, sa.Float))
            .subquery())


def poorly_rated(limit: int = 100) -> list[tuple[Article, RatingSummary]]:
    """Published articles whose current text is rated poorly, the worst first."""
    votes = _poor_votes()
    share = sa.cast(votes.c.helpful, sa.Float) / sa.cast(votes.c.total, sa.Float)
    query = (sa.select(Article, votes.c.helpful, votes.c.total)
             .join(votes, votes.c.article_id == Article.id)
             .order_by(share, votes.c.total.desc(), Article.id).limit(limit))
    return [(article, RatingSummary(_revision(article), int(h or 0), int(n) - int(h or 0)))
            for article, h, n in db.session.execute(query)]


def poorly_rated_count() -> int:
    """How many articles are rated poorly (the navigation's count)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(_poor_votes())) or 0
