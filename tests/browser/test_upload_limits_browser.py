"""The browser checks chosen files against the upload limits before anything is sent."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.models import Attachment, Ticket
from tests.browser.conftest import PLAYWRIGHT_MISSING, login

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

MB = 1024 * 1024


def test_a_too_large_file_is_refused_before_the_upload(live_server, new_page):
    live_server.app.config["MAX_ATTACHMENT_BYTES"] = MB
    customer = live_server.create_user("customer")
    page = new_page()
    login(page, customer.email)
    page.goto("/tickets/new")
    expect(page.get_by_text("Up to 5 files, 1 MB each.")).to_be_visible()
    page.get_by_label("Subject").fill("Screenshot of the error")
    page.get_by_label("Describe your question").fill("See the attached screen.")
    files = page.get_by_label("Attachments")
    files.set_input_files([{"name": "huge.png", "mimeType": "image/png",
                            "buffer": b"x" * (MB + MB // 2)}])
    expect(page.locator(".upload-errors")).to_have_text("huge.png is larger than 1 MB.")

    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST"
            else None)
    page.get_by_role("button", name="Send request").click()
    page.wait_for_timeout(300)
    assert posts == [] and page.url.endswith("/tickets/new")
    expect(page.get_by_label("Subject")).to_have_value("Screenshot of the error")

    files.set_input_files([{"name": "small.png", "mimeType": "image/png", "buffer": b"png"}])
    expect(page.locator(".upload-errors")).to_be_hidden()
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".flash.success")).to_contain_text("has been filed")
    with live_server.app_context():
        assert db.session.scalars(sa.select(Ticket.subject)).all() == ["Screenshot of the error"]
        assert db.session.scalars(sa.select(Attachment.filename)).all() == ["small.png"]
