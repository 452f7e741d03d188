"""Received mail: every message that came in, what became of it, and addresses that bounce."""
from __future__ import annotations

import enum
import json
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.models import Message, Ticket


class ReceivedStatus(enum.StrEnum):
    processed = "processed"        # filed a ticket or added a message to one
    refused = "refused"            # an unknown sender, and the mailbox takes none
    ignored = "ignored"            # an auto-reply, list mail, our own mail, nothing new
    bounce = "bounce"              # a delivery failure: the addresses are marked
    quarantined = "quarantined"    # could not be processed: an admin retries or discards
    discarded = "discarded"        # an admin discarded it from the quarantine

    @property
    def label(self):
        return RECEIVED_STATUS_LABELS[self]


RECEIVED_STATUS_LABELS = {
    ReceivedStatus.processed: _l("Processed"),
    ReceivedStatus.refused: _l("Refused"),
    ReceivedStatus.ignored: _l("Ignored"),
    ReceivedStatus.bounce: _l("Bounce"),
    ReceivedStatus.quarantined: _l("Quarantined"),
    ReceivedStatus.discarded: _l("Discarded"),
}


class ReceivedMail(db.Model):
    """One inbound message, kept as it came (the raw bytes on disk, `stored_name`).

    `dedupe_key` makes a message count once however often it is delivered: the same
    Message-ID from the same sender (so a forged copy of somebody else's Message-ID under
    another address is a message of its own), or the same bytes when there is no Message-ID.
    """

    __tablename__ = "mail_in_received"
    __table_args__ = (
        sa.Index("ix_mail_in_received_sender_at", "sender", "received_at"),
        sa.Index("ix_mail_in_received_status", "status", "id"),
        sa.Index("ix_mail_in_received_ticket", "ticket_id", "id"),
        sa.Index("ix_mail_in_received_message_id", "header_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The Message-ID header (with its angle brackets), None when the mail had none.
    header_message_id: Mapped[str | None] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    sender: Mapped[str] = mapped_column(sa.String(254), default="")    # lower case
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    mailbox: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(default=0)
    # The raw message under <ATTACHMENT_PATH>/raw-mail/; `raw_complete` is false when only
    # the header was fetched (a message over MAIL_IN_MAX_BYTES): it cannot be retried.
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    raw_complete: Mapped[bool] = mapped_column(default=True)
    # The mailbox refuses unknown senders (kept for a retry).
    refuse_unknown: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ReceivedStatus] = mapped_column(
        sa.Enum(ReceivedStatus, native_enum=False, length=16, validate_strings=True,
                values_callable=lambda members: [m.value for m in members]))
    # What classify() said (ticket_mail, auto_reply, bounce, list_mail, own_mail).
    kind: Mapped[str | None] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The ticket it filed or threaded into, and the message it added (None: the ticket's
    # own text, for a mail that filed the ticket).
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL"))
    # The quoted part and signature split off the text, shown collapsed with the message.
    quoted_text: Mapped[str | None] = mapped_column(sa.Text)
    # Files the limits left out: a JSON list of {"name", "reason", "limit"}.
    dropped_files: Mapped[str | None] = mapped_column(sa.Text)

    ticket: Mapped[Ticket | None] = relationship()
    message: Mapped[Message | None] = relationship()

    @property
    def dropped(self) -> list[dict]:
        return json.loads(self.dropped_files) if self.dropped_files else []

    def __repr__(self) -> str:
        return f"<ReceivedMail {self.id} {self.status} from {self.sender}>"


class BouncingAddress(db.Model):
    """An address our mail bounced from (a delivery-status report said it failed). No mail
    is sent to it until mail from it arrives again."""

    __tablename__ = "mail_in_bouncing_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(254), unique=True)     # lower case
    bounces: Mapped[int] = mapped_column(default=1)
    first_bounced_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_bounced_at: Mapped[datetime] = mapped_column(default=utcnow)
    diagnostic: Mapped[str | None] = mapped_column(sa.String(500))
