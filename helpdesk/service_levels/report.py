"""The SLA report: targets met and missed, times to first response and resolution (median
and 90th percentile, in working hours) and the working time tickets spent at each level,
week by week (the week a ticket was filed, in the calendar's time zone), and in all by
level, priority and category.

Every figure is worked out from the tickets' histories with the rules in force
(`deadlines`), the same the ticket page shows:

* a target is **met** when it was met by its due time, **missed** when it was met later
  or is still open past its due time; a target still open and not yet due counts for
  neither;
* the level targets count once per escalation to level 2 or 3 (taken, answered there);
* "by level" counts the tickets that reached the level, its own targets and the time spent
  there.
"""
from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.service_levels import policies
from helpdesk.service_levels.deadlines import (
    DONE,
    Clock,
    Deadline,
    escalation_deadlines,
    pauses_of,
)
from helpdesk.service_levels.provider import facts_of, ticket_timeline
from helpdesk.text_input import whole_number
from helpdesk.tickets.categories import all_categories
from helpdesk.tickets.models import EventKind, Priority, Ticket

MAX_WEEKS = 52
DEFAULT_WEEKS = 8


@dataclass(frozen=True)
class ReportFilter:
    weeks: int = DEFAULT_WEEKS
    level: int | None = None            # tickets that reached this level
    priority: Priority | None = None
    category_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ReportFilter:
        weeks = whole_number(args.get("weeks", "")) or DEFAULT_WEEKS
        level = whole_number(args.get("level", ""))
        priority = args.get("priority", "")
        return cls(weeks=min(max(weeks, 1), MAX_WEEKS),
                   level=level if level in (1, 2, 3) else None,
                   priority=Priority(priority) if priority in Priority.__members__ else None,
                   category_id=whole_number(args.get("category", "")))


