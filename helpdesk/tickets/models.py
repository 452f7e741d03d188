"""Tickets, their messages, attachments, hand-offs and the event history."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import Level, User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.text_input import whole_number


class Status(enum.StrEnum):
    new = "new"
    open = "open"
    waiting_on_customer = "waiting_on_customer"
    resolved = "resolved"
    closed = "closed"

    @property
    def label(self):
        return STATUS_LABELS[self]

    @property
    def customer_label(self):
        """The label the customer reads (their view of the same status)."""
        return CUSTOMER_STATUS_LABELS.get(self, STATUS_LABELS[self])

    @property
    def is_active(self) -> bool:
        return self in (Status.new, Status.open, Status.waiting_on_customer)


STATUS_LABELS = {
    Status.new: _l("New"),
    Status.open: _l("Open"),
    Status.waiting_on_customer: _l("Waiting on customer"),
    Status.resolved: _l("Resolved"),
    Status.closed: _l("Closed"),
}
CUSTOMER_STATUS_LABELS = {
    Status.new: _l("Received"),
    Status.open: _l("In progress"),
    Status.waiting_on_customer: _l("Waiting for your reply"),
}
ACTIVE_STATUSES = (Status.new, Status.open, Status.waiting_on_customer)


class Priority(enum.StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"

    @property
    def label(self):
        return PRIORITY_LABELS[self]

    @property
    def rank(self) -> int:
        return list(Priority).index(self)


PRIORITY_LABELS = {
    Priority.low: _l("Low"),
    Priority.normal: _l("Normal"),
    Priority.high: _l("High"),
    Priority.urgent: _l("Urgent"),
}


class Channel(enum.StrEnum):
    web = "web"
    email = "email"
    instagram = "instagram"
    facebook = "facebook"
    tiktok = "tiktok"
    whatsapp = "whatsapp"
    phone = "phone"

    @property
    def label(self):
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.web: _l("Web portal"),
    Channel.email: _l("E-mail"),
    Channel.instagram: "Instagram",
    Channel.facebook: "Facebook",
    Channel.tiktok: "TikTok",
    Channel.whatsapp: "WhatsApp",
    Channel.phone: _l("Phone"),
}


class EventKind(enum.StrEnum):
    created = "created"
    status = "status"
    priority = "priority"
    category = "category"
    level = "level"
    assignee = "assignee"
    reply = "reply"
    note = "note"
    sla_breach = "sla_breach"      # a service-level deadline passed (staff only; no actor)
    merged = "merged"              # this ticket was merged into another (new: its ref)
    merged_in = "merged_in"        # another ticket was merged into this one (new: its ref)
    link = "link"                  # a related ticket was linked (new) or unlinked (old)
    knowledge = "knowledge"        # the knowledge decision (new: the choice; old: article id)
    problem = "problem"            # linked to a problem (new) or unlinked (old): "#12 title"


class KnowledgeDecision(enum.StrEnum):
    """What resolving a ticket means for the knowledge base (asked of levels 2 and 3)."""

    existing_article = "existing_article"    # an article answers it: linked
    new_article = "new_article"              # an article is needed: a draft for review
    article_outdated = "article_outdated"    # an article is wrong or outdated: flagged
    nothing = "nothing"                      # nothing to record

    @property
    def label(self):
        return KNOWLEDGE_DECISION_LABELS[self]


KNOWLEDGE_DECISION_LABELS = {
    KnowledgeDecision.existing_article: _l("An existing article answers it"),
    KnowledgeDecision.new_article: _l("A new article is needed"),
    KnowledgeDecision.article_outdated: _l("An article is wrong or outdated"),
    KnowledgeDecision.nothing: _l("Nothing to record"),
}


class Category(db.Model):
    """A topic tickets (and knowledge-base articles) are filed under."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))
    name_de: Mapped[str] = mapped_column(sa.String(80))
    is_active: Mapped[bool] = mapped_column(default=True)

    def name_for(self, language: str | None) -> str:
        return self.name_de if language == "de" else self.name_en


