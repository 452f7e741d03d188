"""Demo tickets that came by mail (registry.DEMO_SEEDERS): messages like those real mail
clients send, in German and English, run through `pipeline.receive` (no network), with an
agent's answer in between so the threads show how replies land in their tickets."""
from __future__ import annotations

import base64
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask_babel import force_locale

from helpdesk import mail_threading
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.mail_in.pipeline import receive
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.operations import add_message

MAILBOX = "support@example.com"
SUPPORT = "Tiered Helpdesk <support@example.com>"
# A 1x1 PNG: the "photo" a customer attaches.
PHOTO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _mail(number: int, sender: tuple[str, str], subject: str, text: str, *,
          references: str | None = None, language: str | None = None,
          attachment: tuple[str, bytes, str] | None = None, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = formataddr(sender)
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow().astimezone())
    message["Message-ID"] = f"<demo-{number}.{utcnow():%Y%m%d%H%M%S}@mail.example.net>"
    if references:
        message["In-Reply-To"] = references.split()[-1]
        message["References"] = references
    if language:
        message["Content-Language"] = language
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    if attachment:
        name, data, subtype = attachment
        message.add_attachment(data, maintype="image", subtype=subtype, filename=name)
    return message.as_bytes()


def _marker(language: str) -> str:
    with force_locale(language):
        return mail_threading.reply_marker()


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def seed_demo_mail(*, users, categories) -> None:
    """Two threads by mail (a new customer in German, Sam in English), an auto-reply that
    is ignored and a bounce that marks an address."""
    agent = users["l1"]

    # A new customer writes in German: an account and a ticket on channel e-mail.
    jana = ("Jana Becker", "jana.becker@example.net")
    first = receive(_mail(1, jana, "Tasse kam zerbrochen an – Bestellung 100812", (
        "Hallo,\n\nmeine Bestellung 100812 ist heute angekommen, aber die große Tasse "
        "„Morgenrot“ war in mehrere Teile zerbrochen. Der Karton sah von außen gut aus.\n\n"
        "Könnt ihr mir eine neue schicken?\n\nViele Grüße\nJana Becker\n"),
        language="de"), mailbox=MAILBOX)
    ticket = db.session.get(Ticket, first.ticket_id)
    answer = ("Hallo Jana,\n\ndas tut uns leid! Schick uns bitte ein Foto vom Karton und von "
              "der Tasse, dann schicken wir dir sofort eine neue.\n\nViele Grüße\nJonas")
    add_message(ticket, author=agent, body=answer)
    db.session.commit()
    root = mail_threading.thread_root_id(ticket.id)
    receive(_mail(2, jana, f"AW: {mail_threading.subject_ref(ticket.id)} Neue Antwort auf "
                           "deine Anfrage", (
        "Hallo Jonas,\n\nhier das Foto. Die Tasse ist in drei Teile zerbrochen, der Karton "
        "hat innen keine Polsterung.\n\nViele Grüße\nJana\n\n"
        f"Am {utcnow():%d.%m.%Y} schrieb {SUPPORT}:\n"
        + _quote(f"{_marker('de')}\n\n{answer}")),
        references=root, attachment=("karton.png", PHOTO, "png")), mailbox=MAILBOX)

    # Sam writes in English; the reply threads by its References header.
    sam = (users["customer2"].name, users["customer2"].email)
    first = receive(_mail(3, sam, "Payout for March still missing", (
        "Hi,\n\nthe payout for March (order batch 2025-03) has not arrived on our account, "
        "although the dashboard says it was sent on the 5th.\n\nCould you check?\n\n"
        "Best regards,\nSam Carter\nCarter Sneaker Co.\n")), mailbox=MAILBOX)
    ticket = db.session.get(Ticket, first.ticket_id)
    answer = ("Hi Sam,\n\nthe payout was held back because the bank details changed on the "
              "4th. It is released now and should arrive within two working days.\n\nJonas")
    add_message(ticket, author=agent, body=answer)
    db.session.commit()
    root = mail_threading.thread_root_id(ticket.id)
    receive(_mail(4, sam, f"Re: {mail_threading.subject_ref(ticket.id)} New reply to your "
                          "request", (
        "Thanks Jonas, the money is there now.\n\nSam\n\n"
        f"On {utcnow():%a, %d %b %Y} {SUPPORT} wrote:\n"
        + _quote(f"{_marker('en')}\n\n{answer}")), references=root), mailbox=MAILBOX)
    # Sam's out-of-office answers the next notice: ignored, no ticket, no reply.
    receive(_mail(5, sam, f"Automatic reply: {mail_threading.subject_ref(ticket.id)} Your "
                          "request has been resolved",
                  "I am out of the office until Monday and have limited access to e-mail.",
                  Auto_Submitted="auto-replied"), mailbox=MAILBOX)

    # A shop that closed: the mail to its old address bounced.
    receive(_mail(6, ("Mail Delivery System", "MAILER-DAEMON@mx.example.org"),
                  "Mail delivery failed: returning message to sender", (
                      "This message was created automatically by mail delivery software.\n\n"
                      "A message that you sent could not be delivered to one or more of its "
                      "recipients. This is a permanent error. The following address(es) "
                      "failed:\n\n  info@old-shop.example.org\n    mailbox unavailable\n"),
                  X_Failed_Recipients="info@old-shop.example.org"), mailbox=MAILBOX)
