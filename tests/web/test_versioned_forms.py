"""One rule for the version a form sends (helpdesk.actions): an action runs only when the
form names the version the user saw; a missing, empty, "0" or unreadable version is stale
in tickets and in the knowledge base alike, and changes nothing."""
from __future__ import annotations

import pytest

from helpdesk.tickets.models import Priority, Status, Ticket
from kb.models import Article, ArticleStatus
from tests.factories import flashes, fresh, text_of, ticket_state

NOT_A_VERSION = [pytest.param({}, id="missing"), pytest.param({"version": ""}, id="empty"),
                 pytest.param({"version": "0"}, id="zero"),
                 pytest.param({"version": "v1"}, id="unreadable")]


@pytest.mark.parametrize("version", NOT_A_VERSION)
def test_ticket_update_without_the_seen_version_shows_the_ticket_and_saves_nothing(
        client, make, login_as, version):
    ticket = make.ticket()
    login_as(make.agent(1))
    before = ticket_state(ticket.id)
    response = client.post(f"/tickets/{ticket.ref}/update",
                           data={"status": "resolved", "priority": "urgent", **version})
    assert response.status_code == 409
    assert "Someone else changed this ticket in the meantime. Nothing was saved" in text_of(
        response.get_data(as_text=True))
    assert ticket_state(ticket.id) == before


def test_ticket_update_with_the_seen_version_is_saved(client, make, login_as):
    ticket = make.ticket()
    login_as(make.agent(1))
    response = client.post(f"/tickets/{ticket.ref}/update", data={
        "status": "resolved", "priority": "urgent", "version": str(ticket.version)})
    assert response.status_code == 302
    after = fresh(Ticket, ticket.id)
    assert (after.status, after.priority) == (Status.resolved, Priority.urgent)


@pytest.mark.parametrize("version", NOT_A_VERSION)
def test_kb_publish_without_the_seen_version_publishes_nothing(client, make, login_as,
                                                               make_article, version):
    article = make_article("Waiting for review", status="in_review")
    login_as(make.agent(2))
    response = client.post(f"/kb/articles/{article.id}/publish", data=version)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/kb/articles/{article.id}"
    assert ("warning", "Someone else changed this article just now. Please check it and "
            "try again.") in flashes(client)
    assert fresh(Article, article.id).status == ArticleStatus.in_review


def test_kb_publish_with_the_seen_version_publishes(client, make, login_as, make_article):
    article = make_article("Waiting for review", status="in_review")
    login_as(make.agent(2))
    response = client.post(f"/kb/articles/{article.id}/publish",
                           data={"version": str(article.version)})
    assert response.status_code == 302
    assert fresh(Article, article.id).status == ArticleStatus.published


def test_a_customer_reply_needs_no_version(client, make, login_as):
    """Customers do not race each other: their reply is never refused as stale."""
    customer = make.user()
    ticket = make.ticket(customer)
    login_as(customer)
    response = client.post(f"/tickets/{ticket.ref}/messages",
                           data={"kind": "public", "body": "Any news?"})
    assert response.status_code == 302
    assert [m.body for m in fresh(Ticket, ticket.id).messages] == ["Any news?"]
