"""A consistent copy of a running instance: the database, attachments and secret key.

SQLite is copied with SQLite's online backup API in one step, which reads one snapshot
while the app goes on writing. Attachments are copied after the database: a file is
written before the row that points to it commits, so every attachment the copy knows
of is in the copy. The search index is not copied; it is rebuilt from the database
(`helpdesk kb reindex`). PostgreSQL is backed up with its own tool, pg_dump.
"""
from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from helpdesk.database import SQLITE_BUSY_TIMEOUT_MS

DATABASE_FILE = "helpdesk.sqlite3"


class BackupError(Exception):
    """The backup cannot be made; the message says why."""


@dataclass
class BackupReport:
    """What a backup holds."""

    database: Path | None = None
    attachments: int = 0
    secret_key: Path | None = None
    pg_dump_command: str | None = None
    notes: list[str] = field(default_factory=list)


def backup_instance(destination: Path) -> BackupReport:
    """Copy the instance's data into `destination` (a new or empty folder).

    Raises BackupError if the folder holds files already.
    """
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty")
    destination.chmod(0o700)      # password hashes, private tickets and the secret key
    report = BackupReport()
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        report.database = destination / DATABASE_FILE
        backup_sqlite(Path(url.database), report.database)
    else:
        report.pg_dump_command = _pg_dump_command(url, destination)
    report.attachments = _copy_tree(Path(current_app.config["ATTACHMENT_PATH"]),
                                    destination / "attachments")
    key = Path(current_app.instance_path) / "secret_key"
    if key.exists():          # sessions, reset links and login cookies depend on it
        report.secret_key = destination / "secret_key"
        shutil.copy2(key, report.secret_key)
        report.secret_key.chmod(0o600)
    return report


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` to `target` as one consistent snapshot.

    The copy is a single self-contained file (no -wal), checked with integrity_check.
    """
    if not source.exists():
        raise BackupError(f"no database at {source}")
    with sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000) as src, \
            sqlite3.connect(target) as dst:
        src.backup(dst)            # all pages in one step: one read snapshot
        dst.execute("PRAGMA journal_mode=DELETE")
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
    src.close()
    dst.close()
    if result != "ok":
        raise BackupError(f"the copy failed SQLite's integrity check: {result}")


def _copy_tree(source: Path, target: Path) -> int:
    # Files are never changed once written; one removed during the copy is skipped.
    copied = 0
    target.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return copied
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, destination)
        except FileNotFoundError:
            continue
        copied += 1
    return copied


def _pg_dump_command(url, destination: Path) -> str:
    # libpq's URL has no driver suffix; the password stays out of shell history.
    libpq_url = url.set(drivername="postgresql", password=None)
    return (f"pg_dump --format=custom --file={destination / 'helpdesk.pgdump'} "
            f"'{libpq_url.render_as_string(hide_password=False)}'")
