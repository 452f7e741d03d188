"""Problems: one underlying cause behind many tickets, its history, its tickets, and the
bulk replies that answer them all."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.models import Ticket


def _enum(cls, length=24):
    return sa.Enum(cls, native_enum=False, length=length, validate_strings=True,
                   values_callable=lambda members: [m.value for m in members])


class ProblemStatus(enum.StrEnum):
    investigating = "investigating"
    known_error = "known_error"      # the cause is known, and a workaround
    fixed = "fixed"
    closed = "closed"

    @property
    def label(self):
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


STATUS_LABELS = {
    ProblemStatus.investigating: _l("Investigating"),
    ProblemStatus.known_error: _l("Known error"),
    ProblemStatus.fixed: _l("Fixed"),
    ProblemStatus.closed: _l("Closed"),
}
OPEN_STATUSES = (ProblemStatus.investigating, ProblemStatus.known_error)

# investigating -> known error -> fixed -> closed; a fix that did not hold goes back to
# investigating, and a problem that was none may be closed from anywhere.
TRANSITIONS = {
    ProblemStatus.investigating: (ProblemStatus.known_error, ProblemStatus.fixed,
                                  ProblemStatus.closed),
    ProblemStatus.known_error: (ProblemStatus.investigating, ProblemStatus.fixed,
                                ProblemStatus.closed),
    ProblemStatus.fixed: (ProblemStatus.investigating, ProblemStatus.closed),
    ProblemStatus.closed: (ProblemStatus.investigating,),
}


class Problem(db.Model):
    __tablename__ = "problem"
    __table_args__ = (sa.Index("ix_problem_status_component", "status", "component"),
                      sa.Index("ix_problem_owner_status", "owner_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # The affected part of the platform ("checkout", "Instagram sync"), free text.
    component: Mapped[str] = mapped_column(sa.String(80), default="")
    status: Mapped[ProblemStatus] = mapped_column(_enum(ProblemStatus),
                                                  default=ProblemStatus.investigating)
    # A level-3 agent; None: proposed, waiting for level 3 to take it.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    cause: Mapped[str] = mapped_column(sa.Text, default="")
    workaround: Mapped[str] = mapped_column(sa.Text, default="")
    fix_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The knowledge-base article about the known error (an id of the KB feature).
    article_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    events: Mapped[list[ProblemEvent]] = relationship(
        back_populates="problem", order_by="ProblemEvent.id", cascade="all, delete-orphan")

    @property
    def ref(self) -> str:
        return f"#{self.id}"

    def __repr__(self) -> str:
        return f"<Problem {self.id} {self.status}>"

    def record(self, kind: ProblemEventKind, *, actor: User | None, old=None, new=None,
               note: str | None = None) -> ProblemEvent:
        """Append an event to the problem's history and touch `updated_at`."""
        event = ProblemEvent(kind=kind, actor=actor, note=note,
                             old_value=None if old is None else str(old)[:200],
                             new_value=None if new is None else str(new)[:200])
        self.events.append(event)
        self.updated_at = event.created_at = utcnow()
        return event


class ProblemEventKind(enum.StrEnum):
    created = "created"              # by level 3 (or an admin)
    proposed = "proposed"            # by levels 1 and 2, for level 3 to take
    edited = "edited"                # title, description or component (new: the fields)
    status = "status"
    owner = "owner"
    workaround = "workaround"
    fix_note = "fix_note"
    ticket_linked = "ticket_linked"      # new: the ticket's ref
    ticket_unlinked = "ticket_unlinked"  # old: the ticket's ref
    bulk_reply = "bulk_reply"            # new: how many tickets got the reply
    article = "article"                  # new: the knowledge-base article's id


class ProblemEvent(db.Model):
    __tablename__ = "problem_event"
    __table_args__ = (sa.Index("ix_problem_event_problem", "problem_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(sa.ForeignKey("problem.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[ProblemEventKind] = mapped_column(_enum(ProblemEventKind))
    old_value: Mapped[str | None] = mapped_column(sa.String(200))
    new_value: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    problem: Mapped[Problem] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")


class ProblemTicket(db.Model):
    """A ticket caused by a problem (a ticket has at most one problem)."""

    __tablename__ = "problem_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    problem_id: Mapped[int] = mapped_column(
        sa.ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    linked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(lazy="joined")
    problem: Mapped[Problem] = relationship(lazy="joined")

    @staticmethod
    def of(ticket_id: int) -> ProblemTicket | None:
        """The link of the ticket `ticket_id` to its problem, if any."""
        return db.session.scalar(sa.select(ProblemTicket).where(
            ProblemTicket.ticket_id == ticket_id))


class BulkReply(db.Model):
    """One public reply to all of a problem's open tickets: the action, recognised by its
    `key` (the problem and the texts), so repeating it answers only who has no answer."""

    __tablename__ = "problem_bulk_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        sa.ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    text_en: Mapped[str] = mapped_column(sa.Text, default="")
    text_de: Mapped[str] = mapped_column(sa.Text, default="")
    resolve: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the last run went through every open ticket (None: never, or interrupted).
    finished_at: Mapped[datetime | None] = mapped_column()

    author: Mapped[User | None] = relationship(lazy="joined")

    def text_for(self, language: str | None) -> str:
        """The text for a customer who reads `language`: theirs if given, else the other."""
        if language == "de" and self.text_de.strip():
            return self.text_de
        if language != "de" and self.text_en.strip():
            return self.text_en
        return self.text_en if self.text_en.strip() else self.text_de


class BulkDelivery(db.Model):
    """A ticket that got a bulk reply: at most once per (bulk reply, ticket)."""

    __tablename__ = "problem_bulk_delivery"
    __table_args__ = (sa.UniqueConstraint("bulk_reply_id", "ticket_id",
                                          name="uq_problem_bulk_delivery_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulk_reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("problem_bulk_reply.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"),
                                           index=True)
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