def percentile(values: list[float], share: float) -> float | None:
    """The `share` percentile of `values`, interpolated between the closest ranks
    (the median is percentile(values, 0.5)); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Figures:
    """The figures of one group of tickets."""

    tickets: int = 0
    first_response_met: int = 0
    first_response_missed: int = 0
    resolution_met: int = 0
    resolution_missed: int = 0
    level_met: int = 0
    level_missed: int = 0
    first_response_hours: list[float] = field(default_factory=list)
    resolution_hours: list[float] = field(default_factory=list)
    hours_at_level: dict[int, list[float]] = field(
        default_factory=lambda: {1: [], 2: [], 3: []})

    def median_first_response(self):
        return percentile(self.first_response_hours, 0.5)

    def p90_first_response(self):
        return percentile(self.first_response_hours, 0.9)

    def median_resolution(self):
        return percentile(self.resolution_hours, 0.5)

    def p90_resolution(self):
        return percentile(self.resolution_hours, 0.9)

    def mean_hours_at(self, level: int) -> float | None:
        values = self.hours_at_level[level]
        return sum(values) / len(values) if values else None


@dataclass
class TicketFigures:
    """What one ticket adds to the report."""

    ticket_id: int
    week: date
    priority: Priority
    category_id: int | None
    levels: set[int]
    first_response: bool | None
    resolution: bool | None
    first_response_hours: float | None
    resolution_hours: float | None
    hours_at_level: dict[int, float]
    level_targets: list[tuple[int, bool]]      # (level, met) of decided level targets


@dataclass
class Report:
    flt: ReportFilter
    weeks: list[tuple[date, Figures]]
    total: Figures
    by_level: list[tuple[int, Figures]]
    by_priority: list[tuple[Priority, Figures]]
    by_category: list[tuple[object, Figures]]      # (Category or None, figures)


def _outcome(deadline: Deadline, now: datetime) -> bool | None:
    if deadline.met_at is not None:
        return deadline.met_at <= deadline.due_at
    return False if deadline.due_at <= now else None


def _hours(value: timedelta) -> float:
    return value.total_seconds() / 3600


def ticket_figures(ticket: Ticket, now: datetime, settings: policies.Settings,
                   zone) -> TicketFigures:
    facts = facts_of(ticket)
    line = ticket_timeline(ticket, now, settings)
    clock = Clock(settings.calendar, pauses_of(facts), now)
    first, resolution = line.first_response, line.resolution
    first_hours = _hours(clock.between(ticket.created_at, first.met_at)) \
        if first.met_at else None
    resolution_hours = _hours(clock.between(ticket.created_at, resolution.met_at)) \
        if resolution.met_at else None

    # Stretches at each level, and the level targets of each escalation.
    end = resolution.met_at or now
    level, since, levels = 1, ticket.created_at, {1}
    at_level: dict[int, float] = defaultdict(float)
    level_targets: list[tuple[int, bool]] = []
    moves = [f for f in facts if f.kind == EventKind.level.value]
    for index, move in enumerate(moves):
        at_level[level] += _hours(clock.between(since, min(move.at, end)))
        new = int(move.new or level)
        if new > level and new in settings.levels:
            until = moves[index + 1].at if index + 1 < len(moves) else None
            for deadline in escalation_deadlines(clock, settings.levels[new], since=move.at,
                                                 facts=facts, until=until):
                if deadline.met_at is not None:
                    outcome = deadline.met_at <= deadline.due_at
                else:       # unmet: missed if it fell due while the ticket was there
                    outcome = False if deadline.due_at <= min(until or now, now) else None
                if outcome is not None:
                    level_targets.append((new, outcome))
        level, since = new, move.at
        levels.add(new)
    if ticket.status.value not in DONE or since < end:
        at_level[level] += _hours(clock.between(since, end))
    local = ticket.created_at.replace(tzinfo=UTC).astimezone(zone).date()
    return TicketFigures(
        ticket_id=ticket.id, week=local - timedelta(days=local.weekday()),
        priority=ticket.priority, category_id=ticket.category_id, levels=levels,
        first_response=_outcome(first, now), resolution=_outcome(resolution, now),
        first_response_hours=first_hours, resolution_hours=resolution_hours,
        hours_at_level=dict(at_level), level_targets=level_targets)


def _add(figures: Figures, item: TicketFigures, *, level: int | None = None) -> None:
    figures.tickets += 1
    for name, outcome in (("first_response", item.first_response),
                          ("resolution", item.resolution)):
        if outcome is True:
            setattr(figures, f"{name}_met", getattr(figures, f"{name}_met") + 1)
        elif outcome is False:
            setattr(figures, f"{name}_missed", getattr(figures, f"{name}_missed") + 1)
    if item.first_response_hours is not None:
        figures.first_response_hours.append(item.first_response_hours)
    if item.resolution_hours is not None:
        figures.resolution_hours.append(item.resolution_hours)
    for at, met in item.level_targets:
        if level is None or at == level:
            figures.level_met += met
            figures.level_missed += not met
    for at, hours in item.hours_at_level.items():
        if level is None or at == level:
            figures.hours_at_level[at].append(hours)


def week_starts(weeks: int, now: datetime, zone) -> list[date]:
    today = now.replace(tzinfo=UTC).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in reversed(range(weeks))]


def build(flt: ReportFilter, now: datetime | None = None) -> Report:
    now = now or utcnow()
    settings = policies.current()
    zone = settings.calendar.zone
    starts = week_starts(flt.weeks, now, zone)
    since = datetime.combine(starts[0], time(0), zone).astimezone(UTC).replace(tzinfo=None)
    query = (sa.select(Ticket).where(Ticket.created_at >= since)
             .options(selectinload(Ticket.events)).order_by(Ticket.id))
    if flt.priority:
        query = query.where(Ticket.priority == flt.priority)
    if flt.category_id:
        query = query.where(Ticket.category_id == flt.category_id)
    items = [ticket_figures(t, now, settings, zone)
             for t in db.session.scalars(query).unique()]
    if flt.level:
        items = [item for item in items if flt.level in item.levels]
    return assemble(flt, items, starts)


def assemble(flt: ReportFilter, items: Iterable[TicketFigures], starts: list[date]) -> Report:
    weeks = {start: Figures() for start in starts}
    total = Figures()
    by_level = {level: Figures() for level in (1, 2, 3)}
    by_priority = {p: Figures() for p in sorted(Priority, key=lambda p: -p.rank)}
    by_category: dict[int | None, Figures] = defaultdict(Figures)
    for item in items:
        if item.week not in weeks:
            continue
        _add(weeks[item.week], item, level=flt.level)
        _add(total, item, level=flt.level)
        for level in item.levels:
            _add(by_level[level], item, level=level)
        _add(by_priority[item.priority], item, level=flt.level)
        _add(by_category[item.category_id], item, level=flt.level)
    categories = {c.id: c for c in all_categories()}
    return Report(
        flt=flt, weeks=list(weeks.items()), total=total,
        by_level=[(level, f) for level, f in by_level.items() if f.tickets],
        by_priority=[(p, f) for p, f in by_priority.items() if f.tickets],
        by_category=sorted(((categories.get(c) if c else None, f)
                            for c, f in by_category.items()),
                           key=lambda pair: (pair[0] is None,
                                             pair[0].slug if pair[0] else "")))


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


CSV_FIELDS = ("first_response_met", "first_response_missed", "resolution_met",
              "resolution_missed", "level_targets_met", "level_targets_missed",
              "first_response_median_h", "first_response_p90_h", "resolution_median_h",
              "resolution_p90_h", "hours_at_level_1", "hours_at_level_2", "hours_at_level_3")


def csv_values(figures: Figures) -> list[str]:
    return [str(figures.first_response_met), str(figures.first_response_missed),
            str(figures.resolution_met), str(figures.resolution_missed),
            str(figures.level_met), str(figures.level_missed),
            _number(figures.median_first_response()), _number(figures.p90_first_response()),
            _number(figures.median_resolution()), _number(figures.p90_resolution()),
            *(_number(figures.mean_hours_at(level)) for level in (1, 2, 3))]


def to_csv(report: Report) -> str:
    """The report as CSV: one row per week, then one per level, priority and category."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["group", "value", "tickets", *CSV_FIELDS])
    for start, figures in report.weeks:
        writer.writerow(["week", start.isoformat(), figures.tickets, *csv_values(figures)])
    for level, figures in report.by_level:
        writer.writerow(["level", level, figures.tickets, *csv_values(figures)])
    for priority, figures in report.by_priority:
        writer.writerow(["priority", priority.value, figures.tickets, *csv_values(figures)])
    for category, figures in report.by_category:
        writer.writerow(["category", category.slug if category else "", figures.tickets,
                         *csv_values(figures)])
    writer.writerow(["total", "", report.total.tickets, *csv_values(report.total)])
    return out.getvalue()


