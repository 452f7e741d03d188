"""A ticket's service-level deadlines, worked out from its history: pure, no database.

The rules:

* **Pauses.** The clock stands while the ticket waits on the customer (and while it is
  resolved or closed: a reopened ticket's clock goes on where it stopped). The status
  events of the history give the pauses.
* **First response**: due the policy's first-response time after filing; met by the first
  public reply of support (or the ticket being resolved or closed first).
* **Resolution**: due the resolution time after filing; met while resolved or closed.
* **Next update**: after support's first response, each public reply of support owes the
  customer the next one within the update time (never later than the resolution target);
  a customer's reply owes an answer within the first-response time (the earlier of the
  two when one was owed already); an escalation owes an update within the update time.
  Owed only while the ticket is new or open.
* **Per level** (internal): an escalated ticket is owed, at the level it was escalated
  to, a taker within the level's take time and a public answer within its answer time,
  counted from the escalation, while it stays at that level.

Times in and out are naive UTC (as the database keeps them). A due time that a pause
still open holds back is given as if the clock ran again `now` (`paused` says so): the
ticket's columns need a time, and it is the answer the customer's reply would start from.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from helpdesk.service_levels.models import Target
from helpdesk.service_levels.policies import LevelTargets, Policy
from helpdesk.service_levels.working_time import (
    BusinessCalendar,
    add_working_time,
    working_time_between,
)
from helpdesk.tickets.models import EventKind, Status

PAUSING = frozenset({Status.waiting_on_customer.value, Status.resolved.value,
                     Status.closed.value})
DONE = frozenset({Status.resolved.value, Status.closed.value})


@dataclass(frozen=True)
class Fact:
    """One event of the history, as the clock needs it."""

    kind: str
    at: datetime
    by_customer: bool = False
    old: str | None = None
    new: str | None = None


@dataclass
class Deadline:
    target: Target
    started_at: datetime
    length: timedelta
    due_at: datetime
    level: int
    met_at: datetime | None = None
    owed: bool = True              # still open: not met, and owed in the ticket's state

    def met_in_time(self) -> bool | None:
        """True/False once met; None while open."""
        return None if self.met_at is None else self.met_at <= self.due_at


@dataclass
class Timeline:
    pauses: list[tuple[datetime, datetime | None]]
    paused: bool
    first_response: Deadline
    resolution: Deadline
    next_update: Deadline | None
    level_targets: list[Deadline] = field(default_factory=list)   # of the current level
    update_due_at: datetime | None = None     # the next deadline owed to the customer

    def open_deadlines(self) -> list[Deadline]:
        found = [self.first_response, self.next_update, self.resolution, *self.level_targets]
        return [d for d in found if d is not None and d.owed]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


class Clock:
    """Working time on one calendar with one history's pauses."""

    def __init__(self, calendar: BusinessCalendar,
                 pauses: Sequence[tuple[datetime, datetime | None]], now: datetime):
        self.calendar = calendar
        self.now = now
        self.pauses = [(_aware(a), _aware(b) if b else None) for a, b in pauses]
        self._resumed = [(a, b or _aware(max(now, a.replace(tzinfo=None))))
                         for a, b in self.pauses]

    def due(self, start: datetime, length: timedelta) -> tuple[datetime, bool]:
        """When `length` of working time after `start` has passed; True when an open
        pause holds it back (then: as if the clock ran again now)."""
        found = add_working_time(self.calendar, _aware(start), length, self.pauses)
        if found is not None:
            return _naive(found), False
        return _naive(add_working_time(self.calendar, _aware(start), length, self._resumed)), True

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end`, pauses not counted."""
        return working_time_between(self.calendar, _aware(start), _aware(end), self.pauses)


def pauses_of(facts: Iterable[Fact]) -> list[tuple[datetime, datetime | None]]:
    """The stretches the ticket spent waiting on the customer, resolved or closed."""
    pauses, since = [], None
    for fact in facts:
        if fact.kind != EventKind.status.value or fact.new is None:
            continue
        if fact.new in PAUSING and since is None:
            since = fact.at
        elif fact.new not in PAUSING and since is not None:
            pauses.append((since, fact.at))
            since = None
    if since is not None:
        pauses.append((since, None))
    return pauses


def timeline(calendar: BusinessCalendar, policy: Policy, levels: dict[int, LevelTargets], *,
             created_at: datetime, status: str, level: int, facts: Sequence[Fact],
             now: datetime) -> Timeline:
    """Work out the ticket's deadlines at `now` from its history (`facts`, in order)."""
    pauses = pauses_of(facts)
    clock = Clock(calendar, pauses, now)
    status = Status(status).value
    active = status in (Status.new.value, Status.open.value)

    due, _held = clock.due(created_at, policy.first_response)
    first = Deadline(Target.first_response, created_at, policy.first_response, due, level)
    first.met_at = next((f.at for f in facts if (f.kind == EventKind.reply.value
                                                 and not f.by_customer)
                         or (f.kind == EventKind.status.value and f.new in DONE)), None)
    first.owed = first.met_at is None

    due, _held = clock.due(created_at, policy.resolution)
    resolution = Deadline(Target.resolution, created_at, policy.resolution, due, level)
    if status in DONE:
        resolution.met_at = next((f.at for f in reversed(facts)
                                  if f.kind == EventKind.status.value and f.new in DONE), now)
    resolution.owed = resolution.met_at is None

    update: Deadline | None = None
    current = Status.new.value
    for fact in facts:
        if fact.kind == EventKind.reply.value and not fact.by_customer:
            due, _held = clock.due(fact.at, policy.next_update)
            due = min(due, max(resolution.due_at, fact.at))
            update = Deadline(Target.next_update, fact.at, policy.next_update, due, level)
        elif fact.kind == EventKind.reply.value and update is not None:
            # The customer wrote: answer within the first-response time, or earlier
            # when an update was owed earlier (a reopened ticket starts afresh).
            due, _held = clock.due(fact.at, policy.first_response)
            if current in PAUSING or due < update.due_at:
                update = Deadline(Target.next_update, fact.at, policy.first_response, due, level)
        elif (fact.kind == EventKind.level.value and update is not None
              and _int(fact.new) > _int(fact.old)):
            due, _held = clock.due(fact.at, policy.next_update)
            update = Deadline(Target.next_update, fact.at, policy.next_update, due, level)
        if fact.kind == EventKind.status.value and fact.new:
            current = fact.new
    if update is not None:
        update.owed = active

    result = Timeline(pauses=pauses, paused=status == Status.waiting_on_customer.value,
                      first_response=first, resolution=resolution, next_update=update,
                      level_targets=level_deadlines(clock, levels, level=level, facts=facts))
    result.update_due_at = first.due_at if update is None else update.due_at
    if not active:
        for deadline in result.level_targets:
            deadline.owed = deadline.owed and status == Status.waiting_on_customer.value
    return result


def level_deadlines(clock: Clock, levels: dict[int, LevelTargets], *, level: int,
                    facts: Sequence[Fact]) -> list[Deadline]:
    """The internal deadlines of the current level, when the ticket was escalated to it
    and has stayed there since."""
    since = None
    for fact in facts:
        if fact.kind == EventKind.level.value:
            moved_up = _int(fact.new) > _int(fact.old)
            since = fact.at if moved_up and _int(fact.new) == level else None
    targets = levels.get(level)
    if since is None or targets is None:
        return []
    return escalation_deadlines(clock, targets, since=since, facts=facts)


def escalation_deadlines(clock: Clock, targets: LevelTargets, *, since: datetime,
                         facts: Sequence[Fact], until: datetime | None = None) -> list[Deadline]:
    """The take and answer deadlines of one escalation to `targets.level` at `since`
    (`until`: when the ticket left the level again)."""
    after = [f for f in facts if f.at >= since and (until is None or f.at <= until)]
    found = []
    for target, length, met in (
            (Target.take, targets.take,
             lambda f: f.kind == EventKind.assignee.value and f.new is not None),
            (Target.answer, targets.answer,
             lambda f: f.kind == EventKind.reply.value and not f.by_customer)):
        due, _held = clock.due(since, length)
        deadline = Deadline(target, since, length, due, targets.level)
        deadline.met_at = next((f.at for f in after if met(f)), None)
        deadline.owed = deadline.met_at is None and until is None
        found.append(deadline)
    return found


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
