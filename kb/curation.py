"""The article life cycle: write, revise, review, publish, archive, restore; and its
curation: translation twins, owners and review dates.

Every function checks permission (raising `NotAllowed`) and the version the user saw
(raising `Stale`, see helpdesk.actions), records a revision (or, for a check or a setting
that is no revision, a curation event: kb.reviews), writes an index outbox row when the
text or a searched field changed, and flushes; the caller commits once.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from helpdesk.accounts.models import User
from helpdesk.actions import check_version
from helpdesk.clock import utcnow
from helpdesk.config import LANGUAGE_CODES
from helpdesk.config import LANGUAGES as LANGUAGE_NAMES
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.tickets.models import Category
from kb import outbox, reviews, twins
from kb import permissions as perms
from kb.models import Article, ArticleRevision, ArticleStatus, CurationEventKind, Visibility


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


def _next_number(article: Article) -> int:
    return (db.session.scalar(sa.select(sa.func.max(ArticleRevision.number)).where(
        ArticleRevision.article_id == article.id)) or 0) + 1 if article.id else 1


def _snapshot(article: Article, *, by: User | None, comment: str,
              number: int | None = None) -> ArticleRevision:
    """Record the article's current state as its next revision."""
    number = number or _next_number(article)
    revision = ArticleRevision(
        number=number, title=article.title, summary=article.summary, body=article.body,
        language=article.language, category_id=article.category_id, tags=article.tags,
        visibility=article.visibility, status=article.status,
        is_known_error=article.is_known_error, translation_key=article.translation_key,
        author=by, comment=(comment or "").strip()[:300], created_at=utcnow())
    article.revisions.append(revision)
    return revision


def _touch(article: Article, *, by: User | None, comment: str,
           text_changed: bool = False) -> ArticleRevision:
    """Record a revision (and an index outbox row). `text_changed`: the title, summary or
    body changed, so this revision is the text's newest (ratings and twins follow it)."""
    article.updated_at = utcnow()
    number = _next_number(article)
    if text_changed:
        article.content_changed_at = article.updated_at
        article.content_revision = number
    db.session.flush()            # assigns ids (and checks the version) before the snapshot
    revision = _snapshot(article, by=by, comment=comment, number=number)
    db.session.flush()
    outbox.enqueue(article.id)
    return revision


def _text_differs(article: Article, data: ArticleInput) -> bool:
    return (article.title != data.title.strip()
            or article.summary != (data.summary or "").strip()
            or _clean_body(article.body) != _clean_body(data.body))


def _check_key(article: Article | None, data: ArticleInput) -> None:
    """Refuse a translation key another article in the same language already has
    (checked only when the key or the language changes: older data stays editable)."""
    key = _clean_key(data.translation_key)
    language = data.language if data.language in LANGUAGE_CODES else "en"
    if article is not None and (_clean_key(article.translation_key) == key
                                and article.language == language):
        return
    twins.check_key_free(key, language, exclude_id=article.id if article else None)


def _save(article: Article, data: ArticleInput, *, by: User | None,
          comment: str) -> ArticleRevision:
    """Apply `data` as a new revision, keeping the translation state right: a new key
    makes a pair that matches now; a new text of the side that was out of date is the
    catch-up (its twin matches this text)."""
    text_changed = _text_differs(article, data)
    new_key = _clean_key(article.translation_key) != _clean_key(data.translation_key)
    behind = twins.out_of_date(article) if text_changed and not new_key else None
    _apply(article, data)
    revision = _touch(article, by=by, comment=comment, text_changed=text_changed)
    if new_key:
        article.translation_checked_at = None
        if article.translation_key:
            twins.mark_matched(article)
    elif behind is not None:
        twins.caught_up(article, behind)
    db.session.flush()
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
    _check_key(None, data)
    article = Article(slug=_unique_slug(slugify(data.slug or data.title)), author=by,
                      status=status, created_at=utcnow())
    _apply(article, data)
    if status == ArticleStatus.published:
        article.published_at = utcnow()
        reviews.on_publish(article, by=by)
    db.session.add(article)
    _touch(article, by=by, comment=comment or _("Created"), text_changed=True)
    if article.translation_key:
        twins.mark_matched(article)
        db.session.flush()
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
    _check_key(article, data)
    return _save(article, data, by=by, comment=comment or _("Edited"))


