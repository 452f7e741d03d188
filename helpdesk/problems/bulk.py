"""Answer all of a problem's open tickets at once, exactly once per ticket.

The action is a `BulkReply` row, recognised by its key (the problem and the texts): sending
the same reply again, after a double click that slipped past the form's submit token, a
crash half-way or a retry on another host, is the same action. Each ticket is answered in
a transaction of its own that first inserts its `BulkDelivery` row (unique per action and
ticket) and then adds the public reply (tickets.operations.add_message: the customer's
normal reply mail, queued in the same transaction). A ticket that already has its row is
skipped; two runs at once serialise on that row, and the second one skips. So whatever
happens, each ticket gets the reply, and its mail, once.

`start` belongs to a request's single transaction (the caller commits); `deliver` is a
unit of work of its own that commits once per ticket.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.database import writing
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.problems import permissions as perms
from helpdesk.problems.models import (
    BulkDelivery,
    BulkReply,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemTicket,
)
from helpdesk.problems.operations import ProblemRefused
from helpdesk.tickets.models import ACTIVE_STATUSES, Status, Ticket
from helpdesk.tickets.operations import MessageRefused, add_message


@dataclass
class Outcome:
    """What one run did: tickets answered now, answered before, and refused (refs)."""

    answered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _key(problem: Problem, text_en: str, text_de: str) -> str:
    return hashlib.sha256(f"{problem.id}\0{text_en}\0{text_de}".encode()).hexdigest()


def start(problem: Problem, *, by: User, text_en: str, text_de: str,
          resolve: bool) -> BulkReply:
    """Find or create the bulk reply of `problem` with these texts. Flushes."""
    if not perms.can_answer_all(by, problem):
        raise NotAllowed(_("Only the problem's owner answers all its tickets."))
    text_en, text_de = (text_en or "").strip(), (text_de or "").strip()
    if not text_en and not text_de:
        raise ProblemRefused(_("Write the reply in English, in German, or in both."),
                             "text_en")
    key = _key(problem, text_en, text_de)
    bulk = db.session.scalar(sa.select(BulkReply).where(BulkReply.key == key))
    if bulk is None:
        bulk = BulkReply(problem_id=problem.id, key=key, author=by, text_en=text_en,
                         text_de=text_de, resolve=resolve, created_at=utcnow())
        db.session.add(bulk)
    else:
        bulk.resolve = resolve
        bulk.finished_at = None
    db.session.flush()
    return bulk


def open_ticket_ids(problem_id: int) -> list[int]:
    """The problem's tickets that are still open (new, open, waiting), oldest first."""
    return list(db.session.scalars(
        sa.select(Ticket.id).join(ProblemTicket, ProblemTicket.ticket_id == Ticket.id)
        .where(ProblemTicket.problem_id == problem_id, Ticket.status.in_(ACTIVE_STATUSES))
        .order_by(Ticket.id)))


def deliver(bulk_id: int, *, by_id: int) -> Outcome:
    """Answer every open ticket of the bulk reply's problem that has not had it: one
    transaction per ticket, committed. Returns what happened."""
    outcome = Outcome()
    with writing():
        bulk = db.session.get(BulkReply, bulk_id)
        ticket_ids = open_ticket_ids(bulk.problem_id)
        db.session.commit()
        for ticket_id in ticket_ids:
            _one(bulk_id, ticket_id, by_id, outcome)
        bulk = db.session.get(BulkReply, bulk_id)
        bulk.finished_at = utcnow()
        if outcome.answered:
            # An event of its own, not a change of the problem (whose version an editor
            # may hold, or a twin run that records its own).
            db.session.add(ProblemEvent(
                problem_id=bulk.problem_id, kind=ProblemEventKind.bulk_reply,
                actor_id=by_id, new_value=str(len(outcome.answered)),
                note=(bulk.text_en or bulk.text_de)[:2000], created_at=utcnow()))
        db.session.commit()
    return outcome


def _one(bulk_id: int, ticket_id: int, by_id: int, outcome: Outcome) -> None:
    """Answer one ticket in a transaction of its own (or skip it)."""
    try:
        db.session.add(BulkDelivery(bulk_reply_id=bulk_id, ticket_id=ticket_id,
                                    created_at=utcnow()))
        db.session.flush()      # a twin run holding this row makes us wait here, then fail
    except IntegrityError:
        db.session.rollback()
        ticket = db.session.get(Ticket, ticket_id)
        outcome.already.append(ticket.ref)
        return
    bulk = db.session.get(BulkReply, bulk_id)
    ticket = db.session.get(Ticket, ticket_id)
    by = db.session.get(User, by_id)
    try:
        answer_ticket(bulk, ticket, by=by)
    except (NotAllowed, MessageRefused):
        db.session.rollback()
        outcome.refused.append(db.session.get(Ticket, ticket_id).ref)
        return
    db.session.commit()
    outcome.answered.append(ticket.ref)


def answer_ticket(bulk: BulkReply, ticket: Ticket, *, by: User) -> None:
    """The reply on one ticket, in its customer's language (and the resolution)."""
    text = bulk.text_for(ticket.requester.language)
    message = add_message(ticket, author=by, body=text,
                          status_after=Status.resolved if bulk.resolve else None)
    delivery = db.session.scalar(sa.select(BulkDelivery).where(
        BulkDelivery.bulk_reply_id == bulk.id, BulkDelivery.ticket_id == ticket.id))
    delivery.message_id = message.id


def progress(bulk: BulkReply) -> tuple[int, int]:
    """(tickets answered by this bulk reply, its problem's open tickets without it)."""
    done = db.session.scalar(sa.select(sa.func.count()).select_from(BulkDelivery).where(
        BulkDelivery.bulk_reply_id == bulk.id)) or 0
    waiting = db.session.scalar(
        sa.select(sa.func.count()).select_from(ProblemTicket)
        .join(Ticket, Ticket.id == ProblemTicket.ticket_id)
        .where(ProblemTicket.problem_id == bulk.problem_id,
               Ticket.status.in_(ACTIVE_STATUSES),
               ~sa.exists().where(BulkDelivery.bulk_reply_id == bulk.id,
                                  BulkDelivery.ticket_id == Ticket.id))) or 0
    return done, waiting


def unfinished(problem: Problem) -> list[BulkReply]:
    """The problem's bulk replies whose last run did not get through (newest first)."""
    return list(db.session.scalars(sa.select(BulkReply).where(
        BulkReply.problem_id == problem.id, BulkReply.finished_at.is_(None))
        .order_by(BulkReply.id.desc())))
