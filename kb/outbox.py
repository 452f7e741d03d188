"""The index outbox: every article change leaves a row in the same transaction.

After a commit that wrote outbox rows, the web process applies them to its index at
once (`kb.index.apply_outbox`); `helpdesk kb index-worker` does the same for other
processes and hosts. A crash in between loses nothing: the rows stay until applied.
A missing, damaged or ahead index is rebuilt by the app's index keeper
(`kb.index_upkeep`), by the index worker and by `helpdesk kb reindex`.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.extensions import db
from kb.models import OutboxEntry

log = logging.getLogger(__name__)

# PostgreSQL hands out ids before commit, so two transactions could commit their outbox
# rows out of id order and an indexer could skip the smaller one. Article writers take
# this transaction-scoped lock first, which makes ids commit in order. (SQLite already
# has one writer at a time, holding the lock from its first write to its commit.)
_PG_OUTBOX_LOCK = 74_323_001
_PENDING = "kb_outbox_pending"


def enqueue(article_id: int) -> OutboxEntry:
    """Add an outbox row for `article_id` to the current transaction. The caller commits."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": _PG_OUTBOX_LOCK})
    entry = OutboxEntry(article_id=article_id)
    session.add(entry)
    session.info[_PENDING] = True
    return entry


_installed: list[bool] = []


def install(app: Flask) -> None:
    """Apply the outbox right after each commit that wrote to it (unless the app's
    KB_INDEX_AFTER_COMMIT is off), and give the app its index keeper, which rebuilds a
    missing or damaged index in the background (kb.index_upkeep). The commit listener is
    global, so it is added once."""
    from kb import index_upkeep

    index_upkeep.init_app(app)
    if _installed:
        return
    _installed.append(True)

    @event.listens_for(Session, "after_commit")
    def _after_commit(session):
        # Releasing a savepoint fires this too (`kb import` keeps one per file): the rows
        # are not committed yet, so keep them pending for the real commit.
        if session.in_nested_transaction() or not session.info.pop(_PENDING, False):
            return
        try:
            flask_app = current_app._get_current_object()
        except RuntimeError:        # no app context: a script; the index-worker catches up
            return
        if not flask_app.config.get("KB_INDEX_AFTER_COMMIT", True):
            return
        from kb import index_upkeep

        index_upkeep.apply_outbox_quietly(flask_app)

    @event.listens_for(Session, "after_rollback")
    def _after_rollback(session):
        if not session.in_nested_transaction():
            session.info.pop(_PENDING, None)
