"""The KB's answers to the core's integration hooks: health, navigation, ticket panel,
the articles-used signal, demo seeding and template helpers."""
from __future__ import annotations

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kb import index, ticket_links
from kb import permissions as perms
from kb.models import STATUS_LABELS, VISIBILITY_LABELS, ArticleStatus, Visibility


def health_check(app: Flask) -> tuple[str, bool, dict]:
    """/healthz: is there an index, how many documents, how far behind the outbox."""
    state = index.status(app)
    ok = state.present and state.lag <= int(app.config["KB_HEALTHY_LAG"])
    details = {"present": state.present, "documents": state.documents,
               "applied_outbox_id": state.applied, "newest_outbox_id": state.newest,
               "lag": state.lag}
    if not state.present:
        details["rebuilding"] = index.rebuild_soon(app) or None
    return "search_index", ok, details


def nav_items(user) -> list[dict]:
    items = [{"url": url_for("kb.search"), "label": _("Knowledge base"), "prefix": "kb.search"}]
    if perms.can_review(user):
        items.append({"url": url_for("kb.review"), "label": _("Review"),
                      "prefix": "kb.review"})
    return items


def ticket_panel(ticket) -> dict:
    """Suggested articles beside a ticket, and the ones already used on it."""
    from kb.search import suggest_for_ticket

    return {"side": "kb/_ticket_panel.html", "composer": "kb/_composer_articles.html",
            "suggestions": suggest_for_ticket(ticket, current_user),
            "used": [link for link in ticket_links.articles_used_on(ticket)
                     if perms.can_read_article(current_user, link.article)]}


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
