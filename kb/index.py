"""The Whoosh index: schema, opening, the outbox indexer, and rebuild-and-swap.

Layout of INDEX_PATH (a directory):

    CURRENT          the name of the generation in use (replaced atomically)
    gen-<id>/        one complete Whoosh index per generation
    apply.lock       held (fcntl) while outbox rows are applied or a generation is swapped
    rebuild.lock     held while a missing index is rebuilt at start

The last applied outbox id is stored inside the index (a "meta" document), so it is
committed together with the changes it describes. Only this module and `kb.search`
import Whoosh.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.util.filelock import FileLock

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.text_input import clean_text
from helpdesk.tickets.models import Category
from kb.analysis import language_analyzer, plain_text, word_analyzer
from kb.models import Article, OutboxEntry

log = logging.getLogger(__name__)

META_ID = "__meta__"
# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = "5"
SNIPPET_CHARS = 1200
LANGS = ("en", "de")
BATCH = 500


def make_schema() -> Schema:
    """Title weighs more than tags, tags more than body; one field set per language."""
    fields = dict(
        id=ID(stored=True, unique=True), kind=ID(), status=ID(stored=True),
        visibility=ID(stored=True), language=ID(stored=True), category=ID(stored=True),
        title=STORED(), summary=STORED(), snippet=STORED(), applied=STORED(),
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


@dataclass(frozen=True)
class IndexStatus:
    present: bool
    documents: int
    applied: int
    newest: int
    lag: int


# -- documents ------------------------------------------------------------------------

_COLUMNS = (Article.id, Article.title, Article.summary, Article.body, Article.language,
            Article.tags, Article.status, Article.visibility, Category.slug)


def _select_articles():
    return sa.select(*_COLUMNS).outerjoin(Category, Article.category_id == Category.id)


def document(row) -> dict:
    """Return the index document of an article row (see `_COLUMNS`)."""
    article_id, title, summary, body, language, tags, status, visibility, category = row
    # Rows written before text was cleaned on the way in may hold decomposed umlauts.
    title, summary = clean_text(title), clean_text(summary or "")
    lang = language if language in LANGS else "en"
    text = plain_text(clean_text(body or ""))
    tag_text = clean_text(tags or "").replace(",", " ")
    return {
        "id": str(article_id), "kind": "article", "status": str(status),
        "visibility": str(visibility), "language": lang, "category": category or "",
        "title": title, "summary": summary or "",
        "snippet": ((summary + " — ") if summary else "") + text[:SNIPPET_CHARS],
        "spell": f"{title} {tag_text}",
        f"title_{lang}": title, f"tags_{lang}": tag_text,
        # The body field holds everything, so "all words" can be matched on it alone
        # (see kb.search: title and tags then only add to the score).
        f"body_{lang}": f"{title} {tag_text} {summary or ''} {text}",
    }


# -- reading the database ------------------------------------------------------------

class _Reader:
    """Reads for the indexer on a raw connection of its own, outside any ORM session.

    The indexer runs right after a commit and from commands. On SQLite, a session of its
    own would begin with the write lock (see helpdesk.database) and could wait for a
    transaction of its own process; plain autocommit reads take no lock at all. The
    statements are ours (integers and column names only), so they are compiled with
    literal values.
    """

    def __init__(self, raw):
        self.raw = raw

    def rows(self, statement, size: int = 2000) -> Iterator[tuple]:
        sql = str(statement.compile(dialect=db.engine.dialect,
                                    compile_kwargs={"literal_binds": True}))
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql)
            while batch := cursor.fetchmany(size):
                yield from batch
        finally:
            cursor.close()

    def scalar(self, statement):
        return next(iter(self.rows(statement)), (None,))[0]


@contextmanager
def _reader() -> Iterator[_Reader]:
    raw = db.engine.raw_connection()
    try:
        yield _Reader(raw)
    finally:
        raw.rollback()
        raw.close()


# -- opening --------------------------------------------------------------------------

def _root(app: Flask) -> Path:
    return Path(app.config["INDEX_PATH"])


def _current_dir(root: Path) -> Path | None:
    try:
        name = (root / "CURRENT").read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    path = root / name
    try:
        version = (path / "KB_SCHEMA").read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    # KB_SCHEMA is written after the generation's first commit: it marks a whole index.
    return path if version == SCHEMA_VERSION else None


def exists(app: Flask) -> bool:
    return _current_dir(_root(app)) is not None


def _lock(root: Path, name: str, timeout: float) -> FileLock:
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / name))
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise LockError(f"{name} is held by another process")
        time.sleep(0.02)
    return lock


def ensure_index(app: Flask) -> Path:
    """Return the current generation's folder, rebuilding from the database if missing."""
    root = _root(app)
    current = _current_dir(root)
    if current is not None:
        return current
    lock = _lock(root, "rebuild.lock", timeout=float(app.config.get("KB_REBUILD_WAIT", 300)))
    try:
        current = _current_dir(root)
        if current is None:
            log.warning("search index missing at %s: rebuilding from the database", root)
            rebuild(app)
            current = _current_dir(root)
    finally:
        lock.release()
    return current


