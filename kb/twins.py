"""Translation twins: a German and an English article that translate each other.

Two articles are twins when they share a `translation_key` and differ in language; a key
names one pair (at most one article per language). Linking and unlinking are use cases in
kb.curation; this module finds twins and keeps the "translation out of date" rule:

An article is **out of date** when its twin is published and the twin's text (title,
summary, body) changed after this article's own text last changed and after an editor
last confirmed that it still matches (`translation_checked_at`). So a new published
revision of one side flags the other until the other is updated or confirmed. Updating
the flagged side is the catch-up: it marks its twin as matching that update, so the
catch-up does not flag the twin in turn (`caught_up`).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from helpdesk.clock import utcnow
from helpdesk.config import LANGUAGES
from helpdesk.extensions import db
from kb import permissions as perms
from kb.models import Article, ArticleStatus


class TwinRefused(ValueError):
    """Two articles cannot be linked (or a key cannot be used); the message says why."""


def twin_of(article: Article) -> Article | None:
    """The article in another language with the same translation key, if any."""
    if not article.translation_key:
        return None
    return db.session.scalar(sa.select(Article).where(
        Article.translation_key == article.translation_key,
        Article.language != article.language, Article.id != article.id)
        .order_by(Article.id).limit(1))


def readable_twin(article: Article, user) -> Article | None:
    """The twin, if `user` may read it (the language switch on the article page)."""
    twin = twin_of(article)
    return twin if twin is not None and perms.can_read_article(user, twin) else None


def key_holder(key: str | None, language: str, *, exclude_id: int | None = None
               ) -> Article | None:
    """The article in `language` that already has translation key `key`, if any."""
    if not key:
        return None
    query = sa.select(Article).where(Article.translation_key == key,
                                     Article.language == language)
    if exclude_id is not None:
        query = query.where(Article.id != exclude_id)
    return db.session.scalar(query.order_by(Article.id).limit(1))


def check_key_free(key: str | None, language: str, *, exclude_id: int | None = None) -> None:
    """Raise `TwinRefused` if another article in `language` already has `key`."""
    holder = key_holder(key, language, exclude_id=exclude_id)
    if holder is not None:
        raise TwinRefused(_("“%(title)s” (article %(id)d) is already the %(language)s "
                            "article with this translation key: a key links one article "
                            "per language.", title=holder.title, id=holder.id,
                            language=LANGUAGES.get(language, language)))


def free_key(base: str) -> str:
    """A translation key nobody uses yet, made from `base` (a slug)."""
    base = (base or "translation")[:100]
    taken = set(db.session.scalars(sa.select(Article.translation_key).where(
        sa.or_(Article.translation_key == base, Article.translation_key.like(f"{base}-%")))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def pair_key(article: Article, other: Article) -> str | None:
    """A key both articles may share: one of their own if it is free for both."""
    for key in (article.translation_key, other.translation_key):
        if key and key_holder(key, article.language, exclude_id=article.id) is None \
                and key_holder(key, other.language, exclude_id=other.id) is None:
            return key
    return None


# -- out of date ------------------------------------------------------------------------

def _newer_than_mine(twin_changed, article) -> bool:
    mine = [t for t in (article.content_changed_at, article.translation_checked_at) if t]
    return twin_changed is not None and all(twin_changed > t for t in mine)


def out_of_date(article: Article) -> Article | None:
    """The twin whose newer published text this article does not reflect yet, if any."""
    twin = twin_of(article)
    if twin is None or twin.status != ArticleStatus.published:
        return None
    return twin if _newer_than_mine(twin.content_changed_at, article) else None


def mark_matched(article: Article, *, when=None) -> None:
    """Both sides of a new pair (or a confirmed one) count as matching now."""
    when = when or utcnow()
    article.translation_checked_at = when
    twin = twin_of(article)
    if twin is not None:
        twin.translation_checked_at = when


def caught_up(article: Article, twin: Article) -> None:
    """`article` was updated to follow `twin`: the twin matches this update, so the
    update does not mark the twin out of date in turn."""
    if article.content_changed_at is not None:
        twin.translation_checked_at = article.content_changed_at


def _outdated_query():
    twin = aliased(Article)
    mine = Article
    return sa.select(mine, twin).join(twin, sa.and_(
        twin.translation_key == mine.translation_key, twin.language != mine.language,
        twin.id != mine.id)).where(
        mine.translation_key.is_not(None), mine.status != ArticleStatus.archived,
        twin.status == ArticleStatus.published, twin.content_changed_at.is_not(None),
        sa.or_(mine.content_changed_at.is_(None),
               twin.content_changed_at > mine.content_changed_at),
        sa.or_(mine.translation_checked_at.is_(None),
               twin.content_changed_at > mine.translation_checked_at),
    ).order_by(twin.content_changed_at, mine.id), twin


def outdated_articles(limit: int = 100) -> list[tuple[Article, Article]]:
    """(article, its newer twin) for every article out of date (archived ones aside),
    the longest waiting first: the curation list."""
    query, _twin = _outdated_query()
    return [(a, t) for a, t in db.session.execute(query.limit(limit))]


def outdated_count() -> int:
    """How many articles are out of date (the navigation's count)."""
    query, _twin = _outdated_query()
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        query.with_only_columns(Article.id).order_by(None).subquery())) or 0
