"""Loading tickets and attachments for a user: anything they may not see is a 404."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from helpdesk.accounts.models import User
from helpdesk.extensions import db
from helpdesk.tickets.models import Attachment, Ticket, parse_ref
from helpdesk.tickets.permissions import can_see_internals, can_view_ticket, visible_tickets


def get_visible_ticket_or_404(ref: str, user: User) -> Ticket:
    """Return the ticket `ref` if `user` may see it; otherwise abort with 404."""
    ticket_id = parse_ref(ref)
    if ticket_id is None:
        abort(404)
    ticket = db.session.scalar(visible_tickets(user).where(Ticket.id == ticket_id))
    if ticket is None:
        abort(404)
    return ticket


def get_visible_attachment_or_404(attachment_id: int, user: User) -> Attachment:
    """Return an attachment of a ticket `user` may see; internal ones only for staff."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    message = attachment.message
    if message.is_internal and not can_see_internals(user):
        abort(404)
    if message.origin_customer_id is not None and not can_see_internals(user):
        # Moved by a merge from another customer's ticket: that customer's alone.
        if message.origin_customer_id != user.id:
            abort(404)
        return attachment
    if not can_view_ticket(user, message.ticket):
        abort(404)
    return attachment


def assignable_agents(level: int) -> list[User]:
    """Return the active agents of `level`, by name."""
    return list(db.session.scalars(
        sa.select(User).where(User.role == "agent", User.level == level,
                              User.is_active_account.is_(True)).order_by(User.name)))
