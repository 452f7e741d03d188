"""Helpers of the service-level tests (tests/web/test_sla_*.py): a clock the ticket and
service-level code read instead of the real one, and times in Berlin."""
from __future__ import annotations

import importlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

# Every module whose "now" decides a due time, a breach or what a page says about them.
# (Login sessions and mail keep the real clock.)
_CLOCK_READERS = (
    "helpdesk.tickets.models", "helpdesk.tickets.operations", "helpdesk.tickets.escalation",
    "helpdesk.tickets.sla", "helpdesk.tickets.page", "helpdesk.template_helpers",
    "helpdesk.service_levels.provider", "helpdesk.service_levels.tick",
    "helpdesk.service_levels.hooks", "helpdesk.service_levels.report",
    "helpdesk.service_levels.views",
)


def berlin(*args) -> datetime:
    """A wall-clock time in Berlin as the database keeps it (naive UTC)."""
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC).replace(tzinfo=None)


def in_berlin(moment: datetime) -> datetime:
    """A naive UTC time from the database as Berlin's wall clock shows it (naive)."""
    return moment.replace(tzinfo=UTC).astimezone(BERLIN).replace(tzinfo=None)


class FrozenClock:
    """Stands still until moved: `clock.set(berlin(...))`."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


def freeze(monkeypatch) -> FrozenClock:
    """Give the clock readers a frozen clock (a test file's `clock` fixture calls this)."""
    frozen = FrozenClock(berlin(2026, 3, 2, 9, 0))          # a Monday morning
    for name in _CLOCK_READERS:
        monkeypatch.setattr(importlib.import_module(name), "utcnow", frozen)
    return frozen
