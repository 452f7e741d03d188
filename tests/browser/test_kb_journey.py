"""The knowledge base in the loop, through the real UI in Chromium.

Level 2 writes and publishes an article; level 1 sees it suggested on a ticket and
inserts it into the reply with one click; the customer reads the reply, follows the
link to the public article, and later finds an answer while typing a new ticket.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from kb.models import AnswerSource, Article, ArticleAnswerEvent, ArticleStatus, TicketArticle
from tests.browser.conftest import PLAYWRIGHT_MISSING, login, screenshot

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

TITLE = "Payout returned by the bank"
SUMMARY = "A returned payout is re-sent after you correct your IBAN in Settings."
BODY = ("If your bank **returns** a payout, we hold it.\n\n"
        "1. Check the IBAN under *Settings › Payouts*.\n2. Save it: we re-send on Monday.")


def _write_and_publish(page) -> int:
    page.get_by_role("navigation", name="Main").get_by_role("link",
                                                            name="Knowledge base").click()
    page.get_by_role("link", name="New article").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill(SUMMARY)
    page.get_by_label("Article").fill(BODY)
    page.get_by_role("tab", name="Preview").click()
    expect(page.locator("[data-editor] .preview strong")).to_have_text("returns")
    page.get_by_label("Visibility").select_option("public")
    page.get_by_label("Tags").fill("payout, iban, bank")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash.success")).to_contain_text("Draft saved")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash.success")).to_contain_text("Published")
    return int(re.search(r"/kb/articles/(\d+)", page.url).group(1))


def test_article_goes_from_editor_to_agent_reply_to_customer(live_server, new_page):
    customer = live_server.create_user("customer", name="Anna Kiosk")
    l1 = live_server.create_user("agent", level=1, name="Lena First")
    l2 = live_server.create_user("agent", level=2, name="Max Second")

    editor = new_page()
    login(editor, l2.email, l2.password)
    article_id = _write_and_publish(editor)
    screenshot(editor, "kb-article-published")

    ref = live_server.file_ticket(customer, subject="My payout was returned by the bank",
                                  body="The bank sent my payout back. What now?")
    agent = new_page()
    login(agent, l1.email, l1.password)
    agent.goto(f"/tickets/{ref}")
    panel = agent.locator("#kb-panel")
    expect(panel.get_by_role("link", name=TITLE)).to_be_visible()
    screenshot(agent, "kb-ticket-suggestions")
    panel.locator(f'li[data-article-id="{article_id}"] [data-kb-insert]').click()
    body = agent.locator('#composer textarea[name="body"]')
    expect(body).to_have_value(re.compile(re.escape(f"/kb/articles/{article_id}")))
    expect(body).to_have_value(re.compile(re.escape(SUMMARY)))
    expect(agent.locator('#composer input[name="article_ids"]')).to_have_value(str(article_id))
    agent.on("dialog", lambda dialog: dialog.accept())     # first public reply: confirm
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.locator(".flash.success")).to_contain_text("Your reply has been sent")
    expect(agent.locator("#kb-used")).to_contain_text(TITLE)
    with live_server.app_context():
        links = db.session.scalars(sa.select(TicketArticle)).all()
        assert [link.article_id for link in links] == [article_id]

    reader = new_page()
    login(reader, customer.email, customer.password)
    reader.goto(f"/tickets/{ref}")
    expect(reader.locator("#kb-panel")).to_have_count(0)
    reader.locator(".msg.from-staff").get_by_role("link", name=TITLE).click()
    expect(reader.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(reader.locator(".kb-body strong")).to_have_text("returns")
    screenshot(reader, "kb-article-customer")


def test_customer_finds_the_answer_while_typing_and_files_no_ticket(live_server, new_page):
    customer = live_server.create_user("customer", name="Anna Kiosk")
    l2 = live_server.create_user("agent", level=2, name="Max Second")
    editor = new_page()
    login(editor, l2.email, l2.password)
    article_id = _write_and_publish(editor)

    page = new_page()
    login(page, customer.email, customer.password)
    page.goto("/tickets/new")
    page.get_by_label("Subject").press_sequentially("payout returned", delay=20)
    suggestions = page.locator("#subject-suggestions")
    expect(suggestions.get_by_role("link", name=TITLE)).to_be_visible()
    screenshot(page, "kb-new-ticket-suggestions")
    suggestions.get_by_role("button", name="This answered my question").click()
    expect(page.locator(".flash.success")).to_contain_text("No ticket was filed")
    with live_server.app_context():
        article = db.session.get(Article, article_id)
        assert article.answered_count == 1 and article.status == ArticleStatus.published
        assert db.session.scalar(sa.text("SELECT count(*) FROM ticket")) == 0
        [event] = db.session.scalars(sa.select(ArticleAnswerEvent)).all()
        assert (event.source, event.query) == (AnswerSource.new_ticket, "payout returned")
        assert event.reader_key == f"user:{customer.id}"


def test_anonymous_visitor_searches_and_never_sees_internal_articles(live_server, new_page):
    l2 = live_server.create_user("agent", level=2)
    editor = new_page()
    login(editor, l2.email, l2.password)
    _write_and_publish(editor)
    editor.get_by_role("link", name="Edit").click()
    editor.get_by_label("Title").fill("Payout returned: internal checklist")
    editor.get_by_label("Visibility").select_option("internal")
    editor.get_by_role("button", name="Save").click()
    expect(editor.locator(".flash.success")).to_contain_text("Saved")

    visitor = new_page()
    visitor.goto("/kb/?q=Rückerstattung+payout")
    expect(visitor.locator(".kb-hit")).to_have_count(0)
    visitor.goto("/kb/?q=payout")
    expect(visitor.locator(".panel.empty")).to_contain_text("No articles match")
