"""Demo data for service levels (registry.DEMO_SEEDERS): the default rules (urgent tickets
escalate by themselves when late, a lead for level 2), six weeks of played history for the
SLA report, and open tickets in every state: on time, near breach, breached, paused."""
from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.service_levels import policies
from helpdesk.service_levels.models import SlaLevelTarget, SlaPolicy
from helpdesk.service_levels.provider import recompute_open_tickets
from helpdesk.service_levels.working_time import working_time_between
from helpdesk.tickets import sla
from helpdesk.tickets.escalation import HandoffInput, escalate
from helpdesk.tickets.models import Priority, Status, Ticket
from helpdesk.tickets.operations import (
    NewTicket,
    TicketChanges,
    add_message,
    assign,
    file_ticket,
    update_ticket,
)

HISTORY_WEEKS = 6
PER_WEEK = 7
SUBJECTS = (
    ("Commission computed wrongly for my shop", "Provision für meinen Shop falsch berechnet"),
    ("Order stuck between the shop and Instagram", "Bestellung hängt zwischen Shop und Instagram"),
    ("Payout missing this week", "Auszahlung fehlt diese Woche"),
    ("Product feed not updating", "Produkt-Feed aktualisiert sich nicht"),
    ("Cannot connect my TikTok shop", "TikTok-Shop lässt sich nicht verbinden"),
)


def seed_demo(*, users: dict, categories: dict) -> None:
    policies.ensure_defaults()
    urgent = db.session.scalar(sa.select(SlaPolicy).where(
        SlaPolicy.scope == SlaPolicy.scope_of(Priority.urgent, None)))
    urgent.auto_escalate = True
    level2 = db.session.scalar(sa.select(SlaLevelTarget).where(SlaLevelTarget.level == 2))
    if "l2" in users:
        level2.lead_id = users["l2"].id
    db.session.flush()
    policies.forget()
    recompute_open_tickets()
    now = utcnow()
    rng = random.Random(9)
    customers = [u for key, u in users.items() if key.startswith("customer")]
    agents = {level: next(u for u in users.values() if u.is_agent and u.level == level)
              for level in (1, 2, 3)}
    cats = list(categories.values())
    zone = policies.current().calendar.zone
    for weeks_back in range(HISTORY_WEEKS, 0, -1):
        for n in range(PER_WEEK):
            _history_ticket(rng, now, weeks_back, n, customers, agents, cats, zone)
    _open_tickets(now, customers, agents, cats)
    db.session.flush()


def _subject(rng: random.Random, customer) -> str:
    english, german = rng.choice(SUBJECTS)
    return german if customer.language == "de" else english


def _history_ticket(rng, now, weeks_back, n, customers, agents, cats, zone) -> None:
    customer = customers[n % len(customers)]
    priority = (Priority.urgent, Priority.high, Priority.normal, Priority.normal,
                Priority.low)[rng.randrange(5)]
    ticket = file_ticket(NewTicket(subject=_subject(rng, customer), body="(demo history)",
                                   category=cats[n % len(cats)] if cats else None,
                                   priority=priority), requester=customer, by=customer)
    l1, l2 = agents[1], agents[2]
    assign(ticket, by=l1, assignee=l1)
    add_message(ticket, author=l1, body="Thanks, we are looking into it.")
    if rng.random() < 0.4:
        escalate(ticket, by=l1, handoff=HandoffInput("Needs a look at the payout job",
                                                     "Checked the order", "none found"))
        if rng.random() < 0.8:
            assign(ticket, by=l2, assignee=l2)
            add_message(ticket, author=l2, body="We found the cause and are fixing it.")
    if rng.random() < 0.85:
        update_ticket(ticket, by=agents[ticket.level], changes=TicketChanges(
            status=Status.resolved))
    db.session.flush()
    # Move the story into its week: filed in business hours (mostly), steps apart by
    # anything from minutes to two days, so some targets are met and some missed.
    today = now.replace(tzinfo=UTC).astimezone(zone).date()
    day = today - timedelta(weeks=weeks_back, days=today.weekday()) \
        + timedelta(days=rng.randrange(5))
    start = datetime.combine(day, time(rng.randrange(7, 18), rng.randrange(60)), zone)
    start = start.astimezone(UTC).replace(tzinfo=None)
    moments, moment = [], start
    for _event in ticket.events:
        moments.append(moment)
        moment += timedelta(minutes=rng.choice((5, 20, 45, 90, 180, 600, 1500, 2900)))
    _rewrite_history(ticket, start, moments)


def _rewrite_history(ticket: Ticket, start: datetime, moments: list[datetime]) -> None:
    """Give the ticket's events the times `moments` (in order) and filing time `start`;
    messages, hand-offs and the ticket's own times follow their events."""
    events = sorted(ticket.events, key=lambda e: e.id)
    by_kind: dict[str, list[datetime]] = {}
    for event, moment in zip(events, moments, strict=False):
        event.created_at = moment
        by_kind.setdefault(str(event.kind), []).append(moment)
    ticket.created_at = start
    for message in sorted(ticket.messages, key=lambda m: m.id):
        kind = "note" if message.is_internal else "reply"
        message.created_at = by_kind[kind].pop(0) if by_kind.get(kind) else start
    for handoff in sorted(ticket.handoffs, key=lambda h: h.id):
        handoff.created_at = by_kind["level"].pop(0) if by_kind.get("level") else start
    last = events[-1].created_at if events else start
    replies = [e.created_at for e in events
               if str(e.kind) == "reply" and e.actor_id != ticket.requester_id]
    ticket.first_responded_at = replies[0] if replies else None
    if ticket.status in (Status.resolved, Status.closed):
        ticket.resolved_at = last
    ticket.updated_at = last
    sla.refresh(ticket, utcnow())


def _open_tickets(now, customers, agents, cats) -> None:
    """Open tickets in every state the queue shows."""
    calendar = policies.current().calendar
    customer = customers[0]
    l1 = agents[1]

    def filed(subject: str, priority: Priority, working: timedelta) -> Ticket:
        ticket = file_ticket(NewTicket(subject=subject, body="(demo)", priority=priority,
                                       category=cats[0] if cats else None),
                             requester=customer, by=customer)
        db.session.flush()
        start = now
        while working_time_between(calendar, start.replace(tzinfo=UTC),
                                   now.replace(tzinfo=UTC)) < working:
            start -= timedelta(minutes=5)
        _rewrite_history(ticket, start, [start] * len(ticket.events))
        return ticket

    filed("SLA demo: on time (just filed)", Priority.normal, timedelta(0))
    filed("SLA demo: near breach", Priority.high, timedelta(hours=3, minutes=30))
    filed("SLA demo: first response breached", Priority.high, timedelta(hours=6))
    waiting = filed("SLA demo: paused, waiting on the customer", Priority.normal,
                    timedelta(hours=1))
    add_message(waiting, author=l1, body="Could you send us the order number?",
                status_after=Status.waiting_on_customer)