# -- ranking --------------------------------------------------------------------------

class _LengthFreeScorer(scoring.BM25FScorer):
    """BM25 with every document at average length: no per-hit field-length lookup.

    Most of a search's time went into reading field lengths; KB articles are of similar
    length, and titles and tags already weigh more through their field boosts. Block
    quality (computed with the block's shortest length) stays an upper bound, so Whoosh
    can still skip blocks that cannot reach the top hits.
    """

    def score(self, matcher):
        return self._score(matcher.weight(), self.avgfl)


class LengthFreeBM25F(scoring.BM25F):
    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _LengthFreeScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)


WEIGHTING = LengthFreeBM25F()


_rebuilding = threading.Lock()


def rebuild_soon(app: Flask) -> bool:
    """Start rebuilding a missing index in a background thread (one per process).

    Called by the health check, so a freshly started host brings its index up without
    waiting for someone to search. Returns whether a rebuild was started.
    """
    if exists(app) or not _rebuilding.acquire(blocking=False):
        return False
    app = getattr(app, "_get_current_object", lambda: app)()   # a proxy dies with the request

    def run():
        try:
            with app.app_context():
                ensure_index(app)
        except (LockError, OSError):
            log.exception("background rebuild of the search index failed")
        finally:
            _rebuilding.release()

    threading.Thread(target=run, name="kb-index-rebuild", daemon=True).start()
    return True


# -- the searcher cache ---------------------------------------------------------------

_local = threading.local()


def searcher(app: Flask):
    """Return this thread's searcher on the current index, refreshed if the index changed.

    Opening an index costs far more than a search, so it is kept between requests.
    """
    folder = ensure_index(app)
    cached = getattr(_local, "searchers", None)
    if cached is None:
        cached = _local.searchers = {}
    root = str(_root(app))
    entry = cached.get(root)
    if entry is not None and entry[0] == folder:
        current = entry[1]
        if current.up_to_date():
            return current
        fresh = current.refresh()
    else:
        if entry is not None:
            entry[1].close()
        while len(cached) >= 4:              # several apps in one process (tests): close old
            cached.pop(next(iter(cached)))[1].close()
        fresh = whoosh_index.open_dir(str(folder), schema=SCHEMA).searcher(weighting=WEIGHTING)
    cached[root] = (folder, fresh)
    return fresh


def drop_cached_searchers() -> None:
    """Close this thread's cached searchers (tests, and after a rebuild in-process)."""
    for _folder, cached in getattr(_local, "searchers", {}).values():
        cached.close()
    _local.searchers = {}


# -- applying the outbox --------------------------------------------------------------

def _applied(reader_searcher) -> int:
    meta = reader_searcher.document(id=META_ID)
    return int(meta["applied"]) if meta else 0


def apply_outbox(app: Flask, *, timeout: float | None = None) -> int:
    """Apply every pending outbox row to the index, in id order. Returns how many.

    Takes the index's apply lock (waiting up to `timeout` seconds, then LockError).
    The caller needs an application context.
    """
    folder = ensure_index(app)
    root = _root(app)
    wait = float(app.config.get("KB_INDEX_LOCK_TIMEOUT", 30) if timeout is None else timeout)
    lock = _lock(root, "apply.lock", wait)
    try:
        folder = _current_dir(root) or folder
        return _apply_locked(folder)
    finally:
        lock.release()


