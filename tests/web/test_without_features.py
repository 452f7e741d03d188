"""The helpdesk runs without its feature packages (FEATURES empty): no knowledge base and no
mail, and the ticket journey still works. The same journey with every feature loaded shows
that what is missing without them is there with them."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.registry import registry_of
from helpdesk.tickets.models import Status, Ticket
from tests.factories import fresh, text_of


@pytest.fixture(params=["", "notifications,kb"], ids=["no-features", "all-features"])
def app_config(request, app_config):
    return {**app_config, "FEATURES": request.param}


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_ticket_journey_with_and_without_the_feature_packages(app, client, make, login_as,
                                                                 mailbox):
    features = bool(app.config["FEATURES"])
    assert registry_of(app).features == (["notifications", "kb"] if features else [])
    customer, l1, admin = make.user(), make.agent(1), make.user("admin")
    category = make.category("payouts")

    # The customer files a ticket; the form offers KB answers only with the KB.
    login_as(customer)
    page = _page(client, "/tickets/new")
    assert ('id="subject-suggestions"' in page) == features
    assert ("Knowledge base" in text_of(page)) == features
    assert "My tickets" in text_of(page)
    response = client.post("/tickets/new", data={
        "subject": "Payout missing", "category": str(category.id), "priority": "normal",
        "body": "My payout of **120 EUR** is missing."})
    [ticket] = db.session.scalars(sa.select(Ticket)).all()
    assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{ticket.ref}"
    assert "<strong>120 EUR</strong>" in _page(client, f"/tickets/{ticket.ref}")
    assert len(mailbox.to(customer.email)) == (1 if features else 0)
    # Without mail nothing is queued either: no outbox row waits for a sender that never runs.
    queued = db.session.scalar(sa.text("SELECT count(*) FROM mail_outbox"))
    assert (queued > 0) == features

    # Level 1 finds it, reads it (the KB and mail panels only with their features), replies
    # and escalates.
    login_as(l1)
    assert ticket.ref in _page(client, "/queue")
    page = _page(client, f"/tickets/{ticket.ref}")
    assert ('id="kb-panel"' in page) == features
    assert ('id="ticket-mail"' in page) == features
    assert "My payout of" in page
    response = client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "public", "body": "We are looking into it.", "version": str(ticket.version),
        "confirmed_public": "y"})
    assert response.status_code == 302
    ticket = fresh(Ticket, ticket.id)
    assert [m.body for m in ticket.messages] == ["We are looking into it."]
    response = client.post(f"/tickets/{ticket.ref}/escalate", data={
        "summary": "Payout job skipped the shop", "tried": "Re-ran the payout",
        "articles_checked": "none", "version": str(ticket.version)})
    assert response.status_code == 302
    ticket = fresh(Ticket, ticket.id)
    assert (ticket.level, ticket.status) == (2, Status.open)

    # The customer sees the answer and where the ticket is.
    login_as(customer)
    page = text_of(_page(client, f"/tickets/{ticket.ref}"))
    assert "We are looking into it." in page
    assert "Your request is with our second-level team." in page

    # Administration: the Mail tab only with mail.
    login_as(admin)
    page = _page(client, "/admin/users")
    assert ('href="/admin/mail/"' in page) == features
    assert ("Mail" in text_of(page).split()) == features
    assert client.get("/admin/mail/").status_code == (200 if features else 404)
    assert client.get("/kb/").status_code == (200 if features else 404)

    # /healthz reports what is there: the database, and the features' parts with them.
    health = client.get("/healthz")
    assert set(health.get_json()) - {"status"} == (
        {"database", "search_index", "search_translation", "mail"} if features
        else {"database"})
    if not features:
        assert (health.status_code, health.get_json()["status"]) == (200, "ok")
