"""Outgoing mail, a feature package: the factory loads it by name (setting FEATURES).

`init_app` wires it in: the signal subscribers that queue mail, the background sender,
the `helpdesk mail` commands, the admin page and its tab, the ticket page's mail panel
and the health report.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__)


def init_app(app: Flask) -> None:
    """Attach mail to `app`."""
    from helpdesk import registry
    from helpdesk.notifications import cli, hooks, sender, subscribers, views  # noqa: F401

    subscribers.connect(app)
    sender.init_app(app)
    app.register_blueprint(bp, url_prefix="/admin/mail")
    app.cli.add_command(cli.mail_group)
    registry.add(app, registry.STAFF_PANELS, hooks.ticket_mail_panel)
    registry.add(app, registry.HEALTH_CHECKS, hooks.health_check)
    registry.add(app, registry.ADMIN_TABS, hooks.admin_tabs)
