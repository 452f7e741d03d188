"""Applying the outbox to one generation: the changed articles' current state, in id order.

The last applied outbox id (and that row's time) is stored inside the index (a "meta"
document), so it is committed together with the changes it describes. An index whose
last applied row the database does not have is *ahead* (a restored database backup):
`apply_locked` raises `IndexAhead`, and the index is rebuilt.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from kb.index_schema import META_ID
from kb.index_source import document, read_database, select_articles
from kb.index_store import IndexAhead, open_generation, read_meta
from kb.models import Article, OutboxEntry

BATCH = 500


def is_ahead(reader: sa.Connection, applied: int, applied_at: str | None) -> bool:
    """Whether the index applied an outbox row this database does not have (a restored
    backup, or another database): the row is gone and no newer one exists, or a row of
    that id was written at another time. `prune_outbox` keeps the last applied row."""
    if not applied:
        return False
    found = reader.execute(sa.select(OutboxEntry.created_at)
                           .where(OutboxEntry.id == applied)).first()
    if found is None:
        return (reader.scalar(sa.select(sa.func.max(OutboxEntry.id))) or 0) < applied
    return applied_at is not None and as_datetime(applied_at) != found[0]


def apply_locked(folder: Path, *, max_rows: int | None = None) -> int:
    """Apply pending outbox rows to `folder` (at most `max_rows`); the caller holds the
    apply lock. Returns how many. Raises IndexAhead if the index is ahead."""
    ix = open_generation(folder)
    total = 0
    with read_database() as reader:
        with ix.searcher() as s:
            applied, applied_at = read_meta(s)
        if is_ahead(reader, applied, applied_at):
            raise IndexAhead(f"the index has applied outbox row {applied}, "
                             "which this database does not have")
        while max_rows is None or total < max_rows:
            size = BATCH if max_rows is None else min(BATCH, max_rows - total)
            entries = reader.execute(
                sa.select(OutboxEntry.id, OutboxEntry.article_id, OutboxEntry.created_at)
                .where(OutboxEntry.id > applied).order_by(OutboxEntry.id).limit(size)).all()
            if not entries:
                break
            _write_changes(ix, reader, entries)
            applied = entries[-1][0]
            total += len(entries)
    return total


def _write_changes(ix, reader: sa.Connection, entries: list) -> None:
    """Index the current state of the entries' articles and record the last entry."""
    ids = sorted({article_id for _id, article_id, _at in entries})
    rows = {row[0]: row for row in reader.execute(select_articles().where(Article.id.in_(ids)))}
    writer = ix.writer(timeout=5.0, delay=0.02)
    try:
        for article_id in ids:
            if article_id in rows:
                writer.update_document(**document(rows[article_id]))
            else:
                writer.delete_by_term("id", str(article_id))
        last_id, _article_id, created_at = entries[-1]
        writer.update_document(id=META_ID, kind="meta", applied=last_id,
                               applied_at=str(created_at))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def as_datetime(value) -> datetime | None:
    """The applied row's time as stored in the index (text: str() of the datetime;
    indexes built before SQLAlchemy read the rows hold SQLite's own text, which parses
    the same)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