def chart_data(report: Report) -> dict:
    """What static/sla-report.js draws: labels and series, all words translated."""
    labels = [format_date(start, "medium") for start, _f in report.weeks]
    weeks = [f for _s, f in report.weeks]
    return {
        "labels": labels,
        "targets": {
            "title": _("Targets met and missed per week"),
            "series": [
                {"label": _("First response met"),
                 "data": [f.first_response_met for f in weeks], "stack": "fr", "kind": "met"},
                {"label": _("First response missed"),
                 "data": [f.first_response_missed for f in weeks], "stack": "fr",
                 "kind": "missed"},
                {"label": _("Resolution met"),
                 "data": [f.resolution_met for f in weeks], "stack": "res", "kind": "met2"},
                {"label": _("Resolution missed"),
                 "data": [f.resolution_missed for f in weeks], "stack": "res",
                 "kind": "missed2"},
            ]},
        "times": {
            "title": _("Working hours to first response and resolution"),
            "series": [
                {"label": _("First response, median"),
                 "data": [f.median_first_response() for f in weeks], "kind": "met"},
                {"label": _("First response, 90th percentile"),
                 "data": [f.p90_first_response() for f in weeks], "kind": "met2"},
                {"label": _("Resolution, median"),
                 "data": [f.median_resolution() for f in weeks], "kind": "missed"},
                {"label": _("Resolution, 90th percentile"),
                 "data": [f.p90_resolution() for f in weeks], "kind": "missed2"},
            ]},
    }
