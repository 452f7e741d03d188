"""Who may do what with tickets: the ticket rows of the permission matrix, in one place.

Predicates are pure functions of a user and an object. ``visible_tickets`` is the
one query every list and detail page starts from, so a ticket a user may not see
can never appear anywhere.
"""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.accounts.models import Level, User
from helpdesk.tickets.models import Status, Ticket, TicketEvent


def _worked_on(user: User):
    """SQL condition: `user` has acted on the ticket (a reply, note, hand-off, ...)."""
    return sa.exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.actor_id == user.id)


def visible_tickets(user: User) -> sa.Select:
    """Return a select of the tickets `user` may see."""
    query = sa.select(Ticket)
    if user.is_admin or (user.is_agent and user.level == Level.l3):
        return query
    if user.is_agent and user.level in (Level.l1, Level.l2):
        return query.where(sa.or_(Ticket.level <= user.level, _worked_on(user)))
    return query.where(Ticket.requester_id == user.id)


def can_view_ticket(user: User, ticket: Ticket, *, worked_on: bool | None = None) -> bool:
    """Return whether `user` may open `ticket`.

    `worked_on` may be passed when the caller already knows it; otherwise the
    ticket's events are consulted.
    """
    if not user.is_active:
        return False
    if user.is_admin or (user.is_agent and user.level == Level.l3):
        return True
    if user.is_agent:
        if ticket.level <= (user.level or 0):
            return True
        if worked_on is None:
            worked_on = any(e.actor_id == user.id for e in ticket.events)
        return worked_on
    return ticket.requester_id == user.id


def can_see_internals(user: User) -> bool:
    """Internal notes, hand-offs and the full history are for staff only."""
    return user.is_staff


def can_file_for_others(user: User) -> bool:
    return user.is_staff


def _works_at(user: User, ticket: Ticket) -> bool:
    """Agents act on tickets at their own level and below; admins everywhere.

    A level-1 agent keeps read access to a ticket they escalated, but the work on it
    belongs to the level it is at now.
    """
    if user.is_admin:
        return True
    return user.is_agent and bool(user.level) and ticket.level <= user.level


def can_reply(user: User, ticket: Ticket) -> bool:
    """Public reply: the requester on their own ticket, staff where they work."""
    if user.is_customer:
        return ticket.requester_id == user.id and ticket.status != Status.closed
    return can_view_ticket(user, ticket) and _works_at(user, ticket)


def can_add_note(user: User, ticket: Ticket) -> bool:
    return user.is_staff and can_view_ticket(user, ticket) and _works_at(user, ticket)


def can_update_ticket(user: User, ticket: Ticket) -> bool:
    """Change status, priority, category, channel and references."""
    return can_add_note(user, ticket)


def can_take(user: User, ticket: Ticket) -> bool:
    """Take the ticket into one's own hands: agents at the ticket's level."""
    return (user.is_agent and user.level == ticket.level and ticket.assignee_id != user.id
            and ticket.status != Status.closed)


def can_assign(user: User, ticket: Ticket) -> bool:
    return can_update_ticket(user, ticket) and (user.is_admin or user.level >= ticket.level)


def can_assign_to(user: User, ticket: Ticket, assignee: User) -> bool:
    """An assignee must be an active agent of the ticket's level."""
    return (can_assign(user, ticket) and assignee.is_agent and assignee.is_active
            and assignee.level == ticket.level)


def can_escalate(user: User, ticket: Ticket) -> bool:
    """Level 1 escalates 1 -> 2, level 2 escalates 2 -> 3, admins any; level 3 never."""
    if ticket.level >= Level.l3 or ticket.status == Status.closed:
        return False
    if user.is_admin:
        return True
    return user.is_agent and user.level in (Level.l1, Level.l2) and ticket.level == user.level


def return_targets(user: User, ticket: Ticket) -> list[int]:
    """Return the lower levels `user` may send `ticket` back to (empty: none)."""
    if ticket.level <= Level.l1 or ticket.status == Status.closed:
        return []
    if user.is_admin:
        return list(range(ticket.level - 1, 0, -1))
    if user.is_agent and user.level == ticket.level and user.level >= Level.l2:
        return list(range(ticket.level - 1, 0, -1))
    return []


def can_return(user: User, ticket: Ticket, to_level: int | None = None) -> bool:
    targets = return_targets(user, ticket)
    return bool(targets) if to_level is None else to_level in targets


def can_customer_close(user: User, ticket: Ticket) -> bool:
    """The requester may confirm a resolution or close their own ticket."""
    return ticket.requester_id == user.id and ticket.status != Status.closed
