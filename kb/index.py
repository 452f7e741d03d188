"""The Whoosh index: schema, opening, the outbox indexer, and rebuild-and-swap.

Layout of INDEX_PATH (a directory):

    CURRENT          the name of the generation in use (replaced atomically)
    gen-<id>/        one complete Whoosh index per generation
    apply.lock       held (fcntl) while outbox rows are applied or a generation is swapped
    rebuild.lock     held while a generation is built (one rebuild at a time)

The last applied outbox id (and that row's time) is stored inside the index (a "meta"
document), so it is committed together with the changes it describes. An index whose
last applied row the database does not have is *ahead* (a restored database backup) and
is rebuilt. Nothing in the folder is trusted: garbage in CURRENT reads as "no index",
damaged Whoosh files raise `IndexUnavailable`, and `rebuild` always starts afresh from
the database. Only this module, `kb.ranking`, `kb.index_check` and `kb.search` import
Whoosh.
"""
from __future__ import annotations

import logging
import os
import pickle
import re
import shutil
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.index import IndexError as WhooshIndexError
from whoosh.index import LockError
from whoosh.util.filelock import FileLock

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb.analysis import language_analyzer, word_analyzer
from kb.index_source import LANGS, document, read_database, select_articles
from kb.models import Article, OutboxEntry
from kb.ranking import WEIGHTING

log = logging.getLogger(__name__)

META_ID = "__meta__"
# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = "6"
BATCH = 500


def make_schema() -> Schema:
    """Title weighs more than tags, tags more than body; one field set per language."""
    fields = dict(
        id=ID(stored=True, unique=True), kind=ID(), status=ID(stored=True),
        visibility=ID(stored=True), language=ID(stored=True), category=ID(stored=True),
        title=STORED(), summary=STORED(), snippet=STORED(), version=STORED(),
        applied=STORED(), applied_at=STORED(),
        spell=TEXT(analyzer=word_analyzer(), phrase=False),
    )
    for lang in LANGS:
        analyzer = language_analyzer(lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer, field_boost=4.0)
        fields[f"tags_{lang}"] = TEXT(analyzer=analyzer, field_boost=2.0, phrase=False)
        # No positions in the body: a third of the index size and build time. Phrases
        # still work on titles; kb.search turns them into AND for the body.
        fields[f"body_{lang}"] = TEXT(analyzer=analyzer, field_boost=1.0, phrase=False)
    return Schema(**fields)


SCHEMA = make_schema()


# What a damaged generation raises while it is opened or read: missing or unreadable
# files, truncated or overwritten data (pickle, struct, zlib, text decoding), Whoosh's
# own index errors. Search turns these into "unavailable"; `kb reindex` repairs them.
DAMAGE_ERRORS = (OSError, EOFError, ValueError, KeyError, IndexError, TypeError,
                 AttributeError, struct.error, zlib.error, pickle.UnpicklingError,
                 WhooshIndexError)


class IndexUnavailable(Exception):
    """The index cannot be read (damaged files); search degrades until it is rebuilt."""


class IndexAhead(Exception):
    """The index has applied outbox rows the database does not have: rebuild it."""


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


# -- opening --------------------------------------------------------------------------

def index_root(app: Flask) -> Path:
    """The index folder (INDEX_PATH), holding CURRENT and the generations."""
    return Path(app.config["INDEX_PATH"])


_GENERATION = re.compile(r"gen-[0-9A-Za-z-]{1,80}")


def _marker(path: Path) -> str | None:
    """The ASCII text of a small marker file; None if missing, unreadable or garbage."""
    try:
        with path.open("rb") as file:
            return file.read(200).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def current_dir(root: Path) -> Path | None:
    """The generation CURRENT names, if it is a whole index of this schema; else None.

    Never raises: a missing, unreadable or garbage pointer reads as "no index".
    """
    name = _marker(root / "CURRENT")
    if not name or not _GENERATION.fullmatch(name):
        return None
    path = root / name
    # KB_SCHEMA is written after the generation's first commit: it marks a whole index.
    return path if _marker(path / "KB_SCHEMA") == SCHEMA_VERSION else None


