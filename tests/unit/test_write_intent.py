"""Write intent is declared (helpdesk.database): on SQLite only a declared writer takes the
write lock when its transaction begins; a read anywhere else never blocks a writer."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from helpdesk import database
from helpdesk.accounts.models import User
from helpdesk.cli import main
from helpdesk.database import reading, write_declared, writes, writing
from helpdesk.extensions import db

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def probe(app):
    """`probe()` tries a write on a connection of its own with a 0.2 s busy timeout and
    says whether it got through (False: someone holds SQLite's write lock)."""
    path = app.config["DATABASE_URL"][len("sqlite:///"):]
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE IF NOT EXISTS intent_probe (n INTEGER)")
    setup.commit()
    setup.close()

    def write() -> bool:
        conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO intent_probe VALUES (1)")
            conn.execute("COMMIT")
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            conn.close()
    db.session.commit()            # the test body's own transaction is a declared writer's
    return write


def _read_a_user() -> None:
    db.session.scalar(sa.select(sa.func.count()).select_from(User))


def _in_thread(app, work, *, hold: threading.Event, started: threading.Event) -> threading.Thread:
    """Run `work` in a thread of its own (no declaration of this thread reaches it) and keep
    its transaction open until `hold` is set."""
    def run():
        with app.app_context():
            try:
                work()
                started.set()
                hold.wait(10)
            finally:
                db.session.remove()
    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(10)
    return thread


@SQLITE_ONLY
def test_a_read_outside_a_request_does_not_block_a_writer(app, make, probe):
    make.user()
    db.session.commit()
    hold, started = threading.Event(), threading.Event()
    reader = _in_thread(app, _read_a_user, hold=hold, started=started)
    try:
        assert probe() is True
    finally:
        hold.set()
        reader.join(10)


@SQLITE_ONLY
def test_a_declared_writer_takes_the_lock_up_front_and_a_second_one_waits(app, probe):
    second_done = threading.Event()

    def second_writer():
        with app.app_context(), writing():
            _read_a_user()
            second_done.set()
            db.session.remove()

    with writing():
        _read_a_user()                     # only a read so far, yet the lock is held
        assert probe() is False
        waiting = threading.Thread(target=second_writer)
        waiting.start()
        assert not second_done.wait(0.5)   # it waits for the lock ("locked" would be at once)
        db.session.commit()
    assert second_done.wait(10)
    waiting.join(10)
    assert probe() is True


@SQLITE_ONLY
def test_a_post_request_is_a_writer_and_a_get_is_not(app, probe):
    with app.test_request_context("/", method="POST"):
        assert write_declared()
        _read_a_user()
        assert probe() is False
        db.session.commit()
    for method in ("GET", "HEAD", "OPTIONS"):
        with app.test_request_context("/", method=method):
            assert not write_declared()
            _read_a_user()
            assert probe() is True
            db.session.commit()


@SQLITE_ONLY
def test_reads_declared_inside_a_writer_stay_reads(app, probe):
    with writing(), reading(), db.engine.connect() as conn:
        conn.execute(sa.select(sa.func.count()).select_from(User)).scalar()
        assert probe() is True


def test_a_declaration_holds_within_the_request_it_was_made_in(app):
    assert write_declared()                # the test body's (tests/conftest.py)
    with app.test_request_context("/", method="GET"):
        assert not write_declared()        # a request follows its method
        with writing():
            assert write_declared()
            with app.test_request_context("/", method="HEAD"):
                assert not write_declared()    # another request does not inherit it
    with app.test_request_context("/", method="POST"), reading():
        assert not write_declared()


def test_declarations_belong_to_their_thread_and_end_with_their_unit(app):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(write_declared()))
    thread.start()
    thread.join(10)
    assert seen == [False]

    @writes
    def command() -> bool:
        return write_declared()

    with reading():
        assert command() is True
        assert write_declared() is False


def test_only_sqlite_gets_the_begin_listener(app):
    is_sqlite = db.engine.dialect.name == "sqlite"
    assert event.contains(db.engine, "begin", database._sqlite_on_begin) is is_sqlite
    with writing():                        # and PostgreSQL works with declarations alike
        _read_a_user()
        db.session.commit()


@pytest.fixture
def begins(app):
    """Whether each transaction begun on the engine was a declared writer's."""
    seen: list[bool] = []

    def note(_connection):
        seen.append(write_declared())
    event.listen(db.engine, "begin", note)
    db.session.commit()
    yield seen
    event.remove(db.engine, "begin", note)


def test_commands_that_change_data_declare_it_and_others_read(app, runner, begins):
    with reading():                        # the test body's declaration set aside
        result = runner.invoke(main, ["create-user", "--email", "new@example.com",
                                      "--password", "a-long-password-1"])
        assert result.exit_code == 0, result.output
        assert begins and all(begins)
        begins.clear()
        result = runner.invoke(main, ["kb", "status"])
        assert result.exit_code == 0, result.output
        assert begins and not any(begins)


def test_the_mail_senders_claims_and_outcomes_declare_writes(app, begins):
    from helpdesk.notifications import delivery

    with reading():
        assert delivery.claim_due() == []
        assert begins == [True]
        db.session.commit()
        delivery.next_due_at()
        assert begins == [True, False]


@pytest.fixture
def outside_writer(app):
    """A connection of another process's kind that takes SQLite's write lock and holds it
    until `release()`."""
    path = app.config["DATABASE_URL"][len("sqlite:///"):]
    db.session.commit()
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    yield conn
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.close()


@SQLITE_ONLY
def test_a_writer_behind_another_gets_the_lock_once_it_is_free(app, outside_writer):
    # SQLite's own busy handler sleeps up to 100 ms between tries; the writer's own tries
    # come every few milliseconds, and the connection keeps its busy timeout for later.
    timer = threading.Timer(0.3, lambda: outside_writer.execute("COMMIT"))
    timer.start()
    with writing():
        _read_a_user()                     # waited for the lock, then got it
        assert not outside_writer.in_transaction
        db.session.commit()
    timer.join()
    with reading():             # a plain BEGIN: nothing on the way sets the busy timeout
        timeout = db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
        db.session.commit()
    assert timeout == database.SQLITE_BUSY_TIMEOUT_MS


@SQLITE_ONLY
def test_a_writer_that_never_gets_the_lock_fails_after_the_busy_timeout(
        app, outside_writer, monkeypatch):
    # It gives up after the busy timeout once, not twice (its own tries, then SQLite's),
    # and the connection keeps its busy timeout for later.
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    started = time.monotonic()
    with writing(), pytest.raises(sa.exc.OperationalError, match="locked"):
        _read_a_user()
    waited = time.monotonic() - started
    db.session.rollback()
    assert 0.9 <= waited < 1.9, waited
    with reading():             # a plain BEGIN: nothing on the way sets the busy timeout
        timeout = db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
        db.session.rollback()
    assert timeout == 1000
