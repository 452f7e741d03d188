"""Who may read and write which articles: DESIGN section 3, knowledge-base rows.

`user` may be Flask-Login's anonymous user: it counts as a customer who is not logged in.
Everything a user may not read is a 404 in the views, and never appears in search.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from helpdesk.accounts.models import Level
from kb.models import Article, ArticleStatus, Visibility

EDITOR_STATUSES = (ArticleStatus.draft, ArticleStatus.in_review, ArticleStatus.published,
                   ArticleStatus.archived)


def is_staff(user) -> bool:
    """Whether `user` is an active, logged-in agent or admin."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def _is_admin(user) -> bool:
    return is_staff(user) and user.is_admin


def _level(user) -> int:
    """Return the support level of an agent (0: not staff, no level, or an admin)."""
    if not is_staff(user) or user.is_admin:
        return 0
    return int(user.level or 0)


def _at_or_above(user, level: Level) -> bool:
    """Whether `user` works at `level` or higher; admins are above every level."""
    return _is_admin(user) or _level(user) >= level


def is_editor(user) -> bool:
    """Level 2 and admins curate the knowledge base: edit, review, publish, archive."""
    return _is_admin(user) or _level(user) == Level.l2


def reads_drafts(user) -> bool:
    """Level 2, level 3 and admins read every article, drafts included."""
    return _at_or_above(user, Level.l2)


@dataclass(frozen=True)
class ReadScope:
    """What a reader may see, as the values the search index filters on."""

    statuses: tuple[ArticleStatus, ...]
    visibilities: tuple[Visibility, ...]

    @property
    def key(self) -> str:
        return ",".join(sorted(self.statuses)) + "|" + ",".join(sorted(self.visibilities))


def read_scope(user) -> ReadScope:
    """Return the statuses and visibilities `user` may read."""
    if reads_drafts(user):
        return ReadScope(EDITOR_STATUSES, (Visibility.internal, Visibility.public))
    if is_staff(user):
        return ReadScope((ArticleStatus.published,), (Visibility.internal, Visibility.public))
    return ReadScope((ArticleStatus.published,), (Visibility.public,))


def can_read_article(user, article: Article) -> bool:
    scope = read_scope(user)
    return article.status in scope.statuses and article.visibility in scope.visibilities


def visible_articles_filter(user):
    """SQL condition selecting the articles `user` may read (for lists and lookups)."""
    scope = read_scope(user)
    return sa.and_(Article.status.in_(scope.statuses),
                   Article.visibility.in_(scope.visibilities))


def can_create_article(user) -> bool:
    """Level 2 and admins write articles; level 3 drafts known-error articles."""
    return _at_or_above(user, Level.l2)


def can_edit_article(user, article: Article) -> bool:
    """Editors change any article; level 3 only drafts (their known-error write-ups)."""
    if is_editor(user):
        return True
    return _level(user) == Level.l3 and article.status == ArticleStatus.draft


def can_submit_for_review(user, article: Article) -> bool:
    return article.status == ArticleStatus.draft and can_edit_article(user, article)


def can_publish(user, article: Article) -> bool:
    return is_editor(user) and article.status in (ArticleStatus.draft, ArticleStatus.in_review,
                                                  ArticleStatus.archived)


def can_send_back(user, article: Article) -> bool:
    """Return an article in review (or a published one) to draft."""
    return is_editor(user) and article.status in (ArticleStatus.in_review,
                                                  ArticleStatus.published)


def can_archive(user, article: Article) -> bool:
    return is_editor(user) and article.status != ArticleStatus.archived


def can_view_history(user, article: Article) -> bool:
    """Revisions hold drafts, so only those who read drafts see the history."""
    return reads_drafts(user) and can_read_article(user, article)


def can_restore_revision(user, article: Article) -> bool:
    return can_edit_article(user, article)


def can_give_feedback(user, article: Article) -> bool:
    """Any agent reading an article may suggest a change or flag it as outdated."""
    return is_staff(user) and can_read_article(user, article)


def can_review(user) -> bool:
    """The review list (articles in review, suggestions, flags) is level 2's."""
    return is_editor(user)


def may_reach_customers(article: Article) -> bool:
    """Only public articles may go into a public reply; internal ones only into notes."""
    return article.visibility == Visibility.public


def can_use_in_reply(user, article: Article, *, internal: bool = False) -> bool:
    """Staff insert published articles: public ones anywhere, internal ones into notes."""
    return (is_staff(user) and article.status == ArticleStatus.published
            and (internal or may_reach_customers(article)))