def exists(app: Flask) -> bool:
    """Whether the index has a current generation (it may still be damaged)."""
    return current_dir(index_root(app)) is not None


def _lock(root: Path, name: str, timeout: float) -> FileLock:
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / name))
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise LockError(f"{name} is held by another process")
        time.sleep(0.02)
    return lock


@contextmanager
def _held(root: Path, name: str, timeout: float) -> Iterator[None]:
    lock = _lock(root, name, timeout)
    try:
        yield
    finally:
        lock.release()


def _rebuild_wait(app: Flask) -> float:
    return float(app.config.get("KB_REBUILD_WAIT", 300))


def damaged(folder: Path, exc: BaseException) -> IndexUnavailable:
    """The IndexUnavailable to raise for `exc`, met while reading `folder`."""
    return IndexUnavailable(f"{folder.name}: {exc.__class__.__name__}: {exc}"[:300])


def open_generation(folder: Path):
    """Open one generation's Whoosh index; damaged files raise IndexUnavailable."""
    try:
        return whoosh_index.open_dir(str(folder), schema=SCHEMA)
    except DAMAGE_ERRORS as exc:
        raise damaged(folder, exc) from exc


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

def _meta(reader_searcher) -> tuple[int, str | None]:
    """The last applied outbox id and that row's creation time, as stored in the index."""
    meta = reader_searcher.document(id=META_ID)
    return (int(meta["applied"]), meta.get("applied_at")) if meta else (0, None)


def _is_ahead(reader: sa.Connection, applied: int, applied_at: str | None) -> bool:
    """Whether the index applied an outbox row this database does not have (a restored
    backup, or another database): the row is gone and no newer one exists, or a row of
    that id was written at another time. `prune_outbox` keeps the last applied row."""
    if not applied:
        return False
    found = reader.execute(sa.select(OutboxEntry.created_at)
                           .where(OutboxEntry.id == applied)).first()
    if found is None:
        return (reader.scalar(sa.select(sa.func.max(OutboxEntry.id))) or 0) < applied
    return applied_at is not None and _as_datetime(applied_at) != found[0]


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
    wait = float(app.config.get("KB_INDEX_LOCK_TIMEOUT", 30) if timeout is None else timeout)
    with _held(root, "apply.lock", wait):
        yield current_dir(root) or folder


def apply_locked(folder: Path, *, max_rows: int | None = None) -> int:
    """Apply pending outbox rows to `folder`; the caller holds the apply lock."""
    ix = open_generation(folder)
    total = 0
    with read_database() as reader:
        with ix.searcher() as s:
            applied, applied_at = _meta(s)
        if _is_ahead(reader, applied, applied_at):
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


# -- rebuild --------------------------------------------------------------------------

def rebuild(app: Flask, *, procs: int | None = None, limitmb: int | None = None,
            progress: Callable[[int], None] | None = None,
            only_if: Callable[[], bool] | None = None) -> int:
    """Build a fresh index from the database in a new folder, then swap it in.

    Nothing of the old folder is read, so any damage is repaired. One rebuild runs at a
    time (rebuild.lock): a swap deletes old generations, never one being built. A crash
    mid-rebuild leaves the old index in use. Returns the number of articles.
    `limitmb` is the memory per indexing process (KB_REINDEX_LIMITMB, default 512).
    `only_if` is checked once the lock is held (whether someone else rebuilt meanwhile);
    if it says no, nothing is built and 0 is returned.
    """
    with _held(index_root(app), "rebuild.lock", _rebuild_wait(app)):
        if only_if is not None and not only_if():
            return 0
        return _build_and_swap(app, procs=procs, limitmb=limitmb, progress=progress)


