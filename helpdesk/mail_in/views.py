"""Administration > Incoming mail: the quarantine (retry, discard), and the original of any
received mail for staff who see its ticket."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from helpdesk.accounts.decorators import admin_required
from helpdesk.extensions import db
from helpdesk.mail_in import bp, pipeline
from helpdesk.mail_in.models import ReceivedMail, ReceivedStatus
from helpdesk.tickets.permissions import can_view_ticket

LIST_LIMIT = 200
RECENT_LIMIT = 30


@bp.get("/")
@admin_required
def quarantine():
    def listed(*conditions, limit):
        return db.session.scalars(
            sa.select(ReceivedMail).where(*conditions)
            .options(selectinload(ReceivedMail.ticket))
            .order_by(ReceivedMail.id.desc()).limit(limit)).all()
    return render_template(
        "mail_in/quarantine.html",
        quarantined=listed(ReceivedMail.status == ReceivedStatus.quarantined,
                           limit=LIST_LIMIT),
        recent=listed(ReceivedMail.status != ReceivedStatus.quarantined, limit=RECENT_LIMIT))


def _quarantined_or_404(received_id: int) -> ReceivedMail:
    row = db.session.get(ReceivedMail, received_id)
    if row is None:
        abort(404)
    return row


@bp.post("/<int:received_id>/retry")
@admin_required
def retry(received_id):
    row = _quarantined_or_404(received_id)
    try:
        outcome = pipeline.retry(row)
    except ValueError:
        flash(_("This mail is not in the quarantine, or it cannot be taken again."), "error")
        return redirect(url_for("mail_in.quarantine"))
    db.session.commit()
    if outcome.status == ReceivedStatus.quarantined:
        flash(_("The mail could not be taken this time either: %(reason)s",
                reason=outcome.reason or ""), "error")
    else:
        flash(_("The mail from %(address)s was taken.", address=row.sender or "?"), "success")
    return redirect(url_for("mail_in.quarantine"))


@bp.post("/<int:received_id>/discard")
@admin_required
def discard(received_id):
    row = _quarantined_or_404(received_id)
    try:
        pipeline.discard(row)
    except ValueError:
        flash(_("This mail is not in the quarantine."), "error")
        return redirect(url_for("mail_in.quarantine"))
    db.session.commit()
    flash(_("The mail from %(address)s was discarded.", address=row.sender or "?"), "success")
    return redirect(url_for("mail_in.quarantine"))


@bp.get("/<int:received_id>/raw")
@login_required
def raw_mail(received_id):
    """The message as it came: for admins, and for staff who may see the ticket it went
    to; never for customers (it may hold what the quote split or the limits left out)."""
    row = db.session.get(ReceivedMail, received_id)
    if row is None or not _may_download(row):
        abort(404)
    path = pipeline.raw_path(row)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="message/rfc822", as_attachment=True,
                         download_name=f"mail-{row.id}.eml", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _may_download(row: ReceivedMail) -> bool:
    user = current_user
    if not user.is_staff:
        return False
    if user.is_admin:
        return True
    return row.ticket is not None and can_view_ticket(user, row.ticket)
