"""Fixtures for browser journeys: the real app on a live server, driven by Chromium.

Browser tests run once, on SQLite (not per database), with CSRF enabled so the real
forms are exercised, and mail going to the in-process SMTP server of ``tests/conftest.py``.

Typical use (import ``expect`` through ``importorskip`` so a missing Playwright skips)::

    pytestmark = pytest.mark.browser
    expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

    def test_something(live_server, new_page):
        agent = live_server.create_user("agent", level=1)
        page = new_page()
        login(page, agent.email, agent.password)
        page.get_by_role("link", name="Queue").click()
        ...
        assert live_server.mailbox.to(agent.email)

Fixtures:

``live_server``
    A :class:`LiveServer` (``.url``, ``.app``, ``.mailbox``, ``create_user()``,
    ``create_category()``, ``file_ticket()``, ``app_context()``) on a fresh database
    and instance folder.
``browser``
    A Playwright ``Browser`` on ``/usr/bin/chromium``, shared by the whole run.
``new_page``
    A factory: ``new_page(viewport=LAPTOP)`` opens a page in a *fresh* browser context
    (own cookies, so one page per logged-in user), with ``base_url`` set to the live
    server. Pages fail the test on uncaught JavaScript errors.
``page``
    One such page at laptop size.
``login``
    The :func:`login` helper, as a fixture for tests that prefer not to import it.

If Playwright cannot be imported or ``/usr/bin/chromium`` is missing, the tests are
skipped with the reason (CI sets ``HELPDESK_FAIL_ON_SKIP=1``, which turns skips into a
failure). Never run ``playwright install``: we drive Debian's Chromium.
"""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from helpdesk import create_app
from helpdesk.accounts.models import Role, User
from helpdesk.accounts.operations import create_user
from helpdesk.database import writing
from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, escalate
from helpdesk.tickets.models import Category, Channel, Priority
from helpdesk.tickets.operations import NewTicket, file_ticket

