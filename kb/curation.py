"""The article life cycle: write, revise, review, publish, archive, restore.

Every function checks permission (raising `NotAllowed`) and the version the user saw
(raising `Stale`, see helpdesk.actions), records a revision, writes an index outbox row,
and flushes; the caller commits once.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from helpdesk.accounts.models import User
from helpdesk.actions import check_version
from helpdesk.clock import utcnow
from helpdesk.config import LANGUAGE_CODES
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.tickets.models import Category
from kb import outbox
from kb import permissions as perms
from kb.models import Article, ArticleRevision, ArticleStatus, Visibility


@dataclass
class ArticleInput:
    """What an editor fills in (the form, the importer and the demo all produce this)."""

    title: str
    body: str
    summary: str = ""
    language: str = "en"
    category: Category | None = None
    tags: list[str] = field(default_factory=list)
    visibility: Visibility = Visibility.internal
    is_known_error: bool = False
    translation_key: str | None = None
    slug: str | None = None


def normalize_tags(tags) -> str:
    """Return tags as a lower-case, comma-separated, de-duplicated string."""
    items = tags.split(",") if isinstance(tags, str) else list(tags or ())
    seen: dict[str, None] = {}
    for tag in items:
        tag = " ".join(str(tag).split()).lower()[:40]
        if tag:
            seen.setdefault(tag, None)
    return ", ".join(seen)[:400]


def slugify(text: str) -> str:
    """Return a URL-safe ASCII slug of `text` (umlauts spelled out)."""
    text = text.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:100] or "article"


def _unique_slug(base: str) -> str:
    taken = set(db.session.scalars(sa.select(Article.slug).where(
        sa.or_(Article.slug == base, Article.slug.like(f"{base}-%")))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _clean_body(text: str | None) -> str:
    # Browsers send a textarea's line breaks as CRLF; the stored text uses LF.
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _clean_key(key: str | None) -> str | None:
    return (key or "").strip()[:120] or None


def _apply(article: Article, data: ArticleInput) -> None:
    article.title = data.title.strip()
    article.summary = (data.summary or "").strip()
    article.body = _clean_body(data.body)
    article.language = data.language if data.language in LANGUAGE_CODES else "en"
    article.category = data.category
    article.tags = normalize_tags(data.tags)
    article.visibility = Visibility(data.visibility)
    article.is_known_error = bool(data.is_known_error)
    article.translation_key = _clean_key(data.translation_key)


def _snapshot(article: Article, *, by: User | None, comment: str) -> ArticleRevision:
    """Record the article's current state as its next revision."""
    number = (db.session.scalar(sa.select(sa.func.max(ArticleRevision.number)).where(
        ArticleRevision.article_id == article.id)) or 0) + 1 if article.id else 1
    revision = ArticleRevision(
        number=number, title=article.title, summary=article.summary, body=article.body,
        language=article.language, category_id=article.category_id, tags=article.tags,
        visibility=article.visibility, status=article.status,
        is_known_error=article.is_known_error, translation_key=article.translation_key,
        author=by, comment=(comment or "").strip()[:300], created_at=utcnow())
    article.revisions.append(revision)
    return revision


def _touch(article: Article, *, by: User | None, comment: str) -> ArticleRevision:
    article.updated_at = utcnow()
    db.session.flush()            # assigns ids (and checks the version) before the snapshot
    revision = _snapshot(article, by=by, comment=comment)
    db.session.flush()
    outbox.enqueue(article.id)
    return revision


def create_article(data: ArticleInput, *, by: User | None, comment: str = "",
                   status: ArticleStatus = ArticleStatus.draft,
                   check: bool = True) -> Article:
    """Write a new article (a draft unless `status` says otherwise) and its first revision.

    `check=False` is for the importer and the demo, which act as the system.
    """
    if check and not perms.can_create_article(by):
        raise NotAllowed(_("You cannot write articles."))
    if check and status != ArticleStatus.draft and not perms.is_editor(by):
        raise NotAllowed(_("Only level 2 can publish articles."))
    article = Article(slug=_unique_slug(slugify(data.slug or data.title)), author=by,
                      status=status, created_at=utcnow())
    _apply(article, data)
    if status == ArticleStatus.published:
        article.published_at = utcnow()
    db.session.add(article)
    _touch(article, by=by, comment=comment or _("Created"))
    return article


