"""What a mail looks like as the SMTP server receives it: plain text and HTML from one
template in the recipient's language, threaded per ticket, the reply marker, the headers
against mail loops, and never anything internal."""
from __future__ import annotations

import re

from flask_babel import force_locale

from helpdesk import mail_threading
from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, escalate
from tests.factories import fresh, text_of
from tests.web.test_mail import _reply, _settle

MARKER_EN = "##- Please type your reply above this line -##"


def _parts(mail):
    """The plain text and the HTML of a received mail (and that it has just those two),
    with the line ends SMTP gave them back as they were sent."""
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == [
        "text/plain", "text/html"]
    return tuple(mail.get_body((kind,)).get_content().replace("\r\n", "\n")   # as sent
                 for kind in ("plain", "html"))


def _visible(html: str) -> str:
    """The text a reader of the HTML part sees (the head's title aside)."""
    return text_of(re.sub(r"(?s)<head>.*</head>", "", html))


def _marker(language: str) -> str:
    with force_locale(language):
        return mail_threading.reply_marker()


def test_a_mail_has_a_text_and_an_html_part_from_the_same_template(client, make, login_as,
                                                                  mailbox):
    customer = make.user(name="Cora")
    ticket = make.ticket(customer, subject="Payout missing")
    _settle(mailbox, 1)
    login_as(make.agent(1))
    _reply(client, ticket, "We **restarted** your payout.\n\n- step one\n- step two")
    mailbox.wait_for(1)
    [mail] = mailbox.to(customer.email)
    text, html = _parts(mail)
    for sentence in ("Hello Cora,", f'there is a new reply to your request {ticket.ref} '
                     '"Payout missing":', "Your Tiered Helpdesk team",
                     f"http://helpdesk.test/tickets/{ticket.ref}"):
        assert sentence in text and sentence in _visible(html)
    # The reply as typed in the text, as stored (rendered once, sanitised) in the HTML.
    assert "We **restarted** your payout.\n\n- step one\n- step two" in text
    message = fresh(type(ticket), ticket.id).messages[-1]
    assert "<strong>restarted</strong>" in message.body_html
    assert "<strong>restarted</strong>" in html and "<li>step one</li>" in html
    assert "**" not in html
    # The ticket link is a link.
    assert f'<a href="http://helpdesk.test/tickets/{ticket.ref}"' in html


def test_the_html_is_one_self_contained_accessible_page(client, make, login_as, mailbox):
    customer = make.user(language="de")
    make.ticket(customer)
    mailbox.wait_for(1)
    [mail] = mailbox.to(customer.email)
    _text, html = _parts(mail)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="de"' in html and f"<title>{mail['Subject']}</title>" in html
    assert 'role="article"' in html
    # Nothing a mail client would fetch or run, and no style sheet (clients drop them).
    for absent in ("<script", "<style", "<link", "<img", "<iframe", "<object", "src=",
                   "class=", "javascript:", "url("):
        assert absent not in html.lower(), absent
    assert not re.search(r"\son[a-z]+\s*=", html, re.I)          # no event handlers
    assert 'style="' in html


def test_both_parts_are_in_the_recipients_language(client, make, login_as, mailbox):
    greta = make.user(name="Greta", language="de")
    ticket = make.ticket(greta, subject="Auszahlung fehlt")
    _settle(mailbox, 1)
    login_as(make.agent(1, language="en"))
    _reply(client, ticket, "Wir kümmern uns darum.")
    mailbox.wait_for(1)
    [mail] = mailbox.to(greta.email)
    assert mail["Subject"] == f"[{ticket.ref}] Neue Antwort auf deine Anfrage"
    text, html = _parts(mail)
    for part in (text, _visible(html)):
        assert "Hallo Greta," in part and "Wir kümmern uns darum." in part
        assert "Hier kannst du antworten oder deine Anfrage verfolgen:" in part
        assert "Hello" not in part and "there is a new reply" not in part
        assert _marker("de") in part
    assert '<html lang="de"' in html


