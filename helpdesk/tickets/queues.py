"""Queue queries: what each agent works through, ordered by urgency, paged by key.

Pages are addressed by a cursor holding the sort key of the last row shown
(``due_at`` and ``id``), so page 500 costs the same as page 1.
"""
from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import defer

from helpdesk.accounts.models import Level, User
from helpdesk.extensions import db
from helpdesk.tickets.models import (
    ACTIVE_STATUSES,
    Channel,
    Handoff,
    HandoffKind,
    Priority,
    Status,
    Ticket,
    parse_ref,
)
from helpdesk.tickets.permissions import visible_tickets


class QueueView(enum.StrEnum):
    unassigned = "unassigned"
    mine = "mine"
    level = "level"
    escalated = "escalated"


@dataclass(frozen=True)
class QueueFilter:
    view: QueueView = QueueView.level
    level: int | None = None           # the level whose queue it is; defaults to the agent's
    statuses: tuple[Status, ...] = ACTIVE_STATUSES
    priority: Priority | None = None
    category_id: int | None = None
    channel: Channel | None = None
    text: str = ""


@dataclass
class Page:
    items: list = field(default_factory=list)
    next_cursor: str | None = None


def encode_cursor(key: datetime, ident: int) -> str:
    """Return the opaque cursor for the page after the row with sort key `key`, id `ident`."""
    raw = f"{key.isoformat()}|{ident}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """Return the (key, id) a cursor holds, or None for a missing or mangled one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        key, ident = raw.split("|")
        return datetime.fromisoformat(key), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _text_condition(text: str):
    text = text.strip()
    ident = parse_ref(text)
    # LIKE wildcards the user typed are searched for literally (an order "A_1", "100%").
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    conditions = [column.ilike(pattern, escape="\\") for column in (
        Ticket.subject, Ticket.shop_ref, Ticket.order_ref, Ticket.product_ref)]
    if ident is not None:
        conditions.append(Ticket.id == ident)
    return sa.or_(*conditions)


def queue_query(user: User, flt: QueueFilter) -> sa.Select:
    """Return the select for `user`'s queue under `flt`, unordered and unpaged."""
    level = flt.level or user.level or 1
    query = visible_tickets(user)
    if flt.view == QueueView.escalated:
        query = query.where(
            sa.exists().where(Handoff.ticket_id == Ticket.id, Handoff.author_id == user.id,
                              Handoff.kind == HandoffKind.escalation),
            # Always true (see the level_range check), but it lets the database walk
            # the queue index over the active tickets instead of scanning all tickets.
            Ticket.level.in_(tuple(Level)))
    else:
        query = query.where(Ticket.level == level)
    if flt.view == QueueView.unassigned:
        query = query.where(Ticket.assignee_id.is_(None))
    elif flt.view == QueueView.mine:
        query = query.where(Ticket.assignee_id == user.id)
    if flt.statuses:
        query = query.where(Ticket.status.in_(flt.statuses))
    if flt.priority:
        query = query.where(Ticket.priority == flt.priority)
    if flt.category_id:
        query = query.where(Ticket.category_id == flt.category_id)
    if flt.channel:
        query = query.where(Ticket.channel == flt.channel)
    if flt.text.strip():
        query = query.where(_text_condition(flt.text))
    return query


def queue_page(user: User, flt: QueueFilter, *, cursor: str | None = None,
               size: int = 25) -> Page:
    """Return one page of `user`'s queue, most urgent first."""
    query = queue_query(user, flt)
    after = decode_cursor(cursor)
    if after:
        query = query.where(sa.tuple_(Ticket.due_at, Ticket.id) > sa.tuple_(*after))
    # Pick the page's ids first (from the index), then load just those rows with
    # their joined category, requester and assignee: joining in the same query
    # would join every matching ticket (thousands) before sorting and cutting.
    ids = (query.with_only_columns(Ticket.id).order_by(Ticket.due_at, Ticket.id)
           .limit(size + 1))
    rows = list(db.session.scalars(
        sa.select(Ticket).options(*_NO_TEXT).where(Ticket.id.in_(ids))
        .order_by(Ticket.due_at, Ticket.id)).unique())
    return _page(rows, size, lambda t: encode_cursor(t.due_at, t.id))


# Lists show no ticket text: leave the body and its stored HTML in the database.
_NO_TEXT = (defer(Ticket.body), defer(Ticket.body_html))


def queue_counts(user: User, level: int) -> dict[QueueView, int]:
    """Return how many active tickets each queue tab holds.

    The level, unassigned and mine tabs differ only in the assignee, so one scan of
    the queue index (which carries ``assignee_id``) counts all three.
    """
    level_query = queue_query(user, QueueFilter(view=QueueView.level, level=level))
    total, unassigned, mine = db.session.execute(level_query.with_only_columns(
        sa.func.count(),
        sa.func.count(sa.case((Ticket.assignee_id.is_(None), 1))),
        sa.func.count(sa.case((Ticket.assignee_id == user.id, 1)))).order_by(None)).one()
    escalated_query = queue_query(user, QueueFilter(view=QueueView.escalated, level=level))
    escalated = db.session.scalar(
        escalated_query.with_only_columns(sa.func.count()).order_by(None))
    return {QueueView.unassigned: unassigned, QueueView.mine: mine,
            QueueView.level: total, QueueView.escalated: escalated}


def my_tickets_page(user: User, *, cursor: str | None = None, size: int = 25) -> Page:
    """Return one page of the tickets `user` filed, most recently updated first."""
    query = sa.select(Ticket).options(*_NO_TEXT).where(Ticket.requester_id == user.id)
    after = decode_cursor(cursor)
    if after:
        query = query.where(sa.tuple_(Ticket.updated_at, Ticket.id) < sa.tuple_(*after))
    query = query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(size + 1)
    rows = list(db.session.scalars(query).unique())
    return _page(rows, size, lambda t: encode_cursor(t.updated_at, t.id))


def _page(rows: list, size: int, key) -> Page:
    if len(rows) > size:
        return Page(items=rows[:size], next_cursor=key(rows[size - 1]))
    return Page(items=rows)