CHROMIUM = os.environ.get("HELPDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct-horse-1"
SCREENSHOT_DIR = Path(os.environ.get(
    "HELPDESK_SCREENSHOT_DIR",
    Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"))
# Generous: CI machines and a loaded laptop can be slow; a passing step takes milliseconds.
TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class Account:
    """A user created for a browser test: what a person would type to log in."""

    id: int
    email: str
    password: str
    name: str


class LiveServer:
    """The real application, served by werkzeug in a background thread.

    ``url`` is the base URL (no trailing slash), ``app`` the Flask app, ``mailbox``
    the in-process SMTP server's :class:`tests.conftest.Mailbox` (cleared per test).
    Data is created through the domain functions and committed, inside
    :meth:`app_context` (the server thread has its own contexts and sessions).
    """

    def __init__(self, app, mailbox):
        self.app = app
        self.mailbox = mailbox
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="helpdesk-live-server")
        self._users = 0
        self._escalators: dict[int, Account] = {}

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    @contextmanager
    def app_context(self):
        """Push an app context for creating or checking data; the session is removed after.
        The work inside is a declared writer (SQLite: its transactions lock up front)."""
        with self.app.app_context(), writing():
            try:
                yield
            finally:
                db.session.remove()

    def create_user(self, role: str = "customer", level: int | None = None, *,
                    email: str | None = None, name: str | None = None,
                    password: str = PASSWORD, language: str = "en") -> Account:
        """Create and commit an account; return what is needed to log in as it."""
        self._users += 1
        n = self._users
        default_name = {"customer": f"Carla Customer {n}", "agent": f"Agent L{level} {n}",
                        "admin": f"Ada Admin {n}"}.get(role, f"User {n}")
        with self.app_context():
            user = create_user(email=email or f"{role}{level or ''}-{n}@example.com",
                               name=name or default_name, password=password,
                               role=Role(role), level=level, language=language)
            db.session.commit()
            return Account(id=user.id, email=user.email, password=password, name=user.name)

    def create_category(self, name_en: str, name_de: str | None = None,
                        slug: str | None = None) -> int:
        """Create and commit an active ticket category; return its id."""
        with self.app_context():
            category = Category(slug=slug or name_en.lower().replace(" ", "-"),
                                name_en=name_en, name_de=name_de or name_en)
            db.session.add(category)
            db.session.commit()
            return category.id

    def file_ticket(self, requester: Account, *, subject: str, body: str = "Please help.",
                    priority: str = "normal", level: int = 1, category_id: int | None = None,
                    channel: str = "web", **refs) -> str:
        """File a ticket for `requester` (and escalate it to `level`); return its reference.

        Goes through the domain functions, so events, SLA times and mails are real.
        `refs` are shop_ref, order_ref, product_ref.
        """
        escalators = [self._escalator(lvl) for lvl in range(1, level)]
        with self.app_context():
            user = db.session.get(User, requester.id)
            category = db.session.get(Category, category_id) if category_id else None
            ticket = file_ticket(NewTicket(subject=subject, body=body, category=category,
                                           priority=Priority(priority), channel=Channel(channel),
                                           **refs), requester=user, by=user)
            db.session.commit()
            for escalator in escalators:
                escalate(ticket, by=db.session.get(User, escalator.id), handoff=HandoffInput(
                    summary=f"Needs level {ticket.level + 1}", tried="Checked the basics",
                    articles_checked="none found"))
                db.session.commit()
            return ticket.ref

    def _escalator(self, level: int) -> Account:
        if level not in self._escalators:
            self._escalators[level] = self.create_user("agent", level,
                                                       name=f"Escalating agent L{level}")
        return self._escalators[level]


def login(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real login form and wait until the landing page has loaded.

    Uses the page's ``base_url`` (set by ``new_page``). Fails if the login is refused.
    """
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    if "/login" in page.url:
        flashes = page.locator(".flashes").all_inner_texts()
        raise AssertionError(f"login as {email} failed: {flashes}")


def horizontal_overflow(page) -> int:
    """Return how many CSS pixels the document is wider than the viewport (0 = fits)."""
    return page.evaluate(
        "() => Math.max(0, document.scrollingElement.scrollWidth - window.innerWidth)")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png (gitignored)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


PLAYWRIGHT_MISSING = "Playwright is not installed: pip install -e '.[test]'"


def _browser_unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{PLAYWRIGHT_MISSING} ({exc})"
    if not shutil.which(CHROMIUM):
        return (f"no Chromium at {CHROMIUM}: apt-get install chromium "
                "(or set HELPDESK_CHROMIUM); do not run 'playwright install'")
    return None


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Debian's) shared by all browser tests of the run."""
    reason = _browser_unavailable()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(tmp_path, smtp_server, mailbox):
    """The app on a fresh SQLite database and instance folder, served on a free port."""
    _box, port = smtp_server
    instance = tmp_path / "instance"
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "INDEX_PATH": str(instance / "search-index"),
        "ATTACHMENT_PATH": str(instance / "attachments"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.sqlite3'}",
        "SECRET_KEY": "browser-test-secret",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "SERVER_NAME": None,
    })
    with app.app_context():
        db.create_all()
        db.session.remove()
    server = LiveServer(app, mailbox)
    # Mail links are built from BASE_URL: point it at the server, as in production.
    app.config["BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def new_page(browser, live_server):
    """Return a factory opening a page in a fresh context (own cookies) on the live server.

    ``new_page(viewport=PHONE)`` for phone width; keyword arguments go to
    ``browser.new_context``. An uncaught JavaScript error on any page fails the test.
    """
    contexts, js_errors = [], []

    def open_page(viewport: dict | None = None, **context_args):
        context = browser.new_context(base_url=live_server.url, viewport=viewport or LAPTOP,
                                      locale="en-GB", **context_args)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: js_errors.append(f"{page.url}: {exc}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not js_errors, f"JavaScript errors: {js_errors}"


@pytest.fixture
def page(new_page):
    """A laptop-sized page (1366x800) on the live server, not logged in."""
    return new_page()


@pytest.fixture(name="login")
def login_fixture():
    """The :func:`login` helper: ``login(page, email, password)``."""
    return login
