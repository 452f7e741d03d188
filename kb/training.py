"""Required reading: level 2 trains level 1 with the knowledge base.

Level 2 (and admins) assign articles, one, a whole category or a tag, to one agent, to a
level or to all of level 1, optionally by a date. An agent's reading list is every
published article an assignment for them or their level covers; they confirm each one
read. A confirmation holds the revision of the text they read: when the article gets a
newer text (`Article.content_revision`), it is unread again, and `changes_since` shows
what changed since they confirmed (kb.diff).

Every change checks permission (`NotAllowed`) and flushes; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from helpdesk.accounts.models import Level, Role, User
from helpdesk.clock import utcnow
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.tickets.models import Category
from kb import permissions as perms
from kb.diff import diff_revisions
from kb.models import Article, ArticleRevision, ArticleStatus
from kb.training_models import ReadingAssignment, ReadingConfirmation

MAX_ARTICLES = 200            # one assignment's articles on a page (a category, a tag)


class AssignmentRefused(ValueError):
    """An assignment that cannot be made; the message says why, to the editor."""


def can_assign(user) -> bool:
    """Level 2 and admins assign reading and see everyone's progress."""
    return perms.is_editor(user)


def has_reading(user) -> bool:
    """Agents have reading lists (admins are no level's members)."""
    return perms.is_staff(user) and user.is_agent and bool(user.level)


# -- assigning ------------------------------------------------------------------------------

def _clean_tag(tag: str | None) -> str | None:
    tag = " ".join((tag or "").split()).lower()[:40]
    return tag or None


def assign(*, by, article: Article | None = None, category: Category | None = None,
           tag: str | None = None, agent: User | None = None, level: int | None = None,
           due_on: date | None = None) -> tuple[ReadingAssignment, bool]:
    """Assign one article, a category or a tag to one agent or a level, by `due_on`.

    Assigning the same again changes only the date. Returns (the assignment, whether it
    is new). Raises AssignmentRefused when what or whom is missing or not allowed."""
    if not can_assign(by):
        raise NotAllowed(_("Only level 2 can assign required reading."))
    tag = _clean_tag(tag)
    if sum(x is not None for x in (article, category, tag)) != 1:
        raise AssignmentRefused(_("Choose one article, one category or one tag."))
    if (agent is None) == (level is None):
        raise AssignmentRefused(_("Choose one agent or one level."))
    if article is not None and article.status != ArticleStatus.published:
        raise AssignmentRefused(_("Only published articles can be required reading."))
    if agent is not None and not (agent.role == Role.agent and agent.is_active
                                  and agent.level):
        raise AssignmentRefused(_("Reading can only be assigned to active agents."))
    if level is not None and level not in {lvl.value for lvl in Level}:
        raise AssignmentRefused(_("There is no level %(level)d.", level=level))
    existing = db.session.scalar(sa.select(ReadingAssignment).where(
        _same(ReadingAssignment.article_id, article.id if article else None),
        _same(ReadingAssignment.category_id, category.id if category else None),
        _same(ReadingAssignment.tag, tag),
        _same(ReadingAssignment.user_id, agent.id if agent else None),
        _same(ReadingAssignment.level, level)))
    if existing is not None:
        existing.due_on = due_on
        db.session.flush()
        return existing, False
    assignment = ReadingAssignment(article=article, category=category, tag=tag, user=agent,
                                   level=level, due_on=due_on, assigned_by=by,
                                   created_at=utcnow())
    db.session.add(assignment)
    db.session.flush()
    return assignment, True


def _same(column, value):
    return column.is_(None) if value is None else column == value


def remove(assignment: ReadingAssignment, *, by) -> None:
    """Withdraw an assignment (confirmations stay: they say what was read)."""
    if not can_assign(by):
        raise NotAllowed(_("Only level 2 can assign required reading."))
    db.session.delete(assignment)
    db.session.flush()


def assignments() -> list[ReadingAssignment]:
    return list(db.session.scalars(sa.select(ReadingAssignment).order_by(
        ReadingAssignment.created_at.desc(), ReadingAssignment.id.desc())))


def describe_what(assignment: ReadingAssignment) -> str:
    if assignment.article is not None:
        return assignment.article.title
    if assignment.category is not None:
        return _("Category: %(name)s", name=assignment.category.name_for(_locale()))
    return _("Tag: %(tag)s", tag=assignment.tag)


def describe_whom(assignment: ReadingAssignment) -> str:
    if assignment.user is not None:
        return assignment.user.name
    if assignment.level == Level.l1:
        return _("All of level 1")
    return _("All of level %(level)d", level=assignment.level or 0)


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


# -- what an assignment covers --------------------------------------------------------------

def _tag_condition(tag: str):
    """Articles whose comma-separated tags hold `tag` (normalised: "a, b, c")."""
    tags = sa.func.lower(", " + Article.tags + ",")
    return tags.contains(f", {tag},", autoescape=True)


def _covered(assignment: ReadingAssignment):
    """The SQL condition on Article for what `assignment` names (published only)."""
    published = Article.status == ArticleStatus.published
    if assignment.article_id is not None:
        return sa.and_(published, Article.id == assignment.article_id)
    if assignment.category_id is not None:
        return sa.and_(published, Article.category_id == assignment.category_id)
    return sa.and_(published, _tag_condition(assignment.tag or ""))


def articles_of(assignment: ReadingAssignment) -> list[Article]:
    return list(db.session.scalars(sa.select(Article).where(_covered(assignment)).order_by(
        Article.title).limit(MAX_ARTICLES)))


