"""SLA maths and the queue's sort key; how ticket operations keep them up to date."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets import sla
from helpdesk.tickets.escalation import HandoffInput, escalate, return_to_level
from helpdesk.tickets.models import Priority, Status
from helpdesk.tickets.operations import (
    TicketChanges,
    add_message,
    customer_close,
    update_ticket,
)

NOW = datetime(2026, 3, 2, 9, 30)
BY_URGENCY = [Priority.urgent, Priority.high, Priority.normal, Priority.low]


def test_more_urgent_priorities_have_earlier_deadlines():
    for due in (sla.first_response_due, sla.resolution_due, sla.escalation_update_due):
        deadlines = [due(NOW, p) for p in BY_URGENCY]
        assert deadlines == sorted(deadlines) and len(set(deadlines)) == 4
        assert all(d > NOW for d in deadlines)


@pytest.mark.parametrize("priority", list(Priority))
def test_deadlines_follow_the_targets(priority):
    first, resolution = sla.TARGETS[priority]
    assert sla.first_response_due(NOW, priority) - NOW == first
    assert sla.resolution_due(NOW, priority) - NOW == resolution
    assert first < resolution
    assert sla.escalation_update_due(NOW, priority) - NOW == sla.ESCALATION_UPDATE[priority]


@pytest.mark.parametrize("priority", list(Priority))
def test_after_a_staff_update_the_next_is_due_within_the_interval_and_the_resolution(priority):
    interval = sla.ESCALATION_UPDATE[priority]
    far = NOW + interval * 10
    assert sla.after_staff_update(NOW, priority, far) == NOW + interval
    near = NOW + interval / 2
    assert sla.after_staff_update(NOW, priority, near) == near
    # Past the resolution target already: due now, never in the past.
    assert sla.after_staff_update(NOW, priority, NOW - timedelta(hours=5)) == NOW


@pytest.mark.parametrize("priority", list(Priority))
def test_a_customer_reply_never_pushes_the_deadline_back(priority):
    target = sla.TARGETS[priority][0]
    soon = NOW + target / 3
    assert sla.after_customer_reply(NOW, priority, soon) == soon
    assert sla.after_customer_reply(NOW, priority, NOW + target * 5) == NOW + target


def test_queue_key_puts_active_before_waiting_before_done_keeping_deadline_order():
    cases = [
        (Status.new, NOW + timedelta(hours=1)),
        (Status.open, NOW + timedelta(hours=3)),
        (Status.new, NOW + timedelta(days=300)),          # active, however late
        (Status.waiting_on_customer, NOW - timedelta(days=30)),   # parked, however early
        (Status.waiting_on_customer, NOW + timedelta(hours=2)),
        (Status.resolved, NOW - timedelta(days=300)),
        (Status.closed, NOW + timedelta(days=10)),
    ]
    keys = [sla.queue_key(status, due) for status, due in cases]
    assert keys == sorted(keys)
    assert sla.queue_key(Status.open, NOW) == NOW


def test_customer_sees_a_next_update_only_while_support_owes_one():
    for status in Status:
        expected = NOW if status in (Status.new, Status.open) else None
        assert sla.customer_next_update(status, NOW) == expected
        assert sla.is_overdue(status, NOW, NOW + timedelta(seconds=1)) is (expected is not None)
        assert sla.is_overdue(status, NOW, NOW - timedelta(seconds=1)) is False
        # A promise already broken is not repeated to the customer.
        assert sla.customer_next_update(status, NOW, NOW + timedelta(seconds=1)) is None
        assert sla.customer_next_update(status, NOW, NOW - timedelta(seconds=1)) == expected


# -- operations keep update_due_at and due_at consistent ---------------------------------
# These are the around-the-clock rules, which hold when no feature provides due times
# (registry.DUE_TIMES); with service levels the due times are in working time
# (tests/web/test_sla_*.py).

@pytest.fixture
def app_config(app_config):
    return {**app_config, "FEATURES": "notifications,kb"}


def _consistent(ticket):
    return ticket.due_at == sla.queue_key(ticket.status, ticket.update_due_at)


def test_filing_sets_the_first_response_deadline(make):
    before = utcnow()
    ticket = make.ticket(priority="high")
    assert before <= ticket.created_at <= utcnow()
    assert ticket.update_due_at == sla.first_response_due(ticket.created_at, Priority.high)
    assert ticket.resolution_due_at == sla.resolution_due(ticket.created_at, Priority.high)
    assert _consistent(ticket)


def test_escalation_owes_the_customer_an_update_within_the_escalation_target(make):
    ticket = make.ticket(priority="urgent")
    before = utcnow()
    escalate(ticket, by=make.agent(1), handoff=HandoffInput("s", "t", "a"))
    assert (sla.escalation_update_due(before, Priority.urgent) <= ticket.update_due_at
            <= sla.escalation_update_due(utcnow(), Priority.urgent))
    assert _consistent(ticket)


def test_waiting_and_closing_park_the_ticket_at_the_end_of_the_queue(make):
    customer, agent = make.user(), make.agent(1)
    ticket = make.ticket(customer)
    add_message(ticket, author=agent, body="Which order?",
                status_after=Status.waiting_on_customer)
    assert ticket.status == Status.waiting_on_customer and _consistent(ticket)
    assert ticket.due_at > utcnow() + timedelta(days=300)
    add_message(ticket, author=customer, body="Order A-1")
    assert ticket.status == Status.open and _consistent(ticket)
    customer_close(ticket, by=customer)
    assert ticket.status == Status.closed and _consistent(ticket)


@pytest.mark.parametrize("status", [Status.waiting_on_customer, Status.resolved])
def test_a_returned_ticket_is_open_and_sorted_as_open(make, status):
    ticket = make.ticket(level=2)
    l2 = make.agent(2)
    update_ticket(ticket, by=l2, changes=TicketChanges(status=status))
    db.session.commit()
    assert _consistent(ticket)
    return_to_level(ticket, to_level=1, by=l2, handoff=HandoffInput("Ask for the order id"))
    db.session.commit()
    assert ticket.status == Status.open
    assert _consistent(ticket)
