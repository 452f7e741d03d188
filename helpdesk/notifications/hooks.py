"""What mail adds to other pages: the ticket page's mail panel, /healthz and the
administration's Mail tab."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from helpdesk.extensions import db
from helpdesk.notifications.models import MailStatus, OutboxMail

PANEL_LIMIT = 50


def ticket_mail_panel(ticket) -> dict:
    """Staff ticket page: the mails about this ticket and what became of each."""
    mails = db.session.scalars(
        sa.select(OutboxMail).where(OutboxMail.ticket_id == ticket.id)
        .order_by(OutboxMail.id.desc()).limit(PANEL_LIMIT)).all()
    return {"side": "notifications/_ticket_mail.html", "mails": mails}


def health_check(app: Flask) -> tuple[str, bool, dict]:
    """/healthz: mail waiting and given up. Never unhealthy: the app serves without SMTP."""
    try:
        rows = db.session.execute(
            sa.select(OutboxMail.status, sa.func.count())
            .where(OutboxMail.status != MailStatus.sent).group_by(OutboxMail.status)).all()
    except SQLAlchemyError as exc:      # no database, or not migrated yet
        db.session.rollback()
        return "mail", False, {"error": exc.__class__.__name__}
    found = {status.value: 0 for status in MailStatus if status != MailStatus.sent}
    found.update({status.value: n for status, n in rows})
    return "mail", True, found


def admin_tabs(user) -> list[dict]:
    """The administration's Mail tab (only admins see the administration pages)."""
    return [{"url": url_for("notifications.mail_outbox"), "label": _("Mail"),
             "prefix": "notifications.mail_outbox"}]