def _audience(assignment: ReadingAssignment) -> list[User]:
    if assignment.user_id is not None:
        user = assignment.user
        return [user] if user is not None and has_reading(user) else []
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.agent, User.level == assignment.level,
        User.is_active_account.is_(True)).order_by(User.name)))


def _for_user(user: User):
    return sa.or_(ReadingAssignment.user_id == user.id,
                  ReadingAssignment.level == int(user.level or 0))


# -- reading lists ----------------------------------------------------------------------------

def current_revision(article: Article) -> int:
    """The revision of the article's current text."""
    return article.content_revision or db.session.scalar(
        sa.select(sa.func.max(ArticleRevision.number)).where(
            ArticleRevision.article_id == article.id)) or 1


@dataclass
class Reading:
    """One article on an agent's list: when it is due and where they stand with it."""

    article: Article
    due_on: date | None
    confirmation: ReadingConfirmation | None
    revision: int                          # the text's current revision

    @property
    def state(self) -> str:
        """"read", "changed" (read, but the text changed since) or "unread"."""
        if self.confirmation is None:
            return "unread"
        return "read" if self.confirmation.revision_number >= self.revision else "changed"

    @property
    def is_open(self) -> bool:
        return self.state != "read"

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < utcnow().date()

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


STATE_LABELS = {"read": _l("Read"), "changed": _l("Changed since read"),
                "unread": _l("Not read yet")}


def _earliest(a: date | None, b: date | None) -> date | None:
    return min(d for d in (a, b) if d is not None) if (a or b) else None


def reading_for(user: User) -> list[Reading]:
    """Every article `user` must read, open ones first (overdue, then by due date)."""
    if not has_reading(user):
        return []
    due: dict[int, date | None] = {}
    articles: dict[int, Article] = {}
    for assignment in db.session.scalars(sa.select(ReadingAssignment).where(
            _for_user(user))):
        for article in articles_of(assignment):
            articles[article.id] = article
            due[article.id] = _earliest(due.get(article.id), assignment.due_on) \
                if article.id in due else assignment.due_on
    if not articles:
        return []
    confirmations = {c.article_id: c for c in db.session.scalars(
        sa.select(ReadingConfirmation).where(ReadingConfirmation.user_id == user.id,
                                             ReadingConfirmation.article_id.in_(articles)))}
    readings = [Reading(article, due[article_id], confirmations.get(article_id),
                        current_revision(article))
                for article_id, article in articles.items()]
    readings.sort(key=lambda r: (not r.is_open, not r.overdue, r.due_on or date.max,
                                 r.article.title.lower()))
    return readings


def open_reading(user: User) -> list[Reading]:
    return [reading for reading in reading_for(user) if reading.is_open]


def reading_of(user: User, article_id: int) -> Reading | None:
    """The article on `user`'s list, or None if it is not required reading for them."""
    return next((r for r in reading_for(user) if r.article.id == article_id), None)


def confirm(reading: Reading, *, by: User) -> bool:
    """`by` confirms they read the article's current text. False if they had already."""
    if not has_reading(by):
        raise NotAllowed(_("Only agents confirm their reading."))
    if reading.state == "read":
        return False
    confirmation = reading.confirmation
    if confirmation is None:
        try:
            with db.session.begin_nested():
                confirmation = ReadingConfirmation(user_id=by.id, article_id=reading.article.id,
                                                   revision_number=reading.revision,
                                                   confirmed_at=utcnow())
                db.session.add(confirmation)
        except IntegrityError:           # the same confirmation, sent twice at once
            confirmation = db.session.scalar(sa.select(ReadingConfirmation).where(
                ReadingConfirmation.user_id == by.id,
                ReadingConfirmation.article_id == reading.article.id))
    confirmation.revision_number = reading.revision
    confirmation.confirmed_at = utcnow()
    reading.confirmation = confirmation
    db.session.flush()
    return True


def changes_since(reading: Reading) -> list:
    """What changed in the article since the revision the agent confirmed (kb.diff)."""
    if reading.state != "changed":
        return []
    read = db.session.scalar(sa.select(ArticleRevision).where(
        ArticleRevision.article_id == reading.article.id,
        ArticleRevision.number == reading.confirmation.revision_number))
    if read is None:
        return []
    return [change for change in diff_revisions(read, reading.article)
            if change.name in ("title", "summary", "body", "tags")]


# -- progress (level 2) ---------------------------------------------------------------------

@dataclass
class Progress:
    articles: list[Article] = field(default_factory=list)
    rows: list[tuple[User, list[Reading | None]]] = field(default_factory=list)

    @property
    def totals(self) -> tuple[int, int]:
        """(read, assigned) over the whole table."""
        cells = [cell for _user, cells in self.rows for cell in cells if cell is not None]
        return sum(1 for cell in cells if cell.state == "read"), len(cells)


def progress() -> Progress:
    """Agent × article: every agent with required reading, every assigned article."""
    agents: dict[int, User] = {}
    for assignment in assignments():
        for user in _audience(assignment):
            agents[user.id] = user
    table = Progress()
    lists = {user_id: {r.article.id: r for r in reading_for(user)}
             for user_id, user in agents.items()}
    articles: dict[int, Article] = {}
    for readings in lists.values():
        for reading in readings.values():
            articles[reading.article.id] = reading.article
    table.articles = sorted(articles.values(), key=lambda a: a.title.lower())
    for user in sorted(agents.values(), key=lambda u: (u.level or 0, u.name.lower())):
        table.rows.append((user, [lists[user.id].get(a.id) for a in table.articles]))
    return table


def agents_choices() -> list[User]:
    """The agents reading can be assigned to, by level and name."""
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.agent, User.is_active_account.is_(True),
        User.level.is_not(None)).order_by(User.level, User.name)))
