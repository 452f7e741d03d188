"""Outgoing mail, as received by the SMTP server in the test process."""
from __future__ import annotations

import re

from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, escalate
from tests.factories import fresh, login_session_id


def _settle(mailbox, count):
    """Wait for `count` mails, then forget them (the set-up's mail is not under test)."""
    mailbox.wait_for(count)
    mailbox.clear()


def _reply(client, ticket, body, kind="public", **extra):
    version = fresh(type(ticket), ticket.id).version
    return client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": kind, "body": body, "version": str(version), "confirmed_public": "y", **extra})


def test_customer_gets_public_replies_and_the_resolution_but_not_notes(client, make,
                                                                       login_as, mailbox):
    customer = make.user(name="Cora")
    ticket = make.ticket(customer, subject="Payout missing")
    _settle(mailbox, 1)
    login_as(make.agent(1))
    assert _reply(client, ticket, "INTERNAL-ONLY: IBAN looks odd", kind="internal"
                  ).status_code == 302
    assert _reply(client, ticket, "We have restarted your payout.",
                  status_after="resolved").status_code == 302
    mailbox.wait_for(2)
    mails = mailbox.to(customer.email)
    assert sorted(m["Subject"] for m in mails) == [
        f"[{ticket.ref}] New reply to your request",
        f"[{ticket.ref}] Your request has been resolved"]
    reply = next(m for m in mails if "New reply" in m["Subject"])
    body = reply.get_content()
    assert "Hello Cora," in body and "We have restarted your payout." in body
    assert f"http://helpdesk.test/tickets/{ticket.ref}" in body
    assert all("INTERNAL-ONLY" not in m.get_content() for m in mails)
    assert len(mailbox.messages) == 2


def test_assignee_hears_of_the_customer_reply(client, make, login_as, mailbox):
    customer, agent = make.user(), make.agent(1)
    ticket = make.ticket(customer)
    login_as(agent)
    client.post(f"/tickets/{ticket.ref}/take", data={"version": str(ticket.version)})
    _settle(mailbox, 1)
    login_as(customer)
    assert _reply(client, ticket, "Here is the order number: A-77").status_code == 302
    mailbox.wait_for(1)
    [mail] = mailbox.to(agent.email)
    assert mail["Subject"] == f"[{ticket.ref}] The customer replied"
    assert "A-77" in mail.get_content()
    assert mailbox.to(customer.email) == []


def test_escalation_notifies_customer_briefly_and_the_next_level_fully(client, make,
                                                                        login_as, mailbox):
    customer = make.user()
    l1 = make.agent(1)
    l2_agents = [make.agent(2), make.agent(2)]
    inactive_l2 = make.agent(2, active=False)
    l3 = make.agent(3)
    ticket = make.ticket(customer, subject="Sync broken")
    _settle(mailbox, 1)
    login_as(l1)
    response = client.post(f"/tickets/{ticket.ref}/escalate", data={
        "summary": "HANDOFF-SUMMARY sync job", "tried": "HANDOFF-TRIED restart",
        "articles_checked": "HANDOFF-ARTICLES sync FAQ", "version": str(ticket.version)})
    assert response.status_code == 302
    mailbox.wait_for(3)
    [notice] = mailbox.to(customer.email)
    assert notice["Subject"] == f"[{ticket.ref}] Your request has been passed on"
    assert "with our second-level team" in notice.get_content()
    assert "You can expect the next update by" in notice.get_content()
    assert "HANDOFF" not in notice.get_content()
    for agent in l2_agents:
        [handoff] = mailbox.to(agent.email)
        assert handoff["Subject"] == f"[{ticket.ref}] Escalated to level 2"
        for part in ("HANDOFF-SUMMARY sync job", "HANDOFF-TRIED restart",
                     "HANDOFF-ARTICLES sync FAQ"):
            assert part in handoff.get_content()
    for nobody in (l1, inactive_l2, l3):
        assert mailbox.to(nobody.email) == []
    assert len(mailbox.messages) == 3

    # On to the specialists: the customer hears where it is now.
    mailbox.clear()
    escalate(fresh(type(ticket), ticket.id), by=l2_agents[0], handoff=HandoffInput(
        summary="Needs a code fix", tried="Reproduced", articles_checked="none"))
    db.session.commit()
    mailbox.wait_for(2)
    [notice] = mailbox.to(customer.email)
    assert notice["Subject"] == f"[{ticket.ref}] Your request is with our specialists now"
    assert [m["Subject"] for m in mailbox.to(l3.email)] == [
        f"[{ticket.ref}] Escalated to level 3"]


def test_mail_is_in_the_recipients_language(client, make, login_as, mailbox):
    customer = make.user(name="Greta", language="de")
    ticket = make.ticket(customer)
    _settle(mailbox, 1)
    login_as(make.agent(1, language="en"))
    _reply(client, ticket, "Wir kümmern uns darum.")
    mailbox.wait_for(1)
    [mail] = mailbox.to(customer.email)
    assert mail["Subject"] == f"[{ticket.ref}] Neue Antwort auf deine Anfrage"
    assert "Hallo Greta," in mail.get_content()
    assert "Wir kümmern uns darum." in mail.get_content()


def test_links_in_mail_use_the_base_url_not_the_host_header(client, make, mailbox):
    customer = make.user()
    ticket = make.ticket(customer)
    agent = make.agent(1)
    _settle(mailbox, 1)
    with client.session_transaction(base_url="http://evil.example") as session:
        session["_user_id"] = login_session_id(agent)
    response = client.post(f"/tickets/{ticket.ref}/messages", base_url="http://evil.example",
                           data={"kind": "public", "body": "Answer",
                                 "version": str(ticket.version), "confirmed_public": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.ref}#latest"
    client.post("/password/forgot", base_url="http://evil.example",
                data={"email": customer.email})
    mailbox.wait_for(2)
    bodies = [m.get_content() for m in mailbox.to(customer.email)]
    assert len(bodies) == 2, [(r, m['Subject']) for r, m in mailbox.messages]
    for body in bodies:
        assert "evil.example" not in body
        assert "http://helpdesk.test/" in body


def test_a_name_with_line_breaks_neither_breaks_nor_injects_mail(client, make, login_as,
                                                                 mailbox):
    response = client.post("/register", data={
        "name": "Eve\r\nBcc: victim@example.com", "email": "eve@example.com",
        "password": "long-enough-1", "confirm": "long-enough-1", "language": "en"})
    assert response.status_code == 302
    mailbox.wait_for(1)
    confirm_path = re.search(r"http://helpdesk\.test(/confirm/\S+)",
                             mailbox.messages[0][1].get_content()).group(1)
    assert client.post(confirm_path).status_code == 302       # confirmed and logged in
    response = client.post("/tickets/new", data={
        "subject": "Hello", "priority": "normal", "body": "A question"})
    assert response.status_code == 302
    ref = response.headers["Location"].rsplit("/", 1)[1]
    login_as(make.agent(1))
    response = client.post(f"/tickets/{ref}/messages", data={
        "kind": "public", "body": "An answer", "version": "1", "confirmed_public": "y"})
    assert response.status_code == 302
    mailbox.wait_for(3)
    assert [rcpt for rcpt, _m in mailbox.messages] == [["eve@example.com"]] * 3
    for _rcpt, mail in mailbox.messages:
        assert "\n" not in mail["To"] and mail["Bcc"] is None
