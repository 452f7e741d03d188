"""Known errors from level 3's problems: the draft article, the link both ways, and the
flag when the problem is fixed.

The problems feature never imports the knowledge base, nor the other way round: its
signals reach the receivers here (connected in `kb.init_app`), and a problem arrives as
the signal's sender, read for its id, title, component, description (the symptoms),
cause and workaround. The article remembers its problem in `ArticleProblem`; the problem
remembers the article (the id this module returns).

When the problem is fixed, the article is flagged for level 2 to update or archive: it is
on the review list until an editor saves it (any newer revision) or archives it.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb import curation
from kb import permissions as perms
from kb.models import Article, ArticleStatus, Visibility

FLAG_LIMIT = 50


class ArticleProblem(db.Model):
    """An article that describes a problem's known error, and whether the problem is fixed."""

    __tablename__ = "kb_article_problem"
    __table_args__ = (sa.UniqueConstraint("article_id", "problem_id",
                                          name="uq_kb_article_problem_pair"),
                      sa.Index("ix_kb_article_problem_fixed", "fixed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_article.id", ondelete="CASCADE"))
    problem_id: Mapped[int] = mapped_column(index=True)     # a problem of the problems feature
    problem_title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the problem was fixed: the article needs a look from level 2 (update or archive).
    fixed_at: Mapped[datetime | None] = mapped_column()

    article: Mapped[Article] = relationship(lazy="joined")


def _text(value) -> str:
    return (value or "").strip()


def known_error_body(problem, language: str) -> tuple[str, str]:
    """The draft's summary and body: symptoms, cause and workaround, in `language`."""
    with force_locale(language):
        sections = [(_("Symptoms"), _text(problem.description)),
                    (_("Cause"), _text(getattr(problem, "cause", "")) or
                     _("The cause is being investigated.")),
                    (_("Workaround"), _text(problem.workaround))]
        if _text(getattr(problem, "component", "")):
            sections.insert(0, (_("Affected"), _text(problem.component)))
    body = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections if text)
    summary = _text(problem.workaround).splitlines()[0][:500] if _text(problem.workaround) \
        else ""
    return summary, body


def on_known_error_documented(problem, *, language: str, by=None, **_extra) -> int:
    """Receiver of `known_error_documented`: a draft article from the problem, submitted
    for level 2's review (public once published: customers meet the known error too),
    linked to the problem. Returns the article's id."""
    summary, body = known_error_body(problem, language)
    article = curation.create_article(curation.ArticleInput(
        title=_text(problem.title)[:200], body=body, summary=summary, language=language,
        tags=[problem.component] if _text(problem.component) else [],
        visibility=Visibility.public, is_known_error=True), by=by,
        comment=_("Written from problem #%(id)d", id=problem.id))
    curation.submit_for_review(article, by=by)
    db.session.add(ArticleProblem(article_id=article.id, problem_id=problem.id,
                                  problem_title=_text(problem.title)[:200]))
    db.session.flush()
    return article.id


def on_problem_fixed(problem, *, article_id: int | None = None, **_extra) -> None:
    """Receiver of `problem_fixed`: flag the problem's article for level 2."""
    if article_id is None:
        return
    link = db.session.scalar(sa.select(ArticleProblem).where(
        ArticleProblem.article_id == article_id, ArticleProblem.problem_id == problem.id))
    if link is None:
        if db.session.get(Article, article_id) is None:
            return
        link = ArticleProblem(article_id=article_id, problem_id=problem.id,
                              problem_title=_text(problem.title)[:200])
        db.session.add(link)
    link.problem_title = _text(problem.title)[:200]
    link.fixed_at = utcnow()
    db.session.flush()


def problems_of(article: Article) -> list[dict]:
    """For the article page (staff): the problems whose known error it describes."""
    if not perms.is_staff(current_user):
        return []
    links = db.session.scalars(sa.select(ArticleProblem).where(
        ArticleProblem.article_id == article.id).order_by(ArticleProblem.id)).all()
    return [{"id": link.problem_id, "title": link.problem_title, "url": _problem_url(link),
             "fixed": link.fixed_at is not None, "flagged": _flagged(link)} for link in links]


def _problem_url(link: ArticleProblem) -> str | None:
    if "problems.show_problem" not in current_app.view_functions:
        return None
    return url_for("problems.show_problem", problem_id=link.problem_id)


def _flagged(link: ArticleProblem) -> bool:
    article = link.article
    return (link.fixed_at is not None and article.status != ArticleStatus.archived
            and article.updated_at <= link.fixed_at)


def fixed_problem_flags(limit: int = FLAG_LIMIT) -> list[dict]:
    """For level 2's review list: articles whose problem was fixed since they were last
    saved (update or archive them)."""
    rows = db.session.scalars(
        sa.select(ArticleProblem).join(Article, Article.id == ArticleProblem.article_id)
        .where(ArticleProblem.fixed_at.is_not(None),
               Article.status != ArticleStatus.archived,
               Article.updated_at <= ArticleProblem.fixed_at)
        .order_by(ArticleProblem.fixed_at.desc()).limit(limit)).all()
    return [{"article": link.article, "problem_id": link.problem_id,
             "problem_title": link.problem_title, "fixed_at": link.fixed_at,
             "problem_url": _problem_url(link)} for link in rows]


def connect(app) -> None:
    """Hear the problems feature's signals in `app`, and give templates the links."""
    from helpdesk import registry, signals

    registry.connect(app, signals.known_error_documented, on_known_error_documented)
    registry.connect(app, signals.problem_fixed, on_problem_fixed)
    app.jinja_env.globals["kb_problems_of"] = problems_of
    app.jinja_env.globals["kb_fixed_problem_flags"] = fixed_problem_flags