def revise_article(article: Article, data: ArticleInput, *, by: User | None, comment: str = "",
                   seen_version: int | None = None,
                   check: bool = True) -> ArticleRevision | None:
    """Save an edit as a new revision. Raises `Stale` (helpdesk.actions) when someone
    saved since the editor saw `seen_version`.

    Returns None, and changes nothing (no revision, no outbox row, same version), when
    `data` equals the article.
    """
    if check and not perms.can_edit_article(by, article):
        raise NotAllowed(_("You cannot edit this article."))
    if not differs(article, data):
        return None
    check_version(article, seen_version)
    _apply(article, data)
    return _touch(article, by=by, comment=comment or _("Edited"))


def _move(article: Article, to: ArticleStatus, *, by: User, comment: str,
          allowed: bool, seen_version: int | None) -> ArticleRevision:
    if not allowed:
        raise NotAllowed(_("You cannot change the status of this article."))
    check_version(article, seen_version)
    article.status = to
    if to == ArticleStatus.published:
        article.published_at = utcnow()
    return _touch(article, by=by, comment=comment)


def submit_for_review(article: Article, *, by: User, comment: str = "",
                      seen_version: int | None = None) -> ArticleRevision:
    """draft -> in review."""
    return _move(article, ArticleStatus.in_review, by=by, seen_version=seen_version,
                 comment=comment or _("Submitted for review"),
                 allowed=perms.can_submit_for_review(by, article))


def publish(article: Article, *, by: User, comment: str = "",
            seen_version: int | None = None) -> ArticleRevision:
    """draft, in review or archived -> published (level 2 and admins)."""
    return _move(article, ArticleStatus.published, by=by, seen_version=seen_version,
                 comment=comment or _("Published"), allowed=perms.can_publish(by, article))


def send_back(article: Article, *, by: User, comment: str = "",
              seen_version: int | None = None) -> ArticleRevision:
    """in review or published -> draft, e.g. "needs changes"."""
    return _move(article, ArticleStatus.draft, by=by, seen_version=seen_version,
                 comment=comment or _("Sent back to draft"),
                 allowed=perms.can_send_back(by, article))


def archive(article: Article, *, by: User, comment: str = "",
            seen_version: int | None = None) -> ArticleRevision:
    """Any status -> archived: out of search for everyone but editors."""
    return _move(article, ArticleStatus.archived, by=by, seen_version=seen_version,
                 comment=comment or _("Archived"), allowed=perms.can_archive(by, article))


def restore_revision(article: Article, revision: ArticleRevision, *, by: User,
                     seen_version: int | None = None) -> ArticleRevision:
    """Bring back the content of an old revision as a new revision (status unchanged)."""
    if revision.article_id != article.id or not perms.can_restore_revision(by, article):
        raise NotAllowed(_("You cannot restore this revision."))
    check_version(article, seen_version)
    category = db.session.get(Category, revision.category_id) if revision.category_id else None
    _apply(article, ArticleInput(
        title=revision.title, summary=revision.summary, body=revision.body,
        language=revision.language, category=category, tags=revision.tags,
        visibility=revision.visibility, is_known_error=revision.is_known_error,
        translation_key=revision.translation_key))
    return _touch(article, by=by,
                  comment=_("Restored revision %(number)d", number=revision.number))


def set_status_as_system(article: Article, status: ArticleStatus, *,
                         comment: str = "") -> ArticleRevision | None:
    """Move an article to `status` without a user (the importer). No-op if already there."""
    if article.status == status:
        return None
    return _move(article, status, by=None, comment=comment or _("Status set by import"),
                 allowed=True, seen_version=None)


def differs(article: Article, data: ArticleInput) -> bool:
    """Whether saving `data` would change the article's content or settings."""
    return (article.title != data.title.strip() or article.summary != (data.summary or "").strip()
            or _clean_body(article.body) != _clean_body(data.body)
            or article.language != data.language
            or article.category_id != (data.category.id if data.category else None)
            or article.tags != normalize_tags(data.tags)
            or article.visibility != Visibility(data.visibility)
            or article.is_known_error != bool(data.is_known_error)
            or _clean_key(article.translation_key) != _clean_key(data.translation_key))
