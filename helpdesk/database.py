"""Engine set-up: SQLite in WAL mode with write transactions that lock up front."""
from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import event

from helpdesk.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
    # A deferred transaction that reads and then writes can deadlock against another
    # worker doing the same ("database is locked" without waiting). Requests that may
    # write, and commands, take the write lock up front; page views read concurrently.
    if has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
