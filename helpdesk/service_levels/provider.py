"""The due-time provider (`registry.DUE_TIMES`): tickets' due times in working time.

The ticket operations call `helpdesk.tickets.sla.refresh` after every change; this
provider then works the deadlines out from the ticket's history (`deadlines.timeline`)
with the calendar and policy in force, writes the ticket's due columns (the queue sorts by
them) and its `SlaClock` row (what `sla tick` checks).

When the rules change (the administration saves the calendar, a policy or a level's
targets), every active ticket's due times are worked out again. With at most
SLA_RECOMPUTE_INLINE_MAX active tickets that happens in the admin's request
(`recompute_open_tickets`). With more, the change leaves one `SlaRecompute` row in its own
transaction (`request_recompute`; a further change starts it again from the first ticket),
and `sla tick` works the tickets through in id order, a batch per commit, saving its
progress in the row in the same commit (`finish_pending_recompute`): a crash loses at most
one batch's work, and no web request holds the write lock for long.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from babel import dates as babel_dates
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.service_levels import policies
from helpdesk.service_levels.deadlines import Fact, Timeline, timeline
from helpdesk.service_levels.models import SlaBreach, SlaClock, SlaRecompute, Target
from helpdesk.service_levels.working_time import working_time_between
from helpdesk.tickets import sla
from helpdesk.tickets.models import ACTIVE_STATUSES, Status, Ticket

# The cookie static/sla.js sets to the browser's time zone.
TIMEZONE_COOKIE = "tz"
# Tickets whose due times are worked out again per flush (and per commit in the background).
RECOMPUTE_BATCH = 500


def facts_of(ticket: Ticket) -> list[Fact]:
    """The ticket's history as the clock reads it (also before the ticket is flushed)."""
    requester = ticket.requester_id if ticket.requester_id is not None else (
        ticket.requester.id if ticket.requester is not None else None)
    facts = []
    for event in ticket.events:
        actor = event.actor_id if event.actor_id is not None else (
            event.actor.id if event.actor is not None else None)
        facts.append(Fact(str(event.kind), event.created_at,
                          actor is not None and actor == requester,
                          event.old_value, event.new_value))
    return sorted(facts, key=lambda fact: fact.at)


def ticket_timeline(ticket: Ticket, now: datetime,
                    settings: policies.Settings | None = None) -> Timeline:
    settings = settings or policies.current()
    policy = settings.policy_for(ticket.priority, ticket.category_id if ticket.category_id
                                 is not None else (ticket.category.id if ticket.category
                                                   else None))
    return timeline(settings.calendar, policy, settings.levels, created_at=ticket.created_at,
                    status=ticket.status, level=ticket.level, facts=facts_of(ticket), now=now)


def working_time_left(due: datetime, now: datetime) -> timedelta:
    """Working time from `now` until `due` (zero when past)."""
    calendar = policies.current().calendar
    return working_time_between(calendar, now.replace(tzinfo=UTC), due.replace(tzinfo=UTC))


class WorkingTimeProvider:
    """Due times in working time (the methods of `helpdesk.tickets.sla.DueTimeProvider`)."""

    def refresh(self, ticket: Ticket, now: datetime) -> None:
        policies.ensure_defaults_if_writing()
        line = ticket_timeline(ticket, now)
        ticket.first_response_due_at = line.first_response.due_at
        ticket.resolution_due_at = line.resolution.due_at
        ticket.update_due_at = line.update_due_at
        ticket.due_at = sla.queue_key(ticket.status, ticket.update_due_at)
        clock = db.session.scalar(sa.select(SlaClock).where(
            SlaClock.ticket_id == ticket.id)) if ticket.id is not None else None
        if clock is None:
            clock = SlaClock(ticket=ticket)
            db.session.add(clock)
        write_clock(clock, ticket, line)

    def deadline_state(self, ticket: Ticket, now: datetime) -> sla.DeadlineState:
        if ticket.status == Status.waiting_on_customer:
            return sla.DeadlineState.paused
        if ticket.status not in (Status.new, Status.open):
            return sla.DeadlineState.none
        if ticket.update_due_at <= now:
            return sla.DeadlineState.breached
        near = timedelta(minutes=float(current_app.config["SLA_NEAR_BREACH_MINUTES"]))
        if working_time_left(ticket.update_due_at, now) <= near:
            return sla.DeadlineState.near
        return sla.DeadlineState.ok

    def customer_promise(self, ticket: Ticket, now: datetime) -> str | None:
        if ticket.status not in (Status.new, Status.open) or ticket.update_due_at < now:
            return None
        return _("You can expect the next update by %(when)s.",
                 when=in_words(ticket.update_due_at, now, customer_zone()))


