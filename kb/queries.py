"""Queries for the knowledge base's pages: lists of articles and revisions.

Every list of articles for a reader starts from `kb.permissions.visible_articles_filter`,
so an article the reader may not read appears nowhere.
"""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.config import LANGUAGE_CODES
from helpdesk.extensions import db
from helpdesk.tickets.models import Category
from kb import permissions as perms
from kb.models import Article, ArticleRevision, ArticleStatus


def browse_articles(user, *, category: Category | None = None, language: str | None = None,
                    limit: int = 30) -> list[Article]:
    """The search page without a query: recently updated articles `user` may read
    (archived ones aside), in `category` and `language` if given."""
    query = sa.select(Article).where(perms.visible_articles_filter(user),
                                     Article.status != ArticleStatus.archived)
    if category is not None:
        query = query.where(Article.category_id == category.id)
    if language in LANGUAGE_CODES:
        query = query.where(Article.language == language)
    return list(db.session.scalars(query.order_by(Article.updated_at.desc()).limit(limit)))


def translations_of(article: Article, user) -> list[Article]:
    """The article's twins in other languages (same translation key) that `user` may
    read, by language."""
    if not article.translation_key:
        return []
    return list(db.session.scalars(sa.select(Article).where(
        Article.translation_key == article.translation_key, Article.id != article.id,
        perms.visible_articles_filter(user)).order_by(Article.language)))


def recent_drafts(limit: int = 50) -> list[Article]:
    """Drafts, most recently changed first (the review page)."""
    return list(db.session.scalars(sa.select(Article).where(
        Article.status == ArticleStatus.draft).order_by(Article.updated_at.desc())
        .limit(limit)))


def latest_revision_number(article: Article) -> int:
    """The number of the article's newest revision (0: none yet)."""
    return db.session.scalar(sa.select(sa.func.max(ArticleRevision.number)).where(
        ArticleRevision.article_id == article.id)) or 0


def revision(article: Article, number: int) -> ArticleRevision | None:
    """The article's revision `number`, if there is one."""
    return db.session.scalar(sa.select(ArticleRevision).where(
        ArticleRevision.article_id == article.id, ArticleRevision.number == number))


def revisions_of(article: Article) -> list[ArticleRevision]:
    """The article's revisions, newest first."""
    return list(db.session.scalars(sa.select(ArticleRevision).where(
        ArticleRevision.article_id == article.id).order_by(ArticleRevision.number.desc())))
