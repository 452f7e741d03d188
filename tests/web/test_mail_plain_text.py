"""Plain text from mail stays plain: a mail's text is shown as the sender wrote it (escaped,
line breaks kept, web addresses linked), never read as Markdown; the portal's Markdown is
unchanged."""
from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from helpdesk.extensions import db
from helpdesk.mail_in import pipeline
from helpdesk.rendering import plain_text_html, render_to_store
from helpdesk.tickets.models import Message, Ticket
from tests.factories import fresh

MAIL_TEXT = ("# 12345\n"
             "Bestellung _x_ und **dringend**, siehe\n"
             "https://shop.example.com/orders?id=12345&view=full.\n"
             "\n"
             "- kein Punkt einer Liste\n"
             "<b>kein Fett</b> [kein](http://link.example.com)")


def _mail(body: str, *, sender="Kim Kunde <kim@example.org>", subject="Bestellung 12345",
          **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.org")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def _body_block(page: str, text: str) -> str:
    """The `<div class="body">` on the page that holds `text`."""
    for block in re.findall(r'<div class="body">(.*?)</div>\s*</', page, re.S):
        if text in block:
            return block
    raise AssertionError(f"no message body with {text!r}")


def _assert_shown_as_written(block: str) -> None:
    assert block.startswith('<div class="md-plain">')
    assert "# 12345\nBestellung _x_ und **dringend**, siehe\n" in block
    assert "<h1" not in block and "<em>" not in block and "<strong>" not in block
    assert "<li>" not in block and "<b>" not in block
    assert "&lt;b&gt;kein Fett&lt;/b&gt; [kein](" in block
    assert ('<a href="https://shop.example.com/orders?id=12345&amp;view=full" '
            'rel="noopener noreferrer nofollow">'
            'https://shop.example.com/orders?id=12345&amp;view=full</a>.\n') in block


def test_a_mail_is_shown_as_written_not_as_markdown(app, make, client, login_as):
    app.config["MAIL_SUPPRESS"] = True
    outcome = pipeline.receive(_mail(MAIL_TEXT))
    ticket = fresh(Ticket, outcome.ticket_id)
    assert ticket.body == MAIL_TEXT
    agent = make.agent(1)
    make.message(ticket, agent, "# Antwort\n\nBitte **warte** kurz.")
    reply = pipeline.receive(_mail(MAIL_TEXT.replace("12345", "67890"),
                                   subject=f"Re: [{ticket.ref}] Bestellung"))
    assert fresh(Message, reply.message_id).body.startswith("# 67890\n")

    for viewer in (ticket.requester, agent):
        login_as(viewer)
        page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
        _assert_shown_as_written(_body_block(page, "# 12345"))
        _assert_shown_as_written(_body_block(page, "# 67890").replace("67890", "12345"))
        # What staff write in the portal is still Markdown.
        answer = _body_block(page, "warte")
        assert "<h1>Antwort</h1>" in answer and "<strong>warte</strong>" in answer


def test_the_quoted_part_of_a_plain_mail_stays_collapsed(app, make, client, login_as):
    app.config["MAIL_SUPPRESS"] = True
    customer = make.user(email="lena@example.org")
    ticket = make.ticket(customer)
    outcome = pipeline.receive(_mail(
        "Die Nummer ist *4711*.\n\nAm 01.04.2025 schrieb Support:\n> # Frage\n> Welche Nummer?",
        sender=customer.email, subject=f"AW: [{ticket.ref}] Frage"))
    message = fresh(Message, outcome.message_id)
    assert message.body == "Die Nummer ist *4711*."
    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert '<div class="md-plain">Die Nummer ist *4711*.</div>' in page
    quoted = re.search(r'<details class="quoted-text">(.*?)</details>', page, re.S).group(1)
    assert "# Frage" in quoted and "<h1" not in quoted


def test_the_agent_is_mailed_the_customers_mail_as_written(app, make, mailbox):
    customer, agent = make.user(email="ida@example.org"), make.agent(1)
    ticket = make.ticket(customer)
    ticket.assignee = agent
    db.session.commit()
    mailbox.wait_for(1)
    mailbox.clear()
    pipeline.receive(_mail(MAIL_TEXT, sender=customer.email,
                           subject=f"Re: [{ticket.ref}] x"))
    mailbox.wait_for(1)
    [notice] = mailbox.to(agent.email)
    html = notice.get_body(("html",)).get_content()
    assert "# 12345" in html and "<h1" not in html and "<em>" not in html
    assert 'href="https://shop.example.com/orders?id=12345&amp;view=full"' in html
    assert "white-space:pre-wrap" in html
    text = notice.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "# 12345\nBestellung _x_ und **dringend**" in text


@pytest.mark.parametrize("text, links", [
    ("see https://a.example.com/x, and http://b.example.com/y.", [
        "https://a.example.com/x", "http://b.example.com/y"]),
    ("(https://a.example.com/wiki/Foo_(bar))", ["https://a.example.com/wiki/Foo_(bar)"]),
    ("„https://a.example.com/ä?q=1“!", ["https://a.example.com/ä?q=1"]),
    ("javascript:alert(1) ftp://files.example.com/ mailto:kim@example.org http://", []),
    ('https://a.example.com/"onmouseover="alert(1)', ["https://a.example.com/"]),
])
def test_only_web_addresses_become_links(app, text, links):
    html = str(plain_text_html(text))
    assert re.findall(r"<a [^>]*>", html) == [
        f'<a href="{link}" rel="noopener noreferrer nofollow">' for link in links]


def test_plain_text_is_escaped_and_markdown_is_still_markdown(app):
    html = str(plain_text_html("<script>alert(1)</script>\n<img src=x onerror=alert(1)>"))
    assert html == ('<div class="md-plain">&lt;script&gt;alert(1)&lt;/script&gt;\n'
                    '&lt;img src=x onerror=alert(1)&gt;</div>')
    assert str(plain_text_html("  \n")) == ""
    assert "<h1>12345</h1>" in render_to_store("# 12345")