def recorded_deadlines(ticket_ids: list[int]) -> set[tuple[int, Target, datetime]]:
    """The deadlines of these tickets recorded as missed (ticket, target, start), in one
    query for a batch of tickets instead of one per deadline."""
    return {tuple(row) for row in db.session.execute(
        sa.select(SlaBreach.ticket_id, SlaBreach.target, SlaBreach.started_at)
        .where(SlaBreach.ticket_id.in_(ticket_ids), SlaBreach.started_at.is_not(None)))}


def write_clock(clock: SlaClock, ticket: Ticket, line: Timeline,
                recorded: set[tuple[int, Target, datetime]] | None = None) -> None:
    """Put the timeline's open deadlines on the ticket's clock row. `recorded`
    (`recorded_deadlines`): the deadlines already recorded as missed, which the tick need
    not check again (else the earliest open deadline is checked, and found recorded)."""
    clock.level = ticket.level
    clock.paused = line.paused
    open_ = {d.target: d for d in line.open_deadlines()}
    for target in Target:
        deadline = open_.get(target)
        setattr(clock, f"{target.value}_due_at", deadline and deadline.due_at)
        setattr(clock, f"{target.value}_started_at", deadline and deadline.started_at)
    running = ticket.status in (Status.new, Status.open)
    to_check = [d.due_at for d in open_.values()
                if not recorded or (ticket.id, d.target, d.started_at) not in recorded]
    clock.next_check_at = min(to_check) if running and to_check else None


def customer_zone() -> ZoneInfo:
    """The reader's time zone: the browser's (the cookie sla.js sets), else the calendar's."""
    name = unquote(request.cookies.get(TIMEZONE_COOKIE, "")) if has_request_context() else ""
    if name and len(name) < 64:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return policies.current().calendar.zone


def in_words(due: datetime, now: datetime, zone: ZoneInfo) -> str:
    """`due` (naive UTC) as a person says it, in `zone` and the current language:
    "today at 16:00", "tomorrow at 08:30", "Monday at 08:30", "12 March at 08:30",
    followed by the time zone's name."""
    locale = get_locale() or "en"
    local = due.replace(tzinfo=UTC).astimezone(zone)
    today = now.replace(tzinfo=UTC).astimezone(zone).date()
    time_text = babel_dates.format_time(local, "short", tzinfo=zone, locale=locale)
    days = (local.date() - today).days
    if days <= 0:
        when = _("today at %(time)s", time=time_text)
    elif days == 1:
        when = _("tomorrow at %(time)s", time=time_text)
    elif days < 7:
        when = _("%(weekday)s at %(time)s", time=time_text,
                 weekday=babel_dates.format_date(local.date(), "EEEE", locale=locale))
    else:
        when = _("%(date)s at %(time)s", time=time_text,
                 date=babel_dates.format_skeleton("MMMMd", local, tzinfo=zone, locale=locale))
    zone_name = babel_dates.get_timezone_name(local, width="long", uncommon=False,
                                              locale=locale)
    return _("%(when)s (%(zone)s)", when=when, zone=zone_name)


