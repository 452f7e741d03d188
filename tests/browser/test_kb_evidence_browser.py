"""The search log through the real pages in Chromium: what a customer types on the
new-ticket form (one row for the words they settled on), the article they open from the
suggestions, the ticket filed anyway; the agent's article search on the ticket page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.accounts.models import User
from helpdesk.extensions import db
from kb import curation
from kb.evidence_models import ReaderClass, SearchLog, SearchOpen, SearchSource
from kb.models import Visibility
from tests.browser.conftest import PLAYWRIGHT_MISSING, login
from tests.browser.test_accessibility import axe_source, axe_violations  # noqa: F401 (fixture)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

TITLE = "Print a return label"


def _article(live_server, editor) -> int:
    with live_server.app_context():
        article = curation.create_article(curation.ArticleInput(
            title=TITLE, body="Open the order and click **Return label**.",
            summary="Every order has a return label.", visibility=Visibility.public),
            by=db.session.get(User, editor.id))
        curation.publish(article, by=db.session.get(User, editor.id))
        db.session.commit()
        return article.id


def _searches():
    with_opens = sa.select(SearchLog, sa.func.count(SearchOpen.id)).outerjoin(
        SearchOpen, SearchOpen.search_id == SearchLog.id).group_by(SearchLog.id).order_by(
        SearchLog.id)
    return [(row.source, row.reader, row.query, row.filed, opens)
            for row, opens in db.session.execute(with_opens)]


def test_new_ticket_form_and_ticket_page_searches_are_logged(live_server, new_page):
    editor = live_server.create_user("agent", level=2)
    _article(live_server, editor)
    customer = live_server.create_user("customer")
    page = new_page()
    login(page, customer.email, customer.password)
    page.goto("/tickets/new")
    subject = page.get_by_label("Subject")
    subject.press_sequentially("return", delay=40)
    suggestions = page.locator("#subject-suggestions")
    link = suggestions.get_by_role("link", name=TITLE)
    expect(link).to_be_visible()                         # a first search, logged ...
    with page.expect_response(lambda r: "from=new_ticket" in r.url and "sid=" in r.url):
        subject.press_sequentially(" label", delay=40)   # ... and the next one replaces it
    expect(link).to_be_visible()
    with page.context.expect_page() as opened:
        link.click()                                     # opens in a new tab
    expect(opened.value.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_label("Describe your question").fill("The label button is grey for me.")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".flash.success")).to_contain_text("has been filed")
    with live_server.app_context():
        assert _searches() == [(SearchSource.new_ticket, ReaderClass.customer, "return label",
                                True, 1)]

    agent = live_server.create_user("agent", level=1)
    ref = live_server.file_ticket(customer, subject="Something else entirely")
    staff = new_page()
    login(staff, agent.email, agent.password)
    staff.goto(f"/tickets/{ref}")
    panel = staff.locator("#kb-panel")
    panel.get_by_role("searchbox").press_sequentially("return label", delay=40)
    expect(panel.get_by_role("link", name=TITLE)).to_be_visible()
    with live_server.app_context():
        assert _searches()[1:] == [(SearchSource.ticket, ReaderClass.l1, "return label",
                                    False, 0)]


def test_gaps_and_effectiveness_pages_pass_axe(live_server, new_page,
                                               axe_source):  # noqa: F811 (the fixture)
    editor = live_server.create_user("agent", level=2)
    article_id = _article(live_server, editor)
    customer = live_server.create_user("customer")
    live_server.file_ticket(customer, subject="Payout returned", level=2)
    visitor = new_page()
    visitor.goto("/kb/?q=Größentabelle")                   # a gap
    visitor.goto(f"/kb/articles/{article_id}")               # a view
    page = new_page()
    login(page, editor.email, editor.password)
    found = []
    for path in ("/kb/gaps?days=7", "/kb/effectiveness?sort=title",
                 f"/kb/articles/{article_id}"):
        assert page.goto(path).status == 200
        found.extend(axe_violations(page, axe_source))
    page.goto("/kb/gaps")
    expect(page.locator("#search-gaps")).to_contain_text("größentabelle")
    assert not found, "\n".join(found)
