"""The service-level settings in force: the calendar, the policies and the level targets.

Read once per transaction (`current`), as plain frozen data, from the database; what is
missing there is taken from the defaults below, so pages never write to read. The rows are
created (`ensure_defaults`) by the units of work that write anyway: ticket changes, the
administration, `sla tick` and the demo. Creating them is safe in two processes at once.

Each transaction reads the rows in one statement (a few short rows: the calendar's settings,
the policies' and the level targets' minutes); each app keeps the settings it built from them
last and uses them again while the rows read are the same. The rows themselves are the
version: any change (an admin's, another process's, a category deleted with its policies, a
lead deleted, a restored backup) makes the next transaction in every process build them anew,
with no counter to keep up to date.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.database import write_declared
from helpdesk.extensions import db
from helpdesk.service_levels.models import (
    DEFAULT_CALENDAR,
    SlaCalendar,
    SlaLevelTarget,
    SlaPolicy,
)
from helpdesk.service_levels.working_time import BusinessCalendar
from helpdesk.tickets.models import Priority

# Minutes of working time: first response, next update, resolution.
DEFAULT_POLICIES: dict[Priority, tuple[int, int, int]] = {
    Priority.urgent: (60, 120, 8 * 60),
    Priority.high: (4 * 60, 8 * 60, 24 * 60),
    Priority.normal: (8 * 60, 24 * 60, 72 * 60),
    Priority.low: (24 * 60, 48 * 60, 120 * 60),
}
# Minutes of working time for an escalated ticket to be taken and answered at its level.
DEFAULT_LEVEL_TARGETS: dict[int, tuple[int, int]] = {2: (2 * 60, 4 * 60), 3: (4 * 60, 8 * 60)}
LEVELS_WITH_TARGETS = (2, 3)

# session.info: this transaction's settings (a _Loaded); app.extensions: the app's last
# built settings and the rows they were built from.
_CACHE_KEY = "helpdesk_sla_settings"
_BUILT_KEY = "helpdesk_sla_settings_built"


@dataclass(frozen=True)
class Policy:
    """One policy's targets (working time)."""

    id: int | None
    priority: Priority
    category_id: int | None
    first_response: timedelta
    next_update: timedelta
    resolution: timedelta
    auto_escalate: bool = False


@dataclass(frozen=True)
class LevelTargets:
    level: int
    take: timedelta
    answer: timedelta
    lead_id: int | None = None


@dataclass(frozen=True)
class Settings:
    calendar: BusinessCalendar
    policies: dict[str, Policy]
    levels: dict[int, LevelTargets]

    def policy_for(self, priority: Priority, category_id: int | None) -> Policy:
        """The category's policy for `priority`, else the priority's own."""
        if category_id is not None:
            found = self.policies.get(SlaPolicy.scope_of(priority, category_id))
            if found is not None:
                return found
        return self.policies.get(SlaPolicy.scope_of(priority, None)) or _default_policy(priority)


def _default_policy(priority: Priority) -> Policy:
    first, update, resolution = DEFAULT_POLICIES[priority]
    return Policy(None, priority, None, timedelta(minutes=first), timedelta(minutes=update),
                  timedelta(minutes=resolution))


@dataclass(frozen=True)
class _Loaded:
    settings: Settings
    defaults_complete: bool      # every default row exists (ensure_defaults has nothing to do)


def current() -> Settings:
    """The settings in force, read once per transaction."""
    return _loaded().settings


def _loaded() -> _Loaded:
    session = db.session()
    found = session.info.get(_CACHE_KEY)
    if found is None:
        found = session.info[_CACHE_KEY] = _from_rows(_read_rows())
    return found


def forget() -> None:
    """Read the settings again on next use (after a change in this transaction)."""
    db.session().info.pop(_CACHE_KEY, None)


# The kinds of row in _read_rows, in its order.
_CALENDAR, _POLICY, _LEVEL = 1, 2, 3


# Every row the settings are built from, in one statement (its text is fixed, so running it
# costs no statement building): (kind, id, name or scope, settings or priority, numbers).
_ROWS = sa.text(f"""
SELECT {_CALENDAR} AS kind, id, name AS key, settings AS body, CAST(NULL AS INTEGER) AS a,
       CAST(NULL AS INTEGER) AS b, CAST(NULL AS INTEGER) AS c, CAST(NULL AS INTEGER) AS d,
       CAST(NULL AS INTEGER) AS e
  FROM {SlaCalendar.__tablename__} WHERE name = :calendar
UNION ALL
SELECT {_POLICY}, id, scope, priority, category_id, first_response_minutes,
       next_update_minutes, resolution_minutes, CAST(auto_escalate AS INTEGER)
  FROM {SlaPolicy.__tablename__}
UNION ALL
SELECT {_LEVEL}, id, NULL, NULL, level, take_minutes, answer_minutes, lead_id, NULL
  FROM {SlaLevelTarget.__tablename__}
ORDER BY 1, 2""").bindparams(calendar=DEFAULT_CALENDAR)


