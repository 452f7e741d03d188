"""Ticket use cases: file, reply, note, assign, update. None of them commits."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from helpdesk import registry
from helpdesk.accounts.models import Level, User
from helpdesk.clock import utcnow
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.rendering import plain_text_html, render_to_store
from helpdesk.signals import (
    articles_used,
    ticket_assigned,
    ticket_created,
    ticket_replied,
    ticket_status_changed,
)
from helpdesk.tickets import sla
from helpdesk.tickets.models import (
    Attachment,
    Category,
    Channel,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
)
from helpdesk.tickets.permissions import (
    can_add_note,
    can_assign_to,
    can_customer_close,
    can_file_for_others,
    can_reply,
    can_take,
    can_update_ticket,
)


class MessageRefused(Exception):
    """A message may not be sent as written; `reasons` tell its author why."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class NewTicket:
    subject: str
    body: str
    category: Category | None = None
    priority: Priority = Priority.normal
    channel: Channel = Channel.web
    shop_ref: str | None = None
    order_ref: str | None = None
    product_ref: str | None = None


def file_ticket(data: NewTicket, *, requester: User, by: User,
                attachments: list[Attachment] = (), plain: bool = False) -> Ticket:
    """Create a ticket for `requester`, filed by `by` (the requester or an agent).
    `plain`: the body is plain text (a mail), shown as written instead of as Markdown.

    Raises NotAllowed when a customer files for someone else. Adds the ticket to the
    session and flushes so it has its reference; the caller commits.
    """
    if by.id != requester.id and not can_file_for_others(by):
        raise NotAllowed(_("You can only file tickets for yourself."))
    now = utcnow()
    ticket = Ticket(
        subject=data.subject.strip(), body=data.body, body_html=_to_store(data.body, plain),
        category=data.category,
        priority=data.priority, channel=data.channel, status=Status.new, level=Level.l1,
        requester=requester, created_by=by, created_at=now, updated_at=now,
        shop_ref=_clean(data.shop_ref), order_ref=_clean(data.order_ref),
        product_ref=_clean(data.product_ref),
        first_response_due_at=sla.first_response_due(now, data.priority),
        resolution_due_at=sla.resolution_due(now, data.priority))
    ticket.update_due_at = ticket.first_response_due_at
    ticket.due_at = sla.queue_key(ticket.status, ticket.update_due_at)
    ticket.record(EventKind.created, actor=by, new=data.channel.value)
    sla.refresh(ticket, now)
    if attachments:
        ticket.messages.append(Message(author=requester, body="", body_html="",
                                       is_internal=False,
                                       attachments=list(attachments)))
    db.session.add(ticket)
    db.session.flush()
    ticket_created.send(ticket, by=by)
    return ticket


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _to_store(body: str, plain: bool) -> str:
    return str(plain_text_html(body)) if plain else render_to_store(body)


def add_message(ticket: Ticket, *, author: User, body: str, internal: bool = False,
                attachments: list[Attachment] = (),
                status_after: Status | None = None,
                article_ids: Sequence[int] = (), plain: bool = False) -> Message:
    """Add a public reply or an internal note to `ticket`.

    A customer's reply reopens a resolved or waiting ticket. A staff reply counts as
    the first response and may set the status (for example "waiting on customer"); a
    note may set it too, without counting as an answer to the customer.
    `article_ids` are the knowledge-base articles inserted into the message. `plain`: the
    body is plain text (a mail), shown as written instead of as Markdown.
    Raises NotAllowed, or MessageRefused (before changing anything) when a check at the
    extension point registry.MESSAGE_CHECKS objects (the KB's); the caller commits.
    """
    allowed = can_add_note(author, ticket) if internal else can_reply(author, ticket)
    if not allowed:
        raise NotAllowed(_("You cannot write on this ticket."))
    reasons = [reason for check in registry.entries(registry.MESSAGE_CHECKS)
               for reason in check(ticket, body=body, internal=internal,
                                   article_ids=article_ids, by=author)]
    if reasons:
        raise MessageRefused(reasons)
    message = Message(author=author, body=body, body_html=_to_store(body, plain),
                      is_internal=internal,
                      attachments=list(attachments), created_at=utcnow())
    ticket.messages.append(message)
    ticket.record(EventKind.note if internal else EventKind.reply, actor=author)
    if not internal:
        _after_public_reply(ticket, author=author, status_after=status_after)
    elif status_after is not None and status_after != ticket.status:
        _set_status(ticket, status_after, by=author)
    sla.refresh(ticket)
    db.session.flush()
    ticket_replied.send(ticket, message=message, by=author)
    if article_ids:
        articles_used.send(ticket, article_ids=list(article_ids)[:20], by=author,
                           internal=internal)
    return message


