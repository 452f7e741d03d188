"""Upload limits: an optional allow-list of file types (off by default), refused with the
user's text kept and nothing stored; the limits are on the file input for the browser."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.models import Attachment, Message, Ticket


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["ATTACHMENT_PATH"]).rglob("*") if p.is_file()]


def _file_ticket(client, *files):
    return client.post("/tickets/new", content_type="multipart/form-data", data={
        "subject": "Printer on fire", "priority": "normal", "body": "Text I typed",
        "attachments": [(io.BytesIO(data), name, mime) for name, data, mime in files]})


def test_any_file_type_is_accepted_by_default(app, client, make, login_as):
    login_as(make.user())
    response = _file_ticket(client, ("tool.exe", b"MZ", "application/octet-stream"))
    assert response.status_code == 302
    assert _count(Attachment) == 1


@pytest.fixture
def pdf_and_images(app):
    app.config["ALLOWED_ATTACHMENT_TYPES"] = "pdf, image/*"


def test_a_refused_type_keeps_the_text_and_stores_nothing(app, client, make, login_as,
                                                        pdf_and_images):
    login_as(make.user())
    response = _file_ticket(client, ("scan.pdf", b"%PDF", "application/pdf"),
                            ("notes.html", b"<p>", "text/html"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "notes.html is not an accepted file type (accepted: .pdf, image/*)." in page
    assert "Text I typed" in page and "Printer on fire" in page
    assert (_count(Ticket), _count(Attachment), _stored_files(app)) == (0, 0, [])


def test_listed_extensions_and_mime_families_are_accepted(app, client, make, login_as,
                                                         pdf_and_images):
    login_as(make.user())
    response = _file_ticket(client, ("scan.PDF", b"%PDF", "application/pdf"),
                            ("photo.jpeg", b"\xff\xd8", "image/jpeg"),
                            ("screen.png", b"\x89PNG", "application/octet-stream"))
    assert response.status_code == 302
    assert sorted(a.filename for a in db.session.scalars(sa.select(Attachment))) == [
        "photo.jpeg", "scan.PDF", "screen.png"]


def test_the_file_name_decides_not_the_type_the_browser_claims(app, client, make, login_as,
                                                               pdf_and_images):
    login_as(make.user())
    response = _file_ticket(client, ("page.html", b"<script>", "image/png"))
    assert response.status_code == 400
    assert _count(Attachment) == 0


def test_a_reply_with_a_refused_type_keeps_the_reply(app, client, make, login_as,
                                                    pdf_and_images):
    customer = make.user()
    ticket = make.ticket(customer)
    ref, messages = ticket.ref, _count(Message)
    login_as(customer)
    response = client.post(f"/tickets/{ref}/messages", content_type="multipart/form-data",
                           data={"kind": "public", "body": "Here is the log", "version": "1",
                                 "attachments": [(io.BytesIO(b"x"), "run.sh", "text/x-sh")]})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "run.sh is not an accepted file type" in page and "Here is the log" in page
    assert _count(Message) == messages and _stored_files(app) == []


def test_upload_fields_carry_the_limits_for_the_browser(app, client, make, login_as,
                                                        pdf_and_images):
    app.config["MAX_ATTACHMENT_BYTES"] = 2 * 1024 * 1024
    customer = make.user()
    ticket = make.ticket(customer)
    login_as(customer)
    for url in ("/tickets/new", f"/tickets/{ticket.ref}"):
        page = client.get(url).get_data(as_text=True)
        assert f'data-max-bytes="{2 * 1024 * 1024}"' in page, url
        assert f'data-max-files="{app.config["MAX_ATTACHMENTS_PER_MESSAGE"]}"' in page
        assert 'accept=".pdf,image/*"' in page
        assert 'data-too-large="{name} is larger than 2 MB."' in page
        assert "2 MB each. Accepted types: .pdf, image/*." in page
