"""Delivery of the outbox: claim due mails, send each, record the outcome.

Every sender (the web process's background thread, `helpdesk mail send` workers on
any host) goes through these functions. A claim is a committed lease on the row
(status ``sending`` until ``claimed_until``): PostgreSQL skips rows another sender has
locked (FOR UPDATE SKIP LOCKED), SQLite serializes claims under its write lock (claims
and outcomes are declared writes: they begin with BEGIN IMMEDIATE, see
helpdesk.database). So two senders never hold the same row.

Exactly once, and its limit: a mail is marked sent right after the SMTP server accepted
it. Only a crash (or a lost database) between those two steps sends it again when the
lease ends; the Message-ID stays the same, so mail clients can drop the duplicate.

A run of mails goes over one SMTP connection (`mail.Transport`: up to
mail.MAILS_PER_CONNECTION mails, then a fresh one). Each mail is still its own SMTP
transaction, marked sent (committed) as soon as its DATA is accepted and before the next
one starts; an error (a refused recipient, a dropped connection) affects that mail only,
and the next one opens a new connection.
"""
from __future__ import annotations

import logging
import random
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app

from helpdesk.clock import utcnow
from helpdesk.database import writes
from helpdesk.extensions import db
from helpdesk.notifications import mail
from helpdesk.notifications.models import MailStatus, OutboxMail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    """A mail this sender holds until `claimed_until`: its row id and the message."""

    mail_id: int
    message: EmailMessage
    claimed_until: datetime


@dataclass
class Report:
    """What one round of delivery did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    next_retry_at: datetime | None = field(default=None)

    def add(self, other: Report) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.next_retry_at = _earliest(self.next_retry_at, other.next_retry_at)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min((t for t in (a, b) if t is not None), default=None)


def _due(now: datetime):
    return sa.or_(
        sa.and_(OutboxMail.status == MailStatus.queued, OutboxMail.next_attempt_at <= now),
        # a sender that claimed it died, or never recorded the outcome
        sa.and_(OutboxMail.status == MailStatus.sending, OutboxMail.claimed_until < now))


@writes
def claim_due(*, limit: int = 20) -> list[Claimed]:
    """Claim up to `limit` due mails for this sender and return them. Commits the claim."""
    now = utcnow()
    max_attempts = int(current_app.config["MAIL_MAX_ATTEMPTS"])
    rows = db.session.scalars(
        sa.select(OutboxMail).where(_due(now))
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    claimed = []
    for row in rows:
        if row.attempts >= max_attempts:      # a stale claim on its last attempt
            row.status = MailStatus.failed
            row.last_error = row.last_error or "no outcome recorded for the last attempt"
            continue
        row.status, row.attempts = MailStatus.sending, row.attempts + 1
        row.claimed_until = now + mail.lease()
        claimed.append(Claimed(row.id, mail.compose(row), row.claimed_until))
    db.session.commit()
    return claimed


def send(claimed: list[Claimed], *, on_transmitted=None,
         transport: mail.Transport | None = None) -> Report:
    """Send claimed mails one by one and record each outcome (commits per mail), over
    `transport` (or a connection of their own, closed at the end).

    `on_transmitted`, if given, is called after each SMTP attempt (before its record).
    """
    if transport is None:
        with mail.Transport() as own:
            return send(claimed, on_transmitted=on_transmitted, transport=own)
    report = Report()
    # One SMTP conversation is a handful of socket operations, each up to MAIL_TIMEOUT.
    margin = timedelta(seconds=6 * int(current_app.config["MAIL_TIMEOUT"]))
    for item in claimed:
        error = _transmit(item, margin, transport)
        if on_transmitted is not None:
            on_transmitted()
        if error is not _SKIPPED:
            report.add(_record_with_retries(item.mail_id, error))
    return report


_SKIPPED = object()


def _transmit(item: Claimed, margin: timedelta, transport: mail.Transport):
    """Hand one mail to SMTP; return the error, None, or _SKIPPED if its claim ends."""
    if utcnow() + margin > item.claimed_until:
        # Held too long behind slow sends: another sender may take it over now, so this
        # one must not send it too. The lease's end makes it due again.
        log.warning("mail %s: claim about to end, left for the next sweep", item.mail_id)
        return _SKIPPED
    try:
        transport.send(item.message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        log.warning("could not send mail %s to %s: %s", item.mail_id, item.message["To"], exc)
        return exc
    return None


def _record_with_retries(mail_id: int, error: Exception | None, tries: int = 3) -> Report:
    # Not recording a sent mail means sending it again when the lease ends, so a busy
    # or briefly unreachable database gets a few more chances.
    for _attempt in range(tries - 1):
        try:
            return record_outcome(mail_id, error)
        except sa.exc.OperationalError:
            db.session.rollback()
            log.warning("could not record the outcome of mail %s; trying again", mail_id)
    return record_outcome(mail_id, error)


@writes
def record_outcome(mail_id: int, error: Exception | None) -> Report:
    """Mark a claimed mail sent, due again later (with backoff), or failed. Commits."""
    report = Report()
    if error is None:
        # The common case in one statement (no row loaded): a worker records hundreds.
        marked = db.session.execute(
            _MARK_SENT, {"mail_id": mail_id, "when": utcnow()}).rowcount
        db.session.commit()
        report.sent = int(marked > 0)      # 0: deleted meanwhile (its ticket's data removed)
        return report
    row = db.session.get(OutboxMail, mail_id)
    if row is None:          # deleted meanwhile (its ticket's data was removed)
        db.session.rollback()
        return report
    row.claimed_until = None
    if error is None:
        row.status, row.sent_at, row.last_error = MailStatus.sent, utcnow(), None
        report.sent = 1
    elif mail.is_permanent(error) or row.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
        row.status, row.last_error = MailStatus.failed, _describe(error)
        report.failed = 1
    else:
        row.status, row.last_error = MailStatus.queued, _describe(error)
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        report.retrying, report.next_retry_at = 1, row.next_attempt_at
    db.session.commit()
    return report


_MARK_SENT = (sa.update(OutboxMail).where(OutboxMail.id == sa.bindparam("mail_id"))
              .values(status=MailStatus.sent, sent_at=sa.bindparam("when"),
                      last_error=None, claimed_until=None)
              .execution_options(synchronize_session=False))


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt: doubling from MAIL_RETRY_SECONDS, capped at
    MAIL_RETRY_MAX_SECONDS, with jitter so mails refused together do not return together."""
    config = current_app.config
    delay = min(float(config["MAIL_RETRY_SECONDS"]) * 2 ** max(attempts - 1, 0),
                float(config["MAIL_RETRY_MAX_SECONDS"]))
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))


