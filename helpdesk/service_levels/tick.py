"""`sla tick`: record the deadlines tickets missed, tell the level once, and escalate when
a policy says so.

Each missed deadline is one `SlaBreach` row, unique per ticket, target and due time, and
everything a breach causes (the ticket event, the mail through `signals.sla_breached`, the
automatic escalation) happens in the transaction that inserted that row, and only when the
insert took place. A second tick, here or on another host at the same moment, meets the
row (PostgreSQL makes it wait for the first one's commit) and does nothing: nothing is
recorded or sent twice. Only clocks whose next deadline has come are read (`next_check_at`,
indexed), so a tick over many open tickets reads the few that are due.

The clocks are only right once they follow the rules in force. So a tick first finishes a
recompute of the due times that a change of the rules left pending (`SlaRecompute`, see
`provider.finish_pending_recompute`): a batch of tickets per commit, with the progress saved
in the same commit, so a tick that crashes or is stopped is continued by the next one where
it stopped; the row is deleted when every ticket is done. While another tick is at that (on
PostgreSQL it holds the row, `FOR UPDATE SKIP LOCKED`), this one checks no clocks (some may
still be due by the old rules) and returns: the holder checks them once it is done.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from babel import dates as babel_dates
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from helpdesk import notice_bundle
from helpdesk.accounts.models import Role, User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.service_levels import policies
from helpdesk.service_levels.models import SlaBreach, SlaClock, Target
from helpdesk.service_levels.provider import finish_pending_recompute, recorded_deadlines
from helpdesk.signals import sla_breached
from helpdesk.tickets.escalation import HandoffInput, escalate
from helpdesk.tickets.models import EventKind, Status, Ticket, TicketEvent

log = logging.getLogger(__name__)
BATCH = 500
_ORDER = (Target.first_response, Target.take, Target.answer, Target.next_update,
          Target.resolution)


@dataclass
class TickReport:
    checked: int = 0
    breaches: int = 0
    escalated: int = 0
    deferred: bool = False      # no clock checked: another tick is recomputing due times


def tick(now: datetime | None = None, *, batch: int = BATCH) -> TickReport:
    """Apply every deadline missed by `now`, a batch of clocks per transaction (commits);
    first finish a pending recompute of the due times, `batch` tickets per transaction."""
    now = now or utcnow()
    report = TickReport()
    policies.ensure_defaults()
    db.session.commit()
    if not finish_pending_recompute(now, batch=batch):
        report.deferred = True          # another tick recomputes, then checks the clocks
        return report
    seen: set[int] = set()
    recipients = _Recipients()
    while True:
        query = (sa.select(SlaClock).where(SlaClock.next_check_at <= now)
                 .order_by(SlaClock.next_check_at, SlaClock.ticket_id).limit(batch)
                 .options(selectinload(SlaClock.ticket)))
        if db.session.get_bind().dialect.name == "postgresql":
            # Two ticks at once share the work; the unique breach row guards the rest.
            query = query.with_for_update(skip_locked=True, of=SlaClock)
        clocks = [c for c in db.session.scalars(query) if c.ticket_id not in seen]
        if not clocks:
            db.session.commit()
            return report
        recorded = recorded_deadlines([c.ticket_id for c in clocks])
        # Each agent hears of this batch's breaches and escalations in one mail.
        with notice_bundle.bundled():
            for clock in clocks:
                seen.add(clock.ticket_id)
                report.checked += 1
                _check(clock, now, report, recipients, recorded)
        db.session.commit()
        recipients.forget()


class _Recipients:
    """Who hears of a breach at each level, looked up once per batch (not per breach)."""

    def __init__(self):
        self._found: dict[int, list[User]] = {}

    def __call__(self, level: int) -> list[User]:
        if level not in self._found:
            self._found[level] = breach_recipients(level)
        return self._found[level]

    def forget(self) -> None:
        self._found.clear()


def _check(clock: SlaClock, now: datetime, report: TickReport,
           recipients: _Recipients, recorded: set) -> None:
    ticket = clock.ticket
    if ticket.status not in (Status.new, Status.open) or clock.paused:
        clock.next_check_at = None
        return
    missed = sorted(((target, due) for target, due in clock.open_deadlines().items()
                     if due <= now), key=lambda item: _ORDER.index(item[0]))
    late_first_response = None
    for target, due in missed:
        breach = record_breach(ticket, target, due, level=clock.level, now=now,
                               started=clock.started_at(target), recorded=recorded,
                               recipients=recipients(ticket.level))
        if breach is None:
            continue
        report.breaches += 1
        if target == Target.first_response:
            late_first_response = breach
    # After every breach is recorded at the level where it happened.
    if (late_first_response is not None and ticket.level < 3 and _auto_escalates(ticket)
            and auto_escalate(ticket, late_first_response)):
        report.escalated += 1
    future = [due for due in clock.open_deadlines().values() if due > now]
    clock.next_check_at = min(future) if future and ticket.status in (
        Status.new, Status.open) and not clock.paused else None


def _insert():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def record_breach(ticket: Ticket, target: Target, due: datetime, *, level: int,
                  now: datetime, started: datetime | None = None,
                  recorded: set | None = None,
                  recipients: list[User] | None = None) -> SlaBreach | None:
    """Record that `ticket` missed `target` due at `due` (the deadline that started at
    `started`), with its ticket event, and tell the level (`recipients`: who that is,
    when the caller knows already): once. Returns the breach, or None when it was
    recorded before: the same due time, or the same deadline with its due time moved.
    `recorded`: the ticket's deadlines missed already (`recorded_deadlines`), when the
    caller has looked them up; this breach is added to it."""
    if started is not None:
        if recorded is None:
            recorded = recorded_deadlines([ticket.id])
        if (ticket.id, target, started) in recorded:
            return None         # the same deadline, recorded before its due time moved
    # The inserted row comes back as the breach itself (no second query for it). Only
    # the due-time key is the conflict target: a clash on another key (the deadline key,
    # which the clock's row lock keeps two ticks from racing for, or a primary key whose
    # sequence fell behind) raises instead of losing the breach without a word.
    breach = db.session.scalars(
        _insert()(SlaBreach)
        .values(ticket_id=ticket.id, target=target, due_at=due, started_at=started,
                level=level, recorded_at=now)
        .on_conflict_do_nothing(index_elements=["ticket_id", "target", "due_at"])
        .returning(SlaBreach)).first()
    if breach is None:
        return None
    if started is not None:
        recorded.add((ticket.id, target, started))
    # Straight into the history: the ticket itself (and its version) stays as it is, so
    # nobody's open form goes stale because a deadline passed.
    db.session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.sla_breach, actor_id=None,
                               old_value=target.value, new_value=due.isoformat(),
                               created_at=now))
    sla_breached.send(ticket, breach=breach, recipients=(
        breach_recipients(ticket.level) if recipients is None else recipients))
    return breach


def breach_recipients(level: int) -> list[User]:
    """Who hears of a breach at `level`: the level's lead if one is set, else its agents."""
    targets = policies.current().levels.get(level)
    if targets is not None and targets.lead_id is not None:
        lead = db.session.get(User, targets.lead_id)
        if lead is not None and lead.is_active_account:
            return [lead]
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.agent, User.level == level,
        User.is_active_account.is_(True)).order_by(User.id)))


