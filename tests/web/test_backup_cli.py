"""`helpdesk backup PATH`: a copy of a running instance that restores (SQLite: the
database file opens and has the rows, even while the app writes; attachments too)."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from helpdesk.cli import main
from helpdesk.extensions import db
from helpdesk.tickets.attachments import path_of

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _sqlite_file(app) -> str:
    return app.config["DATABASE_URL"][len("sqlite:///"):]


@SQLITE_ONLY
def test_backup_restores_tickets_messages_and_attachments(app, make, runner, tmp_path):
    customer = make.user()
    ticket = make.ticket(customer, subject="Invoice is wrong")
    message = make.message(ticket, customer, "See the scan", files={"scan.pdf": b"%PDF-1.4 x"})
    stored = path_of(message.attachments[0])
    (tmp_path / "instance" / "secret_key").write_text("the-key")
    db.session.commit()
    result = runner.invoke(main, ["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "helpdesk kb reindex" in result.output

    copy = sqlite3.connect(tmp_path / "backup" / "helpdesk.sqlite3")
    assert copy.execute("SELECT subject FROM ticket").fetchall() == [("Invoice is wrong",)]
    assert copy.execute("SELECT body FROM message WHERE body = 'See the scan'").fetchone()
    [(stored_name,)] = copy.execute("SELECT stored_name FROM attachment").fetchall()
    copy.close()
    restored = tmp_path / "backup" / "attachments" / stored_name[:2] / stored_name
    assert restored.read_bytes() == stored.read_bytes() == b"%PDF-1.4 x"
    assert (tmp_path / "backup" / "secret_key").read_text() == "the-key"
    assert (tmp_path / "backup").stat().st_mode & 0o077 == 0      # private to its owner


@SQLITE_ONLY
def test_backup_taken_during_writes_is_one_consistent_snapshot(app, make, runner, tmp_path):
    source = _sqlite_file(app)
    setup = sqlite3.connect(source)
    setup.execute("CREATE TABLE backup_probe (batch INTEGER, n INTEGER)")
    setup.commit()
    setup.close()
    committed, stop = [0], threading.Event()

    def writer():
        # Ten rows per transaction: a consistent copy holds whole transactions only.
        conn = sqlite3.connect(source, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        batch = 0
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO backup_probe VALUES (?, ?)",
                             [(batch, n) for n in range(10)])
            conn.execute("COMMIT")
            batch += 1
            committed[0] = batch
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while committed[0] < 50:
            time.sleep(0.01)
        before = committed[0]
        result = runner.invoke(main, ["backup", str(tmp_path / "backup")])
        during = committed[0]
    finally:
        stop.set()
        thread.join(30)
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "backup" / "helpdesk.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)   # one file
    rows, batches = copy.execute(
        "SELECT count(*), count(DISTINCT batch) FROM backup_probe").fetchone()
    incomplete = copy.execute("SELECT count(*) FROM (SELECT batch FROM backup_probe "
                              "GROUP BY batch HAVING count(*) != 10)").fetchone()[0]
    copy.close()
    assert incomplete == 0 and rows == 10 * batches
    assert before <= batches <= during + 1       # everything committed before it began
    assert during > before, "the writer did not write during the backup"


def test_backup_refuses_a_folder_with_files(app, runner, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("x")
    result = runner.invoke(main, ["backup", str(tmp_path / "old")])
    assert result.exit_code != 0 and "is not empty" in result.output


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_backup_of_a_postgresql_instance_names_pg_dump(app, make, runner, tmp_path):
    customer = make.user()
    ticket = make.ticket(customer)
    make.message(ticket, customer, "File", files={"a.txt": b"hello"})
    result = runner.invoke(main, ["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "pg_dump --format=custom" in result.output
    assert "Attachments: 1 files" in result.output
    assert not (tmp_path / "backup" / "helpdesk.sqlite3").exists()
