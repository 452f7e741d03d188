"""Mail: queue a mail as an outbox row, turn a row into a message, hand it to SMTP.

A mail is an `OutboxMail` row added to the current database session, so it commits
with the change that caused it and a rollback sends nothing. Delivery happens later,
outside the request (`helpdesk.notifications.delivery`). The transport is SMTP when
HELPDESK_MAIL_SERVER is set, otherwise the console.
"""
from __future__ import annotations

import hashlib
import json
import select
import smtplib
import sys
import time
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from helpdesk import mail_threading, registry
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.mail_headers import reusing_policy
from helpdesk.notifications.models import MailStatus, OutboxMail
from helpdesk.tickets.models import Ticket

# Rows queued in this session that the process's background sender will deliver.
PENDING_KEY = "helpdesk_mail_pending"


def queue(*, to: str, to_name: str, subject: str, body: str, body_html: str | None = None,
          ticket: Ticket | None = None, automatic: bool = False,
          in_reply_to: str | None = None) -> OutboxMail | None:
    """Add a mail to the current transaction's outbox (nothing if mail is suppressed).

    `body` is the plain text, `body_html` (optional) the HTML alternative. A mail about
    a `ticket` is threaded under the ticket's thread root: it follows the latest of the
    ticket's previous mail to the same address and the mails received from that address
    on the ticket (registry.THREAD_REFERENCES), or `in_reply_to`, a mail it answers. `automatic`
    marks a notice no person wrote (Auto-Submitted), so auto-responders leave it alone.
    Every header is fixed here, so each attempt sends the same bytes. A mail to an address
    that a check of registry.MAIL_RECIPIENT_CHECKS objects to (it bounces) is kept as
    failed, with the reason, and not sent (an admin may retry it).

    With the in-process sender on (MAIL_SEND_IN_BACKGROUND), the row is claimed for
    this process already, so it is sent right after the commit without another write.
    The caller commits.
    """
    config = current_app.config
    if config.get("MAIL_SUPPRESS"):
        return None
    now = utcnow()
    if ticket is not None and ticket.id is None:
        db.session.flush()            # a ticket filed in this transaction gets its id
    row = OutboxMail(
        sender=config["MAIL_DEFAULT_SENDER"], recipient=to,
        # A name is typed by people: line breaks in it would make the header invalid.
        recipient_name=" ".join(to_name.split())[:200], subject=subject[:300], body_text=body,
        body_html=body_html,
        message_id=mail_threading.new_message_id(ticket.id if ticket is not None else None),
        ticket=ticket, status=MailStatus.queued, attempts=0, next_attempt_at=now,
        created_at=now)
    if ticket is not None:
        root = mail_threading.thread_root_id(ticket.id)
        chain = [in_reply_to] if in_reply_to else _thread_chain(ticket, to)
        row.in_reply_to = chain[-1] if chain else root
        row.references = " ".join([root, *chain])
    elif in_reply_to:
        row.in_reply_to = row.references = in_reply_to
    row.extra_headers = json.dumps(_extra_headers(automatic))
    refusal = next((reason for check in registry.entries(registry.MAIL_RECIPIENT_CHECKS)
                    if (reason := check(to))), None)
    if refusal:
        row.status, row.last_error = MailStatus.failed, str(refusal)[:500]
    elif config.get("MAIL_SEND_IN_BACKGROUND", True):
        row.status = MailStatus.sending
        row.attempts = 1
        row.claimed_until = now + lease()
    session: Session = db.session()
    session.add(row)
    if row.status == MailStatus.sending:
        # Composed now: after the commit the row's attributes are expired.
        session.info.setdefault(PENDING_KEY, []).append((row, compose(row), row.claimed_until))
    return row


# At most this many Message-IDs after the thread root in a References header.
MAX_REFERENCES = 10


def _thread_chain(ticket: Ticket, recipient: str) -> list[str]:
    """The mails of the ticket's thread with `recipient` that a new mail to them follows,
    oldest first: the ticket's last mail to them (this transaction's too) and the mails
    received from them on the ticket (registry.THREAD_REFERENCES: mail in), so that a mail
    answers the customer's own mail when theirs is the latest."""
    previous = db.session.execute(
        sa.select(OutboxMail.message_id, OutboxMail.created_at)
        .where(OutboxMail.ticket_id == ticket.id, OutboxMail.recipient == recipient)
        .order_by(OutboxMail.id.desc()).limit(1)).first()
    found = [(at, 1, mid) for mid, at in ([previous] if previous else [])]
    for source in registry.entries(registry.THREAD_REFERENCES):
        found += [(at, 0, mid) for mid, at in source(ticket, recipient)]
    chain: list[str] = []
    for _at, _ours, mid in sorted(found, key=lambda item: item[:2]):
        if mid and mid not in chain:
            chain.append(mid)
    return chain[-MAX_REFERENCES:]


