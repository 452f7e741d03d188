"""Filters and globals for templates: dates, labels, Markdown, navigation flags.

Part of the composition root (with the factory and the CLI): it may import the core,
accounts and tickets, and shows what features registered (`helpdesk.registry`).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import format_datetime, format_timedelta, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk import registry
from helpdesk.accounts import permissions
from helpdesk.clock import utcnow
from helpdesk.config import LANGUAGES
from helpdesk.rendering import render_markdown, stored_or_rendered
from helpdesk.tickets import attachments, sla
from helpdesk.tickets.models import Priority, Status


def public_level_label(level: int) -> str:
    """How a customer hears where their ticket is."""
    return {1: _("with our first-level team"), 2: _("with our second-level team"),
            3: _("with our specialists")}.get(level, "")


def relative(when) -> str:
    if when is None:
        return ""
    return format_timedelta(when - utcnow(), add_direction=True, granularity="minute")


def extra_nav_items() -> list[dict]:
    """Main navigation entries features add (the knowledge base)."""
    return _items(registry.NAV_ITEMS)


def extra_admin_tabs() -> list[dict]:
    """Administration tabs features add (mail)."""
    return _items(registry.ADMIN_TABS)


def _items(point: str) -> list[dict]:
    return [item for provider in registry.entries(point) for item in provider(current_user)]


def new_ticket_form_includes() -> tuple[str, ...]:
    """Templates features show below the subject of the new-ticket form (KB answers)."""
    return registry.entries(registry.NEW_TICKET_FORM)


def queue_panels() -> list[dict]:
    """Panels features show above the staff queue (the KB's required reading)."""
    return [panel for provider in registry.entries(registry.QUEUE_PANELS)
            if (panel := provider(current_user))]


def message_extras(ticket) -> dict:
    """What features show under the ticket's messages (mail in: the quoted text, the
    original), by message id; None is the ticket's own text."""
    found: dict = {}
    for provider in registry.entries(registry.MESSAGE_EXTRAS):
        for key, items in provider(ticket).items():
            found.setdefault(key, []).extend(items)
    return found


def _label(enum_cls, value):
    return enum_cls(value).label if value in enum_cls._value2member_map_ else (value or "—")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    # A ticket's or message's body as rendered when it was saved (no parsing per view).
    app.jinja_env.filters["rendered_body"] = lambda item: stored_or_rendered(
        item.body_html, item.body)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else "")
    app.jinja_env.filters["relative"] = relative
    app.jinja_env.filters["overdue"] = lambda ticket: sla.is_overdue(
        ticket.status, ticket.update_due_at, utcnow())
    app.jinja_env.filters["deadline_state"] = lambda ticket: sla.deadline_state(
        ticket, utcnow()).value
    app.jinja_env.globals["public_level_label"] = public_level_label
    app.jinja_env.globals["extra_nav_items"] = extra_nav_items
    app.jinja_env.globals["extra_admin_tabs"] = extra_admin_tabs
    app.jinja_env.globals["new_ticket_form_includes"] = new_ticket_form_includes
    app.jinja_env.globals["message_extras"] = message_extras
    app.jinja_env.globals["queue_panels"] = queue_panels
    app.jinja_env.globals["status_label"] = lambda value: _label(Status, value)
    app.jinja_env.globals["priority_label"] = lambda value: _label(Priority, value)
    app.jinja_env.globals["upload_field_attrs"] = attachments.upload_field_attrs
    app.jinja_env.globals["upload_hint"] = attachments.upload_hint
    app.jinja_env.add_extension("jinja2.ext.loopcontrols")

    @app.context_processor
    def inject():
        return {
            "perms": permissions,
            "languages": LANGUAGES,
            "current_language": str(get_locale() or "en"),
            "now": utcnow(),
            "sla": sla,
            "site_name": app.config["SITE_NAME"],
            "is_staff": bool(getattr(current_user, "is_authenticated", False)
                            and current_user.is_staff),
        }
