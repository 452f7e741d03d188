"""Service-level targets: around-the-clock date maths, and the provider that replaces them.

The ticket operations set a ticket's due times with the functions below (targets that run
around the clock), then call `refresh`: when a feature registered a provider at the
extension point `registry.DUE_TIMES` (service levels in working time), the provider sets
them instead. Pages ask `deadline_state` and `customer_promise` the same way. Without a
provider this module is pure date maths.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app, has_app_context

from helpdesk import registry
from helpdesk.clock import utcnow
from helpdesk.tickets.models import Priority, Status, Ticket

# (first response, resolution) per priority, around the clock.
TARGETS: dict[Priority, tuple[timedelta, timedelta]] = {
    Priority.urgent: (timedelta(hours=1), timedelta(hours=8)),
    Priority.high: (timedelta(hours=4), timedelta(hours=24)),
    Priority.normal: (timedelta(hours=8), timedelta(hours=72)),
    Priority.low: (timedelta(hours=24), timedelta(hours=120)),
}
# After an escalation the receiving level owes the customer an update within this time;
# while a ticket is worked on, the customer hears from support at least this often too.
ESCALATION_UPDATE: dict[Priority, timedelta] = {
    Priority.urgent: timedelta(hours=2), Priority.high: timedelta(hours=8),
    Priority.normal: timedelta(hours=24), Priority.low: timedelta(hours=48)}

_WAITING_OFFSET = timedelta(days=365)
_DONE_OFFSET = timedelta(days=3650)


def first_response_due(start: datetime, priority: Priority) -> datetime:
    """Return when the first public answer is due for a ticket filed at `start`."""
    return start + TARGETS[priority][0]


def resolution_due(start: datetime, priority: Priority) -> datetime:
    """Return when a ticket filed at `start` should be resolved."""
    return start + TARGETS[priority][1]


def escalation_update_due(now: datetime, priority: Priority) -> datetime:
    """Return when the receiving level owes the customer an update after an escalation."""
    return now + ESCALATION_UPDATE[priority]


def after_staff_update(now: datetime, priority: Priority, resolution_due_at: datetime) -> datetime:
    """Return when the next update is owed after support answered the customer.

    The regular update interval, but never later than the resolution target.
    """
    return min(now + ESCALATION_UPDATE[priority], max(resolution_due_at, now))


def after_customer_reply(now: datetime, priority: Priority, current: datetime) -> datetime:
    """Return when support owes an answer after the customer wrote (the earlier deadline)."""
    return min(current, now + TARGETS[priority][0])


def queue_key(status: Status, update_due_at: datetime) -> datetime:
    """Return the queue sort key: the next deadline, with parked tickets last.

    Tickets waiting on the customer sort after every active one, and resolved or
    closed ones after those, each group keeping its deadline order. One sortable
    column lets the queue page by key instead of by offset.
    """
    if status == Status.waiting_on_customer:
        return update_due_at + _WAITING_OFFSET
    if status in (Status.resolved, Status.closed):
        return update_due_at + _DONE_OFFSET
    return update_due_at


def customer_next_update(status: Status, update_due_at: datetime,
                         now: datetime | None = None) -> datetime | None:
    """Return when the customer can expect to hear from support.

    None when it is up to the customer, the ticket is done, or the promise has
    already passed (then the page says "as soon as possible" instead of a past time).
    """
    if status not in (Status.new, Status.open):
        return None
    if now is not None and update_due_at < now:
        return None
    return update_due_at


def is_overdue(status: Status, update_due_at: datetime, now: datetime) -> bool:
    return status in (Status.new, Status.open) and update_due_at < now


# Without a provider, a deadline less than this far away is near.
NEAR = timedelta(hours=1)


class DeadlineState(enum.StrEnum):
    """How a ticket's next deadline stands, for the queue and the ticket page."""

    none = "none"              # nothing owed (resolved, closed)
    paused = "paused"          # waiting on the customer: the clock stands
    ok = "ok"
    near = "near"              # close to the deadline
    breached = "breached"      # past it


class DueTimeProvider(Protocol):
    """What a provider at `registry.DUE_TIMES` answers."""

    def refresh(self, ticket: Ticket, now: datetime) -> None:
        """Set the ticket's first_response_due_at, resolution_due_at, update_due_at and
        due_at after a change (the ticket's events are up to date); never commits."""

    def deadline_state(self, ticket: Ticket, now: datetime) -> DeadlineState:
        """How the ticket's next deadline stands at `now`."""

    def customer_promise(self, ticket: Ticket, now: datetime) -> str | None:
        """The sentence that tells the customer when to expect an answer, in the
        current language (None: say nothing more than the page does)."""


def provider() -> DueTimeProvider | None:
    """The current app's due-time provider, or None (around-the-clock targets)."""
    if not has_app_context() or registry.EXTENSION_KEY not in current_app.extensions:
        return None
    found = registry.entries(registry.DUE_TIMES)
    return found[-1] if found else None


def refresh(ticket: Ticket, now: datetime | None = None) -> None:
    """Let the provider set the ticket's due times (no provider: leave them as set)."""
    found = provider()
    if found is not None:
        found.refresh(ticket, now or utcnow())


def deadline_state(ticket: Ticket, now: datetime) -> DeadlineState:
    """How the ticket's next deadline stands: the provider's answer, else by the clock."""
    found = provider()
    if found is not None:
        return found.deadline_state(ticket, now)
    if ticket.status == Status.waiting_on_customer:
        return DeadlineState.paused
    if ticket.status not in (Status.new, Status.open):
        return DeadlineState.none
    if ticket.update_due_at < now:
        return DeadlineState.breached
    return DeadlineState.near if ticket.update_due_at - now <= NEAR else DeadlineState.ok


def customer_promise(ticket: Ticket, now: datetime) -> str | None:
    """The provider's sentence for the customer about the next answer, or None."""
    found = provider()
    return found.customer_promise(ticket, now) if found is not None else None
