"""The KB's answers to the core's integration hooks: health, navigation, ticket panel,
the articles-used signal, demo seeding and template helpers."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.text_input import whole_number
from kb import index, index_upkeep, ticket_links
from kb import permissions as perms
from kb.models import STATUS_LABELS, VISIBILITY_LABELS, Article, ArticleStatus, Visibility


def health_check(app: Flask) -> tuple[str, bool, dict]:
    """/healthz: is there a readable index, how many documents, how far behind the outbox.

    Degraded when the index is missing, damaged (here or in this process's searches),
    ahead of the database, more than KB_HEALTHY_LAG rows behind, or behind at all for
    longer than KB_LAG_GRACE seconds (a lag nobody is applying). Only reports: the app's
    index keeper (kb.index_upkeep) rebuilds a missing, damaged or ahead index, and
    `rebuilding` says that it will.
    """
    state = index.status(app)
    error = state.error or index_upkeep.damage(app)
    waiting = (utcnow() - state.pending_since).total_seconds() if state.pending_since else 0.0
    stuck = state.lag > 0 and waiting > float(app.config["KB_LAG_GRACE"])
    ok = (state.present and not error and not state.ahead and not stuck
          and state.lag <= int(app.config["KB_HEALTHY_LAG"]))
    details = {"present": state.present, "documents": state.documents,
               "applied_outbox_id": state.applied, "newest_outbox_id": state.newest,
               "lag": state.lag, "lag_seconds": round(waiting, 1)}
    if error:
        details["error"] = error
    if state.ahead:
        details["ahead_of_database"] = True
    if not state.present or ((error or state.ahead)
                             and app.config.get("KB_REBUILD_DAMAGED", True)):
        details["rebuilding"] = index_upkeep.rebuild_scheduled(app) or None
    return "search_index", ok, details


def nav_items(user) -> list[dict]:
    items = [{"url": url_for("kb.search"), "label": _("Knowledge base"), "prefix": "kb.search"}]
    if perms.can_review(user):
        items.append({"url": url_for("kb.review"), "label": _("Review"),
                      "prefix": "kb.review"})
    return items


def ticket_panel(ticket) -> dict:
    """Suggested articles beside a ticket, and the ones already used on it."""
    return {"side": "kb/_ticket_panel.html", "composer": "kb/_composer_articles.html",
            "suggestions": suggested_articles(ticket, current_user),
            "used": [link for link in ticket_links.articles_used_on(ticket)
                     if perms.can_read_article(current_user, link.article)],
            "inserted": _inserted_articles()}


SUGGESTIONS, CANDIDATES = 5, 10


def suggested_articles(ticket, user) -> list:
    """The ticket's suggestions: the best matches, articles that solve tickets raised a
    little among them (kb.effectiveness, kb.ranking.rerank)."""
    from kb.effectiveness import boost_factors
    from kb.ranking import rerank
    from kb.search import suggest_for_ticket

    hits = suggest_for_ticket(ticket, user, limit=CANDIDATES)
    return rerank(hits, boost_factors())[:SUGGESTIONS]


def _inserted_articles() -> list[Article]:
    """The articles already inserted into a reply the page shows again (a refused one)."""
    if request.method != "POST":
        return []
    ids = [i for i in (whole_number(x.strip()) for x in
                       request.form.get("article_ids", "").split(",")[:50]) if i is not None]
    articles = db.session.scalars(sa.select(Article).where(Article.id.in_(ids))) if ids else []
    return [a for a in articles if perms.can_read_article(current_user, a)]


def check_message(ticket, *, body: str, internal: bool, article_ids=(), by=None,
                  **_extra) -> list[str]:
    """MESSAGE_CHECKS: refuse a public reply by staff that carries an internal article.

    Customers' own messages are not checked: they cannot read internal articles, and
    naming one in a refusal would tell them it exists.
    """
    if internal or not perms.is_staff(by):
        return []
    return [_("“%(title)s” is an internal article: it can only go into an internal note. "
              "Remove it from this reply, or send the text as an internal note.",
              title=article.title) if perms.can_read_article(by, article) else
            _("Article %(id)d is internal: it can only go into an internal note. Remove "
              "the link from this reply.", id=article.id)
            for article in ticket_links.internal_articles_in(body, article_ids)]


def on_articles_used(ticket, **kwargs) -> None:
    ticket_links.on_articles_used(ticket, **kwargs)


def seed_demo_articles(*, users: dict, categories: dict) -> None:
    from kb.demo import seed_articles

    seed_articles(users=users, categories=categories)


def register_template_helpers(app: Flask) -> None:
    def status_label(value):
        return STATUS_LABELS[ArticleStatus(value)] if value in ArticleStatus._value2member_map_ \
            else value

    def visibility_label(value):
        return VISIBILITY_LABELS[Visibility(value)] \
            if value in Visibility._value2member_map_ else value

    app.jinja_env.globals["kb_status_label"] = status_label
    app.jinja_env.globals["kb_visibility_label"] = visibility_label
    app.jinja_env.globals["kb_perms"] = perms