def _describe(error: Exception) -> str:
    return f"{error.__class__.__name__}: {error}"[:500]


def deliver_due(*, batch: int = 20, transport: mail.Transport | None = None) -> Report:
    """Claim and send due mails until none is left, over `transport` (or a connection of
    their own, closed at the end). Commits."""
    if transport is None:
        with mail.Transport() as own:
            return deliver_due(batch=batch, transport=own)
    report = Report()
    while claimed := claim_due(limit=batch):
        report.add(send(claimed, transport=transport))
    return report


def next_due_at() -> datetime | None:
    """When the earliest waiting mail is due (None when nothing waits)."""
    def earliest(status: MailStatus, column) -> datetime | None:
        return db.session.scalar(sa.select(sa.func.min(column))
                                 .where(OutboxMail.status == status))
    return _earliest(earliest(MailStatus.queued, OutboxMail.next_attempt_at),
                     earliest(MailStatus.sending, OutboxMail.claimed_until))


def retry(row: OutboxMail) -> None:
    """Give a failed (or waiting) mail a fresh set of attempts, due now. The caller commits."""
    if row.status not in (MailStatus.failed, MailStatus.queued):
        raise ValueError(f"mail {row.id} is {row.status.value}")
    row.status, row.attempts = MailStatus.queued, 0
    row.next_attempt_at, row.claimed_until = utcnow(), None


def counts() -> dict[str, int]:
    """How many mails are in each state."""
    rows = db.session.execute(sa.select(OutboxMail.status, sa.func.count())
                              .group_by(OutboxMail.status))
    found = {status.value: 0 for status in MailStatus}
    found.update({status.value: n for status, n in rows})
    return found
