"""Service levels in the database: the calendar, the policies, the per-level targets, each
ticket's running clock and the breaches recorded."""
from __future__ import annotations

import enum
import json
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.service_levels.working_time import BusinessCalendar
from helpdesk.tickets.models import Category, Priority, Ticket

DEFAULT_CALENDAR = "default"


class Target(enum.StrEnum):
    """What a ticket is owed, and by when."""

    first_response = "first_response"      # the first public answer (the customer's)
    next_update = "next_update"            # the next public answer after that
    resolution = "resolution"              # resolved
    take = "take"                          # an escalated ticket taken at its new level
    answer = "answer"                      # ... and answered there (internal target)

    @property
    def label(self):
        return TARGET_LABELS[self]

    @property
    def is_internal(self) -> bool:
        return self in (Target.take, Target.answer)


TARGET_LABELS = {
    Target.first_response: _l("First response"),
    Target.next_update: _l("Next update"),
    Target.resolution: _l("Resolution"),
    Target.take: _l("Taken at the new level"),
    Target.answer: _l("Answered at the new level"),
}


class SlaCalendar(db.Model):
    """A business calendar (hours, time zone, holidays, closed days) as plain data: the
    settings of `working_time.BusinessCalendar.from_dict`, as JSON."""

    __tablename__ = "sla_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    settings: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar.from_dict(json.loads(self.settings))

    def set_calendar(self, calendar: BusinessCalendar) -> None:
        self.settings = json.dumps(calendar.to_dict(), sort_keys=True)


class SlaPolicy(db.Model):
    """The customer's targets for one priority (and optionally one category), in minutes
    of working time; `auto_escalate`: a missed first response moves the ticket up a level.

    `scope` is the key ``"<priority>:<category id or *>"``: one policy per scope, also
    when two processes create the defaults at once.
    """

    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(40), unique=True)
    priority: Mapped[Priority] = mapped_column(
        sa.Enum(Priority, native_enum=False, length=24, validate_strings=True,
                values_callable=lambda members: [m.value for m in members]))
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("category.id", ondelete="CASCADE"))
    first_response_minutes: Mapped[int] = mapped_column()
    next_update_minutes: Mapped[int] = mapped_column()
    resolution_minutes: Mapped[int] = mapped_column()
    auto_escalate: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category | None] = relationship(lazy="joined")

    @staticmethod
    def scope_of(priority: Priority, category_id: int | None) -> str:
        return f"{Priority(priority).value}:{category_id or '*'}"

    @property
    def first_response(self) -> timedelta:
        return timedelta(minutes=self.first_response_minutes)

    @property
    def next_update(self) -> timedelta:
        return timedelta(minutes=self.next_update_minutes)

    @property
    def resolution(self) -> timedelta:
        return timedelta(minutes=self.resolution_minutes)


class SlaLevelTarget(db.Model):
    """Internal targets of a support level (2 or 3): how soon an escalated ticket must be
    taken there and answered, and who hears of a breach (`lead`; none: the level's agents)."""

    __tablename__ = "sla_level_target"
    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(sa.SmallInteger, unique=True)
    take_minutes: Mapped[int] = mapped_column()
    answer_minutes: Mapped[int] = mapped_column()
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    lead: Mapped[User | None] = relationship(lazy="joined")

    @property
    def take(self) -> timedelta:
        return timedelta(minutes=self.take_minutes)

    @property
    def answer(self) -> timedelta:
        return timedelta(minutes=self.answer_minutes)


class SlaClock(db.Model):
    """A ticket's open deadlines, as `sla tick` reads them: each is None once met or
    when not owed, with when it started (what tells one deadline from the next of its
    target, however a change of priority or of the rules moves its due time).
    `next_check_at` is the earliest deadline not yet checked (None: none, or the clock
    stands while the ticket waits on the customer)."""

    __tablename__ = "sla_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    paused: Mapped[bool] = mapped_column(default=False)
    first_response_due_at: Mapped[datetime | None] = mapped_column()
    next_update_due_at: Mapped[datetime | None] = mapped_column()
    resolution_due_at: Mapped[datetime | None] = mapped_column()
    take_due_at: Mapped[datetime | None] = mapped_column()
    answer_due_at: Mapped[datetime | None] = mapped_column()
    first_response_started_at: Mapped[datetime | None] = mapped_column()
    next_update_started_at: Mapped[datetime | None] = mapped_column()
    resolution_started_at: Mapped[datetime | None] = mapped_column()
    take_started_at: Mapped[datetime | None] = mapped_column()
    answer_started_at: Mapped[datetime | None] = mapped_column()
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)

    ticket: Mapped[Ticket] = relationship()

    def open_deadlines(self) -> dict[Target, datetime]:
        """The deadlines still open, by target."""
        found = {Target.first_response: self.first_response_due_at,
                 Target.next_update: self.next_update_due_at,
                 Target.resolution: self.resolution_due_at,
                 Target.take: self.take_due_at, Target.answer: self.answer_due_at}
        return {target: due for target, due in found.items() if due is not None}

    def started_at(self, target: Target) -> datetime | None:
        """When the open deadline of `target` started (None on a clock written before
        this was kept: the breach is then told apart by its due time alone)."""
        return getattr(self, f"{target.value}_started_at")


class SlaBreach(db.Model):
    """A deadline a ticket missed: recorded once per deadline, that is per ticket, target
    and start (`started_at`: a change of priority or of the rules that moves the due time
    of a deadline already missed does not make it missed again), and per ticket, target
    and due time. The unique keys make a second `sla tick`, here or on another host, a
    no-op. `started_at` is None on breaches recorded before it was kept."""

    __tablename__ = "sla_breach"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "target", "due_at", name="uq_sla_breach_once"),
        sa.Index("uq_sla_breach_deadline", "ticket_id", "target", "started_at", unique=True),
        sa.Index("ix_sla_breach_recorded", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    target: Mapped[Target] = mapped_column(
        sa.Enum(Target, native_enum=False, length=24, validate_strings=True,
                values_callable=lambda members: [m.value for m in members]))
    due_at: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(lazy="joined")

    @property
    def target_label(self):
        return self.target.label


class SlaRecompute(db.Model):
    """Due times still to be worked out again after a change of the rules: while this one
    row (id 1) exists, the rules changed at `requested_at` and the open tickets with an id
    above `after_ticket_id` still have due times by the old rules. `total`: the active
    tickets when it was requested, `done`: how many have been worked out since (progress
    for the administration page). `sla tick` works through them, a batch per commit, and
    deletes the row when done; a further change meanwhile starts it again from the first
    ticket."""

    __tablename__ = "sla_recompute"

    ROW_ID = 1

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    after_ticket_id: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
