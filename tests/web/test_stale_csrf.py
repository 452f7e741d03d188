"""A form sent after its CSRF token went stale comes back with what was typed and a note
to send it again (status 400, like any form with errors); nothing is saved, and no button
or form acts without a valid token."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.notifications import sender as mail_sender
from helpdesk.tickets.models import Ticket
from kb.models import Article, ArticleRevision, ArticleStatus
from tests.factories import fresh, text_of
from tests.web.test_submit_tokens import _pages_by_role, form_data, forms_of, new_ticket_data

EXPIRED = "Your session expired; please check and send again."
REFUSED = "Your form expired or came from elsewhere"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def expire_csrf(client) -> None:
    """What a browser restart or a new login session does: the token's secret is gone."""
    with client.session_transaction() as session:
        session.pop("csrf_token", None)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_new_ticket_with_a_stale_token_comes_back_with_the_text(client, make, login_as):
    login_as(make.user())
    typed = {"subject": "Parcel <lost> & late", "body": "I waited three weeks.\nStill nothing."}
    data = new_ticket_data(client.get("/tickets/new").get_data(as_text=True), **typed)
    expire_csrf(client)
    response = client.post("/tickets/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED in text_of(page)
    assert 'value="Parcel &lt;lost&gt; &amp; late"' in page
    assert "I waited three weeks.\nStill nothing.</textarea>" in page
    assert count(Ticket) == 0
    # The page carries a fresh token: sending it again files the ticket.
    again = client.post("/tickets/new", data=new_ticket_data(page, **typed))
    assert again.status_code == 302
    assert [t.subject for t in db.session.scalars(sa.select(Ticket))] == [typed["subject"]]


def test_reply_with_a_stale_token_comes_back_with_the_text(client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer)
    login_as(customer)
    url = f"/tickets/{ticket.ref}/messages"
    data = form_data(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True), url,
                     kind="public", body="The order number is 4711")
    expire_csrf(client)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert EXPIRED in text_of(response.get_data(as_text=True))
    assert "The order number is 4711</textarea>" in response.get_data(as_text=True)
    assert fresh(Ticket, ticket.id).messages == []


def test_article_editor_with_a_stale_token_comes_back_with_the_text(client, make,
                                                                      make_article, login_as):
    article = make_article("Refund deadlines", body="Old body")
    revisions = count(ArticleRevision)
    login_as(make.agent(2))
    url = f"/kb/articles/{article.id}/edit"
    page = client.get(url).get_data(as_text=True)
    data = form_data(page, "article-form", title="Refund deadlines 2027", body="New **body**",
                     language="en", visibility="public", category="")
    data.pop("is_known_error", None)
    expire_csrf(client)
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED in text_of(page)
    assert 'value="Refund deadlines 2027"' in page and "New **body**</textarea>" in page
    assert fresh(Article, article.id).title == "Refund deadlines"
    assert count(ArticleRevision) == revisions
    again = client.post(url, data=form_data(page, "article-form") | {
        "title": "Refund deadlines 2027", "body": "New **body**", "language": "en",
        "visibility": "public", "category": ""})
    assert again.status_code == 302
    assert fresh(Article, article.id).title == "Refund deadlines 2027"


def test_new_article_with_a_stale_token_comes_back_with_the_text(client, make, login_as):
    login_as(make.agent(2))
    page = client.get("/kb/articles/new").get_data(as_text=True)
    data = form_data(page, "article-form", title="How to reset a PIN", body="Step one",
                     language="en", visibility="internal", category="")
    expire_csrf(client)
    response = client.post("/kb/articles/new", data=data)
    assert response.status_code == 400
    assert "Step one</textarea>" in response.get_data(as_text=True)
    assert count(Article) == 0


@pytest.mark.parametrize("action", ["take", "publish"])
def test_an_action_button_with_a_stale_token_does_nothing(client, make, make_article,
                                                          login_as, action):
    ticket = make.ticket()
    article = make_article("Draft", status="draft")
    login_as(make.agent(1 if action == "take" else 2))
    if action == "take":
        url, page_url = f"/tickets/{ticket.ref}/take", f"/tickets/{ticket.ref}"
    else:
        url, page_url = f"/kb/articles/{article.id}/publish", f"/kb/articles/{article.id}"
    data = form_data(client.get(page_url).get_data(as_text=True), url)
    expire_csrf(client)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert REFUSED in text_of(response.get_data(as_text=True))
    assert fresh(Ticket, ticket.id).assignee_id is None
    assert fresh(Article, article.id).status == ArticleStatus.draft


def test_a_stale_token_from_a_script_gets_a_json_400(client, make, login_as):
    login_as(make.user())
    response = client.post("/tickets/new", data={"subject": "x", "body": "y",
                                                 "csrf_token": "stale"},
                           headers={"Accept": "application/json"})
    # The new-ticket view shows its form again, even to a script; nothing is filed.
    assert response.status_code == 400 and count(Ticket) == 0
    response = client.post("/logout", data={"csrf_token": "stale"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.is_json
    assert REFUSED in response.get_json()["error"]


def _snapshot(app) -> dict:
    """Every row of every table, read fresh (after the background mail sender is done)."""
    mail_sender.drain(app)
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {table.name: sorted(map(repr, conn.execute(table.select()).all()))
                for table in db.metadata.sorted_tables}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_form_on_the_main_pages_acts_with_a_stale_token(app, client, make, make_article,
                                                           login_as):
    sent = 0
    for user, urls in _pages_by_role(make, make_article).items():
        if user is not None:
            login_as(user)
        for url in urls:
            for form in forms_of(client.get(url).get_data(as_text=True)):
                if form["method"] != "post" or "logout" in form["action"]:
                    continue
                data = {name: value or "Some text" for name, value, kind in form["fields"]
                        if name and kind not in ("checkbox", "file", "submit")}
                data["confirmed_public"] = "y"
                before = _snapshot(app)
                expire_csrf(client)
                response = client.post(form["action"] or url, data=data)
                assert response.status_code == 400, (url, form["action"])
                assert _snapshot(app) == before, (url, form["action"])
                sent += 1
    assert sent >= 25
