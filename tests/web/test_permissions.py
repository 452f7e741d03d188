"""The permission matrix of DESIGN section 3, as one table.

Each row: who acts, on a ticket at which support level, doing what, and whether it is
allowed. A refusal answers 404 to whoever may not see the ticket (no probing for ticket
numbers) and 403 to whoever sees it but may not do this (the refusal rule of
helpdesk.actions); either leaves the database as it was.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.accounts.models import Role, User
from helpdesk.extensions import db
from helpdesk.tickets.models import Handoff, Message, Priority, Status, Ticket
from tests.factories import fresh, ticket_state

Y, N = "allowed", "refused"
ACTORS = ("requester", "other_customer", "l1", "l2", "l3", "admin",
          "l1_who_escalated", "l2_who_escalated")

# actor -> action -> expected at ticket level (1, 2, 3); None: the case does not exist.
MATRIX = {
    "requester": {
        "view": (Y, Y, Y), "reply": (Y, Y, Y), "note": (Y, Y, Y), "update": (N, N, N),
        "take": (N, N, N), "escalate": (N, N, N), "return": (N, N, N),
        "attachment": (Y, Y, Y)},
    "other_customer": {
        "view": (N, N, N), "reply": (N, N, N), "note": (N, N, N), "update": (N, N, N),
        "take": (N, N, N), "escalate": (N, N, N), "return": (N, N, N),
        "attachment": (N, N, N)},
    "l1": {
        "view": (Y, N, N), "reply": (Y, N, N), "note": (Y, N, N), "update": (Y, N, N),
        "take": (Y, N, N), "escalate": (Y, N, N), "return": (N, N, N),
        "attachment": (Y, N, N)},
    "l2": {
        "view": (Y, Y, N), "reply": (Y, Y, N), "note": (Y, Y, N), "update": (Y, Y, N),
        "take": (N, Y, N), "escalate": (N, Y, N), "return": (N, Y, N),
        "attachment": (Y, Y, N)},
    "l3": {
        "view": (Y, Y, Y), "reply": (Y, Y, Y), "note": (Y, Y, Y), "update": (Y, Y, Y),
        "take": (N, N, Y), "escalate": (N, N, N), "return": (N, N, Y),
        "attachment": (Y, Y, Y)},
    "admin": {
        "view": (Y, Y, Y), "reply": (Y, Y, Y), "note": (Y, Y, Y), "update": (Y, Y, Y),
        "take": (N, N, N), "escalate": (Y, Y, N), "return": (N, Y, Y),
        "attachment": (Y, Y, Y)},
    # The agent who escalated the ticket keeps read access, but the work belongs to the
    # level the ticket is at now.
    "l1_who_escalated": {
        "view": (None, Y, Y), "reply": (None, N, N), "note": (None, N, N),
        "update": (None, N, N), "take": (None, N, N), "escalate": (None, N, N),
        "return": (None, N, N), "attachment": (None, Y, Y)},
    "l2_who_escalated": {
        "view": (None, None, Y), "reply": (None, None, N), "note": (None, None, N),
        "update": (None, None, N), "take": (None, None, N), "escalate": (None, None, N),
        "return": (None, None, N), "attachment": (None, None, Y)},
}
# Pages that belong to no ticket.
PAGES = {
    "queue": {"requester": N, "other_customer": N, "l1": Y, "l2": Y, "l3": Y, "admin": Y},
    "admin_pages": {"requester": N, "other_customer": N, "l1": N, "l2": N, "l3": N,
                    "admin": Y},
}

CASES = [
    pytest.param(actor, level, action, expected, id=f"{actor}-L{level}-{action}")
    for actor, actions in MATRIX.items()
    for action, per_level in actions.items()
    for level, expected in zip((1, 2, 3), per_level, strict=True)
    if expected is not None
] + [
    pytest.param(actor, None, page, expected, id=f"{actor}-{page}")
    for page, row in PAGES.items() for actor, expected in row.items()
]


def test_matrix_covers_every_actor_and_level():
    assert set(MATRIX) == set(ACTORS)
    for actor in ACTORS[:6]:
        assert all(None not in levels for levels in MATRIX[actor].values())
        assert all(actor in row for row in PAGES.values())


def _actor(make, name, ticket_level):
    if name == "requester":
        return make.user()      # becomes the requester below
    if name == "other_customer":
        return make.user()
    if name in ("l1", "l2", "l3"):
        return make.agent(int(name[1]))
    if name == "admin":
        return make.user("admin")
    return make._escalator(int(name[1]))


def refusal(actor_name: str, level: int) -> int:
    """The answer to a refused request: 404 if the actor may not see the ticket, else 403."""
    return 404 if MATRIX[actor_name]["view"][level - 1] == N else 403


def _form(ticket, **fields):
    return {"version": str(ticket.version), **fields}


def _check_ticket_action(client, make, actor, ticket, action, allowed, refused=404):
    """Perform `action`; return nothing, assert the allowed outcome (and that a form page
    is refused with `refused`)."""
    url = f"/tickets/{ticket.ref}"
    before = ticket_state(ticket.id)
    messages_before = before["messages"]

    if action == "view":
        response = client.get(url)
        if allowed:
            assert response.status_code == 200
            assert ticket.subject in response.get_data(as_text=True)
        return response, before

    if action in ("reply", "note"):
        kind = "public" if action == "reply" else "internal"
        response = client.post(url + "/messages", data=_form(
            ticket, kind=kind, body=f"{action} by {actor.name}", confirmed_public="y"))
        if allowed:
            assert response.status_code == 302
            assert response.headers["Location"] == url + "#latest"
            new = db.session.scalars(sa.select(Message).where(
                Message.ticket_id == ticket.id).order_by(Message.id.desc())).first()
            assert ticket_state(ticket.id)["messages"] == messages_before + 1
            assert new.author_id == actor.id and new.body == f"{action} by {actor.name}"
            # Only staff can write internal notes; a customer's "note" is a public reply.
            assert new.is_internal is (action == "note" and actor.is_staff)
        return response, before

    if action == "update":
        response = client.post(url + "/update", data=_form(
            ticket, status=Status.waiting_on_customer.value, priority=Priority.high.value))
        if allowed:
            assert response.status_code == 302 and response.headers["Location"] == url
            after = fresh(Ticket, ticket.id)
            assert (after.status, after.priority) == (Status.waiting_on_customer,
                                                      Priority.high)
        return response, before

    if action == "take":
        response = client.post(url + "/take", data=_form(ticket))
        if allowed:
            assert response.status_code == 302 and response.headers["Location"] == url
            assert fresh(Ticket, ticket.id).assignee_id == actor.id
        return response, before

    if action == "escalate":
        page = client.get(url + "/escalate")
        assert page.status_code == (200 if allowed else refused)
        response = client.post(url + "/escalate", data=_form(
            ticket, summary="Sync job fails", tried="Re-ran it", articles_checked="none"))
        if allowed:
            assert response.status_code == 302 and response.headers["Location"] == url
            assert fresh(Ticket, ticket.id).level == before["level"] + 1
            assert db.session.scalar(sa.select(Handoff).where(
                Handoff.ticket_id == ticket.id).order_by(Handoff.id.desc())).author_id == actor.id
        return response, before

    if action == "return":
        page = client.get(url + "/return")
        assert page.status_code == (200 if allowed else refused)
        target = max(before["level"] - 1, 1)
        response = client.post(url + "/return", data=_form(
            ticket, to_level=str(target), summary="Ask for the order number"))
        if allowed:
            assert response.status_code == 302 and response.headers["Location"] == url
            assert fresh(Ticket, ticket.id).level == target
        return response, before

    if action == "attachment":
        attachment = ticket._public_attachment
        response = client.get(f"/attachments/{attachment}")
        if allowed:
            assert response.status_code == 200 and response.data == b"receipt-bytes"
        return response, before
    raise AssertionError(action)


@pytest.mark.parametrize("actor_name, level, action, expected", CASES)
def test_permission_matrix(make, client, login_as, actor_name, level, action, expected):
    actor = _actor(make, actor_name, level)
    login_as(actor)

    if level is None:
        _check_page(make, client, actor, action, expected)
        return

    requester = actor if actor_name == "requester" else make.user()
    ticket = make.ticket(requester, level=level, subject="Payout missing since Monday")
    if action == "attachment":
        message = make.message(ticket, requester, "See the receipt",
                               files={"receipt.pdf": b"receipt-bytes"})
        ticket._public_attachment = message.attachments[0].id

    refused = refusal(actor_name, level)
    response, before = _check_ticket_action(client, make, actor, ticket, action, expected == Y,
                                            refused)
    if expected == N:
        assert response.status_code == refused
        assert ticket_state(ticket.id) == before


def _check_page(make, client, actor, page, expected):
    if page == "queue":
        response = client.get("/queue")
        assert response.status_code == (200 if expected == Y else 404)
        return
    other = make.user()
    category = make.category()
    urls = []
    for rule in client.application.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and "GET" in rule.methods:
            values = {"user_id": other.id, "category_id": category.id}
            urls.append(rule.build({k: values[k] for k in rule.arguments})[1])
    assert len(urls) >= 4
    for url in urls:
        assert client.get(url).status_code == (200 if expected == Y else 404), url
    response = client.post(f"/admin/users/{other.id}",
                           data={"name": "Promoted", "role": "agent", "level": "1",
                                 "is_active": "y"})
    promoted = fresh(User, other.id)
    if expected == Y:
        assert response.status_code == 302
        assert (promoted.role, promoted.level, promoted.name) == (Role.agent, 1, "Promoted")
    else:
        assert response.status_code == 404
        assert (promoted.role, promoted.level) == (Role.customer, None)


@pytest.fixture
def app_config(app_config):
    # The matrix is about who may do what; mail is tested elsewhere (and costs time here).
    return {**app_config, "MAIL_SUPPRESS": True}


# The ticket page offers exactly the actions the matrix allows: hidden buttons are absent.
CONTROLS = {
    "reply": 'action="/tickets/{ref}/messages"',
    "note": 'value="internal"',
    "update": 'action="/tickets/{ref}/update"',
    "take": 'action="/tickets/{ref}/take"',
    "escalate": 'href="/tickets/{ref}/escalate"',
    "return": 'href="/tickets/{ref}/return"',
}
PAGE_CASES = [
    pytest.param(actor, level, id=f"{actor}-L{level}")
    for actor, actions in MATRIX.items()
    for level in (1, 2, 3)
    if actions["view"][level - 1] == Y
]


@pytest.mark.parametrize("actor_name, level", PAGE_CASES)
def test_ticket_page_offers_only_allowed_actions(make, client, login_as, actor_name, level):
    actor = _actor(make, actor_name, level)
    requester = actor if actor_name == "requester" else make.user()
    ticket = make.ticket(requester, level=level)
    login_as(actor)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    for action, marker in CONTROLS.items():
        allowed = MATRIX[actor_name][action][level - 1] == Y
        if action == "note":
            allowed = allowed and actor.is_staff       # a customer's "note" is a reply
        assert (marker.format(ref=ticket.ref) in page) is allowed, action


# Whoever may read but not write gets 403 for any message POST: before form errors (400),
# the first-reply prompt (409) or a version conflict (409) could tell them anything.
WRITE_REFUSED = [
    pytest.param(actor, level, action, id=f"{actor}-L{level}-{action}")
    for actor, actions in MATRIX.items()
    for level in (1, 2, 3)
    for action in ("reply", "note")
    if actions["view"][level - 1] == Y and actions[action][level - 1] == N
]


@pytest.mark.parametrize("actor_name, level, action", WRITE_REFUSED)
def test_refused_message_is_403_whatever_the_form(make, client, login_as, actor_name, level,
                                                  action):
    actor = _actor(make, actor_name, level)
    ticket = make.ticket(make.user(), level=level)
    login_as(actor)
    before = ticket_state(ticket.id)
    kind = "public" if action == "reply" else "internal"
    for data in ({"kind": kind, "body": "", "version": str(ticket.version)},
                 {"kind": kind, "body": "No confirmation", "version": str(ticket.version)},
                 {"kind": kind, "body": "Stale", "version": "0", "confirmed_public": "y"}):
        response = client.post(f"/tickets/{ticket.ref}/messages", data=data)
        assert response.status_code == 403, data
    assert ticket_state(ticket.id) == before


ACTION_REFUSED = [
    pytest.param(actor, level, action, id=f"{actor}-L{level}-{action}")
    for actor, actions in MATRIX.items()
    for level in (1, 2, 3)
    for action in ("update", "take")
    if actions["view"][level - 1] == Y and actions[action][level - 1] == N
]


@pytest.mark.parametrize("actor_name, level, action", ACTION_REFUSED)
def test_refused_action_is_403_even_with_a_stale_or_broken_form(make, client, login_as,
                                                                actor_name, level, action):
    actor = _actor(make, actor_name, level)
    requester = actor if actor_name == "requester" else make.user()
    ticket = make.ticket(requester, level=level)
    login_as(actor)
    before = ticket_state(ticket.id)
    for data in ({"version": "0", "status": "open", "priority": "low"},
                 {"status": "not-a-status"}):
        response = client.post(f"/tickets/{ticket.ref}/{action}", data=data)
        assert response.status_code == 403, data
    assert ticket_state(ticket.id) == before
