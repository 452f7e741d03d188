"""Internal knowledge-base articles never reach a customer through a public reply.

The ticket page's panel offers "Insert" for internal articles only into internal notes,
and the server refuses a public reply that carries one: by the inserted article ids or by
a link to the article in the text. A refused reply keeps the agent's text, saves nothing
and mails nobody.
"""
from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.models import Message, Ticket
from kb.models import TicketArticle
from tests.factories import fresh

REFUSAL = "is an internal article: it can only go into an internal note"


def _post(client, ticket, body, *, kind="public", article_ids=""):
    version = fresh(Ticket, ticket.id).version
    return client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": kind, "body": body, "version": str(version), "seen_event": "0",
        "confirmed_public": "y", "article_ids": article_ids})


def _messages(ticket):
    return db.session.scalars(sa.select(Message).where(Message.ticket_id == ticket.id)
                              .order_by(Message.id)).all()


def _settle(mailbox):
    mailbox.wait_for(1)        # the "ticket received" mail of the set-up
    mailbox.clear()


@pytest.fixture
def scene(make, make_article, mailbox):
    customer = make.user(name="Cora Customer")
    ticket = make.ticket(customer, subject="Instagram shop sync fails",
                         body="My Instagram catalogue does not sync.")
    internal = make_article("Instagram sync workaround", visibility="internal",
                            summary="SECRET-STEPS: reset the Meta token by hand.",
                            body="Only for staff: reset the token in the admin console.")
    public = make_article("Connect your Instagram shop", visibility="public",
                          summary="How to connect the catalogue.")
    _settle(mailbox)
    return customer, ticket, internal, public


def test_public_reply_with_an_inserted_internal_article_is_refused(
        client, make, login_as, mailbox, scene):
    customer, ticket, internal, _public = scene
    login_as(make.agent(1))
    text = f"Try this:\n{internal.summary}"
    version_before = fresh(Ticket, ticket.id).version

    response = _post(client, ticket, text, article_ids=str(internal.id))

    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert f"“{internal.title}” {REFUSAL}" in page
    composer = page.split('id="composer"')[1].split("</form>")[0]
    assert text in composer                        # the agent's text is still there
    assert _messages(ticket) == []
    assert fresh(Ticket, ticket.id).version == version_before
    assert db.session.scalars(sa.select(TicketArticle)).all() == []
    mailbox.wait_for(1, timeout=1.0)
    assert mailbox.to(customer.email) == []


def test_public_reply_with_a_pasted_link_to_an_internal_article_is_refused(
        client, make, login_as, mailbox, scene):
    customer, ticket, internal, _public = scene
    login_as(make.agent(1))
    escaped = "".join(f"%3{digit}" for digit in str(internal.id))
    for link in (f"[the steps](http://helpdesk.test/kb/articles/{internal.id})",
                 f"/kb/articles/{internal.id}/instagram-sync-workaround",
                 f"<https://127.0.0.1:5000/kb/articles/{escaped}>"):
        response = _post(client, ticket, f"Please read {link} and tell us.")
        assert response.status_code == 400, link
        assert REFUSAL in html.unescape(response.get_data(as_text=True))
    assert _messages(ticket) == []
    mailbox.wait_for(1, timeout=1.0)
    assert mailbox.to(customer.email) == []


def test_internal_note_may_carry_an_internal_article(client, make, login_as, scene):
    _customer, ticket, internal, _public = scene
    login_as(make.agent(1))
    body = f"[{internal.title}](http://helpdesk.test/kb/articles/{internal.id})\n{internal.summary}"

    response = _post(client, ticket, body, kind="internal", article_ids=str(internal.id))

    assert response.status_code == 302
    [note] = _messages(ticket)
    assert note.is_internal and internal.summary in note.body
    links = db.session.scalars(sa.select(TicketArticle)).all()
    assert [(link.article_id, link.is_internal) for link in links] == [(internal.id, True)]


def test_public_reply_with_a_public_article_goes_out(client, make, login_as, mailbox, scene):
    customer, ticket, _internal, public = scene
    login_as(make.agent(1))
    body = f"[{public.title}](http://helpdesk.test/kb/articles/{public.id})\n{public.summary}"

    response = _post(client, ticket, body, article_ids=str(public.id))

    assert response.status_code == 302
    [reply] = _messages(ticket)
    assert not reply.is_internal
    links = db.session.scalars(sa.select(TicketArticle)).all()
    assert [(link.article_id, link.is_internal) for link in links] == [(public.id, False)]
    mailbox.wait_for(1)
    [mail] = mailbox.to(customer.email)
    assert public.summary in mail.get_content()


def test_refused_reply_goes_through_as_a_note_or_without_the_article(
        client, make, login_as, scene):
    _customer, ticket, internal, public = scene
    login_as(make.agent(1))
    refused = _post(client, ticket, "Public text", article_ids=f"{public.id},{internal.id}")
    assert refused.status_code == 400
    # The page lists what was inserted, so the agent can take the internal one out.
    inserted = refused.get_data(as_text=True).partition('class="kb-inserted small"')[2]
    inserted = inserted.partition("</div>")[0]
    assert internal.title in inserted and public.title in inserted
    assert inserted.count("data-kb-remove") == 2
    assert _post(client, ticket, "Public text", article_ids=str(public.id)).status_code == 302
    assert _post(client, ticket, "Note text", kind="internal",
                 article_ids=str(internal.id)).status_code == 302
    assert [m.is_internal for m in _messages(ticket)] == [False, True]


def test_customer_reply_naming_an_internal_article_is_not_answered_with_its_title(
        client, make, login_as, scene):
    customer, ticket, internal, _public = scene
    login_as(customer)
    response = _post(client, ticket, f"I found /kb/articles/{internal.id}",
                     article_ids=str(internal.id))
    assert response.status_code == 302
    assert internal.title not in client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert db.session.scalars(sa.select(TicketArticle)).all() == []


def test_panel_offers_insert_for_internal_articles_only_into_notes(
        client, make, login_as, scene):
    _customer, ticket, internal, public = scene
    login_as(make.agent(1))
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    panel = page.split('id="kb-panel"')[1].split('id="kb-used"')[0]
    items = {chunk.split('"', 1)[0]: chunk for chunk in panel.split('data-article-id="')[1:]}
    internal_item, public_item = items[str(internal.id)], items[str(public.id)]
    assert "Internal article: can only go into an internal note." in internal_item
    assert 'class="badge internal"' in internal_item
    # Hidden while the composer is on "Public reply" (kb.js shows it for a note).
    assert "data-kb-note-only hidden" in internal_item
    assert "data-kb-insert>" in public_item and "data-kb-note-only" not in public_item


def test_live_search_answers_keep_the_internal_flag(client, make, login_as, scene):
    _customer, _ticket, internal, _public = scene
    login_as(make.agent(1))
    data = client.get("/kb/?format=json&q=instagram").get_json()
    flags = {hit["id"]: hit["visibility"] for hit in data["results"]}
    assert flags[internal.id] == "internal"
