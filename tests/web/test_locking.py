"""Optimistic locking: the second agent is told, sees what changed, and keeps their text."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.extensions import db
from helpdesk.tickets.models import Message, Priority, Ticket
from tests.factories import fresh, login_session_id, text_of, ticket_state


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)


def _two_agents_on_one_ticket(app, make):
    ticket = make.ticket(subject="Shared ticket")
    first, second = make.agent(1, name="First Agent"), make.agent(1, name="Second Agent")
    clients = []
    for agent in (first, second):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = login_session_id(agent)
        page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
        clients.append((client, _hidden(page, "version"), _hidden(page, "seen_event")))
    return ticket, clients


def test_second_reply_on_a_changed_ticket_is_refused_with_changes_and_text_kept(app, make):
    ticket, [(one, version, seen), (two, version_2, seen_2)] = _two_agents_on_one_ticket(app,
                                                                                         make)
    assert (version, seen) == (version_2, seen_2)
    response = one.post(f"/tickets/{ticket.ref}/update", data={
        "status": "open", "priority": "urgent", "version": version, "seen_event": seen})
    assert response.status_code == 302
    before = ticket_state(ticket.id)

    typed = "A long answer I wrote <carefully> & would hate to lose"
    response = two.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "public", "body": typed, "confirmed_public": "y", "version": version,
        "seen_event": seen})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    text = text_of(page)
    assert "Someone else changed this ticket while you were writing." in text
    assert "Changed by someone else while you were working" in text
    assert "First Agent changed the priority: Normal → Urgent" in text
    assert "A long answer I wrote &lt;carefully&gt; &amp; would hate to lose</textarea>" in page
    assert ticket_state(ticket.id) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0

    # Having seen the changes, sending again goes through.
    response = two.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "public", "body": typed, "confirmed_public": "y",
        "version": _hidden(page, "version"), "seen_event": _hidden(page, "seen_event")})
    assert response.status_code == 302
    assert [m.body for m in fresh(Ticket, ticket.id).messages] == [typed]


def test_second_update_on_a_changed_ticket_is_refused(app, make):
    ticket, [(one, version, seen), (two, _v, _s)] = _two_agents_on_one_ticket(app, make)
    one.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "internal", "body": "Checked the payout log", "version": version,
        "seen_event": seen})
    before = ticket_state(ticket.id)
    response = two.post(f"/tickets/{ticket.ref}/update", data={
        "status": "resolved", "priority": "low", "version": version, "seen_event": seen})
    assert response.status_code == 409
    text = text_of(response.get_data(as_text=True))
    assert "Someone else changed this ticket in the meantime. Nothing was saved" in text
    assert "First Agent added an internal note" in text
    assert ticket_state(ticket.id) == before
    assert fresh(Ticket, ticket.id).priority == Priority.normal


def test_second_escalation_on_a_changed_ticket_keeps_the_handoff_text(app, make):
    ticket, [(one, version, seen), (two, _v, _s)] = _two_agents_on_one_ticket(app, make)
    one.post(f"/tickets/{ticket.ref}/take", data={"version": version, "seen_event": seen})
    before = ticket_state(ticket.id)
    response = two.post(f"/tickets/{ticket.ref}/escalate", data={
        "summary": "My summary text", "tried": "My tried text",
        "articles_checked": "My articles text", "version": version, "seen_event": seen})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this ticket in the meantime." in text_of(page)
    for typed in ("My summary text", "My tried text", "My articles text"):
        assert typed in page
    assert "Changed by someone else while you were working" in text_of(page)
    assert "changed the assignee" in text_of(page)     # what the first agent did
    assert ticket_state(ticket.id) == before


# Only on PostgreSQL: SQLite serializes writers, so no change can slip in during a request.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_customer_told_of_a_concurrent_change_sees_no_internal_events(app, client, make,
                                                                      login_as):
    """A customer's reply racing an agent's change: the 409 page lists only public events."""
    assert app.config["DATABASE_URL"].startswith("postgresql")
    customer = make.user()
    ticket = make.ticket(customer)
    agent = make.agent(1, name="Lena Level1")
    ticket_id, agent_id = ticket.id, agent.id
    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)

    def agent_acts_meanwhile(session, _context, _instances):
        # Another worker commits an internal change between the customer's read and write.
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO ticket_event (ticket_id, actor_id, kind, new_value, created_at) "
                "VALUES (:t, :a, 'assignee', 'Lena Level1', now() at time zone 'utc')"),
                {"t": ticket_id, "a": agent_id})
            conn.execute(sa.text("UPDATE ticket SET version = version + 1, assignee_id = :a "
                                 "WHERE id = :t"), {"t": ticket_id, "a": agent_id})

    event.listen(Session, "before_flush", agent_acts_meanwhile, once=True)
    try:
        response = client.post(f"/tickets/{ticket.ref}/messages", data={
            "kind": "public", "body": "My reply", "version": _hidden(page, "version"),
            "seen_event": _hidden(page, "seen_event")})
    finally:
        if event.contains(Session, "before_flush", agent_acts_meanwhile):
            event.remove(Session, "before_flush", agent_acts_meanwhile)
    assert response.status_code == 409
    text = text_of(response.get_data(as_text=True))
    assert "My reply" in response.get_data(as_text=True)
    assert "Lena Level1" not in text and "assignee" not in text


def test_refused_update_keeps_the_agents_choices(app, make):
    ticket, [(one, version, seen), (two, _v, _s)] = _two_agents_on_one_ticket(app, make)
    one.post(f"/tickets/{ticket.ref}/take", data={"version": version, "seen_event": seen})
    response = two.post(f"/tickets/{ticket.ref}/update", data={
        "status": "waiting_on_customer", "priority": "urgent", "version": version,
        "seen_event": seen})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="urgent"|<option[^>]*value="urgent"'
                     r'[^>]*selected', page)
    assert re.search(r'<option[^>]*value="waiting_on_customer"[^>]*selected|'
                     r'<option[^>]*selected[^>]*value="waiting_on_customer"', page)
    assert fresh(Ticket, ticket.id).priority == Priority.normal
    response = two.post(f"/tickets/{ticket.ref}/update", data={
        "status": "waiting_on_customer", "priority": "urgent",
        "version": _hidden(page, "version"), "seen_event": _hidden(page, "seen_event")})
    assert response.status_code == 302
    assert fresh(Ticket, ticket.id).priority == Priority.urgent
