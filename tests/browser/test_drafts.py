"""Typed text survives a lost session: app.js keeps a draft of a form in the tab until the
server confirms the form went through, and puts it back into the empty form after login."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.models import Ticket
from tests.browser.conftest import PASSWORD, PLAYWRIGHT_MISSING, login

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

RESTORED = "We put back the text you had not sent yet."


def _log_in_here(page, email: str) -> None:
    """Log in on the login page the app sent us to (keeping its `next`)."""
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def test_new_ticket_text_comes_back_after_the_session_was_lost(live_server, new_page):
    customer = live_server.create_user("customer")
    page = new_page()
    login(page, customer.email)
    page.goto("/tickets/new")
    page.get_by_label("Subject").fill("Card declined twice")
    page.get_by_label("Describe your question").fill("Both times at checkout, error 05.")
    page.context.clear_cookies()                # the session ends while the customer types
    page.get_by_role("button", name="Send request").click()
    expect(page).to_have_url(f"{live_server.url}/login?next=/tickets/new")
    _log_in_here(page, customer.email)

    expect(page).to_have_url(f"{live_server.url}/tickets/new")
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("Card declined twice")
    expect(page.get_by_label("Describe your question")).to_have_value(
        "Both times at checkout, error 05.")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".flash.success")).to_contain_text("has been filed")

    # Sent: the draft is forgotten, the next new ticket starts empty.
    page.goto("/tickets/new")
    expect(page.get_by_label("Subject")).to_have_value("")
    expect(page.get_by_text(RESTORED)).to_have_count(0)
    with live_server.app_context():
        assert db.session.scalars(sa.select(Ticket.subject)).all() == ["Card declined twice"]


def test_a_sent_reply_is_not_put_back_but_an_unsent_one_is(live_server, new_page):
    customer = live_server.create_user("customer")
    ticket_ref = live_server.file_ticket(customer, subject="Where is my parcel?")
    page = new_page()
    login(page, customer.email)
    page.goto(f"/tickets/{ticket_ref}")
    page.locator("form.composer textarea").fill("Tracking number: 0042")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("form.composer textarea")).to_have_value("")

    page.locator("form.composer textarea").fill("Half-written follow-up")
    page.goto(f"/tickets/{ticket_ref}")          # away and back without sending
    expect(page.locator("form.composer textarea")).to_have_value("Half-written follow-up")