def test_what_people_typed_shows_as_typed_and_never_becomes_a_link(client, make, login_as,
                                                                   mailbox):
    customer = make.user(name="Eve [log in here](http://evil.example) *x*")
    agent = make.agent(1)
    subject = 'Refund <b>now</b> ![i](http://evil.example/t.png) _a_ & "b"'
    ticket = make.ticket(customer, subject=subject)
    login_as(agent)
    client.post(f"/tickets/{ticket.ref}/take", data={"version": str(ticket.version)})
    _settle(mailbox, 1)
    login_as(customer)
    _reply(client, ticket, "See [my shop](https://shop.example/eve)")
    mailbox.wait_for(1)
    [mail] = mailbox.to(agent.email)         # "the customer replied", with name and subject
    text, html = _parts(mail)
    assert customer.name in text and subject in text
    visible = _visible(html)
    assert customer.name in visible and subject in visible
    assert 'href="http://evil.example' not in html and "<img" not in html
    assert "<b>" not in html and "<em>" not in html
    # The customer's own reply keeps its (sanitised) link: it is theirs, and it is shown
    # as stored on the ticket page.
    assert '<a href="https://shop.example/eve"' in html


def test_apostrophes_and_ampersands_show_as_typed_in_the_html_too(make, mailbox):
    customer = make.user(name="Seán O'Brien")
    make.ticket(customer, subject="Can't log in & \"stuck\" at 50%")
    mailbox.wait_for(1)
    [mail] = mailbox.to(customer.email)
    text, html = _parts(mail)
    for typed in ("Hello Seán O'Brien,", "Can't log in & \"stuck\" at 50%"):
        assert typed in text and typed in _visible(html)
    assert "&#x27;" not in _visible(html) and "#39;" not in _visible(html)


def test_a_tickets_mails_thread_per_recipient_under_a_root_nobody_can_guess(
        app, client, make, login_as, mailbox):
    customer = make.user()
    agent = make.agent(1)
    ticket = make.ticket(customer)                                        # 1: created
    login_as(agent)
    client.post(f"/tickets/{ticket.ref}/take", data={"version": str(ticket.version)})
    assert _reply(client, ticket, "First answer").status_code == 302     # 2: reply
    assert _reply(client, ticket, "INTERNAL-NOTE-TEXT", kind="internal",
                  status_after="resolved").status_code == 302             # 3: resolved
    mailbox.wait_for(3)
    created, replied, resolved = mailbox.to(customer.email)
    assert [m["Subject"] for m in (created, replied, resolved)] == [
        f"[{ticket.ref}] We have received your request",
        f"[{ticket.ref}] New reply to your request",
        f"[{ticket.ref}] Your request has been resolved"]
    ids = [m["Message-ID"] for m in (created, replied, resolved)]
    assert len(set(ids)) == 3
    root = created["References"]
    assert created["In-Reply-To"] == root
    assert replied["In-Reply-To"] == ids[0] and replied["References"].split() == [root, ids[0]]
    assert resolved["In-Reply-To"] == ids[1] and resolved["References"].split() == [root, ids[1]]

    # The root is the ticket's, ours, and not made from the ticket number alone.
    own = mail_threading.parse_message_id(root)
    assert own is not None and own.is_thread_root and own.ticket_id == ticket.id
    assert root == mail_threading.thread_root_id(ticket.id)
    assert root != mail_threading.thread_root_id(ticket.id, secret="another-key")
    assert not re.fullmatch(rf"<\D*0*{ticket.id}\D*@[^>]+>", root)
    for mail in (created, replied, resolved):
        assert mail_threading.parse_message_id(mail["Message-ID"]).ticket_id == ticket.id

    # The agent's mail about the customer's reply: a chain of its own, the same root.
    login_as(customer)
    _reply(client, ticket, "Thanks!")
    mailbox.wait_for(4)
    [notice] = mailbox.to(agent.email)
    assert notice["References"] == root and notice["In-Reply-To"] == root


