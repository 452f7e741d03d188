"""Tickets through the web: filing, the thread, status changes, assignment, escalation."""
from __future__ import annotations

import io
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpdesk.accounts.models import Role, User
from helpdesk.extensions import db
from helpdesk.tickets.models import (
    Attachment,
    Channel,
    EventKind,
    Handoff,
    Message,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from helpdesk.tickets.operations import TicketChanges, update_ticket
from tests.factories import flashes, fresh, text_of, ticket_state


def _only_ticket() -> Ticket:
    [ticket] = db.session.scalars(sa.select(Ticket)).all()
    return ticket


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["ATTACHMENT_PATH"]).rglob("*") if p.is_file()]


def _files(*specs):
    return [(io.BytesIO(data), name) for name, data in specs]


def _events(ticket_id, kind):
    return [(e.old_value, e.new_value) for e in db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                     TicketEvent.kind == kind).order_by(TicketEvent.id))]


# -- filing ------------------------------------------------------------------------------

def test_customer_files_ticket_with_markdown_and_attachments(app, client, make, login_as,
                                                            mailbox):
    customer = make.user()
    category = make.category("payouts")
    login_as(customer)
    response = client.post("/tickets/new", content_type="multipart/form-data", data={
        "subject": "Payout missing", "category": str(category.id), "priority": "high",
        "body": "My payout of **120 EUR** is missing.\n\n- since Monday",
        "shop_ref": "ada-yarn", "order_ref": "A-1001", "product_ref": "",
        "attachments": _files(("statement.pdf", b"%PDF-1.4 statement"),
                              ("screen.png", b"\x89PNG fake"))})
    ticket = _only_ticket()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.ref}"
    assert ("success", f"Ticket {ticket.ref} has been filed.") in flashes(client)
    assert (ticket.subject, ticket.priority, ticket.channel, ticket.status, ticket.level) == (
        "Payout missing", Priority.high, Channel.web, Status.new, 1)
    assert (ticket.requester_id, ticket.created_by_id, ticket.category_id) == (
        customer.id, customer.id, category.id)
    assert (ticket.shop_ref, ticket.order_ref, ticket.product_ref) == ("ada-yarn", "A-1001", None)
    assert sorted(a.filename for a in db.session.scalars(sa.select(Attachment))) == [
        "screen.png", "statement.pdf"]
    assert sorted(p.read_bytes() for p in _stored_files(app)) == [
        b"%PDF-1.4 statement", b"\x89PNG fake"]
    assert _events(ticket.id, EventKind.created) == [(None, "web")]

    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "<strong>120 EUR</strong>" in page and "<li>since Monday</li>" in page
    assert "statement.pdf" in page and "screen.png" in page
    mailbox.wait_for(1)
    [mail] = mailbox.to(customer.email)
    assert mail["Subject"] == f"[{ticket.ref}] We have received your request"
    assert f"http://helpdesk.test/tickets/{ticket.ref}" in mail.get_content()


def test_agent_files_for_new_customer_who_gets_a_set_password_link(client, make, login_as,
                                                                   mailbox):
    agent = make.agent(1)
    login_as(agent)
    response = client.post("/tickets/new", data={
        "customer_email": "Caller@Example.com", "customer_name": "Carla Caller",
        "channel": "phone", "subject": "Cannot log in", "priority": "normal",
        "body": "Called in, locked out."})
    ticket = _only_ticket()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.ref}"
    customer = db.session.scalar(sa.select(User).where(User.email == "caller@example.com"))
    assert (customer.role, customer.name, customer.password_hash) == (
        Role.customer, "Carla Caller", None)
    assert (ticket.requester_id, ticket.created_by_id, ticket.channel) == (
        customer.id, agent.id, Channel.phone)
    assert _events(ticket.id, EventKind.created) == [(None, "phone")]

    mailbox.wait_for(1)
    [mail] = mailbox.to("caller@example.com")
    link = re.search(r"http://helpdesk\.test(/password/reset/\S+)", mail.get_content()).group(1)
    client.post("/logout")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "my-own-pw-1", "confirm": "my-own-pw-1"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert fresh(User, customer.id).check_password("my-own-pw-1")


