"""Administration > Mail: the mail that waits or failed, and a retry for it."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from helpdesk.accounts.decorators import admin_required
from helpdesk.extensions import db
from helpdesk.notifications import bp, delivery, sender
from helpdesk.notifications.models import MailStatus, OutboxMail

LIST_LIMIT = 200


@bp.get("/")
@admin_required
def mail_outbox():
    def listed(*statuses, limit=LIST_LIMIT):
        return db.session.scalars(
            sa.select(OutboxMail).where(OutboxMail.status.in_(statuses))
            .options(selectinload(OutboxMail.ticket))
            .order_by(OutboxMail.id.desc()).limit(limit)).all()
    return render_template(
        "admin/mail.html", counts=delivery.counts(),
        failed=listed(MailStatus.failed),
        waiting=listed(MailStatus.queued, MailStatus.sending),
        sent=listed(MailStatus.sent, limit=20))


@bp.post("/<int:mail_id>/retry")
@admin_required
def retry_mail(mail_id):
    row = db.session.get(OutboxMail, mail_id) or abort(404)
    try:
        delivery.retry(row)
    except ValueError:
        flash(_("This mail is being sent or has been sent already."), "error")
    else:
        db.session.commit()
        _wake_sender()
        flash(_("The mail to %(address)s will be sent again.", address=row.recipient),
              "success")
    return redirect(url_for("notifications.mail_outbox"))


@bp.post("/retry-failed")
@admin_required
def retry_failed():
    rows = db.session.scalars(sa.select(OutboxMail)
                              .where(OutboxMail.status == MailStatus.failed)).all()
    for row in rows:
        delivery.retry(row)
    db.session.commit()
    _wake_sender()
    flash(ngettext("%(num)d failed mail will be sent again.",
                   "%(num)d failed mails will be sent again.", len(rows)), "success")
    return redirect(url_for("notifications.mail_outbox"))


def _wake_sender() -> None:
    background = sender.sender_for(current_app._get_current_object())
    if background is not None:
        background.sweep_soon()
