"""Service-level targets: pure date maths, no database."""
from __future__ import annotations

from datetime import datetime, timedelta

from helpdesk.tickets.models import Priority, Status

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