def test_agent_files_for_existing_customer_or_refuses_a_staff_address(client, make, login_as):
    customer = make.user()
    other_agent = make.agent(2)
    login_as(make.agent(1))
    data = {"customer_email": customer.email, "channel": "email", "subject": "Again",
            "priority": "normal", "body": "Second ticket"}
    assert client.post("/tickets/new", data=data).status_code == 302
    assert _only_ticket().requester_id == customer.id
    users = _count(User)
    response = client.post("/tickets/new", data={**data, "customer_email": other_agent.email})
    assert response.status_code == 400
    assert "That address belongs to a staff account." in response.get_data(as_text=True)
    assert (_count(Ticket), _count(User)) == (1, users)


def test_form_errors_return_the_form_with_the_text_kept(client, make, login_as):
    login_as(make.user())
    response = client.post("/tickets/new", data={
        "subject": "", "priority": "normal", "body": "Everything I typed & more <3"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Everything I typed &amp; more &lt;3" in page
    assert "This field is required." in page
    assert _count(Ticket) == 0


def test_markdown_is_sanitized_on_the_ticket_page_and_in_the_preview(client, make, login_as):
    body = ("Hello <script>alert('x1')</script>\n\n"
            '<img src="x" onerror="alert(\'x2\')">\n\n'
            "[click](javascript:alert('x3')) [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
            '<a href="JaVaScRiPt:alert(1)" onclick="alert(\'x4\')">more</a>\n\n'
            "<svg onload=alert('x5')></svg> **still bold**")
    customer = make.user()
    ticket = make.ticket(customer, body=body)
    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    preview = client.post("/preview", data={"body": body}).get_json()["html"]
    for html in (page, preview):
        assert "<strong>still bold</strong>" in html
        tags = _tags(html)
        # The page's own scripts only (sla.js: the service levels' time-zone cookie).
        assert [a for t, a in tags if t == "script" and a != {"src": "/static/sla.js",
                                                              "defer": None}] \
            in ([], [{"src": "/static/app.js"}])
        assert not [t for t, _a in tags if t in ("svg", "math", "iframe", "object")]
        for tag, attrs in tags:
            assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
            for name in ("href", "src"):
                value = (attrs.get(name) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:")), (tag, attrs)


def _tags(html: str) -> list[tuple[str, dict]]:
    """Every start tag of `html` with its attributes, as a browser's parser sees them."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))
    Collector().feed(html)
    return found


def test_oversized_attachment_is_refused_and_nothing_is_stored(app, client, make, login_as):
    app.config["MAX_ATTACHMENT_BYTES"] = 1024 * 1024
    login_as(make.user())
    response = client.post("/tickets/new", content_type="multipart/form-data", data={
        "subject": "With files", "priority": "normal", "body": "Text I keep",
        "attachments": _files(("small.txt", b"fine"),
                              ("big.bin", b"x" * (1024 * 1024 + 1)))})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "big.bin is larger than 1 MB." in page and "Text I keep" in page
    assert (_count(Ticket), _count(Attachment), _stored_files(app)) == (0, 0, [])


def test_too_many_files_are_refused(app, client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer)
    login_as(customer)
    limit = app.config["MAX_ATTACHMENTS_PER_MESSAGE"]
    before = ticket_state(ticket.id)
    response = client.post(f"/tickets/{ticket.ref}/messages", content_type="multipart/form-data",
                           data={"kind": "public", "body": "Screenshots", "version": "1",
                                 "attachments": _files(*[(f"s{i}.png", b"png")
                                                         for i in range(limit + 1)])})
    assert response.status_code == 400
    assert f"At most {limit} files per message." in response.get_data(as_text=True)
    assert ticket_state(ticket.id) == before and _stored_files(app) == []


# -- the customer's side of the thread ---------------------------------------------------

def test_customer_reply_reopens_a_resolved_ticket(client, make, login_as):
    customer, agent = make.user(), make.agent(1)
    ticket = make.ticket(customer)
    update_ticket(ticket, by=agent, changes=TicketChanges(status=Status.resolved))
    db.session.commit()
    login_as(customer)
    response = client.post(f"/tickets/{ticket.ref}/messages",
                           data={"kind": "public", "body": "Still broken", "version": "1"})
    assert response.status_code == 302
    ticket = fresh(Ticket, ticket.id)
    assert ticket.status == Status.open and ticket.resolved_at is None
    assert _events(ticket.id, EventKind.status)[-1] == ("resolved", "open")
    assert ticket.messages[-1].body == "Still broken" and not ticket.messages[-1].is_internal


def test_customer_confirms_the_resolution(client, make, login_as):
    customer, agent = make.user(), make.agent(1)
    ticket = make.ticket(customer)
    update_ticket(ticket, by=agent, changes=TicketChanges(status=Status.resolved))
    db.session.commit()
    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "Yes, this solved it" in page
    response = client.post(f"/tickets/{ticket.ref}/close", data={"confirm_resolution": "1"})
    assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{ticket.ref}"
    ticket = fresh(Ticket, ticket.id)
    assert ticket.status == Status.closed and ticket.closed_at is not None
    assert _events(ticket.id, EventKind.status)[-1] == ("resolved", "closed")
    # Closed: no more replies from the customer, no close button.
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "This request is closed." in page and "Yes, this solved it" not in page
    assert client.post(f"/tickets/{ticket.ref}/messages",     # seen, so refused (403)
                       data={"kind": "public", "body": "x", "version": "9"}).status_code == 403


def test_customer_page_hides_staff_controls(client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer)
    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    for hidden in (f"/tickets/{ticket.ref}/update", f"/tickets/{ticket.ref}/take",
                   f"/tickets/{ticket.ref}/assign", f"/tickets/{ticket.ref}/escalate",
                   f"/tickets/{ticket.ref}/return", 'value="internal"'):
        assert hidden not in page, hidden
    assert f'action="/tickets/{ticket.ref}/messages"' in page


def test_my_tickets_lists_only_own_tickets(client, make, login_as):
    customer, other = make.user(), make.user()
    mine = [make.ticket(customer, subject=f"Mine {i}") for i in range(2)]
    make.ticket(customer, level=2, subject="Mine escalated")
    theirs = make.ticket(other, subject="Somebody else's problem")
    login_as(customer)
    response = client.get("/tickets")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for ticket in mine:
        assert ticket.subject in page and ticket.ref in page
    assert "Mine escalated" in page and "with our second-level team" in page
    assert theirs.subject not in page and theirs.ref not in page


# -- staff actions -----------------------------------------------------------------------

def test_updates_are_recorded_as_events_and_shown_in_the_history(client, make, login_as):
    agent = make.agent(1, name="Ulla Agent")
    old_category, new_category = make.category("orders"), make.category("payouts")
    ticket = make.ticket(category=old_category)
    login_as(agent)
    response = client.post(f"/tickets/{ticket.ref}/update", data={
        "status": "waiting_on_customer", "priority": "urgent",
        "category": str(new_category.id), "version": str(ticket.version)})
    assert response.status_code == 302
    assert ("success", "The ticket has been updated.") in flashes(client)
    assert _events(ticket.id, EventKind.status) == [("new", "waiting_on_customer")]
    assert _events(ticket.id, EventKind.priority) == [("normal", "urgent")]
    assert _events(ticket.id, EventKind.category) == [("Orders", "Payouts")]
    history = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "Ulla Agent changed the status: New → Waiting on customer" in history
    assert "changed the priority: Normal → Urgent" in history
    assert "changed the category: Orders → Payouts" in history


def test_take_and_assign_within_the_level(client, make, login_as):
    l1, colleague, l2 = make.agent(1), make.agent(1, name="Colleague"), make.agent(2)
    ticket = make.ticket()
    login_as(l1)
    response = client.post(f"/tickets/{ticket.ref}/take", data={"version": "1"})
    assert response.status_code == 302
    ticket = fresh(Ticket, ticket.id)
    assert ticket.assignee_id == l1.id and ticket.status == Status.open
    response = client.post(f"/tickets/{ticket.ref}/assign",
                           data={"assignee": str(colleague.id), "version": str(ticket.version)})
    assert response.status_code == 302
    assert fresh(Ticket, ticket.id).assignee_id == colleague.id
    # A level-2 agent is not an assignee for a level-1 ticket.
    before = ticket_state(ticket.id)
    response = client.post(f"/tickets/{ticket.ref}/assign",
                           data={"assignee": str(l2.id), "version": str(before["version"])})
    assert response.status_code == 403     # l1 sees the ticket: refused, not hidden
    assert ticket_state(ticket.id) == before
    assert [new for _old, new in _events(ticket.id, EventKind.assignee)] == [
        l1.name, "Colleague"]


@pytest.mark.parametrize("missing", ["summary", "tried", "articles_checked"])
def test_escalation_form_requires_the_whole_handoff(client, make, login_as, missing):
    ticket = make.ticket()
    login_as(make.agent(1))
    data = {"summary": "Payout stuck in SENT", "tried": "Checked the IBAN",
            "articles_checked": "Payout schedule", "version": "1", missing: "  "}
    response = client.post(f"/tickets/{ticket.ref}/escalate", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required." in page
    for name, value in data.items():
        if name not in (missing, "version"):
            assert value in page
    assert fresh(Ticket, ticket.id).level == 1 and _count(Handoff) == 0


def test_escalated_ticket_lands_unassigned_and_the_customer_sees_only_where_it_is(
        client, make, login_as):
    customer, l1 = make.user(), make.agent(1, name="Lena L1")
    ticket = make.ticket(customer)
    login_as(l1)
    client.post(f"/tickets/{ticket.ref}/take", data={"version": "1"})
    version = fresh(Ticket, ticket.id).version
    response = client.post(f"/tickets/{ticket.ref}/escalate", data={
        "summary": "SECRET-SUMMARY payout job", "tried": "SECRET-TRIED re-run",
        "articles_checked": "SECRET-ARTICLES none", "version": str(version)})
    assert response.status_code == 302
    assert ("success", "Escalated to level 2 with your hand-off.") in flashes(client)
    ticket = fresh(Ticket, ticket.id)
    assert (ticket.level, ticket.assignee_id, ticket.status) == (2, None, Status.open)
    # The escalating agent keeps read access, and finds it under "escalated by me".
    assert client.get(f"/tickets/{ticket.ref}").status_code == 200
    assert ticket.ref in client.get("/queue?view=escalated").get_data(as_text=True)
    assert ticket.ref not in client.get("/queue").get_data(as_text=True)

    login_as(customer)
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "Your request is with our second-level team." in page
    assert "You can expect the next update by" in page
    for secret in ("SECRET-", "Lena L1", "Level 2", "hand-off", "Hand-off"):
        assert secret not in page, secret

    ticket = make.ticket(customer, level=3, subject="Deep problem")
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "Your request is with our specialists." in page


def test_first_public_staff_reply_needs_confirmation(client, make, login_as, mailbox):
    customer = make.user()
    ticket = make.ticket(customer)
    login_as(make.agent(1))
    mailbox.wait_for(1)
    mailbox.clear()
    before = ticket_state(ticket.id)
    response = client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "public", "body": "Here is what I found", "version": str(ticket.version)})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This is the first public reply on this ticket." in page
    assert customer.email in page and "Here is what I found" in page
    assert ticket_state(ticket.id) == before
    response = client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "public", "body": "Here is what I found", "version": str(ticket.version),
        "confirmed_public": "y"})
    assert response.status_code == 302
    assert [m.body for m in fresh(Ticket, ticket.id).messages] == ["Here is what I found"]
    mailbox.wait_for(1)
    assert len(mailbox.to(customer.email)) == 1
    # The second public reply goes out without asking again; a note never asks.
    version = fresh(Ticket, ticket.id).version
    for kind in ("public", "internal"):
        response = client.post(f"/tickets/{ticket.ref}/messages", data={
            "kind": kind, "body": f"Follow-up {kind}", "version": str(version)})
        assert response.status_code == 302
        version = fresh(Ticket, ticket.id).version
    assert _count(Message) == 3


def test_staff_see_notes_and_replies_marked_differently(client, make, login_as):
    agent = make.agent(1)
    ticket = make.ticket()
    make.message(ticket, agent, "The public answer")
    make.message(ticket, agent, "The internal note", internal=True)
    login_as(agent)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    articles = re.findall(r'<article class="msg ([^"]*)"[^>]*>(.*?)</article>', page, re.S)
    kinds = {("note" if "internal" in cls.split() else "reply"): body
             for cls, body in articles if "The " in body}
    assert "The internal note" in kinds["note"] and "Internal note" in text_of(kinds["note"])
    assert "The public answer" in kinds["reply"] and "Public reply" in text_of(kinds["reply"])


def test_specialist_returns_to_level_1_with_instructions(client, make, login_as, mailbox):
    l1 = make.agent(1)
    ticket = make.ticket(level=3)
    l3 = make.agent(3, name="Sam Specialist")
    login_as(l3)
    page = client.get(f"/tickets/{ticket.ref}/return").get_data(as_text=True)
    assert 'value="2"' in page and 'value="1"' in page
    mailbox.wait_for(1)
    mailbox.clear()
    version = str(fresh(Ticket, ticket.id).version)
    response = client.post(f"/tickets/{ticket.ref}/return", data={
        "to_level": "3", "summary": "Stay here", "version": version})
    assert response.status_code == 400 and fresh(Ticket, ticket.id).level == 3
    response = client.post(f"/tickets/{ticket.ref}/return", data={
        "to_level": "1", "summary": "Fixed the sync; ask the customer to retry",
        "version": version})
    assert response.status_code == 302
    ticket = fresh(Ticket, ticket.id)
    assert (ticket.level, ticket.assignee_id, ticket.status) == (1, None, Status.open)
    handoff = ticket.handoffs[-1]
    assert (handoff.from_level, handoff.to_level, handoff.author_id) == (3, 1, l3.id)
    mailbox.wait_for(1)
    [mail] = mailbox.to(l1.email)
    assert mail["Subject"] == f"[{ticket.ref}] Returned to level 1"
    assert "Fixed the sync; ask the customer to retry" in mail.get_content()
    assert mailbox.to(ticket.requester.email) == []


@pytest.fixture
def app_config(app_config, request):
    """The suite's settings; a test may name the features it runs with (indirect)."""
    features = getattr(request, "param", None)
    return {**app_config, "FEATURES": features} if features is not None else app_config


# Without a due-time provider (service levels phrase it in words: tests/web/test_sla_*.py).
@pytest.mark.parametrize("app_config", ["notifications,kb"], indirect=True)
@pytest.mark.parametrize("language, shown", [("en", "1/15/30, 1:00 PM"),
                                             ("de", "15.01.30, 13:00")])
def test_expected_update_is_shown_in_local_time(client, make, login_as, language, shown):
    customer = make.user(language=language)
    ticket = make.ticket(customer)
    ticket.update_due_at = datetime(2030, 1, 15, 12, 0)        # UTC; 13:00 in Berlin
    db.session.commit()
    login_as(customer)
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert shown in page
