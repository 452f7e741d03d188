"""A ticket by e-mail, driven through the real parts: a customer writes in by mail
(`helpdesk mail receive`, into the live app's database), level 1 answers in the browser,
the customer answers that mail from their mail client (a real reply to the mail the SMTP
server received, in German, with the quote below), the answer lands in the same ticket
with the quote collapsed, level 1 resolves it, and every mail the customer got threads
in their mail client and carries the reply marker, with nothing internal in any of them.
"""
from __future__ import annotations

import re
import textwrap
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import pytest
from flask_babel import force_locale

from helpdesk import mail_threading
from tests.browser.conftest import PLAYWRIGHT_MISSING, login

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

CUSTOMER = ("Jana Becker", "jana.becker@example.net")
SUBJECT = "Tasse kam zerbrochen an"
FIRST_TEXT = textwrap.dedent("""\
    Hallo,

    meine Bestellung ist heute angekommen, aber die Tasse war _komplett_ zerbrochen.
    Bestellnummer:
    #100812
    Fotos: https://fotos.example.net/jana/tasse

    Könnt ihr mir eine neue schicken?

    Viele Grüße
    Jana""")
NOTE = "Lager fragen: zweite Tasse aus Charge 7 bruchsicher verpacken lassen."
ANSWER = ("Hallo Jana, das tut uns leid! Wir schicken dir heute eine neue Tasse. "
          "Schreib uns bitte, wenn sie angekommen ist.")
REPLY_TEXT = "Hallo,\n\ndie neue Tasse ist heil angekommen, vielen Dank!\n\nJana"


def _deliver(live_server, raw: bytes) -> str:
    """Hand `raw` to `helpdesk mail receive`, as a mail server's pipe does."""
    result = live_server.app.test_cli_runner().invoke(
        args=["mail", "receive", "--mailbox", "support"], input=raw)
    assert result.exit_code == 0, result.output
    return result.output