def _enum(cls, length=24):
    # Store the values ("return"), not the Python member names ("return_").
    return sa.Enum(cls, native_enum=False, length=length, validate_strings=True,
                   values_callable=lambda members: [m.value for m in members])


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        # assignee_id last: the queue tab counts (unassigned, mine) read only the index
        sa.Index("ix_ticket_queue", "level", "status", "due_at", "id", "assignee_id"),
        sa.Index("ix_ticket_assignee_queue", "assignee_id", "status", "due_at", "id"),
        sa.Index("ix_ticket_requester_updated", "requester_id", "updated_at", "id"),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # The body rendered (helpdesk.rendering) when the ticket was filed; None: render on view.
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.new)
    priority: Mapped[Priority] = mapped_column(_enum(Priority), default=Priority.normal)
    channel: Mapped[Channel] = mapped_column(_enum(Channel), default=Channel.web)
    level: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    shop_ref: Mapped[str | None] = mapped_column(sa.String(120))
    order_ref: Mapped[str | None] = mapped_column(sa.String(120))
    product_ref: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_due_at: Mapped[datetime] = mapped_column()
    resolution_due_at: Mapped[datetime] = mapped_column()
    first_responded_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    # When the customer is owed the next update (shown to them), and the queue's
    # sort key derived from it and the status (see sla.queue_key).
    update_due_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    # Merged into another ticket (helpdesk.tickets.merge): the one that carries on.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket.id"))
    # The knowledge decision of the last resolution by level 2 or 3, and its article (an
    # id in the knowledge base, which the tickets layer does not know).
    knowledge_decision: Mapped[KnowledgeDecision | None] = mapped_column(
        _enum(KnowledgeDecision))
    knowledge_article_id: Mapped[int | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category | None] = relationship(lazy="joined")
    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", cascade="all, delete-orphan",
        foreign_keys="Message.ticket_id")
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan",
        foreign_keys="TicketEvent.ticket_id")
    handoffs: Mapped[list[Handoff]] = relationship(
        back_populates="ticket", order_by="Handoff.id", cascade="all, delete-orphan")

    @property
    def ref(self) -> str:
        return format_ref(self.id)

    def __repr__(self) -> str:
        return f"<Ticket {self.ref} L{self.level} {self.status}>"

    def record(self, kind: EventKind, *, actor: User | None, old=None, new=None,
               note: str | None = None) -> TicketEvent:
        """Append an event to the history and touch `updated_at`."""
        event = TicketEvent(kind=kind, actor=actor, note=note,
                            old_value=None if old is None else str(old),
                            new_value=None if new is None else str(new))
        self.events.append(event)
        self.updated_at = event.created_at = utcnow()
        return event

    def move_to_level(self, to_level: int, *, actor: User, note: str | None = None) -> TicketEvent:
        """Move the ticket to support level `to_level` and record it.

        Escalation goes one level up at a time; a return may skip levels.
        Raises ValueError for a level outside 1..3, the current level, or a jump up.
        """
        if to_level not in tuple(Level) or to_level == self.level:
            raise ValueError(f"cannot move from level {self.level} to {to_level}")
        if to_level > self.level + 1:
            raise ValueError("escalation goes one level at a time")
        old, self.level = self.level, to_level
        return self.record(EventKind.level, actor=actor, old=old, new=to_level, note=note)


def format_ref(ticket_id: int) -> str:
    return f"HD-{ticket_id:06d}"


def parse_ref(ref: str) -> int | None:
    """Return the ticket id of a reference like ``HD-000123`` (or ``123``), else None."""
    digits = ref.strip().upper().removeprefix("HD-")
    return whole_number(digits)


class Message(db.Model):
    """A public reply or an internal note on a ticket."""

    __tablename__ = "message"
    __table_args__ = (sa.Index("ix_message_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    # The body rendered (helpdesk.rendering) when it was written; None: render on view.
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    is_internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved here from a merged ticket; and, when that ticket was another customer's, that
    # customer: then only they (and staff) see the message, never this ticket's requester.
    merged_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket.id"))
    origin_customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    ticket: Mapped[Ticket] = relationship(back_populates="messages", foreign_keys=[ticket_id])
    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])
    origin_customer: Mapped[User | None] = relationship(foreign_keys=[origin_customer_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id", cascade="all, delete-orphan",
        lazy="selectin")

    @property
    def merged_from_ref(self) -> str | None:
        return format_ref(self.merged_from_id) if self.merged_from_id else None


class Attachment(db.Model):
    """A file uploaded with a message, stored under the instance folder by a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(127))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message] = relationship(back_populates="attachments")


class TicketEvent(db.Model):
    """One change to a ticket: who, when, what, from -> to."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        sa.Index("ix_ticket_event_ticket", "ticket_id", "id"),
        sa.Index("ix_ticket_event_actor_ticket", "actor_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    old_value: Mapped[str | None] = mapped_column(sa.String(200))
    new_value: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved here from a merged ticket (its history stays staff-only here).
    merged_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket.id"))

    ticket: Mapped[Ticket] = relationship(back_populates="events", foreign_keys=[ticket_id])
    actor: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_public(self) -> bool:
        """Whether the customer may see this event (status and level changes)."""
        return (self.kind in (EventKind.created, EventKind.status, EventKind.level)
                and self.merged_from_id is None)


class HandoffKind(enum.StrEnum):
    escalation = "escalation"
    return_ = "return"


class Handoff(db.Model):
    """What one level hands the next when a ticket changes level. Internal only."""

    __tablename__ = "handoff"
    # the "escalated by me" queue tab: one index probe per active ticket
    __table_args__ = (sa.Index("ix_handoff_author_kind", "author_id", "kind", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[HandoffKind] = mapped_column(_enum(HandoffKind))
    from_level: Mapped[int] = mapped_column(sa.SmallInteger)
    to_level: Mapped[int] = mapped_column(sa.SmallInteger)
    summary: Mapped[str] = mapped_column(sa.Text)
    tried: Mapped[str | None] = mapped_column(sa.Text)
    articles_checked: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="handoffs")
    author: Mapped[User | None] = relationship(lazy="joined")
