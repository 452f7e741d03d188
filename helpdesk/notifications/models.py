"""The mail outbox: every mail is a row, written in the transaction that caused it."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.models import Ticket


class MailStatus(enum.StrEnum):
    queued = "queued"        # waiting for its next attempt (next_attempt_at)
    sending = "sending"      # claimed by a sender until claimed_until
    sent = "sent"
    failed = "failed"        # gave up; an admin may retry it

    @property
    def label(self):
        return MAIL_STATUS_LABELS[self]


MAIL_STATUS_LABELS = {
    MailStatus.queued: _l("Queued"),
    MailStatus.sending: _l("Sending"),
    MailStatus.sent: _l("Sent"),
    MailStatus.failed: _l("Failed"),
}


class OutboxMail(db.Model):
    """One outgoing mail and the state of its delivery."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        # the senders' claim: due rows by status and time
        sa.Index("ix_mail_outbox_status_due", "status", "next_attempt_at"),
        sa.Index("ix_mail_outbox_ticket", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(sa.String(320))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    recipient_name: Mapped[str] = mapped_column(sa.String(200), default="")
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # Fixed when queued, so every attempt carries the same one and clients can
    # recognise a mail that was sent twice after a crash.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    # Threading (helpdesk.mail_threading), fixed when queued like everything a retry
    # sends: the mail this one follows (or the ticket's thread root) and the References
    # header (the thread root, then that mail).
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(255))
    references: Mapped[str | None] = mapped_column(sa.Text)
    # The other headers, as a JSON list of [name, value] pairs in order: Reply-To,
    # X-Helpdesk-Origin, and Auto-Submitted / X-Auto-Response-Suppress on automatic mail.
    extra_headers: Mapped[str | None] = mapped_column(sa.Text)
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="SET NULL"))
    status: Mapped[MailStatus] = mapped_column(
        sa.Enum(MailStatus, native_enum=False, length=16, validate_strings=True,
                values_callable=lambda members: [m.value for m in members]),
        default=MailStatus.queued)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Set through the relationship, so a ticket filed in the same transaction gets its
    # id at the flush.
    ticket: Mapped[Ticket | None] = relationship()
