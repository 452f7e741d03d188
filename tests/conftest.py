"""Shared fixtures: an app on a real database (SQLite, and PostgreSQL when it answers),
a real SMTP server in the test process, and a fresh instance folder per test."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from jinja2 import BytecodeCache

from helpdesk import create_app
from helpdesk.database import writing
from helpdesk.extensions import db
from helpdesk.notifications import sender as mail_sender
from tests.factories import Factories, login_session_id

PG_SERVER_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL",
                               "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Each test run works in a schema of its own, so runs in parallel (CI, several
# developers) never truncate each other's tables.
PG_SCHEMA = f"helpdesk_test_{os.getpid()}"
PG_URL = f"{PG_SERVER_URL}?options=-csearch_path%3D{PG_SCHEMA}"


def _postgres_answers() -> str | None:
    """Return None if the test PostgreSQL server answers, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        dsn = PG_SERVER_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            conn.execute(f"CREATE SCHEMA {PG_SCHEMA}")
            return None
    except psycopg.OperationalError as exc:
        return f"no PostgreSQL server answers at {PG_SERVER_URL}: {exc}".splitlines()[0]


_pg_state: dict = {}


def _prepare_postgres() -> None:
    """Create the tables once per run, in this run's own schema."""
    if _pg_state.get("ready"):
        return
    reason = _postgres_answers()
    if reason:
        _pg_state["skip"] = reason
    else:
        app = create_app({"DATABASE_URL": PG_URL, "TESTING": True,
                          "INSTANCE_PATH": "/tmp/helpdesk-test-pg-setup"})
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            db.engine.dispose()
    _pg_state["ready"] = True


class ReceivedMail(EmailMessage):
    """A mail as received. Every mail is multipart/alternative (text and HTML): its
    `get_content()` is the content of every part, the plain text first, so that a test
    finds text where a reader sees it and checks an absence in both parts."""

    def get_content(self, *args, **kw):
        if self.is_multipart():
            return "\n".join(part.get_content(*args, **kw) for part in self.iter_parts())
        return super().get_content(*args, **kw)


class Mailbox:
    """Messages the in-process SMTP server received."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()
        # Set by the `app` fixture: waits until the app's background mail sender has tried
        # to send all it holds, so "nobody else got mail" is checked after the fact.
        self.settle = None

    def add(self, envelope_rcpt, data: bytes):
        with self._lock:
            self.messages.append((list(envelope_rcpt), message_from_bytes(
                data, _class=ReceivedMail, policy=policy.default)))

    def clear(self):
        with self._lock:
            self.messages.clear()

    def to(self, address: str):
        """Return the messages addressed to `address` (once the app's mail is out)."""
        if self.settle:
            self.settle()
        return [m for rcpt, m in self.messages if address in rcpt]

    def wait_for(self, count: int, timeout: float = 5.0):
        """Wait for `count` messages (mail is sent in the background), and for any more
        the app was sending."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.settle:
            self.settle()
        return self.messages


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) listening on loopback for the whole run."""
    from aiosmtpd.controller import Controller

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
            box.add(envelope.rcpt_tos, envelope.original_content or envelope.content)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    box, _port = smtp_server
    box.clear()
    box.settle = None
    return box


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    _prepare_postgres()
    if _pg_state.get("skip"):
        pytest.skip(_pg_state["skip"])
    return PG_URL


def _truncate_all():
    """Empty every table and restart the ids. A test leaves a few rows, and deleting them
    is several times faster than TRUNCATE (which recreates each table's files)."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(sa.text(
            "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"))


@pytest.fixture
def app_config(tmp_path, database_url, smtp_server):
    _box, port = smtp_server
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "BASE_URL": "http://helpdesk.test",
        "SERVER_NAME": None,
    }


class RequestInOwnContextClient(FlaskClient):
    """A test client whose every request runs in an application context of its own.

    In production each request has its own ``g`` (Flask-Login's current user, Babel's
    locale) and its own database session, removed at the end. Requests made inside the
    test's app context would share all three with the test and with each other: the user
    of the first request would stay logged in for the next client, a view that forgets to
    commit would go unnoticed, and the test's open SQLite write transaction would block the
    request. So the test's transaction is committed first, and the request gets a fresh
    context (and session).
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


class _SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the whole run: every test builds a new app
    (and Jinja environment), and compiling the ticket page each time is most of a request."""

    def __init__(self):
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket):
        self._store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE_CACHE = _SharedBytecodeCache()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """An empty SQLite database with every table, created once and copied for each test."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    template_app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True,
                               "SECRET_KEY": "x", "INSTANCE_PATH": str(folder / "instance")})
    with template_app.app_context():
        db.create_all()
        db.engine.dispose()      # checkpoints the WAL into the main file
    return path


@pytest.fixture
def app(app_config, mailbox, request):
    url = app_config["DATABASE_URL"]
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), url[len("sqlite:///"):])
    app = create_app(app_config)
    app.jinja_env.bytecode_cache = _BYTECODE_CACHE
    app.test_client_class = RequestInOwnContextClient
    mailbox.settle = lambda: _settle_mail(app)

    # The test body writes between its reads (factories, direct calls), like a command:
    # it declares so, and its SQLite transactions take the write lock up front.
    with app.app_context(), writing():
        if app.config["DATABASE_URL"].startswith("sqlite"):
            db.create_all()      # no-op on the copied template; creates new tables otherwise
        yield app
        db.session.remove()
        # The app's mail sender finishes its mail now, not in the next test's mailbox.
        mail_sender.stop(app)
        mailbox.settle = None
        if not app.config["DATABASE_URL"].startswith("sqlite"):
            _truncate_all()
        db.engine.dispose()


def _settle_mail(app) -> None:
    """Wait until the app's sender tried every mail it holds. The test's own transaction
    ends first: the test body is a declared writer, so on SQLite its transaction holds the
    write lock, and the sender needs it to record its mail (waiting while holding it would
    stall both)."""
    db.session.commit()
    mail_sender.wait_transmitted(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Factories: make.user(...), make.ticket(...), make.category(...)."""
    return Factories()


@pytest.fixture
def login_as(client):
    """Log `user` into the test client (replacing whoever was logged in)."""
    def login(user):
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = login_session_id(user)
            session["_fresh"] = True
        return client
    return login


def pytest_sessionfinish(session, exitstatus):
    """With HELPDESK_FAIL_ON_SKIP=1 (CI), a skipped test fails the run."""
    if os.environ.get("HELPDESK_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"FAILED: {skipped} test(s) were skipped; CI requires all to run "
                                "(PostgreSQL and Chromium must be available).", red=True)


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schema():
    """Remove this run's PostgreSQL schema at the end."""
    yield
    if _pg_state.get("ready") and not _pg_state.get("skip"):
        import psycopg

        dsn = PG_SERVER_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")


pytest_plugins = ["tests.kb_fixtures", "tests.imap_server"]
