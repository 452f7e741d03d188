"""Merging a duplicate ticket into another: one conversation, and nothing leaks.

The duplicate's text, messages (with their attachments), events and hand-offs move to the
surviving ticket; the duplicate points to it (`Ticket.merged_into_id`), is closed, and its
customer is told in their language (a public reply: the normal reply mail).

A customer never gains access to another customer's ticket through a merge. Merging
tickets of different customers needs an explicit confirmation, and what moves from the
duplicate keeps its customer (`Message.origin_customer_id`): the surviving ticket's
requester never sees it, while the duplicate's customer still reads it on their own
(closed) ticket. Moved events stay staff-only on the surviving ticket.

None of these functions commits.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.accounts.models import User
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.signals import ticket_merged
from helpdesk.tickets.links import move_links
from helpdesk.tickets.models import EventKind, Message, Status, Ticket
from helpdesk.tickets.operations import add_message
from helpdesk.tickets.permissions import can_see_internals, can_update_ticket, can_view_ticket

# A chain of merges (A into B, later B into C) is followed this far at most.
_MAX_CHAIN = 20


class MergeRefused(Exception):
    """The merge cannot be done as asked: `reason` says why, for the agent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OtherCustomer(Exception):
    """The tickets belong to different customers: the agent must confirm the merge."""


def can_merge(user: User, ticket: Ticket) -> bool:
    """Merge `ticket` into another: staff who may change it, unless it is merged already."""
    return (user.is_staff and ticket.merged_into_id is None
            and can_update_ticket(user, ticket))


def merge(duplicate: Ticket, *, into: Ticket, by: User,
          other_customer_confirmed: bool = False) -> Message:
    """Merge `duplicate` into `into`; return the notice its customer gets.

    Raises NotAllowed (`by` may not change both), MergeRefused (the same ticket, or a
    target that is closed or merged itself) and OtherCustomer (different customers and
    no confirmation).
    """
    if not can_merge(by, duplicate) or not can_view_ticket(by, into) \
            or not can_update_ticket(by, into):
        raise NotAllowed(_("You cannot merge these tickets."))
    if into.id == duplicate.id:
        raise MergeRefused(_("A ticket cannot be merged into itself."))
    if into.merged_into_id is not None:
        raise MergeRefused(_("%(ref)s was itself merged into another ticket; merge into "
                             "that one.", ref=into.ref))
    if into.status == Status.closed:
        raise MergeRefused(_("%(ref)s is closed; a ticket can only be merged into one "
                             "that is still open.", ref=into.ref))
    other_customer = duplicate.requester_id != into.requester_id
    if other_customer and not other_customer_confirmed:
        raise OtherCustomer()
    origin = duplicate.requester_id if other_customer else None

    if duplicate.body.strip():
        # The duplicate's own text, as the first thing its customer wrote.
        into.messages.append(Message(
            author_id=duplicate.requester_id, body=duplicate.body,
            body_html=duplicate.body_html, is_internal=False,
            created_at=duplicate.created_at, merged_from_id=duplicate.id,
            origin_customer_id=origin))
    for message in list(duplicate.messages):
        message.merged_from_id = message.merged_from_id or duplicate.id
        if message.origin_customer_id is None:
            message.origin_customer_id = origin
        into.messages.append(message)
    for event in list(duplicate.events):
        event.merged_from_id = event.merged_from_id or duplicate.id
        into.events.append(event)
    for handoff in list(duplicate.handoffs):
        into.handoffs.append(handoff)
    db.session.flush()
    move_links(duplicate, into)

    duplicate.merged_into_id = into.id
    duplicate.record(EventKind.merged, actor=by, new=into.ref)
    into.record(EventKind.merged_in, actor=by, new=duplicate.ref,
                note=duplicate.subject[:200])
    notice = add_message(duplicate, author=by, body=_notice(duplicate, into, other_customer),
                         status_after=Status.closed)
    db.session.flush()
    ticket_merged.send(duplicate, into=into, by=by, other_customer=other_customer)
    return notice


def _notice(duplicate: Ticket, into: Ticket, other_customer: bool) -> str:
    """What the duplicate's customer is told, in their language."""
    language = duplicate.requester.language or current_app.config["DEFAULT_LOCALE"]
    with force_locale(language):
        if other_customer:
            return _("We have merged your request with another request about the same "
                     "matter, so that our team handles it in one place. What you wrote "
                     "stays visible only to you and our team. This request is now closed; "
                     "if you need more help, please file a new request.")
        return _("We have merged this request into your request %(ref)s, which is about "
                 "the same matter. Everything you wrote is there now: please continue in "
                 "%(ref)s.", ref=into.ref)


def surviving_ticket(ticket: Ticket, user: User) -> Ticket | None:
    """The ticket `ticket` was merged into (following later merges), if `user` may see
    it; None when it was not merged or they may not."""
    seen = {ticket.id}
    current = ticket
    while current.merged_into_id is not None and len(seen) < _MAX_CHAIN:
        following = db.session.get(Ticket, current.merged_into_id)
        if following is None or following.id in seen:
            break
        seen.add(following.id)
        current = following
    if current is ticket or not can_view_ticket(user, current):
        return None
    return current


def visible_messages(ticket: Ticket, user: User) -> list[Message]:
    """The messages of `ticket` that `user` reads on its page.

    Staff read them all. A customer reads the public ones, except those another
    customer's merged ticket brought; on their own merged ticket, they also read what
    moved from it to a ticket they cannot see.
    """
    if can_see_internals(user):
        return list(ticket.messages)
    messages = [m for m in ticket.messages if not m.is_internal
                and m.origin_customer_id in (None, user.id)]
    if ticket.merged_into_id is not None and ticket.requester_id == user.id:
        messages += db.session.scalars(sa.select(Message).where(
            Message.merged_from_id == ticket.id, Message.origin_customer_id == user.id,
            Message.is_internal.is_(False))).all()
        messages.sort(key=lambda m: (m.created_at, m.id))
    return messages


def may_read_message(user: User, message: Message) -> bool:
    """Whether `user` may read `message` (and download its files), as far as merges
    decide: a message another customer's merged ticket brought is theirs alone (and
    staff's)."""
    if can_see_internals(user):
        return True
    return message.origin_customer_id in (None, user.id)
