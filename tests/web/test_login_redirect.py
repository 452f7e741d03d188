"""A visitor whose login ended is sent to log in and back to the page they were on."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit


def _next_of(response) -> str | None:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    return parse_qs(location.query).get("next", [None])[0]


def test_a_page_asks_to_log_in_and_comes_back_to_that_page(client):
    assert _next_of(client.get("/queue?status=open")) == "/queue?status=open"


def test_a_reply_sent_after_the_session_ended_comes_back_to_the_ticket_page(client, make):
    ticket = make.ticket()
    response = client.post(f"/tickets/{ticket.ref}/messages", data={"body": "typed for an hour"},
                           headers={"Referer": f"http://localhost/tickets/{ticket.ref}"})
    # Not the POST-only address (a GET there is 405): the page the form was on.
    assert _next_of(response) == f"/tickets/{ticket.ref}"
    assert client.get(_next_of(response)).status_code != 405


def test_a_post_from_another_site_gets_no_return_address(client, make):
    ticket = make.ticket()
    response = client.post(f"/tickets/{ticket.ref}/messages", data={"body": "x"},
                           headers={"Referer": "https://evil.example/phish"})
    assert _next_of(response) is None