def _read_rows() -> tuple[tuple, ...]:
    session = db.session()
    if session.autoflush:
        # As a query of the models would: this transaction's pending changes (an admin's,
        # before the commit) are written first, and so are read.
        session.flush()
    return tuple(tuple(row) for row in session.execute(_ROWS))


def _from_rows(rows: tuple[tuple, ...]) -> _Loaded:
    """The settings of these rows: the app's last built ones when the rows are the same."""
    extensions = current_app.extensions
    built = extensions.get(_BUILT_KEY)
    if built is not None and built[0] == rows:
        return built[1]
    loaded = _build(rows)
    extensions[_BUILT_KEY] = (rows, loaded)      # one assignment: safe for other threads
    return loaded


def _build(rows: tuple[tuple, ...]) -> _Loaded:
    calendar = BusinessCalendar()
    has_calendar = False
    policies = {SlaPolicy.scope_of(p, None): _default_policy(p) for p in Priority}
    stored_scopes: set[str] = set()
    levels = {level: LevelTargets(level, timedelta(minutes=take), timedelta(minutes=answer))
              for level, (take, answer) in DEFAULT_LEVEL_TARGETS.items()}
    stored_levels: set[int] = set()
    for kind, row_id, key, body, a, b, c, d, e in rows:
        if kind == _CALENDAR:
            calendar, has_calendar = BusinessCalendar.from_dict(json.loads(body)), True
        elif kind == _POLICY:
            policies[key] = Policy(row_id, Priority(body), a, timedelta(minutes=b),
                                   timedelta(minutes=c), timedelta(minutes=d), bool(e))
            stored_scopes.add(key)
        else:
            levels[a] = LevelTargets(a, timedelta(minutes=b), timedelta(minutes=c), d)
            stored_levels.add(a)
    complete = (has_calendar
                and all(SlaPolicy.scope_of(p, None) in stored_scopes for p in DEFAULT_POLICIES)
                and all(level in stored_levels for level in DEFAULT_LEVEL_TARGETS))
    return _Loaded(Settings(calendar, policies, levels), complete)


def ensure_defaults() -> bool:
    """Create the default calendar, policies and level targets that are missing.

    Returns whether it created any. Safe when another process does the same at once:
    an insert that meets an existing row does nothing. The caller commits.
    """
    created = 0
    if db.session.scalar(sa.select(SlaCalendar.id).where(
            SlaCalendar.name == DEFAULT_CALENDAR)) is None:
        row = SlaCalendar(name=DEFAULT_CALENDAR)
        row.set_calendar(BusinessCalendar())
        created += _insert_missing(SlaCalendar, [{"name": row.name, "settings": row.settings,
                                                  "version": 1}], "name")
    scopes = set(db.session.scalars(sa.select(SlaPolicy.scope)))
    rows = [{"scope": SlaPolicy.scope_of(p, None), "priority": p.value, "category_id": None,
             "first_response_minutes": first, "next_update_minutes": update,
             "resolution_minutes": resolution, "auto_escalate": False, "version": 1}
            for p, (first, update, resolution) in DEFAULT_POLICIES.items()
            if SlaPolicy.scope_of(p, None) not in scopes]
    created += _insert_missing(SlaPolicy, rows, "scope")
    levels = set(db.session.scalars(sa.select(SlaLevelTarget.level)))
    rows = [{"level": level, "take_minutes": take, "answer_minutes": answer, "version": 1}
            for level, (take, answer) in DEFAULT_LEVEL_TARGETS.items() if level not in levels]
    created += _insert_missing(SlaLevelTarget, rows, "level")
    if created:
        forget()
    return bool(created)


def ensure_defaults_if_writing() -> None:
    """`ensure_defaults` in a unit of work that declared it writes (never in a page view),
    when a default row is missing (the rows are read once per transaction anyway)."""
    if write_declared() and not _loaded().defaults_complete:
        ensure_defaults()
        forget()


def _insert_missing(model, rows: list[dict], key: str) -> int:
    """Insert `rows`, skipping any whose `key` exists (also one inserted concurrently)."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:       # pragma: no cover (the app runs on SQLite and PostgreSQL)
        raise RuntimeError(f"no insert-or-skip for {dialect}")
    result = db.session.execute(insert(model).values(rows)
                                .on_conflict_do_nothing(index_elements=[key]))
    return result.rowcount or 0


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_at_transaction_end(session, *_args) -> None:
    session.info.pop(_CACHE_KEY, None)