def _move(article: Article, to: ArticleStatus, *, by: User, comment: str,
          allowed: bool, seen_version: int | None) -> ArticleRevision:
    if not allowed:
        raise NotAllowed(_("You cannot change the status of this article."))
    check_version(article, seen_version)
    article.status = to
    if to == ArticleStatus.published:
        article.published_at = utcnow()
        reviews.on_publish(article, by=by)
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
    data = ArticleInput(
        title=revision.title, summary=revision.summary, body=revision.body,
        language=revision.language, category=category, tags=revision.tags,
        visibility=revision.visibility, is_known_error=revision.is_known_error,
        translation_key=revision.translation_key)
    try:
        _check_key(article, data)
    except twins.TwinRefused:
        data.translation_key = article.translation_key     # the key went to another pair
    return _save(article, data, by=by,
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


# -- translation twins ----------------------------------------------------------------

def _set_key(article: Article, key: str | None, *, by: User, comment: str) -> None:
    if article.translation_key != key:
        article.translation_key = key
        _touch(article, by=by, comment=comment)


def link_translation(article: Article, other: Article, *, by: User,
                     seen_version: int | None = None) -> bool:
    """Make `other` (another language) the translation of `article`: both get one key,
    each a revision saying so, and the pair counts as matching now. False if they were
    linked already. Raises `twins.TwinRefused` with the reason when they cannot be."""
    if not perms.is_editor(by) or not perms.can_read_article(by, other):
        raise NotAllowed(_("You cannot link translations."))
    check_version(article, seen_version)
    if other.id == article.id or other.language == article.language:
        raise twins.TwinRefused(_("A translation must be an article in another language."))
    mine, theirs = twins.twin_of(article), twins.twin_of(other)
    if mine is not None and mine.id == other.id:
        return False
    if mine is not None:
        raise twins.TwinRefused(_("This article is already linked to “%(title)s”. Unlink "
                                  "it first.", title=mine.title))
    if theirs is not None:
        raise twins.TwinRefused(_("“%(title)s” is already the translation of “%(twin)s”. "
                                  "Unlink them first.", title=other.title, twin=theirs.title))
    key = twins.pair_key(article, other) or twins.free_key(slugify(
        (article if article.language == "en" else other).title))
    for one, two in ((article, other), (other, article)):
        _set_key(one, key, by=by, comment=_("Linked as translation of “%(title)s”",
                                             title=two.title))
    twins.mark_matched(article)
    db.session.flush()
    return True


def unlink_translation(article: Article, *, by: User,
                       seen_version: int | None = None) -> Article | None:
    """Undo a link: neither article has a translation afterwards (a revision each).
    Returns the former twin (None: there was none, nothing changed)."""
    if not perms.is_editor(by):
        raise NotAllowed(_("You cannot link translations."))
    check_version(article, seen_version)
    twin = twins.twin_of(article)
    if twin is None:
        return None
    for one, two in ((article, twin), (twin, article)):
        _set_key(one, None, by=by, comment=_("No longer linked to “%(title)s”",
                                              title=two.title))
        one.translation_checked_at = None
    db.session.flush()
    return twin


def confirm_translation(article: Article, *, by: User,
                        seen_version: int | None = None) -> Article | None:
    """An editor checked that the article still matches its newer twin: it is no longer
    out of date, and the history says so. Returns the twin (None: nothing to confirm)."""
    if not perms.is_editor(by):
        raise NotAllowed(_("You cannot confirm translations."))
    check_version(article, seen_version)
    twin = twins.out_of_date(article)
    if twin is None:
        return None
    article.translation_checked_at = utcnow()
    reviews.record(article, CurationEventKind.translation_confirmed, by=by,
                   detail=f"{LANGUAGE_NAMES.get(twin.language, twin.language)}: {twin.title}")
    db.session.flush()
    return twin


# -- owners and review dates -----------------------------------------------------------

def confirm_review(article: Article, *, by: User, seen_version: int | None = None) -> date:
    """"Still accurate": the next review is KB_REVIEW_MONTHS from today; the history
    records the check. Returns the new review-by date."""
    if not perms.is_editor(by):
        raise NotAllowed(_("You cannot review articles."))
    if article.status != ArticleStatus.published:
        raise NotAllowed(_("Only published articles have a review date."))
    check_version(article, seen_version)
    article.review_by = reviews.next_review_date()
    if article.owner_id is None:
        article.owner = by
    reviews.record(article, CurationEventKind.review_confirmed, by=by,
                   detail=article.review_by.isoformat())
    db.session.flush()
    return article.review_by


def set_owner(article: Article, *, owner: User | None, review_by: date | None, by: User,
              seen_version: int | None = None) -> bool:
    """Give the article another owner or review-by date (each recorded in the history).
    False if both were already so."""
    if not perms.is_editor(by):
        raise NotAllowed(_("You cannot change the owner."))
    if owner is not None and owner.id not in {
            user.id for user in reviews.owner_candidates(article.owner)}:
        raise NotAllowed(_("Only level 2 and admins can own articles."))
    check_version(article, seen_version)
    changed = False
    if owner is not None and owner.id != article.owner_id:
        before = article.owner.name if article.owner else "—"
        article.owner = owner
        reviews.record(article, CurationEventKind.owner_changed, by=by,
                       detail=f"{before} → {owner.name}")
        changed = True
    if review_by is not None and review_by != article.review_by:
        before = article.review_by.isoformat() if article.review_by else "—"
        article.review_by = review_by
        reviews.record(article, CurationEventKind.review_date_changed, by=by,
                       detail=f"{before} → {review_by.isoformat()}")
        changed = True
    db.session.flush()
    return changed
