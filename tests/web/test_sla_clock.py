"""Service levels in working time: the due times tickets get as they are filed, answered,
paused and escalated, and what agents and customers are shown (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.service_levels.models import SlaClock
from helpdesk.tickets import sla
from helpdesk.tickets.models import Status, Ticket
from tests.factories import fresh, text_of
from tests.sla_helpers import berlin, freeze, in_berlin


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch)


def _clock_row(ticket) -> SlaClock:
    db.session.expire_all()
    return db.session.scalar(sa.select(SlaClock).where(SlaClock.ticket_id == ticket.id))


def test_a_ticket_filed_on_friday_evening_is_due_on_monday_morning(client, make, login_as,
                                                                   clock):
    customer = make.user(language="en")
    clock.set(berlin(2026, 3, 6, 17, 30))               # Friday, half an hour before closing
    login_as(customer)
    response = client.post("/tickets/new", data={
        "subject": "Shop offline", "body": "Nothing loads", "priority": "urgent",
        "category": ""})
    assert response.status_code == 302
    ticket = db.session.scalars(sa.select(Ticket)).one()
    # One hour of working time: 30 minutes on Friday, 30 on Monday from 08:00.
    assert in_berlin(ticket.first_response_due_at).strftime("%a %H:%M") == "Mon 08:30"
    assert ticket.first_response_due_at == berlin(2026, 3, 9, 8, 30)
    assert ticket.update_due_at == berlin(2026, 3, 9, 8, 30)
    assert ticket.due_at == ticket.update_due_at               # the queue sorts by it
    assert _clock_row(ticket).next_check_at == berlin(2026, 3, 9, 8, 30)

    # The customer reads it in words, in their time zone (the browser's, by a cookie).
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "You can expect the next update by Monday at 8:30 AM (Central European " in page
    client.set_cookie("tz", "America%2FNew_York")
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "You can expect the next update by Monday at 3:30 AM (" in page
    assert "Eastern" in page


def test_a_german_customer_reads_the_promise_in_german(client, make, login_as, clock):
    customer = make.user(language="de")
    clock.set(berlin(2026, 3, 2, 9, 0))                  # Monday 09:00
    ticket = make.ticket(customer, priority="urgent")
    login_as(customer)
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "Mit der nächsten Rückmeldung kannst du bis" in page
    assert "10:00" in page and "Mitteleuropäische" in page


def test_the_clock_stands_while_the_ticket_waits_on_the_customer(client, make, login_as,
                                                                 clock):
    customer, l1 = make.user(), make.agent(1)
    clock.set(berlin(2026, 3, 2, 9, 0))                  # Monday 09:00, normal: 8 h
    ticket = make.ticket(customer, priority="normal")
    assert ticket.first_response_due_at == berlin(2026, 3, 2, 17, 0)

    # An hour later the agent asks a colleague-visible question and parks the ticket on
    # the customer: seven working hours are left, and the clock stands.
    clock.set(berlin(2026, 3, 2, 10, 0))
    make.message(ticket, l1, "Waiting for the order number", internal=True,
                 status_after=Status.waiting_on_customer)
    assert _clock_row(ticket).paused and _clock_row(ticket).next_check_at is None
    login_as(l1)
    clock.set(berlin(2026, 3, 3, 9, 0))                  # a day later: still paused
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    panel = text_of(page.split('id="sla-panel"')[1].split("</dl>")[0])
    assert "paused" in panel and "7 h 00 min of working time left" in panel
    assert sla.deadline_state(fresh(Ticket, ticket.id), clock.now) == sla.DeadlineState.paused

    # The customer answers Tuesday 10:00: the first response is due seven working hours
    # later, Tuesday 17:00, not Monday 17:00.
    clock.set(berlin(2026, 3, 3, 10, 0))
    make.message(ticket, customer, "Order A-17")
    ticket = fresh(Ticket, ticket.id)
    assert ticket.status == Status.open
    assert ticket.first_response_due_at == berlin(2026, 3, 3, 17, 0)
    assert ticket.update_due_at == berlin(2026, 3, 3, 17, 0)
    assert _clock_row(ticket).next_check_at == berlin(2026, 3, 3, 17, 0)


def test_answers_and_escalations_set_the_next_deadlines(make, clock):
    customer, l1, l2 = make.user(), make.agent(1), make.agent(2)
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(customer, priority="high")        # 4 h / 8 h / 24 h
    clock.set(berlin(2026, 3, 2, 10, 0))
    make.message(ticket, l1, "We are on it")
    ticket = fresh(Ticket, ticket.id)
    # The next update: 8 working hours after the answer (closing time on Monday).
    assert ticket.update_due_at == berlin(2026, 3, 2, 18, 0)
    clock_row = _clock_row(ticket)
    assert clock_row.first_response_due_at is None                 # met
    assert clock_row.next_update_due_at == berlin(2026, 3, 2, 18, 0)
    # 24 working hours from Monday 09:00: 9 on Monday, 10 on Tuesday, 5 on Wednesday.
    assert clock_row.resolution_due_at == berlin(2026, 3, 4, 13, 0)

    # The customer writes at 11:00: an answer is owed within the first-response time
    # (4 h), earlier than the update that was due.
    clock.set(berlin(2026, 3, 2, 11, 0))
    make.message(ticket, customer, "It is urgent for us")
    assert fresh(Ticket, ticket.id).update_due_at == berlin(2026, 3, 2, 15, 0)

    # Escalated at 16:00: level 2 owes a taker within 2 h and an answer within 4 h, both
    # in working time (so Tuesday morning), and the customer an update within 8 h.
    clock.set(berlin(2026, 3, 2, 16, 0))
    from helpdesk.tickets.escalation import HandoffInput, escalate

    escalate(fresh(Ticket, ticket.id), by=l1,
             handoff=HandoffInput("Payout job", "Re-ran it", "none"))
    db.session.commit()
    clock_row = _clock_row(ticket)
    assert clock_row.level == 2
    assert clock_row.take_due_at == berlin(2026, 3, 2, 18, 0)
    assert clock_row.answer_due_at == berlin(2026, 3, 3, 10, 0)
    assert fresh(Ticket, ticket.id).update_due_at == berlin(2026, 3, 3, 14, 0)

    # Taken Tuesday 08:30: the take target is met, the answer still owed.
    clock.set(berlin(2026, 3, 3, 8, 30))
    from helpdesk.tickets.operations import assign

    assign(fresh(Ticket, ticket.id), by=l2, assignee=l2)
    db.session.commit()
    clock_row = _clock_row(ticket)
    assert clock_row.take_due_at is None
    assert clock_row.answer_due_at == berlin(2026, 3, 3, 10, 0)
    assert clock_row.next_check_at == berlin(2026, 3, 3, 10, 0)


def test_the_queue_marks_tickets_near_breach_and_breached(client, make, login_as, clock):
    l1 = make.agent(1)
    clock.set(berlin(2026, 3, 2, 9, 0))
    near = make.ticket(subject="Near the deadline", priority="urgent")     # due 10:00
    late = make.ticket(subject="Past the deadline", priority="urgent")
    clock.set(berlin(2026, 3, 2, 9, 30))
    calm = make.ticket(subject="Plenty of time", priority="low")           # 24 h
    late.created_at -= timedelta(hours=2)
    db.session.commit()
    from helpdesk.tickets.sla import refresh

    refresh(fresh(Ticket, late.id))
    db.session.commit()
    login_as(l1)
    page = client.get("/queue").get_data(as_text=True)
    rows = {ticket.subject: page.split(ticket.subject)[1].split("</tr>")[0]
            for ticket in (near, late, calm)}
    assert 'data-deadline="near"' in rows["Near the deadline"]
    assert 'data-deadline="breached"' in rows["Past the deadline"]
    assert "data-deadline" not in rows["Plenty of time"]
    # Most urgent first: the breached one, the near one, the calm one.
    order = [page.index(s) for s in ("Past the deadline", "Near the deadline",
                                     "Plenty of time")]
    assert order == sorted(order)