def active_ticket_count() -> int:
    """How many tickets are active (whose due times a change of the rules moves)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.status.in_(ACTIVE_STATUSES))) or 0


def recompute_batch(after: int, now: datetime, *, batch: int = RECOMPUTE_BATCH,
                    settings: policies.Settings | None = None) -> tuple[int, int | None]:
    """Work out the due times of the next `batch` active tickets with an id above `after`
    again, in id order. The ticket rows are updated in place, without a new version:
    nobody's open form goes stale because the rules changed. Returns how many, and the last
    one's id (None: none was left). Flushes; the caller commits."""
    settings = settings or policies.current()
    query = (sa.select(Ticket).where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.id > after)
             .options(selectinload(Ticket.events)).order_by(Ticket.id).limit(batch))
    if db.session.get_bind().dialect.name == "postgresql":
        # A change an agent is saving to one of these tickets is waited for (and read), and
        # none is saved meanwhile: no due time is written from a history read before it.
        query = query.with_for_update(of=Ticket)
    tickets = db.session.scalars(query).all()
    if not tickets:
        return 0, None
    ids = [t.id for t in tickets]
    clocks = {c.ticket_id: c for c in db.session.scalars(
        sa.select(SlaClock).where(SlaClock.ticket_id.in_(ids)))}
    # The deadlines missed already: their due times may move, but the tick has nothing
    # more to record for them (after a change of the rules most open tickets have one).
    recorded = recorded_deadlines(ids)
    due_times = []
    for ticket in tickets:
        line = ticket_timeline(ticket, now, settings)
        update = line.update_due_at
        due_times.append({"ticket": ticket.id, "first": line.first_response.due_at,
                          "resolution": line.resolution.due_at, "update": update,
                          "queue": sla.queue_key(ticket.status, update)})
        clock = clocks.get(ticket.id)
        if clock is None:
            clock = SlaClock(ticket_id=ticket.id)
            db.session.add(clock)
        write_clock(clock, ticket, line, recorded)
    # One statement for the batch (executemany), not one per ticket: each of those also
    # flushed the clock written before it (the recompute's cost was half statements).
    table = Ticket.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("ticket")).values(
            first_response_due_at=sa.bindparam("first"),
            resolution_due_at=sa.bindparam("resolution"),
            update_due_at=sa.bindparam("update"), due_at=sa.bindparam("queue")),
        due_times)
    db.session.flush()
    return len(tickets), tickets[-1].id


def recompute_open_tickets(now: datetime | None = None, *,
                           batch: int = RECOMPUTE_BATCH) -> int:
    """Work out the due times of every active ticket again (after the calendar or a policy
    changed), in one transaction: for a few tickets (the administration, up to
    SLA_RECOMPUTE_INLINE_MAX) and the demo. Returns how many; the caller commits."""
    now = now or utcnow()
    settings = policies.current()
    done, after = 0, 0
    while True:
        count, last = recompute_batch(after, now, batch=batch, settings=settings)
        if last is None:
            return done
        done, after = done + count, last
        db.session.expire_all()


# -- in the background: after a change of the rules on a large installation -------------

def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def request_recompute(total: int, now: datetime | None = None) -> None:
    """Leave the due times of the `total` active tickets to `sla tick`: from the first
    ticket on, also when an earlier change is still being worked through (its progress no
    longer counts). In the transaction that changes the rules; the caller commits."""
    values = {"requested_at": now or utcnow(), "after_ticket_id": 0, "total": total,
              "done": 0}
    db.session.execute(_insert()(SlaRecompute).values(id=SlaRecompute.ROW_ID, **values)
                       .on_conflict_do_update(index_elements=["id"], set_=values))


def cancel_pending_recompute() -> None:
    """Forget a recompute still pending (every ticket was just worked out at once)."""
    db.session.execute(sa.delete(SlaRecompute))


def pending_recompute() -> SlaRecompute | None:
    """The recompute still to be done, if any (for the administration page)."""
    return db.session.scalar(sa.select(SlaRecompute).where(
        SlaRecompute.id == SlaRecompute.ROW_ID))


def finish_pending_recompute(now: datetime | None = None, *,
                             batch: int = RECOMPUTE_BATCH) -> bool:
    """Work a pending recompute through (`SlaRecompute`), a batch of tickets per
    transaction. Each commit writes the batch's due times together with the progress, so
    after a crash the next call goes on where this one stopped; the row is deleted with the
    last batch. Returns False when another process is at it (on PostgreSQL the row is
    locked, `FOR UPDATE SKIP LOCKED`): the clocks may still follow the old rules then, and
    that process checks them once it is done. Commits."""
    now = now or utcnow()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    while True:
        query = (sa.select(SlaRecompute).where(SlaRecompute.id == SlaRecompute.ROW_ID)
                 .execution_options(populate_existing=True))
        if postgres:
            query = query.with_for_update(skip_locked=True)
        row = db.session.scalar(query)
        if row is None:
            held = postgres and db.session.scalar(sa.select(SlaRecompute.id)) is not None
            db.session.commit()
            return not held
        # The rules are read after the row is locked: a change committed before that
        # is worked out with them, a later one restarts the row (it waits for this commit).
        policies.forget()
        count, last = recompute_batch(row.after_ticket_id, now, batch=batch)
        if count < batch:              # none left (newer tickets follow the new rules)
            db.session.delete(row)
        else:
            row.after_ticket_id = last
            row.done += count
        db.session.commit()
        if count < batch:
            return True
