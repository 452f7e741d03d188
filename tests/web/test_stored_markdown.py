"""Ticket text is rendered once, when it is saved, and no message can break a page."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.models import Message, Ticket
from tests.factories import fresh

HOSTILE = {
    "bracket run": "[" * 13000,
    "nested list items": "* " * 1000 + "x",
    "nested quotes": ">" * 5000,
    "emphasis run": "*a" * 20000,
}


def _timed(call):
    """Make the request. Its time is bounded by the renderer's budget (the unit tests show
    the budget is enforced); no wall-clock assertion here, which a busy machine would fail."""
    return call()


def _shows(page: str, source: str) -> bool:
    """Whether `page` shows `source` (rendered or as plain text): its first 200 characters."""
    return source[:200].replace(">", "&gt;") in page or "<em>a</em>" in page


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_ticket_body_is_filed_and_its_page_loads_for_everyone(client, make, login_as,
                                                                      body):
    customer, agent = make.user(), make.agent(1)
    login_as(customer)
    response = _timed(lambda: client.post("/tickets/new", data={
        "subject": "Broken page", "priority": "normal", "body": body}))
    assert response.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.body == body and ticket.body_html
    for user in (customer, agent, customer):
        login_as(user)
        page = _timed(lambda: client.get(f"/tickets/{ticket.ref}"))
        assert page.status_code == 200 and _shows(page.get_data(as_text=True), body)
    login_as(agent)
    escalate = _timed(lambda: client.get(f"/tickets/{ticket.ref}/escalate"))
    assert escalate.status_code == 200 and _shows(escalate.get_data(as_text=True), body)


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_reply_is_saved_and_the_thread_loads_for_everyone(client, make, login_as, body):
    customer, agent = make.user(), make.agent(1)
    ticket = make.ticket(customer)
    login_as(customer)
    response = _timed(lambda: client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "public", "body": body, "version": str(ticket.version)}))
    assert response.status_code == 302
    [message] = fresh(Ticket, ticket.id).messages
    assert message.body == body and message.body_html
    for user in (agent, customer):
        login_as(user)
        page = _timed(lambda: client.get(f"/tickets/{ticket.ref}"))
        assert page.status_code == 200 and _shows(page.get_data(as_text=True), body)


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_preview_of_hostile_text_answers_in_time(client, make, login_as, body):
    login_as(make.user())
    response = _timed(lambda: client.post("/preview", data={"body": body}))
    assert response.status_code == 200 and _shows(response.get_json()["html"], body)


def test_ticket_page_shows_the_stored_html_without_rendering_again(client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer, body="Body **as filed**")
    reply = make.message(ticket, customer, body="Reply *as written*")
    assert ticket.body_html == "<p>Body <strong>as filed</strong></p>"
    assert reply.body_html == "<p>Reply <em>as written</em></p>"
    # What the page shows comes from the stored HTML, not from parsing the body again.
    db.session.execute(sa.update(Ticket).where(Ticket.id == ticket.id).values(
        body_html="<p>stored ticket html</p>"))
    db.session.execute(sa.update(Message).where(Message.id == reply.id).values(
        body_html="<p>stored message html</p>"))
    db.session.commit()
    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "<p>stored ticket html</p>" in page and "<p>stored message html</p>" in page
    assert "as filed" not in page and "as written" not in page


def test_rows_without_stored_html_are_rendered_on_view(client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer, body="Old **ticket**")
    make.message(ticket, customer, body="Old *reply*")
    db.session.execute(sa.update(Ticket).values(body_html=None))
    db.session.execute(sa.update(Message).values(body_html=None))
    db.session.commit()
    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "<p>Old <strong>ticket</strong></p>" in page and "<p>Old <em>reply</em></p>" in page


def _images_and_links(html: str) -> tuple[list[dict], list[dict]]:
    images, links = [], []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            {"img": images, "a": links}.get(tag, []).append(dict(attrs))
    Collector().feed(html)
    return images, links


def test_remote_image_in_a_ticket_is_a_link_for_the_agent(client, make, login_as):
    customer, agent = make.user(), make.agent(1)
    ticket = make.ticket(customer, body="Look: ![screenshot](https://tracker.example/p.png)")
    make.message(ticket, customer, body='<img src="//tracker.example/q.png" alt="second">')
    login_as(agent)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    images, links = _images_and_links(page)
    assert not [i for i in images if "tracker.example" in (i.get("src") or "")]
    remote = [(a["href"], a["rel"]) for a in links if a.get("class") == "remote-image"]
    assert remote == [("https://tracker.example/p.png", "noopener noreferrer nofollow"),
                      ("//tracker.example/q.png", "noopener noreferrer nofollow")]
    assert ">screenshot</a>" in page and ">second</a>" in page


def test_hostile_knowledge_base_article_still_shows(client, make, login_as, make_article):
    article = make_article("Brackets", body="[" * 13000)
    login_as(make.user())
    page = _timed(lambda: client.get(f"/kb/articles/{article.id}"))
    assert page.status_code == 200 and "[" * 200 in page.get_data(as_text=True)
