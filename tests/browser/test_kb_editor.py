"""Level 2 edits an article in Chromium: one changed sentence keeps its category and its
translation link; saving without a change saves nothing. A visitor who found the answer
through search says so once."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.accounts.models import User
from helpdesk.extensions import db
from helpdesk.tickets.models import Category
from kb import curation
from kb.models import AnswerSource, Article, ArticleAnswerEvent, ArticleRevision, Visibility
from tests.browser.conftest import PLAYWRIGHT_MISSING, login, screenshot

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

BODY = ("Open the order under *Orders*.\n\n"
        "Click **Cancel order**: the customer is refunded within 5 days.\n\n"
        "A shipped order cannot be cancelled.")


def _publish_twins(live_server, editor_id: int, category_id: int) -> tuple[int, int]:
    """An English article and its German translation, both in `category_id`, published."""
    with live_server.app_context():
        editor, category = db.session.get(User, editor_id), db.session.get(Category,
                                                                           category_id)
        ids = []
        for title, body, language in (("Cancel an order", BODY, "en"),
                                      ("Bestellung stornieren", "Bestellung öffnen.", "de")):
            article = curation.create_article(curation.ArticleInput(
                title=title, body=body, language=language, category=category,
                tags=["order", "cancel"], visibility=Visibility.public,
                translation_key="cancel-order"), by=editor)
            curation.publish(article, by=editor)
            db.session.commit()
            ids.append(article.id)
        return ids[0], ids[1]


def test_one_changed_sentence_keeps_category_and_translation(live_server, new_page):
    l2 = live_server.create_user("agent", level=2, name="Max Second")
    category_id = live_server.create_category("Orders", "Bestellungen")
    english_id, german_id = _publish_twins(live_server, l2.id, category_id)

    page = new_page()
    login(page, l2.email, l2.password)
    page.goto(f"/kb/articles/{english_id}")
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Category")).to_have_value(str(category_id))
    expect(page.get_by_label("Translation key")).to_have_value("cancel-order")
    expect(page.locator("#translation-of")).to_contain_text("Bestellung stornieren")
    screenshot(page, "kb-edit-form")
    body = page.get_by_label("Article")
    body.fill(body.input_value().replace("within 5 days", "within 3 days"))
    page.get_by_label("What did you change?").fill("shorter refund time")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash.success")).to_contain_text("Saved as a new revision")
    expect(page.locator(".kb-body")).to_contain_text("within 3 days")
    expect(page.locator("dl").first).to_contain_text("Orders")
    screenshot(page, "kb-edit-kept-category")

    page.goto(f"/kb/articles/{german_id}")
    page.get_by_role("link", name="English: Cancel an order").click()
    expect(page.get_by_role("heading", name="Cancel an order")).to_be_visible()

    page.get_by_role("link", name="History").click()
    expect(page.locator(".kb-diff-field")).to_have_text(["Article"])

    page.get_by_role("link", name="Cancel an order").first.click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("No changes to save")
    with live_server.app_context():
        article = db.session.get(Article, english_id)
        assert (article.category_id, article.translation_key) == (category_id, "cancel-order")
        assert db.session.scalar(sa.select(sa.func.count(ArticleRevision.id)).where(
            ArticleRevision.article_id == english_id)) == 3    # created, published, edited


def test_visitor_who_found_the_answer_by_search_says_so_once(live_server, new_page):
    l2 = live_server.create_user("agent", level=2)
    category_id = live_server.create_category("Orders")
    english_id, _german_id = _publish_twins(live_server, l2.id, category_id)

    visitor = new_page()
    visitor.goto("/kb/search?q=cancel")
    visitor.get_by_role("link", name="Cancel an order").click()
    visitor.get_by_role("button", name="This answered my question").click()
    expect(visitor.locator(".flash.success")).to_contain_text("Glad this article helped")
    expect(visitor.locator("#kb-answered")).to_contain_text("You told us")
    expect(visitor.get_by_role("button", name="This answered my question")).to_have_count(0)
    visitor.goto("/kb/search?q=cancel")               # later, the same browser
    visitor.get_by_role("link", name="Cancel an order").click()
    expect(visitor.locator("#kb-answered")).to_contain_text("You told us")
    screenshot(visitor, "kb-answered-visitor")
    with live_server.app_context():
        [event] = db.session.scalars(sa.select(ArticleAnswerEvent)).all()
        assert (event.article_id, event.query, event.source) == (english_id, "cancel",
                                                                  AnswerSource.kb_page)
        assert event.reader_key.startswith("browser:")
        assert db.session.get(Article, english_id).answered_count == 1
