"""Demo data: users for every role and level, categories, tickets in every status and level.

Tickets are played through the same domain functions the web pages use, so the demo
history (events, hand-offs, SLA times) is exactly what real use produces.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from helpdesk import registry
from helpdesk.accounts.models import Role, User
from helpdesk.accounts.operations import create_user, find_user
from helpdesk.clock import utcnow
from helpdesk.demo.content import CATEGORIES, TICKETS, USERS
from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, escalate, return_to_level
from helpdesk.tickets.models import Category, Channel, Priority, Status, Ticket
from helpdesk.tickets.operations import (
    NewTicket,
    TicketChanges,
    add_message,
    assign,
    customer_close,
    file_ticket,
    update_ticket,
)

DEMO_PASSWORD = "demo1234"


def seed_demo() -> bool:
    """Create the demo data unless it is already there. Returns whether it created it.

    The caller commits.
    """
    if find_user("admin@example.com") is not None:
        return False
    users = _seed_users()
    categories = _seed_categories()
    for spec in TICKETS:
        _play_ticket(spec, users, categories)
    for seeder in registry.entries(registry.DEMO_SEEDERS):    # the KB's articles
        seeder(users=users, categories=categories)
    return True


def _seed_users() -> dict[str, User]:
    users = {}
    for key, spec in USERS.items():
        users[key] = create_user(email=spec["email"], name=spec["name"], password=DEMO_PASSWORD,
                                 role=Role(spec["role"]), level=spec.get("level"),
                                 language=spec.get("language", "en"),
                                 shop_name=spec.get("shop_name"))
    return users


def _seed_categories() -> dict[str, Category]:
    existing = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    for slug, name_en, name_de in CATEGORIES:
        if slug not in existing:
            existing[slug] = Category(slug=slug, name_en=name_en, name_de=name_de)
            db.session.add(existing[slug])
    db.session.flush()
    return existing


def _play_ticket(spec: dict, users: dict[str, User], categories: dict[str, Category]) -> Ticket:
    requester = users[spec["customer"]]
    by = users[spec.get("filed_by", spec["customer"])]
    ticket = file_ticket(NewTicket(
        subject=spec["subject"], body=spec["body"], category=categories.get(spec["category"]),
        priority=Priority(spec.get("priority", "normal")),
        channel=Channel(spec.get("channel", "web")), shop_ref=spec.get("shop"),
        order_ref=spec.get("order"), product_ref=spec.get("product")),
        requester=requester, by=by)
    for step in spec.get("steps", ()):
        _play_step(ticket, step, users)
    _age(ticket, hours=spec.get("age_hours", 2))
    return ticket


def _play_step(ticket: Ticket, step: tuple, users: dict[str, User]) -> None:
    verb, actor = step[0], users[step[1]]
    if verb in ("reply", "note"):
        status = Status(step[3]) if len(step) > 3 and step[3] else None
        add_message(ticket, author=actor, body=step[2], internal=verb == "note",
                    status_after=status)
    elif verb == "take":
        assign(ticket, by=actor, assignee=actor)
    elif verb == "escalate":
        summary, tried, articles = step[2]
        escalate(ticket, by=actor, handoff=HandoffInput(summary, tried, articles))
    elif verb == "return":
        return_to_level(ticket, to_level=step[2], by=actor, handoff=HandoffInput(step[3]))
    elif verb == "status":
        update_ticket(ticket, by=actor, changes=TicketChanges(status=Status(step[2])))
    elif verb == "close":
        customer_close(ticket, by=actor)
    else:
        raise ValueError(f"unknown demo step {verb!r}")
    db.session.flush()


def _age(ticket: Ticket, *, hours: float) -> None:
    """Move the ticket's story into the past: filed `hours` ago, its steps following.

    The steps are spread over the first day or so (a quarter of a long ticket's life),
    and the deadline set by the last step keeps its distance from that step.
    """
    now = utcnow()
    start = now - timedelta(hours=hours)
    events = sorted(ticket.events, key=lambda e: e.id)
    span = timedelta(hours=min(hours, 24 + hours * 0.25))
    step = span / (len(events) + 1)
    times: dict[str, list] = {}
    for index, event in enumerate(events):
        event.created_at = start + step * index
        times.setdefault(event.kind.value, []).append(event.created_at)
    last = events[-1].created_at if events else start
    for attr in ("first_response_due_at", "resolution_due_at"):
        setattr(ticket, attr, getattr(ticket, attr) - (now - start))
    ticket.update_due_at -= now - last
    ticket.due_at -= now - last
    ticket.created_at = start
    for message in sorted(ticket.messages, key=lambda m: m.id):
        kind = "note" if message.is_internal else "reply"
        message.created_at = times[kind].pop(0) if times.get(kind) else start
    for handoff in sorted(ticket.handoffs, key=lambda h: h.id):
        handoff.created_at = times["level"].pop(0) if times.get("level") else start
    ticket.updated_at = last
    for attr in ("first_responded_at", "resolved_at", "closed_at"):
        if getattr(ticket, attr) is not None:
            setattr(ticket, attr, last)
