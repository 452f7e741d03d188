"""Level-1 feedback on articles (a suggested change, an "outdated" flag) and its review."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from kb import permissions as perms
from kb.models import Article, ArticleFeedback, ArticleStatus, FeedbackKind


def add_feedback(article: Article, *, kind: FeedbackKind, text: str, by: User) -> ArticleFeedback:
    """Put a suggestion or flag on level 2's review list. Flushes; the caller commits."""
    if not perms.can_give_feedback(by, article):
        raise NotAllowed(_("You cannot comment on this article."))
    feedback = ArticleFeedback(article=article, kind=FeedbackKind(kind),
                               text=(text or "").strip()[:5000], author=by)
    db.session.add(feedback)
    db.session.flush()
    return feedback


def resolve_feedback(feedback: ArticleFeedback, *, by: User) -> None:
    """Mark a suggestion or flag as dealt with."""
    if not perms.can_review(by):
        raise NotAllowed(_("You cannot review feedback."))
    feedback.resolved_at = utcnow()
    feedback.resolved_by_id = by.id


def open_feedback(limit: int = 100) -> list[ArticleFeedback]:
    return list(db.session.scalars(sa.select(ArticleFeedback).where(
        ArticleFeedback.resolved_at.is_(None)).order_by(ArticleFeedback.id.desc()).limit(limit)))


def articles_in_review(limit: int = 100) -> list[Article]:
    return list(db.session.scalars(sa.select(Article).where(
        Article.status == ArticleStatus.in_review).order_by(Article.updated_at).limit(limit)))


def open_feedback_for(article: Article) -> list[ArticleFeedback]:
    return list(db.session.scalars(sa.select(ArticleFeedback).where(
        ArticleFeedback.article_id == article.id, ArticleFeedback.resolved_at.is_(None))
        .order_by(ArticleFeedback.id)))
