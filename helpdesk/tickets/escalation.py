"""Moving tickets between support levels, with a hand-off each time."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.errors import NotAllowed
from helpdesk.signals import ticket_escalated, ticket_returned
from helpdesk.tickets import sla
from helpdesk.tickets.models import (
    EventKind,
    Handoff,
    HandoffKind,
    Status,
    Ticket,
    TicketEvent,
)
from helpdesk.tickets.permissions import can_escalate, can_return


@dataclass(frozen=True)
class HandoffInput:
    """What the handing-over agent tells the next level."""

    summary: str
    tried: str = ""
    articles_checked: str = ""


def _require(handoff: HandoffInput, *, need_tried: bool) -> None:
    if not handoff.summary.strip():
        raise ValueError("a hand-off needs a summary")
    if need_tried and not handoff.tried.strip():
        raise ValueError("a hand-off needs what was tried")


def escalate(ticket: Ticket, *, by: User | None, handoff: HandoffInput) -> TicketEvent:
    """Move `ticket` one support level up and record the hand-off.

    The ticket lands unassigned in the next level's queue, open, and the customer is
    owed an update within the escalation target. Raises NotAllowed if `by` may not
    escalate it, ValueError for an incomplete hand-off. `by` None is the system (a
    service-level rule): the history and the hand-off name no person. Flushes nothing;
    the caller commits.
    """
    if by is not None and not can_escalate(by, ticket):
        raise NotAllowed(_("You cannot escalate this ticket."))
    _require(handoff, need_tried=True)
    from_level = ticket.level
    event = ticket.move_to_level(from_level + 1, actor=by, note=handoff.summary)
    record = Handoff(kind=HandoffKind.escalation, author=by, from_level=from_level,
                     to_level=ticket.level, summary=handoff.summary.strip(),
                     tried=handoff.tried.strip(),
                     articles_checked=handoff.articles_checked.strip())
    ticket.handoffs.append(record)
    _land_unassigned(ticket, by=by)
    ticket.update_due_at = sla.escalation_update_due(utcnow(), ticket.priority)
    ticket.due_at = sla.queue_key(ticket.status, ticket.update_due_at)
    sla.refresh(ticket)
    ticket_escalated.send(ticket, event=event, handoff=record, by=by)
    return event


def return_to_level(ticket: Ticket, *, to_level: int, by: User,
                    handoff: HandoffInput) -> TicketEvent:
    """Send `ticket` back down to `to_level` with a resolution or instructions.

    Raises NotAllowed if `by` may not return it there, ValueError without a summary.
    The caller commits.
    """
    if not can_return(by, ticket, to_level):
        raise NotAllowed(_("You cannot return this ticket to that level."))
    _require(handoff, need_tried=False)
    from_level = ticket.level
    event = ticket.move_to_level(to_level, actor=by, note=handoff.summary)
    record = Handoff(kind=HandoffKind.return_, author=by, from_level=from_level,
                     to_level=to_level, summary=handoff.summary.strip(),
                     tried=handoff.tried.strip(),
                     articles_checked=handoff.articles_checked.strip())
    ticket.handoffs.append(record)
    _land_unassigned(ticket, by=by)
    sla.refresh(ticket)
    ticket_returned.send(ticket, event=event, handoff=record, by=by)
    return event


def _land_unassigned(ticket: Ticket, *, by: User | None) -> None:
    if ticket.assignee is not None:
        ticket.record(EventKind.assignee, actor=by, old=ticket.assignee.name, new=None)
        ticket.assignee = None
    if ticket.status != Status.open:
        ticket.record(EventKind.status, actor=by, old=ticket.status.value, new=Status.open.value)
        ticket.status = Status.open
        # A waiting or resolved ticket was parked at the end of the queue; open, it sorts
        # by its deadline again.
        ticket.due_at = sla.queue_key(ticket.status, ticket.update_due_at)
