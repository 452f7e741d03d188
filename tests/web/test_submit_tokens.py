"""One-time submissions: a form sent twice (double click, reload, Back) acts once, and the
repeat leads to what the first one did."""
from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.extensions import db
from helpdesk.submissions import SubmitToken, prune_submit_tokens
from helpdesk.tickets.models import Priority, Ticket, TicketEvent
from tests.factories import fresh, text_of

ALREADY_SENT = "This was already sent; it was not done a second time."


# -- reading forms from pages ---------------------------------------------------------

class _Forms(HTMLParser):
    """The forms of a page: method, action and the values of their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").lower(),
                               "action": attrs.get("action") or "", "id": attrs.get("id"),
                               "fields": []})
        elif self.forms and tag in ("input", "select", "textarea"):
            self.forms[-1]["fields"].append([attrs.get("name"), attrs.get("value") or "",
                                             attrs.get("type")])
            self._textarea = self.forms[-1]["fields"][-1] if tag == "textarea" else None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def forms_of(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def form_data(page: str, action: str, **values) -> dict:
    """The hidden fields of the POST form sent to `action` (a path, or the form's id),
    plus `values`."""
    [form] = [f for f in forms_of(page)
              if f["method"] == "post" and action in (f["action"], f["id"])]
    hidden = {name: value for name, value, kind in form["fields"] if kind == "hidden"}
    return {**hidden, **values}


def new_ticket_data(page: str, **values) -> dict:
    [form] = [f for f in forms_of(page) if f["id"] == "new-ticket-form"]
    hidden = {name: value for name, value, kind in form["fields"] if kind == "hidden"}
    return {**hidden, "priority": "normal", "category": "", **values}


# -- two requests at the same moment --------------------------------------------------

def same_browser(app, client):
    """A second client with the first one's cookies: a second tab, or a double click."""
    twin = app.test_client()
    for cookie in client._cookies.values():
        twin.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return twin


def send_twice_at_once(app, clients, url: str, data: dict):
    """POST `data` from both clients at once; the first transaction is held open for
    0.3 s after the request's first flush, so the other request surely arrives while the
    first is still working. Returns both responses and when each request started."""
    barrier = threading.Barrier(len(clients))
    answers, started, first_commit = [None] * len(clients), [0.0] * len(clients), []
    held = threading.Lock()

    def hold_first(_session, _context):
        if has_request_context() and held.acquire(blocking=False):
            time.sleep(0.3)

    def note_commit(_session):
        if has_request_context():
            first_commit.append(time.monotonic())

    def send(i):
        with app.app_context():
            barrier.wait()
            started[i] = time.monotonic()
            answers[i] = clients[i].post(url, data=dict(data))

    db.session.commit()
    event.listen(Session, "after_flush", hold_first)
    event.listen(Session, "after_commit", note_commit)
    try:
        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(Session, "after_flush", hold_first)
        event.remove(Session, "after_commit", note_commit)
    assert all(answers), "a request did not finish"
    assert max(started) < min(first_commit), "the requests did not overlap"
    return answers


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- the twins ------------------------------------------------------------------------

def test_new_ticket_sent_twice_at_once_files_one_ticket_and_both_lead_to_it(
        app, client, make, login_as):
    login_as(make.user())
    data = new_ticket_data(client.get("/tickets/new").get_data(as_text=True),
                           subject="Payout missing", body="Where is my money?")
    clients = [client, same_browser(app, client)]
    answers = send_twice_at_once(app, clients, "/tickets/new", data)
    [ticket] = db.session.scalars(sa.select(Ticket)).all()
    assert sorted(a.status_code for a in answers) == [302, 303]
    assert {a.headers["Location"] for a in answers} == {f"/tickets/{ticket.ref}"}
    # The browser shows the answer to the second click: the ticket, with a note.
    repeat = [a.status_code for a in answers].index(303)
    page = text_of(clients[repeat].get(answers[repeat].headers["Location"])
                   .get_data(as_text=True))
    assert "Payout missing" in page and ALREADY_SENT in page


def test_customer_reply_sent_twice_at_once_is_added_once(app, client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer)
    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    data = form_data(page, f"/tickets/{ticket.ref}/messages", kind="public",
                     body="Here is the order number: 4711")
    answers = send_twice_at_once(app, [client, same_browser(app, client)],
                                 f"/tickets/{ticket.ref}/messages", data)
    assert sorted(a.status_code for a in answers) == [302, 303]
    assert {a.headers["Location"] for a in answers} == {f"/tickets/{ticket.ref}#latest"}
    bodies = [m.body for m in fresh(Ticket, ticket.id).messages]
    assert bodies.count("Here is the order number: 4711") == 1


def test_agent_update_sent_twice_at_once_changes_the_ticket_once(app, client, make, login_as):
    ticket = make.ticket()
    login_as(make.agent(1))
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    data = form_data(page, f"/tickets/{ticket.ref}/update", status="open", priority="urgent",
                     category="")
    answers = send_twice_at_once(app, [client, same_browser(app, client)],
                                 f"/tickets/{ticket.ref}/update", data)
    # Without the token the second one would meet a version conflict (409).
    assert sorted(a.status_code for a in answers) == [302, 303]
    assert {a.headers["Location"] for a in answers} == {f"/tickets/{ticket.ref}"}
    assert fresh(Ticket, ticket.id).priority == Priority.urgent
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "priority")) == 1