def _apply_locked(folder: Path) -> int:
    ix = whoosh_index.open_dir(str(folder), schema=SCHEMA)
    total = 0
    with _reader() as reader:
        while True:
            with ix.searcher() as s:
                applied = _applied(s)
            entries = list(reader.rows(
                sa.select(OutboxEntry.id, OutboxEntry.article_id)
                .where(OutboxEntry.id > applied).order_by(OutboxEntry.id).limit(BATCH)))
            if not entries:
                return total
            ids = {article_id for _id, article_id in entries}
            rows = {row[0]: row for row in reader.rows(
                _select_articles().where(Article.id.in_(sorted(ids))))}
            writer = ix.writer(timeout=5.0, delay=0.02)
            for article_id in sorted(ids):
                if article_id in rows:
                    writer.update_document(**document(rows[article_id]))
                else:
                    writer.delete_by_term("id", str(article_id))
            writer.update_document(id=META_ID, kind="meta", applied=entries[-1][0])
            writer.commit()
            total += len(entries)


def apply_outbox_quietly(app: Flask) -> int:
    """Apply the outbox after a commit; a busy or broken index never fails the request.

    Whatever is not applied now stays in the outbox for the next run.
    """
    try:
        return apply_outbox(app)
    except (LockError, OSError):
        log.exception("search index not updated now; the outbox keeps the change")
        return 0


# -- rebuild --------------------------------------------------------------------------

def rebuild(app: Flask, *, procs: int | None = None, limitmb: int | None = None,
            progress: Callable[[int], None] | None = None) -> int:
    """Build a fresh index from the database in a new folder, then swap it in.

    A crash mid-rebuild leaves the old index in use. Returns the number of articles.
    `limitmb` is the memory per indexing process (KB_REINDEX_LIMITMB, default 512).
    """
    limitmb = limitmb or int(app.config.get("KB_REINDEX_LIMITMB", 512))
    root = _root(app)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    count = 0
    with _reader() as reader:
        applied = reader.scalar(sa.select(sa.func.max(OutboxEntry.id))) or 0
        total = reader.scalar(sa.select(sa.func.count(Article.id))) or 0
        procs = procs or (min(os.cpu_count() or 1, 4) if total > 5000 else 1)
        options = {"procs": procs, "limitmb": limitmb}
        if procs > 1:
            options["multisegment"] = True
        writer = ix.writer(**options)
        for row in reader.rows(_select_articles().order_by(Article.id)):
            writer.add_document(**document(row))
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
    writer.add_document(id=META_ID, kind="meta", applied=applied)
    writer.commit()
    (folder / "KB_SCHEMA").write_text(SCHEMA_VERSION, encoding="ascii")
    _swap(app, folder)
    return count


def _swap(app: Flask, folder: Path) -> None:
    root = _root(app)
    lock = _lock(root, "apply.lock", float(app.config.get("KB_INDEX_LOCK_TIMEOUT", 30)))
    try:
        previous = _current_dir(root)
        tmp = root / f"CURRENT.{uuid.uuid4().hex}"
        tmp.write_text(folder.name, encoding="ascii")
        os.replace(tmp, root / "CURRENT")
        _apply_locked(folder)          # catch up with saves made during the rebuild
    finally:
        lock.release()
    keep = {folder.name, previous.name if previous else ""}
    for old in root.glob("gen-*"):
        if old.name not in keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


# -- status ---------------------------------------------------------------------------

def status(app: Flask) -> IndexStatus:
    """Return whether the index exists, its size, and how far it lags behind the outbox."""
    folder = _current_dir(_root(app))
    applied = documents = 0
    if folder is not None:
        ix = whoosh_index.open_dir(str(folder), schema=SCHEMA)
        with ix.searcher() as s:
            applied = _applied(s)
            documents = s.doc_count() - (1 if s.document(id=META_ID) else 0)
    with _reader() as reader:
        newest = reader.scalar(sa.select(sa.func.max(OutboxEntry.id))) or 0
        lag = reader.scalar(sa.select(sa.func.count(OutboxEntry.id)).where(
            OutboxEntry.id > applied)) or 0
    return IndexStatus(folder is not None, documents, applied, newest, lag)


def prune_outbox(*, older_than: timedelta) -> int:
    """Delete outbox rows older than `older_than`, never one this index has not applied.

    Run it where every host's index replica is known to be current. The caller commits.
    """
    cutoff = utcnow() - older_than
    folder = _current_dir(_root(current_app))
    applied = 0
    if folder is not None:
        with whoosh_index.open_dir(str(folder), schema=SCHEMA).searcher() as s:
            applied = _applied(s)
    result = db.session.execute(sa.delete(OutboxEntry).where(
        OutboxEntry.created_at < cutoff, OutboxEntry.id <= applied))
    return result.rowcount or 0


def size_bytes(app: Flask) -> int:
    folder = _current_dir(_root(app))
    return sum(p.stat().st_size for p in folder.iterdir()) if folder else 0
