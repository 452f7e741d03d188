"""What mail in adds to other pages: the administration's Incoming mail tab and /healthz."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from helpdesk.extensions import db
from helpdesk.mail_in.models import ReceivedMail, ReceivedStatus


def admin_tabs(user) -> list[dict]:
    """The administration's Incoming mail tab (the quarantine)."""
    return [{"url": url_for("mail_in.quarantine"), "label": _("Incoming mail"),
             "prefix": "mail_in.quarantine"}]


def health_check(app: Flask) -> tuple[str, bool, dict]:
    """/healthz: mail waiting in the quarantine (never unhealthy: it waits for an admin)."""
    try:
        waiting = db.session.scalar(
            sa.select(sa.func.count()).select_from(ReceivedMail)
            .where(ReceivedMail.status == ReceivedStatus.quarantined))
    except SQLAlchemyError as exc:      # no database, or not migrated yet
        db.session.rollback()
        return "mail_in", False, {"error": exc.__class__.__name__}
    return "mail_in", True, {"quarantined": waiting}