# -- repeats later, errors, other people ----------------------------------------------

def test_a_reload_of_the_sent_form_shows_the_first_ticket_with_a_note(client, make, login_as):
    login_as(make.user())
    data = new_ticket_data(client.get("/tickets/new").get_data(as_text=True),
                           subject="Refund", body="Please refund order 12")
    first = client.post("/tickets/new", data=data)
    again = client.post("/tickets/new", data=data)
    assert first.status_code == 302 and again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Ticket) == 1
    assert ALREADY_SENT in text_of(client.get(again.headers["Location"]).get_data(as_text=True))


def test_a_form_with_errors_can_be_sent_again_with_the_same_token(client, make, login_as):
    login_as(make.user())
    data = new_ticket_data(client.get("/tickets/new").get_data(as_text=True),
                           subject="", body="My text")
    assert client.post("/tickets/new", data=data).status_code == 400
    assert client.post("/tickets/new", data=data).status_code == 400    # not "already sent"
    data["subject"] = "Now with a subject"
    response = client.post("/tickets/new", data=data)
    assert response.status_code == 302
    assert [t.subject for t in db.session.scalars(sa.select(Ticket))] == ["Now with a subject"]


def test_a_refused_reply_does_not_use_up_the_token(app, make, login_as):
    """A version conflict (409) brings the form back; sending it then goes through."""
    ticket = make.ticket()
    one = same_browser(app, login_as(make.agent(1)))
    two = login_as(make.agent(1))
    page = two.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    data = form_data(page, f"/tickets/{ticket.ref}/messages", kind="internal",
                     body="Checked the logs")
    page_one = one.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    one.post(f"/tickets/{ticket.ref}/take", data=form_data(
        page_one, f"/tickets/{ticket.ref}/take"))
    conflict = two.post(f"/tickets/{ticket.ref}/messages", data=data)
    assert conflict.status_code == 409
    again = form_data(conflict.get_data(as_text=True), f"/tickets/{ticket.ref}/messages",
                      kind="internal", body="Checked the logs")
    again["submit_token"] = data["submit_token"]           # the very same token
    assert two.post(f"/tickets/{ticket.ref}/messages", data=again).status_code == 302
    assert [m.body for m in fresh(Ticket, ticket.id).messages].count("Checked the logs") == 1


def test_a_token_sent_by_someone_else_is_not_taken_as_theirs(app, client, make, login_as):
    alice, bob = make.user(name="Alice"), make.user(name="Bob")
    login_as(alice)
    data = new_ticket_data(client.get("/tickets/new").get_data(as_text=True),
                           subject="Same words", body="Same text")
    alices = client.post("/tickets/new", data=data)
    login_as(bob)
    bobs = client.post("/tickets/new", data=data)          # Alice's token, Bob's session
    assert alices.status_code == bobs.status_code == 302
    assert alices.headers["Location"] != bobs.headers["Location"]
    requesters = {t.requester_id for t in db.session.scalars(sa.select(Ticket))}
    assert requesters == {alice.id, bob.id}


