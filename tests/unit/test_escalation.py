"""Escalation and return rules, tested on the domain functions directly."""
import pytest

from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, escalate, return_to_level
from helpdesk.tickets.models import EventKind, HandoffKind, Status

HANDOFF = HandoffInput(summary="Payout stuck in 'sent'", tried="Checked IBAN and payout log",
                       articles_checked="Payout schedule")


def test_l1_escalates_to_level_2_unassigned_with_handoff(make):
    l1 = make.agent(1)
    ticket = make.ticket()
    ticket.assignee = l1
    escalate(ticket, by=l1, handoff=HANDOFF)
    db.session.commit()
    assert ticket.level == 2
    assert ticket.assignee is None
    assert ticket.status == Status.open
    handoff = ticket.handoffs[-1]
    assert (handoff.kind, handoff.from_level, handoff.to_level) == (HandoffKind.escalation, 1, 2)
    assert handoff.summary == HANDOFF.summary and handoff.tried == HANDOFF.tried
    level_events = [e for e in ticket.events if e.kind == EventKind.level]
    assert [(e.old_value, e.new_value, e.actor_id) for e in level_events] == [("1", "2", l1.id)]


def test_l2_escalates_level_2_ticket_to_level_3(make):
    ticket = make.ticket(level=2)
    escalate(ticket, by=make.agent(2), handoff=HANDOFF)
    assert ticket.level == 3


@pytest.mark.parametrize("agent_level, ticket_level", [(1, 2), (2, 1), (3, 3), (3, 2), (2, 3)])
def test_agent_cannot_escalate_outside_own_step(make, agent_level, ticket_level):
    ticket = make.ticket(level=ticket_level)
    with pytest.raises(NotAllowed):
        escalate(ticket, by=make.agent(agent_level), handoff=HANDOFF)
    assert ticket.level == ticket_level


def test_customer_cannot_escalate(make):
    customer = make.user()
    ticket = make.ticket(customer)
    with pytest.raises(NotAllowed):
        escalate(ticket, by=customer, handoff=HANDOFF)


def test_admin_escalates_any_level_below_3_but_not_past_3(make):
    admin = make.user("admin")
    ticket = make.ticket(level=2)
    escalate(ticket, by=admin, handoff=HANDOFF)
    assert ticket.level == 3
    with pytest.raises(NotAllowed):
        escalate(ticket, by=admin, handoff=HANDOFF)


@pytest.mark.parametrize("missing", ["summary", "tried"])
def test_escalation_needs_summary_and_what_was_tried(make, missing):
    ticket = make.ticket()
    fields = {"summary": "s", "tried": "t", "articles_checked": "a", missing: "  "}
    with pytest.raises(ValueError):
        escalate(ticket, by=make.agent(1), handoff=HandoffInput(**fields))
    assert ticket.level == 1 and not ticket.handoffs


def test_closed_ticket_cannot_be_escalated(make):
    ticket = make.ticket()
    ticket.status = Status.closed
    with pytest.raises(NotAllowed):
        escalate(ticket, by=make.agent(1), handoff=HANDOFF)


def test_l2_returns_to_level_1_with_instructions(make):
    ticket = make.ticket(level=2)
    l2 = make.agent(2)
    return_to_level(ticket, to_level=1, by=l2, handoff=HandoffInput("Ask for the order id"))
    assert ticket.level == 1
    assert ticket.handoffs[-1].kind == HandoffKind.return_
    assert ticket.handoffs[-1].summary == "Ask for the order id"


@pytest.mark.parametrize("to_level", [2, 1])
def test_l3_returns_to_level_2_or_1(make, to_level):
    ticket = make.ticket(level=3)
    return_to_level(ticket, to_level=to_level, by=make.agent(3),
                    handoff=HandoffInput("Fixed the sync job"))
    assert ticket.level == to_level


@pytest.mark.parametrize("agent_level, ticket_level, to_level",
                         [(1, 1, 1), (1, 2, 1), (2, 3, 2), (2, 3, 1), (3, 2, 1), (2, 2, 3)])
def test_returns_outside_the_rules_are_refused(make, agent_level, ticket_level, to_level):
    ticket = make.ticket(level=ticket_level)
    with pytest.raises(NotAllowed):
        return_to_level(ticket, to_level=to_level, by=make.agent(agent_level),
                        handoff=HandoffInput("x"))
    assert ticket.level == ticket_level


def test_return_needs_a_summary(make):
    ticket = make.ticket(level=2)
    with pytest.raises(ValueError):
        return_to_level(ticket, to_level=1, by=make.agent(2), handoff=HandoffInput(" "))


def test_move_to_level_refuses_jumps_up_and_out_of_range(make):
    ticket = make.ticket()
    actor = make.agent(1)
    for bad in (3, 0, 4, 1):
        with pytest.raises(ValueError):
            ticket.move_to_level(bad, actor=actor)