def _first_mail(message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{CUSTOMER[0]} <{CUSTOMER[1]}>"
    message["To"] = "support@example.com"
    message["Subject"] = SUBJECT
    message["Message-ID"] = message_id
    message["Date"] = "Tue, 01 Apr 2025 09:12:00 +0200"
    message["User-Agent"] = "Mozilla Thunderbird"
    message.set_content(FIRST_TEXT)
    return message.as_bytes()


def _reply_to(received, message_id: str) -> bytes:
    """What a mail client makes of "Reply" on `received`: "AW:", In-Reply-To its
    Message-ID, References its References and its Message-ID, its text quoted below."""
    message = EmailMessage()
    message["From"] = f"{CUSTOMER[0]} <{CUSTOMER[1]}>"
    message["To"] = received["Reply-To"] or received["From"]
    message["Subject"] = f"AW: {received['Subject']}"
    message["Message-ID"] = message_id
    message["In-Reply-To"] = received["Message-ID"]
    message["References"] = f"{received['References']} {received['Message-ID']}"
    message["Date"] = format_datetime(received["Date"].datetime)
    quoted = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    sender = parseaddr(received["From"])
    message.set_content(
        f"{REPLY_TEXT}\n\n"
        f"Am {received['Date'].datetime:%d.%m.%Y um %H:%M} schrieb {sender[0] or sender[1]}"
        f" <{sender[1]}>:\n"
        + "\n".join(f"> {line}" if line else ">" for line in quoted.rstrip("\n").split("\n")))
    return message.as_bytes()


def _mails_to(live_server, count: int):
    live_server.mailbox.wait_for(count, timeout=20)
    return live_server.mailbox.to(CUSTOMER[1])


def test_a_ticket_by_mail_from_the_first_mail_to_the_resolution(live_server, new_page):
    l1 = live_server.create_user("agent", level=1, name="Jonas Weber")
    with live_server.app.app_context(), force_locale("de"):
        marker = mail_threading.reply_marker()

    # The customer writes to support@ from their mail client.
    first_id = make_msgid(domain="mail.example.net")
    assert _deliver(live_server, _first_mail(first_id)).startswith("processed")
    [ack] = _mails_to(live_server, 1)
    ref = re.search(r"HD-\d+", ack["Subject"]).group(0)
    ticket_id = int(ref[3:])
    with live_server.app.app_context():
        root = mail_threading.thread_root_id(ticket_id)

    # Level 1 finds it in the queue: a ticket on channel e-mail, the text as it was written.
    lena = new_page()
    login(lena, l1.email, l1.password)
    row = lena.locator("table.list tr", has_text=SUBJECT)
    expect(row).to_contain_text(ref)
    row.get_by_role("link", name=SUBJECT).click()
    expect(lena.locator("h1")).to_contain_text(ref)
    expect(lena.locator("aside")).to_contain_text("E-mail")
    expect(lena.locator("aside")).to_contain_text(CUSTOMER[1])
    first = lena.locator("article.msg.from-customer").first
    expect(first.locator(".body")).to_contain_text(
        "die Tasse war _komplett_ zerbrochen.\nBestellnummer:\n#100812\n", use_inner_text=True)
    expect(first.locator(".body").locator("h1, h2, em, strong")).to_have_count(0)
    expect(first.get_by_role("link", name="https://fotos.example.net/jana/tasse")) \
        .to_have_attribute("href", "https://fotos.example.net/jana/tasse")

    # A note for staff, then the public answer (confirmed: the first public reply).
    lena.get_by_label("Internal note").check()
    lena.get_by_label("Message").fill(NOTE)
    lena.get_by_role("button", name="Add internal note").click()
    expect(lena.locator(".flash.success")).to_have_text("Your note has been added.")
    lena.on("dialog", lambda dialog: dialog.accept())
    lena.get_by_label("Public reply").check()
    lena.get_by_label("Message").fill(ANSWER)
    lena.get_by_role("button", name="Send reply").click()
    expect(lena.locator(".flash.success")).to_have_text("Your reply has been sent.")
    mails = _mails_to(live_server, 2)
    [answer] = [m for m in mails if m["Message-ID"] != ack["Message-ID"]]
    assert ANSWER in answer.get_content()

    # The customer answers that mail in their mail client; it lands in the same ticket.
    reply_id = make_msgid(domain="mail.example.net")
    outcome = _deliver(live_server, _reply_to(answer, reply_id))
    assert outcome.startswith(f"processed - reply to {ref}"), outcome
    lena.reload()
    replied = lena.locator("article.msg.from-customer", has_text="heil angekommen")
    expect(replied).to_have_count(1)
    expect(replied.locator(".body")).to_have_text(re.compile(
        r"^\s*Hallo,\s+die neue Tasse ist heil angekommen, vielen Dank!\s+Jana\s*$"))
    # The quoted mail is kept, collapsed: one click shows it.
    quote = replied.locator("details.quoted-text")
    expect(quote).not_to_have_attribute("open", "")
    expect(quote.locator("pre")).not_to_be_visible()
    quote.locator("summary").click()
    expect(quote.locator("pre")).to_be_visible()
    expect(quote.locator("pre")).to_contain_text("Wir schicken dir heute eine neue Tasse.")
    expect(lena.locator("article.msg.from-customer")).to_have_count(2)   # the mail, the reply

    # Level 1 resolves the ticket.
    lena.get_by_label("Status", exact=True).select_option(label="Resolved")
    lena.get_by_role("button", name="Save changes").click()
    expect(lena.locator(".flash.success")).to_have_text("The ticket has been updated.")
    mails = _mails_to(live_server, 3)
    [resolved] = [m for m in mails if m["Message-ID"] not in (ack["Message-ID"],
                                                              answer["Message-ID"])]
    assert ref in resolved["Subject"]

    # The customer's mail client threads every mail: each names the ticket's thread root
    # first and answers the mail before it: their first mail, our acknowledgement, then
    # their reply.
    assert [m["In-Reply-To"] for m in (ack, answer, resolved)] == [
        first_id, ack["Message-ID"], reply_id]
    for mail in (ack, answer, resolved):
        references = mail["References"].split()
        assert references[0] == root and references[-1] == mail["In-Reply-To"], references
        assert ref in mail["Subject"]
        # The reply marker on top (in German: the customer wrote German), in both parts.
        assert mail.get_body(("plain",)).get_content().startswith(marker)
        assert marker in mail.get_body(("html",)).get_content()
        # Nothing internal: neither the note nor who wrote it.
        body = mail.get_content()
        assert NOTE not in body and "Lager fragen" not in body and l1.name not in body
    assert first_id in resolved["References"] and answer["Message-ID"] in resolved["References"]
    assert len({m["Message-ID"] for m in mails}) == 3 and len(mails) == 3
