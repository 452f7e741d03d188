"""Translation twins in Chromium, at phone width: level 2 finds the German translation by
search in the editor and links it, sees it on the curation list once the English text
changes and confirms it still matches; a German reader of the English article switches
to the German one. The pages pass axe and fit the phone's width."""
from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk.accounts.models import User
from helpdesk.extensions import db
from kb import curation, reviews, twins
from kb.models import Article, Visibility
from tests.browser.conftest import (
    PHONE,
    PLAYWRIGHT_MISSING,
    horizontal_overflow,
    login,
    screenshot,
)
from tests.browser.test_accessibility import axe_source, axe_violations  # noqa: F401 (fixture)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser


def _articles(live_server, editor_id: int) -> tuple[int, int]:
    with live_server.app_context():
        editor = db.session.get(User, editor_id)
        ids = []
        for title, body, language in (
                ("Klarna invoice refunds", "Klarna reduces the invoice at once.", "en"),
                ("Klarna Rechnung erstatten", "Klarna kürzt die Rechnung sofort.", "de")):
            article = curation.create_article(curation.ArticleInput(
                title=title, body=body, language=language, visibility=Visibility.public),
                by=editor)
            curation.publish(article, by=editor)
            db.session.commit()
            ids.append(article.id)
        return ids[0], ids[1]


def test_editor_links_the_translation_by_search_and_a_reader_switches(live_server, new_page,
                                                                     axe_source):  # noqa: F811
    l2 = live_server.create_user("agent", level=2, name="Max Second")
    reader = live_server.create_user("customer", name="Lena Leserin", language="de")
    english_id, german_id = _articles(live_server, l2.id)

    editor = new_page(viewport=PHONE)
    login(editor, l2.email, l2.password)
    editor.goto(f"/kb/articles/{english_id}/edit")
    search = editor.get_by_label("Find the translation")
    expect(search).to_be_visible()                     # shown by the script
    violations = axe_violations(editor, axe_source)
    search.fill("Rechnung")
    results = editor.locator("[data-kb-twin-results] li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Klarna Rechnung erstatten")
    results.first.get_by_role("button", name="Choose").click()
    expect(editor.get_by_label("Article number of the translation")).to_have_value(
        str(german_id))
    assert horizontal_overflow(editor) == 0
    screenshot(editor, "kb-twin-picker-phone")
    editor.get_by_role("button", name="Link as translation").click()
    expect(editor.locator(".flash.success")).to_contain_text("Klarna Rechnung erstatten")
    expect(editor.locator("#linked-twin").get_by_role("link")).to_have_text(
        "Klarna Rechnung erstatten")
    with live_server.app_context():
        english = db.session.get(Article, english_id)
        assert twins.twin_of(english).id == german_id
        # Something on each curation list: a newer English text, a review past due.
        curation.revise_article(english, curation.ArticleInput(
            title=english.title, body="Klarna reduces the invoice within a day.",
            visibility=english.visibility, translation_key=english.translation_key),
            by=db.session.get(User, l2.id))
        english.review_by = reviews.today() - timedelta(days=3)
        db.session.commit()
    for path in (f"/kb/articles/{german_id}", f"/kb/articles/{english_id}", "/kb/review",
                 f"/kb/articles/{german_id}/history"):
        editor.goto(path)
        violations += axe_violations(editor, axe_source)
        assert horizontal_overflow(editor) == 0, path
    editor.goto("/kb/review")
    expect(editor.locator("#outdated-translations")).to_contain_text(
        "Klarna Rechnung erstatten")
    expect(editor.locator("#past-due")).to_contain_text("Klarna invoice refunds")
    screenshot(editor, "kb-curation-list-phone")
    editor.locator("#outdated-translations").get_by_role("button", name="Still matches").click()
    expect(editor.locator(".flash.success")).to_contain_text("still matches")
    expect(editor.locator("#outdated-translations")).to_have_count(0)

    page = new_page(viewport=PHONE)
    login(page, reader.email, reader.password)
    page.goto(f"/kb/articles/{english_id}")
    switch = page.locator("#language-switch")
    expect(switch).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "kb-language-switch-phone")
    switch.get_by_role("link", name="Deutsch").click()
    expect(page.get_by_role("heading", name="Klarna Rechnung erstatten")).to_be_visible()
    assert page.url.endswith(f"/kb/articles/{german_id}")
    violations += axe_violations(page, axe_source)          # the rating form
    page.locator("#language-switch").get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Klarna invoice refunds")).to_be_visible()
    assert violations == [], '\n'.join(violations)
