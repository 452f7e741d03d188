"""Every page of the journeys passes axe-core without a serious or critical violation:
anonymous, customer, level 1, 2 and 3, and admin, in English and German, and at phone
width for a few; a form error is linked to its field, and the Write/Preview tabs are
real tabs that follow the arrow keys.

axe-core comes from the npm registry, pinned in ``tests/browser/package.json``. When
``tests/browser/node_modules/axe-core`` is missing, the ``axe_source`` fixture installs it
(``npm ci``); with no npm it skips, and CI (``HELPDESK_FAIL_ON_SKIP=1``) fails instead.
axe is run through ``page.evaluate`` (the DevTools protocol), which the page's strict
Content-Security-Policy does not govern: no ``bypass_csp``, the pages are checked as sent.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpdesk.accounts.models import User
from helpdesk.extensions import db
from kb import curation
from kb.models import Visibility
from tests.browser.conftest import PHONE, PLAYWRIGHT_MISSING, login

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

NPM_FOLDER = Path(__file__).resolve().parent
AXE_JS = NPM_FOLDER / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
LANGUAGES = {"en": "English", "de": "Deutsch"}


def _install_axe() -> str | None:
    """Install the pinned axe-core with npm unless it is there; return why not, or None."""
    # One installer at a time, and no reader during an install: pytest-xdist workers may all
    # get here at once ('npm ci' empties node_modules first).
    with open(NPM_FOLDER / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if AXE_JS.exists():
            return None
        npm = shutil.which("npm")
        if not npm:
            return (f"axe-core is missing ({AXE_JS}) and npm is not installed: "
                    "apt-get install npm, then cd tests/browser && npm ci")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NPM_FOLDER,
                              capture_output=True, text=True, timeout=300, check=False)
    if done.returncode or not AXE_JS.exists():
        return (f"'npm ci' in {NPM_FOLDER} could not install axe-core "
                f"(exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return None


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The source of axe.min.js, installed from npm on first use (CI fails if it cannot be)."""
    reason = _install_axe()
    if reason:
        if os.environ.get("HELPDESK_FAIL_ON_SKIP") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, axe_source: str) -> list[str]:
    """Run axe-core on the page as it is now; describe each serious or critical violation."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    results = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))")
    return [f"{page.url} [{v['impact']}] {v['id']}: {v['help']}\n    "
            + "\n    ".join(v["nodes"][:5]) for v in results if v["impact"] in BLOCKING]


@pytest.fixture
def audit(new_page, axe_source):
    """Return ``(open_page, check)``: open a page (logged in as an account, in a language),
    and check the current page (or a list of paths) with axe. All violations are reported
    together at the end of the test."""
    found: list[str] = []

    def open_page(account=None, language="en", **context_args):
        page = new_page(**context_args)
        if account:
            login(page, account.email, account.password)
        if language != "en":
            page.goto("/")
            with page.expect_navigation():
                page.get_by_role("button", name=LANGUAGES[language]).click()
        return page

    def check(page, *paths):
        for path in paths or (None,):
            if path:
                response = page.goto(path)
                assert response.status == 200, f"{path}: {response.status}"
            found.extend(axe_violations(page, axe_source))

    yield open_page, check
    assert not found, f"{len(found)} serious or critical axe violation(s):\n" + "\n".join(found)


def _article(live_server, editor_id: int, title: str, language: str = "en") -> int:
    with live_server.app_context():
        editor = db.session.get(User, editor_id)
        article = curation.create_article(curation.ArticleInput(
            title=title, summary=f"{title}: what to do.",
            body=(f"{title}.\n\n1. Open *Settings*.\n2. Click **Sync**.\n\n"
                  "```python\nsync(shop)\n```"),
            language=language, tags=["sync"], category=None,
            visibility=Visibility.public), by=editor)
        curation.publish(article, by=editor)
        db.session.commit()
        return article.id


@pytest.fixture
def scene(live_server):
    """People of every role, a published article, a draft in review, and tickets at each level."""
    live_server.create_category("Payouts", "Auszahlungen")
    people = {
        "customer": live_server.create_user("customer", name="Anna Kiosk"),
        "l1": live_server.create_user("agent", level=1, name="Lena First"),
        "l2": live_server.create_user("agent", level=2, name="Max Second"),
        "l3": live_server.create_user("agent", level=3, name="Sam Specialist"),
        "admin": live_server.create_user("admin", name="Ada Admin"),
    }
    article = _article(live_server, people["l2"].id, "Instagram shop sync")
    with live_server.app_context():
        draft = curation.create_article(curation.ArticleInput(
            title="Payout timing", summary="When payouts arrive.", body="Within two days.",
            language="en", tags=[], category=None, visibility=Visibility.internal),
            by=db.session.get(User, people["l2"].id))
        curation.submit_for_review(draft, by=db.session.get(User, people["l2"].id))
        db.session.commit()
    refs = {level: live_server.file_ticket(
                people["customer"], subject=f"Instagram sync fails ({level})",
                body="My **Instagram** catalogue does not sync.", level=level)
            for level in (1, 2, 3)}
    return people, article, refs


@pytest.mark.parametrize("language", ["en", "de"])
def test_public_pages_have_no_serious_violations(live_server, audit, language):
    open_page, check = audit
    page = open_page(language=language)
    check(page, "/", "/login", "/register", "/password/forgot", "/kb/")
    for path in ("/login", "/register"):          # each form with its errors shown
        page.goto(path)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        expect(page.locator("main .errors, main .flash").first).to_be_visible()
        check(page)
    page.goto("/password/forgot")                 # a flash message in its live region
    page.locator("main input[type=email]").fill("nobody@example.com")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main [role=status] .flash").first).to_be_visible()
    check(page)
    phone = open_page(language=language, viewport=PHONE)
    check(phone, "/", "/login")


@pytest.mark.parametrize("language", ["en", "de"])
def test_customer_pages_have_no_serious_violations(live_server, scene, audit, language):
    people, article, refs = scene
    open_page, check = audit
    page = open_page(people["customer"], language)
    check(page, "/", "/tickets", f"/tickets/{refs[1]}", "/kb/", "/kb/?q=instagram",
          f"/kb/articles/{article}", "/profile", "/tickets/new")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".field.has-error").first).to_be_visible()
    check(page)                                   # the new-ticket form with its errors
    page.locator("[data-editor] [role=tab]").last.click()
    check(page)                                   # the preview tab
    phone = open_page(people["customer"], language, viewport=PHONE)
    check(phone, "/tickets", f"/tickets/{refs[1]}", "/tickets/new")


@pytest.mark.parametrize("language", ["en", "de"])
def test_agent_pages_have_no_serious_violations(live_server, scene, audit, language):
    people, article, refs = scene
    open_page, check = audit
    l1 = open_page(people["l1"], language)
    check(l1, "/queue", f"/tickets/{refs[1]}")
    expect(l1.locator("#kb-panel")).to_be_visible()
    check(l1, f"/tickets/{refs[1]}/escalate", "/kb/", f"/kb/articles/{article}", "/profile")
    l2 = open_page(people["l2"], language)
    check(l2, "/queue", f"/tickets/{refs[2]}", f"/tickets/{refs[2]}/return",
          "/kb/review", "/kb/articles/new", f"/kb/articles/{article}/edit",
          f"/kb/articles/{article}/history")
    l3 = open_page(people["l3"], language)
    check(l3, "/queue", f"/tickets/{refs[3]}", f"/tickets/{refs[3]}/return")
    phone = open_page(people["l1"], language, viewport=PHONE)
    check(phone, "/queue", f"/tickets/{refs[1]}")


@pytest.mark.parametrize("language", ["en", "de"])
def test_admin_pages_have_no_serious_violations(live_server, scene, audit, language):
    people, _article_id, _refs = scene
    open_page, check = audit
    admin = open_page(people["admin"], language)
    check(admin, "/admin/users", "/admin/users/new", f"/admin/users/{people['l1'].id}",
          "/admin/categories", "/admin/categories/new", "/admin/mail/")


def test_form_errors_are_linked_to_their_fields(live_server, scene, new_page):
    people, _article, _refs = scene
    page = new_page()
    login(page, people["customer"].email, people["customer"].password)
    page.goto("/tickets/new")
    page.get_by_role("button", name="Send request").click()
    subject = page.get_by_label("Subject")
    expect(subject).to_have_attribute("aria-invalid", "true")
    error_id = subject.get_attribute("aria-describedby").split()[-1]
    expect(page.locator(f"#{error_id}")).to_contain_text("required")
    expect(page.get_by_label("Describe your question")).to_have_attribute("aria-invalid", "true")


def test_write_and_preview_are_tabs_that_follow_the_arrow_keys(live_server, scene, new_page):
    people, _article, _refs = scene
    page = new_page()
    login(page, people["customer"].email, people["customer"].password)
    page.goto("/tickets/new")
    page.get_by_label("Describe your question").fill("It fails with **error 42**.")
    tablist = page.get_by_role("tablist")
    write = tablist.get_by_role("tab", name="Write")
    preview = tablist.get_by_role("tab", name="Preview")
    expect(write).to_have_attribute("aria-selected", "true")
    expect(preview).to_have_attribute("aria-selected", "false")
    expect(preview).to_have_attribute("tabindex", "-1")
    write.focus()
    page.keyboard.press("ArrowRight")
    expect(preview).to_be_focused()
    expect(preview).to_have_attribute("aria-selected", "true")
    panel = page.locator(f"#{preview.get_attribute('aria-controls')}")
    expect(panel).to_have_attribute("role", "tabpanel")
    expect(panel.locator("strong")).to_have_text("error 42")
    page.keyboard.press("ArrowRight")             # wraps round to Write
    expect(write).to_be_focused()
    expect(page.get_by_label("Describe your question")).to_be_visible()
    page.keyboard.press("End")
    expect(preview).to_be_focused()
    page.keyboard.press("Home")
    expect(write).to_have_attribute("aria-selected", "true")


def test_skip_link_moves_focus_to_the_main_content(live_server, page):
    page.goto("/register")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    skip.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