def _auto_escalates(ticket: Ticket) -> bool:
    return policies.current().policy_for(ticket.priority, ticket.category_id).auto_escalate


def local_time(moment: datetime) -> str:
    """`moment` (naive UTC) as the business calendar's local date and time with the zone's
    name, in the current language: for text that is stored and read later (a hand-off)."""
    zone = policies.current().calendar.zone
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    locale = get_locale() or "en"
    return "{} ({})".format(
        babel_dates.format_datetime(local, "short", tzinfo=zone, locale=locale),
        babel_dates.get_timezone_name(local, width="long", uncommon=False, locale=locale))


def auto_escalate(ticket: Ticket, breach: SlaBreach) -> bool:
    """Escalate `ticket` one level up as the system, saying why in the hand-off."""
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        handoff = HandoffInput(
            summary=_("Escalated automatically: the first response was due %(due)s and "
                      "level %(level)d had not answered.",
                      due=local_time(breach.due_at), level=ticket.level),
            tried=_("Nothing: the service-level policy escalates a ticket whose first "
                    "response is late."))
    try:
        with notice_bundle.savepoint(), db.session.begin_nested():
            escalate(ticket, by=None, handoff=handoff)
    except (ValueError, StaleDataError) as exc:    # at the top already, or changed meanwhile
        log.warning("could not escalate %s automatically: %s", ticket.ref, exc)
        return False
    return True
