"""Required reading and synonyms in Chromium: level 2 assigns an article to level 1 with
the form and adds a synonym group; the level-1 agent finds the reading on the queue page,
reads it and confirms it; every page passes axe at phone width."""
from __future__ import annotations

import pytest

from helpdesk.accounts.models import User
from helpdesk.extensions import db
from kb import curation
from kb.models import Visibility
from tests.browser.conftest import PLAYWRIGHT_MISSING, login, screenshot
from tests.browser.test_accessibility import axe_source, axe_violations  # noqa: F401 (fixture)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser


def _article(live_server, editor) -> int:
    with live_server.app_context():
        article = curation.create_article(curation.ArticleInput(
            title="Sending goods back", body="Customers return items in the portal.",
            visibility=Visibility.public), by=db.session.get(User, editor.id))
        curation.publish(article, by=db.session.get(User, editor.id))
        db.session.commit()
        return article.id


def test_level_two_assigns_and_level_one_confirms_at_phone_width(
        live_server, new_page, axe_source):  # noqa: F811 (the fixture)
    lead = live_server.create_user("agent", level=2)
    agent = live_server.create_user("agent", level=1, name="Anna One")
    article_id = _article(live_server, lead)
    found = []

    editor = new_page()
    editor.set_viewport_size({"width": 390, "height": 844})
    login(editor, lead.email, lead.password)
    editor.goto("/kb/synonyms")
    editor.get_by_label("Terms that mean the same").fill("Rücksendung, return")
    editor.get_by_role("button", name="Add group").click()
    expect(editor.locator("#synonym-groups")).to_be_visible()
    editor.goto("/kb/synonyms")           # audited without the flash (base.html's list)
    found.extend(axe_violations(editor, axe_source))
    editor.goto("/kb/training")
    editor.get_by_label("Article number").fill(str(article_id))
    editor.get_by_role("button", name="Assign").click()
    expect(editor.locator("#reading-progress")).to_contain_text("Anna One")
    expect(editor.locator("#reading-progress [data-state]")).to_have_text("Not read yet")
    editor.goto("/kb/training")
    screenshot(editor, "kb-training-phone")
    found.extend(axe_violations(editor, axe_source))

    reader = new_page()
    reader.set_viewport_size({"width": 390, "height": 844})
    login(reader, agent.email, agent.password)
    reader.goto("/queue")
    panel = reader.locator("#required-reading")
    expect(panel).to_contain_text("Sending goods back")
    screenshot(reader, "kb-reading-queue-phone")
    found.extend(axe_violations(reader, axe_source))
    panel.get_by_role("link", name="Sending goods back").click()
    found.extend(axe_violations(reader, axe_source))
    reader.get_by_role("button", name="I have read it").click()
    expect(reader.locator(".flash.success")).to_contain_text("you read")
    reader.goto("/kb/reading")
    found.extend(axe_violations(reader, axe_source))
    reader.goto("/queue")
    expect(reader.locator("#required-reading")).to_have_count(0)

    editor.goto("/kb/training")
    expect(editor.locator("#reading-progress [data-state]")).to_have_text("Read")
    assert not found, "\n".join(found)