def _after_public_reply(ticket: Ticket, *, author: User, status_after: Status | None) -> None:
    now = utcnow()
    if author.id == ticket.requester_id and not author.is_staff:
        if ticket.status in (Status.resolved, Status.waiting_on_customer):
            _set_status(ticket, Status.open, by=author)
            ticket.update_due_at = sla.first_response_due(now, ticket.priority)
        else:
            ticket.update_due_at = sla.after_customer_reply(now, ticket.priority,
                                                            ticket.update_due_at)
        ticket.due_at = sla.queue_key(ticket.status, ticket.update_due_at)
        return
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    ticket.update_due_at = sla.after_staff_update(now, ticket.priority, ticket.resolution_due_at)
    target = status_after or (Status.open if ticket.status == Status.new else None)
    if target and target != ticket.status:
        _set_status(ticket, target, by=author)
    ticket.due_at = sla.queue_key(ticket.status, ticket.update_due_at)


def _set_status(ticket: Ticket, status: Status, *, by: User) -> None:
    old = ticket.status
    ticket.record(EventKind.status, actor=by, old=old.value, new=status.value)
    ticket.status = status
    now = utcnow()
    if status == Status.resolved:
        ticket.resolved_at = now
    elif status == Status.closed:
        ticket.closed_at = now
    elif old in (Status.resolved, Status.closed):
        ticket.resolved_at = ticket.closed_at = None
    ticket.due_at = sla.queue_key(ticket.status, ticket.update_due_at)
    ticket_status_changed.send(ticket, old=old, new=status, by=by)


@dataclass(frozen=True)
class TicketChanges:
    """Fields an agent changes on a ticket; None means "leave as it is"."""

    status: Status | None = None
    priority: Priority | None = None
    category: Category | None = None


def update_ticket(ticket: Ticket, *, by: User, changes: TicketChanges) -> list[str]:
    """Apply `changes` to `ticket`, recording an event per changed field.

    Returns the names of the fields that changed. Raises NotAllowed; the caller commits.
    """
    if not can_update_ticket(by, ticket):
        raise NotAllowed(_("You cannot change this ticket."))
    changed = []
    if changes.status is not None and changes.status != ticket.status:
        _set_status(ticket, changes.status, by=by)
        changed.append("status")
    if changes.priority is not None and changes.priority != ticket.priority:
        ticket.record(EventKind.priority, actor=by, old=ticket.priority.value,
                      new=changes.priority.value)
        ticket.priority = changes.priority
        changed.append("priority")
    if changes.category is not None and changes.category.id != ticket.category_id:
        ticket.record(EventKind.category, actor=by,
                      old=ticket.category.name_en if ticket.category else None,
                      new=changes.category.name_en)
        ticket.category = changes.category
        changed.append("category")
    if changed:
        sla.refresh(ticket)
    return changed


def customer_close(ticket: Ticket, *, by: User) -> None:
    """Let the requester confirm a resolution or close their ticket. The caller commits."""
    if not can_customer_close(by, ticket):
        raise NotAllowed(_("You cannot close this ticket."))
    old = ticket.status
    # The history shows "resolved -> closed" by the customer: their confirmation.
    ticket.record(EventKind.status, actor=by, old=old.value, new=Status.closed.value)
    ticket.status = Status.closed
    ticket.closed_at = utcnow()
    ticket.resolved_at = ticket.resolved_at or ticket.closed_at
    ticket.due_at = sla.queue_key(ticket.status, ticket.update_due_at)
    sla.refresh(ticket)
    ticket_status_changed.send(ticket, old=old, new=Status.closed, by=by)


def assign(ticket: Ticket, *, by: User, assignee: User | None) -> None:
    """Assign `ticket` to `assignee` (None: unassign). Taking is assigning to oneself.

    Raises NotAllowed; the caller commits.
    """
    if assignee is not None and assignee.id == by.id and not by.is_admin:
        allowed = can_take(by, ticket)
    elif assignee is None:
        allowed = can_update_ticket(by, ticket)
    else:
        allowed = can_assign_to(by, ticket, assignee)
    if not allowed:
        raise NotAllowed(_("You cannot assign this ticket to that person."))
    if (ticket.assignee_id or None) == (assignee.id if assignee else None):
        return
    ticket.record(EventKind.assignee, actor=by,
                  old=ticket.assignee.name if ticket.assignee else None,
                  new=assignee.name if assignee else None)
    ticket.assignee = assignee
    if ticket.status == Status.new:
        _set_status(ticket, Status.open, by=by)
    sla.refresh(ticket)
    ticket_assigned.send(ticket, assignee=assignee, by=by)
