"""Mail transport: SMTP when HELPDESK_MAIL_SERVER is set, otherwise the console.

Messages are queued on the database session and sent only after it commits, so a
change that is rolled back never mails anyone.
"""
from __future__ import annotations

import logging
import smtplib
import sys
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.extensions import db

log = logging.getLogger(__name__)
_QUEUE_KEY = "helpdesk_mail_queue"


def build(*, to: str, to_name: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    # A name is typed by people: line breaks in it would make the header invalid.
    message["To"] = formataddr((" ".join(to_name.split()), to))
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="helpdesk.local")
    message.set_content(body)
    return message


def queue(message: EmailMessage) -> None:
    """Send `message` once the current transaction commits (unless mail is suppressed)."""
    if current_app.config.get("MAIL_SUPPRESS"):
        return
    db.session.info.setdefault(_QUEUE_KEY, []).append(message)


def send_now(message: EmailMessage) -> None:
    """Deliver `message` through the configured transport."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        sys.stdout.write(f"\n----- mail -----\n{message.as_string()}\n----- end -----\n")
        sys.stdout.flush()
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], int(config["MAIL_PORT"]),
                    timeout=int(config["MAIL_TIMEOUT"])) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    messages = session.info.pop(_QUEUE_KEY, [])
    for message in messages:
        try:
            send_now(message)
        except (OSError, smtplib.SMTPException):
            # The change is committed; a mail server outage must not turn it into an
            # error page. Logged for the operator.
            log.exception("could not send mail to %s", message["To"])


@event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    session.info.pop(_QUEUE_KEY, None)
