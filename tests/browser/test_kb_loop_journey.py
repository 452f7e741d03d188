"""The knowledge loop, end to end in Chromium (issue 8).

Customers search for something the knowledge base lacks, on the KB search page and on the
new-ticket form. A level-2 editor finds it on the knowledge-gaps page, writes the German
article from it, writes and links its English translation, publishes both and assigns the
German one as required reading to level 1. A level-1 agent sees it on the queue page and
confirms it read. The gap is gone, and the next customer who types that question on the
new-ticket form (at phone width) is offered the article.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from kb.evidence_models import GapArticle, GapKind, SearchLog
from kb.models import Article, ArticleStatus
from kb.twins import twin_of
from tests.browser.conftest import (
    PHONE,
    PLAYWRIGHT_MISSING,
    horizontal_overflow,
    login,
    screenshot,
)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

QUESTION = "Paket beim Zoll festgehalten"
GAP = QUESTION.lower()                        # how the search log keeps it
TITLE_DE = "Paket beim Zoll festgehalten"
SUMMARY_DE = "Der Zoll gibt dein Paket frei, sobald die Rechnung vorliegt."
BODY_DE = ("Hält der **Zoll** dein Paket fest, fehlt meist die Handelsrechnung.\n\n"
           "1. Lade die Rechnung unter *Bestellungen › Zoll* hoch.\n"
           "2. Der Zoll gibt das Paket in zwei bis drei Werktagen frei.")
TITLE_EN = "Parcel held at customs"
BODY_EN = ("If **customs** hold your parcel, the commercial invoice is usually missing.\n\n"
           "1. Upload the invoice under *Orders › Customs*.\n"
           "2. Customs release the parcel within two to three working days.")


def _article_id(page) -> int:
    return int(re.search(r"/kb/articles/(\d+)", page.url).group(1))


def _type_subject(page, text: str) -> None:
    """Type `text` into the new-ticket form's subject, as a customer does, and wait for the
    search of the whole words (the typeahead's last request)."""
    words = text.split()
    page.locator("#subject").press_sequentially(" ".join(words[:-1]) + " ", delay=30)
    with page.expect_response(lambda r: "from=new_ticket" in r.url
                              and words[-1].lower() in r.url.lower()):
        page.locator("#subject").press_sequentially(words[-1], delay=30)


def _customers_search(live_server, new_page) -> None:
    # One customer searches the knowledge base ...
    first = live_server.create_user("customer", name="Klara Kundin", language="de")
    page = new_page()
    login(page, first.email, first.password)
    page.goto("/kb/")
    page.locator("#q").fill(QUESTION)
    with page.expect_navigation():
        page.locator("#q").press("Enter")
    expect(page.locator(".panel.empty")).to_be_visible()
    expect(page.locator(".kb-hit")).to_have_count(0)
    # ... another types it as the subject of a new ticket: nothing is offered.
    second = live_server.create_user("customer", name="Bernd Besteller", language="de")
    page = new_page()
    login(page, second.email, second.password)
    page.goto("/tickets/new")
    _type_subject(page, QUESTION)
    expect(page.locator("#subject-suggestions a")).to_have_count(0)
    with live_server.app_context():
        logged = db.session.execute(sa.select(SearchLog.query, SearchLog.hits, SearchLog.source)
                                    .order_by(SearchLog.id)).all()
        assert [(query, hits) for query, hits, _source in logged] == [(GAP, 0), (GAP, 0)]


def _write_from_gap(editor) -> int:
    editor.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Knowledge gaps").click()
    row = editor.locator("#search-gaps tr", has_text=GAP)
    expect(row).to_be_visible()
    expect(row.locator("td").nth(1)).to_have_text("2")            # two searches
    screenshot(editor, "kb-loop-gap-listed")
    row.get_by_role("link", name="Write an article").click()
    # The draft starts from the customers' words, in their language.
    expect(editor.get_by_label("Title")).to_have_value(
        re.compile(re.escape(GAP), re.IGNORECASE))
    expect(editor.get_by_label("Language")).to_have_value("de")
    editor.get_by_label("Title").fill(TITLE_DE)
    editor.get_by_label("Summary").fill(SUMMARY_DE)
    editor.get_by_label("Article").fill(BODY_DE)
    editor.get_by_label("Visibility").select_option("public")
    editor.get_by_label("Tags").fill("zoll, paket, rechnung")
    editor.get_by_role("button", name="Save").click()
    expect(editor.locator(".flash.success")).to_contain_text("Draft saved")
    german_id = _article_id(editor)
    # Still a gap while only a draft answers it; the page names the draft.
    editor.goto("/kb/gaps")
    expect(editor.locator("#search-gaps tr", has_text=GAP)).to_contain_text(TITLE_DE)
    editor.goto(f"/kb/articles/{german_id}")
    editor.get_by_role("button", name="Publish").click()
    expect(editor.locator(".flash.success")).to_contain_text("Published")
    return german_id


def _write_and_link_translation(editor, german_id: int) -> int:
    editor.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Knowledge base").click()
    editor.get_by_role("link", name="New article").click()
    editor.get_by_label("Title").fill(TITLE_EN)
    editor.get_by_label("Article").fill(BODY_EN)
    editor.get_by_label("Language").select_option("en")
    editor.get_by_label("Visibility").select_option("public")
    editor.get_by_role("button", name="Save").click()
    expect(editor.locator(".flash.success")).to_contain_text("Draft saved")
    english_id = _article_id(editor)
    editor.goto(f"/kb/articles/{english_id}/edit")
    search = editor.get_by_label("Find the translation")
    expect(search).to_be_visible()
    search.fill("Zoll")
    results = editor.locator("[data-kb-twin-results] li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(TITLE_DE)
    results.first.get_by_role("button", name="Choose").click()
    expect(editor.get_by_label("Article number of the translation")).to_have_value(
        str(german_id))
    editor.get_by_role("button", name="Link as translation").click()
    expect(editor.locator(".flash.success")).to_contain_text(TITLE_DE)
    expect(editor.locator("#linked-twin").get_by_role("link")).to_have_text(TITLE_DE)
    editor.goto(f"/kb/articles/{english_id}")
    editor.get_by_role("button", name="Publish").click()
    expect(editor.locator(".flash.success")).to_contain_text("Published")
    return english_id


def _assign_to_level_one(editor, german_id: int, agent_name: str) -> None:
    editor.goto("/kb/training")
    editor.get_by_label("Article number").fill(str(german_id))
    editor.get_by_role("button", name="Assign").click()
    progress = editor.locator("#reading-progress")
    expect(progress).to_contain_text(agent_name)
    expect(progress.locator(f'[data-article="{german_id}"] [data-state]')).to_have_text(
        "Not read yet")


def test_customers_gap_becomes_an_article_level_one_reads_and_customers_are_offered(
        live_server, new_page):
    l1 = live_server.create_user("agent", level=1, name="Lena First")
    l2 = live_server.create_user("agent", level=2, name="Max Second")
    _customers_search(live_server, new_page)

    editor = new_page()
    login(editor, l2.email, l2.password)
    german_id = _write_from_gap(editor)
    english_id = _write_and_link_translation(editor, german_id)
    with live_server.app_context():
        german, english = db.session.get(Article, german_id), db.session.get(Article, english_id)
        assert (german.language, english.language) == ("de", "en")
        assert german.status == english.status == ArticleStatus.published
        assert twin_of(english).id == german_id
        assert db.session.execute(sa.select(GapArticle.kind, GapArticle.article_id)).all() == [
            (GapKind.search, german_id)]
    _assign_to_level_one(editor, german_id, l1.name)

    agent = new_page()
    login(agent, l1.email, l1.password)
    agent.goto("/queue")
    reading = agent.locator("#required-reading")
    expect(reading).to_contain_text(TITLE_DE)
    screenshot(agent, "kb-loop-required-reading")
    reading.get_by_role("link", name=TITLE_DE).click()
    expect(agent.get_by_role("heading", name=TITLE_DE)).to_be_visible()
    agent.get_by_role("button", name="I have read it").click()
    expect(agent.locator(".flash.success")).to_contain_text("you read")
    agent.goto("/queue")
    expect(agent.locator("#required-reading")).to_have_count(0)

    editor.goto("/kb/training")
    expect(editor.locator(f'#reading-progress [data-article="{german_id}"] [data-state]')
           ).to_have_text("Read")
    editor.goto("/kb/gaps")
    expect(editor.get_by_role("heading", name="Searches with no or few hits")).to_be_visible()
    expect(editor.locator("#search-gaps tr", has_text=GAP)).to_have_count(0)
    expect(editor.locator("body")).not_to_contain_text(GAP)
    screenshot(editor, "kb-loop-gap-gone")

    # The next customer, on a phone, is offered the article while typing the question.
    customer = live_server.create_user("customer", name="Dora Drittkundin", language="de")
    phone = new_page(viewport=PHONE)
    login(phone, customer.email, customer.password)
    phone.goto("/tickets/new")
    _type_subject(phone, QUESTION)
    suggestions = phone.locator("#subject-suggestions")
    offered = suggestions.get_by_role("link", name=TITLE_DE)
    expect(offered).to_be_visible()
    expect(suggestions.get_by_role("link", name=TITLE_EN)).to_have_count(0)  # one per pair
    assert horizontal_overflow(phone) == 0
    screenshot(phone, "kb-loop-offered-phone")
    with phone.context.expect_page() as opened:
        offered.click()                                   # opens in a new tab
    article = opened.value
    expect(article.get_by_role("heading", name=TITLE_DE)).to_be_visible()
    expect(article.locator(".kb-body strong")).to_have_text("Zoll")
