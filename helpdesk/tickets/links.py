"""Related tickets: a link between two tickets, shown on both (staff only).

A link is stored once, with the lower ticket id first, so linking A to B and B to A is
the same link. Linking and unlinking are recorded in both tickets' histories. None of
these functions commits.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.tickets.models import EventKind, Ticket
from helpdesk.tickets.permissions import can_update_ticket, can_view_ticket, visible_tickets


class TicketLink(db.Model):
    """Two related tickets (`low_id` < `high_id`)."""

    __tablename__ = "ticket_link"
    __table_args__ = (
        sa.UniqueConstraint("low_id", "high_id", name="uq_ticket_link_pair"),
        sa.CheckConstraint("low_id < high_id", name="ordered"),
        sa.Index("ix_ticket_link_high", "high_id", "low_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    high_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkRefused(Exception):
    """The link cannot be made as asked: `reason` says why, for the agent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _pair(a: Ticket, b: Ticket) -> tuple[int, int]:
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def _find(a: Ticket, b: Ticket) -> TicketLink | None:
    low, high = _pair(a, b)
    return db.session.scalar(sa.select(TicketLink).where(TicketLink.low_id == low,
                                                         TicketLink.high_id == high))


def can_link(user: User, ticket: Ticket) -> bool:
    """Link related tickets: staff who may change the ticket."""
    return user.is_staff and can_update_ticket(user, ticket)


def link(ticket: Ticket, other: Ticket, *, by: User) -> bool:
    """Link `ticket` and `other` (both ways). Returns False when they already were.

    Raises NotAllowed when `by` may not change `ticket` or see `other`, LinkRefused for a
    ticket linked to itself.
    """
    if not can_link(by, ticket) or not can_view_ticket(by, other):
        raise NotAllowed(_("You cannot link these tickets."))
    if other.id == ticket.id:
        raise LinkRefused(_("A ticket cannot be linked to itself."))
    if _find(ticket, other) is not None:
        return False
    low, high = _pair(ticket, other)
    db.session.add(TicketLink(low_id=low, high_id=high, created_by_id=by.id,
                              created_at=utcnow()))
    ticket.record(EventKind.link, actor=by, new=other.ref)
    other.record(EventKind.link, actor=by, new=ticket.ref)
    db.session.flush()
    return True


def unlink(ticket: Ticket, other: Ticket, *, by: User) -> bool:
    """Remove the link between `ticket` and `other`. Returns False when there was none."""
    if not can_link(by, ticket):
        raise NotAllowed(_("You cannot unlink these tickets."))
    found = _find(ticket, other)
    if found is None:
        return False
    db.session.delete(found)
    ticket.record(EventKind.link, actor=by, old=other.ref)
    other.record(EventKind.link, actor=by, old=ticket.ref)
    db.session.flush()
    return True


def related_tickets(ticket: Ticket, user: User) -> list[Ticket]:
    """The tickets linked to `ticket` that `user` may see, newest first."""
    if not user.is_staff:
        return []
    others = sa.union(
        sa.select(TicketLink.high_id.label("id")).where(TicketLink.low_id == ticket.id),
        sa.select(TicketLink.low_id.label("id")).where(TicketLink.high_id == ticket.id),
    ).subquery()
    return list(db.session.scalars(visible_tickets(user).where(
        Ticket.id.in_(sa.select(others.c.id))).order_by(Ticket.id.desc())))


def move_links(source: Ticket, target: Ticket) -> None:
    """Give `target` the links of `source` (a merge): each once, none to itself."""
    rows = db.session.scalars(sa.select(TicketLink).where(
        sa.or_(TicketLink.low_id == source.id, TicketLink.high_id == source.id))).all()
    for row in rows:
        other = row.high_id if row.low_id == source.id else row.low_id
        db.session.delete(row)
        if other == target.id:
            continue
        low, high = sorted((other, target.id))
        exists = db.session.scalar(sa.select(TicketLink.id).where(
            TicketLink.low_id == low, TicketLink.high_id == high))
        if exists is None:
            db.session.add(TicketLink(low_id=low, high_id=high,
                                      created_by_id=row.created_by_id,
                                      created_at=row.created_at))
    db.session.flush()
