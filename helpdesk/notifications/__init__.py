"""Outgoing mail. Only the application factory imports this package.

`init_app` wires it in: the signal subscribers that queue mail, the background sender,
the `helpdesk mail` commands, the admin page, the ticket page's mail panel and the
health report.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__)


def _add_once(hooks: list, fn) -> None:
    # The hook lists are module-level and the factory runs once per app (tests make many).
    if fn not in hooks:
        hooks.append(fn)


def init_app(app: Flask) -> None:
    """Attach mail to `app`."""
    from helpdesk import health
    from helpdesk.notifications import cli, hooks, sender, subscribers, views  # noqa: F401
    from helpdesk.tickets.page import STAFF_PANELS

    subscribers.connect(app)
    sender.init_app(app)
    app.register_blueprint(bp, url_prefix="/admin/mail")
    app.cli.add_command(cli.mail_group)
    _add_once(STAFF_PANELS, hooks.ticket_mail_panel)
    _add_once(health.CHECKS, hooks.health_check)
