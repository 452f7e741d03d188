"""Engine set-up, and the rule for SQLite's write lock: write intent is declared.

SQLite runs in WAL mode: readers never wait, and one writer at a time holds the write
lock. A transaction that reads first and writes later must upgrade its read to the lock,
and SQLite refuses that at once ("database is locked", no waiting) if another writer
holds the lock or committed since the read. So a unit of work that writes says so
before its first query, and its transactions begin with BEGIN IMMEDIATE (they wait for
the lock up front, up to the busy timeout); every other transaction begins deferred and
never takes or waits for the lock just to read.

Who declares:

* Requests, by their method: POST, PUT, PATCH and DELETE write; GET, HEAD and OPTIONS
  read. A view may declare otherwise with `writing()` or `reading()` inside the request;
  a declaration made outside a request (a test, a command) does not reach into one.
* Work outside requests declares itself: commands that change data (`@writes`), the
  mail sender's claims and outcomes, the test body (tests/conftest.py). Undeclared
  work reads: the indexer's reads, `kb status`, background rebuilds.
* `reading()` marks reads that must not take the lock even inside a writing unit (the
  indexer runs after a request's commit, and from writing commands).

A declaration is a context variable, so threads and requests each have their own. It
decides how a transaction *begins*: declare before the unit's first query (a
transaction already open keeps its mode). PostgreSQL needs none of this; there the
declarations change nothing.
"""
from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from flask import Flask, has_request_context, request
from sqlalchemy import event

from helpdesk.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# (writes?, the request it was declared in, or None outside requests)
_declared: ContextVar[tuple[bool, object] | None] = ContextVar("helpdesk_write_intent",
                                                               default=None)
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def writing() -> Iterator[None]:
    """Declare that the work inside writes: on SQLite, its transactions begin holding
    the write lock. Enter it before the work's first query."""
    with _declare(True):
        yield


@contextmanager
def reading() -> Iterator[None]:
    """Declare that the work inside only reads, even within a writing unit: on SQLite,
    its transactions begin deferred and never wait for the write lock."""
    with _declare(False):
        yield


def writes(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function (a command, a sender's claim) as a unit of work that writes."""
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with writing():
            return func(*args, **kwargs)
    return wrapper


def write_declared() -> bool:
    """Whether the current unit of work declared that it writes (see the module doc)."""
    declared = _declared.get()
    if has_request_context():
        if declared is not None and declared[1] is request._get_current_object():
            return declared[0]
        return request.method not in READ_METHODS
    return declared is not None and declared[0]


@contextmanager
def _declare(intent: bool) -> Iterator[None]:
    scope = request._get_current_object() if has_request_context() else None
    token = _declared.set((intent, scope))
    try:
        yield
    finally:
        _declared.reset(token)


def configure_engine_events(app: Flask) -> None:
    """Tune the engine for the database in use (only SQLite needs anything)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)
        return
    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is lazy).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # The default 2 MB page cache is small for a queue over 100,000 tickets.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    if not write_declared():
        connection.exec_driver_sql("BEGIN")
        return
    dbapi_connection = connection.connection.dbapi_connection
    if _begin_immediate_soon(dbapi_connection):
        return
    # The time ran out: one last try through SQLAlchemy, for its wrapped error, without
    # waiting the busy timeout a second time.
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


# Waiting for the write lock: SQLite's own busy handler sleeps 1, 2, 5, 10, ... and then
# 100 ms between its tries, so under steady writing (requests, the mail sender, the SLA
# tick, in several processes) a writer that missed the lock a few times slept far longer
# than the lock was held: filing a ticket took 0.5-1.3 s at the 95th percentile while the
# median was 15 ms (bench/run.py). Trying again every few milliseconds instead takes the
# lock soon after it is free.
_RETRY_FIRST_S = 0.0005
_RETRY_MAX_S = 0.004


def _begin_immediate_soon(dbapi_connection) -> bool:
    """BEGIN IMMEDIATE, tried every few milliseconds until the busy timeout. Returns False
    when the time ran out (the caller tries once more, for SQLAlchemy's error)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = _RETRY_FIRST_S
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=0")
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return True
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            if time.monotonic() + pause > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, _RETRY_MAX_S)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
