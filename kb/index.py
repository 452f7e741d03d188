"""The Whoosh index: the one interface the rest of the application uses.

Its parts live beside it: the schema (`kb.index_schema`), the folder, its locks and its
generations (`kb.index_store`), applying the outbox (`kb.index_apply`), rebuild-and-swap
(`kb.index_rebuild`), the check (`kb.index_check`) and the upkeep that keeps a host's
index usable without an operator (`kb.index_upkeep`). Whoosh internals are used only
through `kb.whoosh_internals`.

Here: making sure an index exists, this thread's searcher on it, applying the outbox
under the apply lock, and the index's status.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb.index_apply import BATCH, apply_locked, is_ahead
from kb.index_rebuild import rebuild
from kb.index_schema import LANGS, META_ID, SCHEMA, SCHEMA_VERSION, make_schema
from kb.index_source import document, read_database
from kb.index_store import (
    DAMAGE_ERRORS,
    IndexAhead,
    IndexUnavailable,
    current_dir,
    damaged,
    exists,
    held,
    index_root,
    lock_timeout,
    open_generation,
    read_meta,
)
from kb.models import OutboxEntry
from kb.ranking import WEIGHTING

__all__ = [
    "BATCH", "DAMAGE_ERRORS", "LANGS", "META_ID", "SCHEMA", "SCHEMA_VERSION", "IndexAhead",
    "IndexStatus", "IndexUnavailable", "apply_locked", "apply_outbox", "applying",
    "check_generation", "current_dir", "damaged", "document", "drop_cached_searchers",
    "ensure_index", "exists", "index_root", "make_schema", "open_generation",
    "prune_outbox", "rebuild", "searcher", "size_bytes", "status",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexStatus:
    present: bool
    documents: int
    applied: int
    newest: int
    lag: int
    pending_since: object = None       # creation time of the oldest unapplied outbox row
    ahead: bool = False
    error: str | None = None


def ensure_index(app: Flask) -> Path:
    """Return the current generation's folder, rebuilding from the database if missing.

    Raises LockError if another process's rebuild takes longer than KB_REBUILD_WAIT.
    """
    root = index_root(app)
    current = current_dir(root)
    if current is not None:
        return current
    log.warning("search index missing at %s: rebuilding from the database", root)
    rebuild(app, only_if=lambda: current_dir(root) is None)
    current = current_dir(root)
    if current is None:
        raise IndexUnavailable(f"no index could be built at {root}")
    return current


# -- the searcher cache ---------------------------------------------------------------

_local = threading.local()


def searcher(app: Flask):
    """Return this thread's searcher on the current index, refreshed if the index changed.

    Opening an index costs far more than a search, so it is kept between requests.
    Raises IndexUnavailable if the index's files are damaged.
    """
    folder = ensure_index(app)
    cached = getattr(_local, "searchers", None)
    if cached is None:
        cached = _local.searchers = {}
    root = str(index_root(app))
    entry = cached.get(root)
    try:
        if entry is not None and entry[0] == folder:
            current = entry[1]
            if current.up_to_date():
                return current
            fresh = current.refresh()
        else:
            if entry is not None:
                cached.pop(root)[1].close()
            while len(cached) >= 4:          # several apps in one process (tests): close old
                cached.pop(next(iter(cached)))[1].close()
            fresh = open_generation(folder).searcher(weighting=WEIGHTING)
    except DAMAGE_ERRORS as exc:
        cached.pop(root, None)
        raise damaged(folder, exc) from exc
    cached[root] = (folder, fresh)
    return fresh


def drop_cached_searchers() -> None:
    """Close this thread's cached searchers (tests, and after a rebuild in-process)."""
    for _folder, cached in getattr(_local, "searchers", {}).values():
        with suppress(*DAMAGE_ERRORS):    # files of a damaged or removed generation
            cached.close()
    _local.searchers = {}


# -- applying the outbox --------------------------------------------------------------

def apply_outbox(app: Flask, *, timeout: float | None = None,
                 max_rows: int | None = None) -> int:
    """Apply pending outbox rows to the index, in id order (at most `max_rows`). Returns
    how many.

    Takes the index's apply lock (waiting up to `timeout` seconds, then LockError).
    Raises IndexAhead if the index is ahead of the database, IndexUnavailable if it is
    damaged; both need a rebuild. The caller needs an application context.
    """
    with applying(app, timeout=timeout) as folder:
        try:
            return apply_locked(folder, max_rows=max_rows)
        except DAMAGE_ERRORS as exc:
            raise damaged(folder, exc) from exc


@contextmanager
def applying(app: Flask, *, timeout: float | None = None) -> Iterator[Path]:
    """Hold the index's apply lock (the one writer of the current generation) and yield
    the current generation's folder. Waits up to `timeout` seconds, then LockError."""
    folder = ensure_index(app)
    root = index_root(app)
    with held(root, "apply.lock", lock_timeout(app) if timeout is None else float(timeout)):
        yield current_dir(root) or folder


# -- status ---------------------------------------------------------------------------

def check_generation(folder: Path) -> None:
    """Read the generation `folder` and compare it with the database, changing nothing:
    raises IndexUnavailable if its files are damaged, IndexAhead if it has applied an
    outbox row the database does not have."""
    try:
        with open_generation(folder).searcher() as s:
            applied, applied_at = read_meta(s)
            s.doc_count()
    except DAMAGE_ERRORS as exc:
        raise damaged(folder, exc) from exc
    with read_database() as reader:
        if is_ahead(reader, applied, applied_at):
            raise IndexAhead(f"the index has applied outbox row {applied}, "
                             "which this database does not have")


def status(app: Flask) -> IndexStatus:
    """Return whether the index exists and is readable, its size, how far it lags behind
    the outbox (and since when), and whether it is ahead of the database.

    Reads only: a missing or damaged index is reported, never rebuilt here.
    """
    root = index_root(app)
    folder = current_dir(root)
    applied = documents = 0
    applied_at = error = None
    if folder is not None:
        try:
            with open_generation(folder).searcher() as s:
                applied, applied_at = read_meta(s)
                documents = s.doc_count() - (1 if s.document(id=META_ID) else 0)
        except (IndexUnavailable, *DAMAGE_ERRORS) as exc:
            error = str(exc) if isinstance(exc, IndexUnavailable) else str(damaged(folder, exc))
    with read_database() as reader:
        newest = reader.scalar(sa.select(sa.func.max(OutboxEntry.id))) or 0
        lag, since = reader.execute(sa.select(
            sa.func.count(OutboxEntry.id), sa.func.min(OutboxEntry.created_at)).where(
            OutboxEntry.id > applied)).one()
        ahead = folder is not None and error is None and is_ahead(reader, applied, applied_at)
    return IndexStatus(folder is not None, documents, applied, newest, lag or 0,
                       since, ahead, error)


def prune_outbox(*, older_than: timedelta) -> int:
    """Delete outbox rows older than `older_than`, never one this index has not applied
    (nor the last applied one: it tells whether the index is ahead of the database).

    Run it where every host's index replica is known to be current. The caller commits.
    """
    cutoff = utcnow() - older_than
    folder = current_dir(index_root(current_app))
    applied = 0
    if folder is not None:
        with open_generation(folder).searcher() as s:
            applied = read_meta(s)[0]
    result = db.session.execute(sa.delete(OutboxEntry).where(
        OutboxEntry.created_at < cutoff, OutboxEntry.id < applied))
    return result.rowcount or 0


def size_bytes(app: Flask) -> int:
    """The current generation's size on disk."""
    folder = current_dir(index_root(app))
    return sum(p.stat().st_size for p in folder.iterdir()) if folder else 0