def test_a_sent_form_changed_and_sent_again_is_a_new_submission(client, make, login_as):
    """Back, edit, send: the same token with other content files a second ticket."""
    login_as(make.user())
    data = new_ticket_data(client.get("/tickets/new").get_data(as_text=True),
                           subject="First question", body="One")
    assert client.post("/tickets/new", data=data).status_code == 302
    data.update(subject="Second question", body="Two")
    assert client.post("/tickets/new", data=data).status_code == 302
    assert count(Ticket) == 2


def test_claims_older_than_a_day_are_pruned(client, make, login_as):
    login_as(make.user())
    for subject in ("Old", "New"):
        data = new_ticket_data(client.get("/tickets/new").get_data(as_text=True),
                               subject=subject, body="Text")
        assert client.post("/tickets/new", data=data).status_code == 302
    old, new = db.session.scalars(sa.select(SubmitToken).order_by(SubmitToken.id)).all()
    old.created_at -= timedelta(days=2)
    db.session.commit()
    assert prune_submit_tokens(timedelta(days=1)) == 1
    db.session.commit()
    assert [t.id for t in db.session.scalars(sa.select(SubmitToken))] == [new.id]
    assert all(t.result_url.startswith("/tickets/HD-")
               for t in db.session.scalars(sa.select(SubmitToken)))


# -- every form carries a token -------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Forms whose answer sets the login or language cookie: sent twice they simply act twice
# (harmless), since a repeat answered with a redirect would carry no such cookie and
# could undo what the first answer set in the browser.
_LOGS_IN_OR_OUT = re.compile(r"/(login|register|logout|language/\w+)$")


def _pages_by_role(make, make_article):
    customer = make.user()
    own = make.ticket(customer)
    article = make_article("Refunds", visibility="public")
    draft = make_article("Draft notes", status="draft", visibility="internal")
    l2_ticket = make.ticket(level=2)
    admin = make.user("admin")
    return {
        None: ["/login", "/register", "/password/forgot"],
        customer: ["/tickets", "/tickets/new", f"/tickets/{own.ref}", "/profile", "/kb/",
                   f"/kb/articles/{article.id}"],
        make.agent(2): ["/queue", "/tickets/new", f"/tickets/{own.ref}",
                        f"/tickets/{l2_ticket.ref}", f"/tickets/{l2_ticket.ref}/escalate",
                        f"/tickets/{l2_ticket.ref}/return", "/kb/articles/new",
                        f"/kb/articles/{draft.id}", f"/kb/articles/{draft.id}/edit",
                        f"/kb/articles/{article.id}/history", "/kb/review"],
        admin: ["/admin/users", "/admin/users/new", f"/admin/users/{customer.id}",
                "/admin/categories", "/admin/categories/new"],
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_post_form_on_the_main_pages_carries_a_token_of_its_own(
        app, client, make, make_article, login_as):
    seen_actions = set()
    for user, urls in _pages_by_role(make, make_article).items():
        if user is not None:
            login_as(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            post_forms = [f for f in forms_of(response.get_data(as_text=True))
                          if f["method"] == "post"]
            tokens = []
            for form in post_forms:
                values = [value for name, value, _kind in form["fields"]
                          if name == "submit_token"]
                if _LOGS_IN_OR_OUT.match(form["action"] or url):
                    assert values == [], (url, form)
                    continue
                assert len(values) == 1 and _TOKEN.fullmatch(values[0]), (url, form)
                tokens += values
                seen_actions.add(re.sub(r"\d+", "N", form["action"] or url))
            assert len(set(tokens)) == len(tokens), f"{url}: two forms share a token"
    # the crawl reached the forms that matter
    assert {"/tickets/new", "/tickets/HD-N/messages", "/tickets/HD-N/update",
            "/tickets/HD-N/take", "/tickets/HD-N/escalate", "/kb/articles/N/edit",
            "/profile", "/password/forgot"} <= seen_actions, sorted(seen_actions)