def _build_and_swap(app: Flask, *, procs: int | None = None, limitmb: int | None = None,
                    progress: Callable[[int], None] | None = None) -> int:
    limitmb = limitmb or int(app.config.get("KB_REINDEX_LIMITMB", 512))
    root = index_root(app)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    count = 0
    with read_database() as reader:
        # The newest outbox row *before* reading the articles: rows committed while they
        # are read are applied again after the swap (applying is idempotent).
        applied, applied_at = reader.execute(
            sa.select(OutboxEntry.id, OutboxEntry.created_at)
            .order_by(OutboxEntry.id.desc()).limit(1)).first() or (0, None)
        total = reader.scalar(sa.select(sa.func.count(Article.id))) or 0
        procs = procs or (min(os.cpu_count() or 1, 4) if total > 5000 else 1)
        options = {"procs": procs, "limitmb": limitmb}
        if procs > 1:
            options["multisegment"] = True
        writer = ix.writer(**options)
        for row in reader.execute(select_articles().order_by(Article.id)):
            writer.add_document(**document(row))
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
    writer.add_document(id=META_ID, kind="meta", applied=applied,
                        applied_at=str(applied_at) if applied_at is not None else None)
    writer.commit()
    (folder / "KB_SCHEMA").write_text(SCHEMA_VERSION, encoding="ascii")
    _swap(app, folder)
    return count


def _swap(app: Flask, folder: Path) -> None:
    root = index_root(app)
    with _held(root, "apply.lock", float(app.config.get("KB_INDEX_LOCK_TIMEOUT", 30))):
        previous = current_dir(root)
        pointer = root / "CURRENT"
        if pointer.is_dir() and not pointer.is_symlink():
            shutil.rmtree(pointer)      # whatever was there, it is not our pointer
        tmp = root / f"CURRENT.{uuid.uuid4().hex}"
        tmp.write_text(folder.name, encoding="ascii")
        os.replace(tmp, pointer)
        apply_locked(folder)          # catch up with saves made during the rebuild
    keep = {folder.name, previous.name if previous else ""}
    for old in root.glob("gen-*"):
        if old.name not in keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


# -- status ---------------------------------------------------------------------------

def status(app: Flask) -> IndexStatus:
    """Return whether the index exists and is readable, its size, how far it lags behind
    the outbox (and since when), and whether it is ahead of the database."""
    root = index_root(app)
    folder = current_dir(root)
    applied = documents = 0
    applied_at = error = None
    if folder is not None:
        try:
            with open_generation(folder).searcher() as s:
                applied, applied_at = _meta(s)
                documents = s.doc_count() - (1 if s.document(id=META_ID) else 0)
        except (IndexUnavailable, *DAMAGE_ERRORS) as exc:
            error = str(exc) if isinstance(exc, IndexUnavailable) else str(damaged(folder, exc))
    with read_database() as reader:
        newest = reader.scalar(sa.select(sa.func.max(OutboxEntry.id))) or 0
        lag, since = reader.execute(sa.select(
            sa.func.count(OutboxEntry.id), sa.func.min(OutboxEntry.created_at)).where(
            OutboxEntry.id > applied)).one()
        ahead = folder is not None and error is None and _is_ahead(reader, applied, applied_at)
    return IndexStatus(folder is not None, documents, applied, newest, lag or 0,
                       since, ahead, error)


def _as_datetime(value) -> datetime | None:
    # The index stores the applied row's time as text: str() of the datetime (indexes
    # built before SQLAlchemy read the rows hold SQLite's own text, which parses the same).
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


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
            applied = _meta(s)[0]
    result = db.session.execute(sa.delete(OutboxEntry).where(
        OutboxEntry.created_at < cutoff, OutboxEntry.id < applied))
    return result.rowcount or 0


def size_bytes(app: Flask) -> int:
    """The current generation's size on disk."""
    folder = current_dir(index_root(app))
    return sum(p.stat().st_size for p in folder.iterdir()) if folder else 0