def test_the_marker_tops_ticket_mails_and_a_reply_is_cut_there(client, make, login_as,
                                                               mailbox):
    customer = make.user(language="de")
    ticket = make.ticket(customer)
    _settle(mailbox, 1)
    login_as(make.agent(1))
    _reply(client, ticket, "Bitte starte die App neu.")
    mailbox.wait_for(1)
    [mail] = mailbox.to(customer.email)
    text, html = _parts(mail)
    marker = _marker("de")
    assert text.startswith(marker + "\n\n")
    assert _visible(html).startswith(marker)
    # A mail client's reply, quoting the mail below the answer: the answer is what stays.
    quoted = "\n".join(f"> {line}" for line in text.splitlines())
    reply = f"Hat geklappt, danke!\n\nAm 1.12.2026 schrieb Helpdesk:\n{quoted}\n"
    assert mail_threading.cut_at_reply_marker(reply) == (
        "Hat geklappt, danke!\n\nAm 1.12.2026 schrieb Helpdesk:")


def test_account_mails_have_no_marker(client, make, mailbox):
    user = make.user()
    client.post("/password/forgot", data={"email": user.email})
    mailbox.wait_for(1)
    [mail] = mailbox.to(user.email)
    text, html = _parts(mail)
    assert "##-" not in text and "##-" not in html
    assert "In-Reply-To" not in mail and "References" not in mail


def test_headers_against_loops_and_where_replies_go(app, client, make, login_as, mailbox):
    customer = make.user()
    l1 = make.agent(1)
    make.agent(2)
    ticket = make.ticket(customer)                          # acknowledgement
    login_as(l1)
    _reply(client, ticket, "A person wrote this")           # a person's reply
    escalate(fresh(type(ticket), ticket.id), by=l1, handoff=HandoffInput(
        summary="Needs level 2", tried="Restarted", articles_checked="none"))
    db.session.commit()                                     # notices to customer and L2
    app.test_client().post("/password/forgot", data={"email": customer.email})  # account
    mailbox.wait_for(5)
    assert len(mailbox.messages) == 5
    by_subject = {m["Subject"]: m for _rcpt, m in mailbox.messages}
    human = by_subject.pop(f"[{ticket.ref}] New reply to your request")
    assert set(by_subject) == {f"[{ticket.ref}] We have received your request",
                               f"[{ticket.ref}] Your request has been passed on",
                               f"[{ticket.ref}] Escalated to level 2", "Reset your password"}
    for mail in by_subject.values():
        assert mail["Auto-Submitted"] == "auto-generated"
        assert mail["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert human["Auto-Submitted"] is None and human["X-Auto-Response-Suppress"] is None
    for _rcpt, mail in mailbox.messages:
        assert mail["X-Helpdesk-Origin"] == mail_threading.instance_id()
        assert mail["Reply-To"] == app.config["MAIL_DEFAULT_SENDER"]


def test_replies_go_to_the_configured_support_mailbox(app, client, make, mailbox):
    app.config["MAIL_REPLY_TO"] = "Support <support@shop.example>"
    app.config["MAIL_INSTANCE_ID"] = "shop-eu-1"
    customer = make.user()
    make.ticket(customer)
    mailbox.wait_for(1)
    [mail] = mailbox.to(customer.email)
    assert mail["Reply-To"] == "Support <support@shop.example>"
    assert mail["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert mail["X-Helpdesk-Origin"] == "shop-eu-1"


def test_no_internal_note_or_hand_off_text_in_any_part_of_customer_mail(
        client, make, login_as, mailbox):
    customer = make.user()
    l1, l2 = make.agent(1), make.agent(2)
    ticket = make.ticket(customer)
    _settle(mailbox, 1)
    login_as(l1)
    _reply(client, ticket, "NOTE-SECRET the IBAN looks odd", kind="internal")
    client.post(f"/tickets/{ticket.ref}/escalate", data={
        "summary": "HANDOFF-SECRET-SUMMARY", "tried": "HANDOFF-SECRET-TRIED",
        "articles_checked": "HANDOFF-SECRET-ARTICLES",
        "version": str(fresh(type(ticket), ticket.id).version)})
    mailbox.wait_for(2)
    [notice] = mailbox.to(customer.email)
    text, html = _parts(notice)
    for part in (text, html, str(notice)):
        assert "SECRET" not in part
    # The receiving level gets the hand-off, in both parts.
    [handoff] = mailbox.to(l2.email)
    text, html = _parts(handoff)
    for part in (text, _visible(html)):
        assert "HANDOFF-SECRET-SUMMARY" in part and "HANDOFF-SECRET-TRIED" in part
        assert "NOTE-SECRET" not in part