# Headers of automatic notices: RFC 3834, and the one Exchange and Outlook heed.
AUTOMATIC_HEADERS = [("Auto-Submitted", "auto-generated"),
                     ("X-Auto-Response-Suppress", "OOF, AutoReply")]


def _extra_headers(automatic: bool) -> list[list[str]]:
    config = current_app.config
    headers = [["Reply-To", config.get("MAIL_REPLY_TO") or config["MAIL_DEFAULT_SENDER"]],
               [mail_threading.ORIGIN_HEADER, mail_threading.instance_id()]]
    if automatic:
        headers += [list(pair) for pair in AUTOMATIC_HEADERS]
    return headers


def lease() -> timedelta:
    """How long a claim on a row lasts: long enough for one slow SMTP conversation."""
    return timedelta(seconds=int(current_app.config["MAIL_LEASE_SECONDS"]))


# Most headers are the same in every mail (From, Reply-To, the origin, the content types):
# made and folded once (composing a mail is mostly header work).
MAIL_POLICY = reusing_policy(fold_once=True)


def compose(row: OutboxMail) -> EmailMessage:
    """Build the message a row stands for (the same bytes on every attempt)."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = row.sender
    message["To"] = formataddr((row.recipient_name, row.recipient))
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    if row.in_reply_to:
        message["In-Reply-To"] = row.in_reply_to
    if row.references:
        message["References"] = row.references
    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
    for name, value in json.loads(row.extra_headers or "[]"):
        message[name] = value
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
        # Not a random boundary: a retry sends the same bytes.
        message.set_boundary("==hd-" + hashlib.sha256(row.message_id.encode()).hexdigest()[:40])
    return message


# One SMTP connection carries at most this many mails, then a fresh one is opened (servers
# limit the mails per connection; a long-lived conversation is not trusted forever).
MAILS_PER_CONNECTION = 100
# A connection unused for this long is not used again (something between may have dropped
# it without a word); one the server closed, or said something on unasked, is never.
IDLE_SECONDS = 30.0


class Transport:
    """The configured transport for a run of mails: SMTP when MAIL_SERVER is set (one
    connection, opened for the first mail, used for up to MAILS_PER_CONNECTION mails),
    otherwise the console. After any error the connection is dropped: the next mail opens
    a fresh one, and so does one the server closed while it was not used. Use it as a
    context manager (`close` says goodbye to the server)."""

    def __init__(self):
        self.config = current_app.config
        self._smtp: smtplib.SMTP | None = None
        self._carried = 0
        self._last_used = 0.0
        self.connections = 0          # opened so far

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        """Deliver `message`. Raises OSError or smtplib.SMTPException when the server
        cannot be reached or refuses; every socket operation gives up after MAIL_TIMEOUT
        seconds."""
        if not self.config.get("MAIL_SERVER"):
            sys.stdout.write(f"\n----- mail -----\n{message.as_string()}\n----- end -----\n")
            sys.stdout.flush()
            return
        if self._smtp is not None and (self._carried >= MAILS_PER_CONNECTION or
                                       time.monotonic() - self._last_used > IDLE_SECONDS):
            self.close()
        elif self._smtp is not None and _has_spoken(self._smtp):
            # Between two mails the server has nothing to say: it closed the connection
            # (an idle timeout) or announced that it will ("421"). A fresh one, so that
            # this mail does not fail for it.
            self._drop()
        try:
            if self._smtp is None:
                self._smtp = self._open()
                self._carried = 0
            self._smtp.send_message(message)
        except BaseException:
            self._drop()
            raise
        self._carried += 1
        self._last_used = time.monotonic()

    def _open(self) -> smtplib.SMTP:
        config = self.config
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        smtp = smtp_class(config["MAIL_SERVER"], int(config["MAIL_PORT"]),
                          timeout=int(config["MAIL_TIMEOUT"]))
        self.connections += 1
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """End the conversation politely (QUIT), if one is open."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _drop(self) -> None:
        """Close the connection without a word: after an error its state is not known."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


def _has_spoken(smtp: smtplib.SMTP) -> bool:
    """Whether the server sent anything (or closed the connection) since its last answer,
    without waiting."""
    sock = smtp.sock
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):         # any descriptor number (select: below 1024)
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def transmit(message: EmailMessage) -> None:
    """Deliver `message` through the configured transport, on a connection of its own
    (see Transport.send)."""
    with Transport() as transport:
        transport.send(message)


def is_permanent(error: Exception) -> bool:
    """Whether the server refused for good (a 5xx answer): retrying cannot help.

    A refused login is not: it is the configuration, and fixing it should deliver.
    """
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, ValueError):      # the message itself cannot be sent (encoding)
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600

