"""The index folder on disk: its layout, its locks, and opening a generation.

Layout of INDEX_PATH (a directory):

    CURRENT          the name of the generation in use (replaced atomically)
    gen-<id>/        one complete Whoosh index per generation
    apply.lock       held (fcntl) while outbox rows are applied or a generation is swapped
    rebuild.lock     held while a generation is built (one rebuild at a time)

Nothing in the folder is trusted: garbage in CURRENT reads as "no index", and damaged
Whoosh files raise `IndexUnavailable`.
"""
from __future__ import annotations

import pickle
import re
import struct
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from whoosh import index as whoosh_index
from whoosh.index import IndexError as WhooshIndexError
from whoosh.index import LockError

from kb.index_schema import META_ID, SCHEMA, SCHEMA_VERSION
from kb.whoosh_internals import file_lock

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


@contextmanager
def held(root: Path, name: str, timeout: float) -> Iterator[None]:
    """Hold the lock file `name` in `root`, waiting up to `timeout` s (then LockError)."""
    root.mkdir(parents=True, exist_ok=True)
    lock = file_lock(str(root / name))
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise LockError(f"{name} is held by another process")
        time.sleep(0.02)
    try:
        yield
    finally:
        lock.release()


def lock_timeout(app: Flask) -> float:
    """How long to wait for the apply lock (KB_INDEX_LOCK_TIMEOUT)."""
    return float(app.config.get("KB_INDEX_LOCK_TIMEOUT", 30))


def damaged(folder: Path, exc: BaseException) -> IndexUnavailable:
    """The IndexUnavailable to raise for `exc`, met while reading `folder`."""
    return IndexUnavailable(f"{folder.name}: {exc.__class__.__name__}: {exc}"[:300])


def open_generation(folder: Path):
    """Open one generation's Whoosh index; damaged files raise IndexUnavailable."""
    try:
        return whoosh_index.open_dir(str(folder), schema=SCHEMA)
    except DAMAGE_ERRORS as exc:
        raise damaged(folder, exc) from exc


def create_generation(folder: Path):
    """Create an empty Whoosh index of this schema in `folder` (a new generation)."""
    return whoosh_index.create_in(str(folder), SCHEMA)


def mark_whole(folder: Path) -> None:
    """Mark a generation as a whole index of this schema (after its first commit)."""
    (folder / "KB_SCHEMA").write_text(SCHEMA_VERSION, encoding="ascii")


def read_meta(searcher) -> tuple[int, str | None]:
    """The last applied outbox id and that row's creation time, as stored in the index."""
    meta = searcher.document(id=META_ID)
    return (int(meta["applied"]), meta.get("applied_at")) if meta else (0, None)
