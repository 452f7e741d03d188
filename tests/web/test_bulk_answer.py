"""The problem owner answers all its open tickets at once: each ticket gets its own
message and its customer one mail, in their language, exactly once, whatever is repeated
(a double click, sending it again, a crash half-way and a retry, two runs at once)."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.problems import bulk
from helpdesk.problems.models import BulkDelivery, BulkReply, Problem, ProblemEventKind
from helpdesk.problems.operations import ProblemInput, create_problem, link_ticket
from helpdesk.tickets.models import Message, Status, Ticket
from tests.factories import flashes, fresh

EN = "Workaround: import the orders by hand under Orders > Import."
DE = "Umgehung: Importiere die Bestellungen von Hand unter Bestellungen > Import."


@pytest.fixture
def world(app, make, mailbox):
    """A level-3 owner, a problem and three open tickets (German, English, English), plus
    a resolved one that must not be answered. Mail of the set-up is out of the way."""
    owner = make.agent(3, name="Olga Owner")
    problem = create_problem(ProblemInput(title="TikTok orders stuck", component="TikTok"),
                             by=owner)
    customers = [make.user(name="Greta", language="de"), make.user(name="Ed", language="en"),
                 make.user(name="Flo", language=None)]
    tickets = [make.ticket(c, subject=f"Orders stuck for {c.name}") for c in customers]
    done = make.ticket(make.user(name="Done Dora"), subject="Solved already")
    done.status = Status.resolved
    for ticket in (*tickets, done):
        link_ticket(problem, ticket, by=owner)
    db.session.commit()
    mailbox.wait_for(4)
    mailbox.clear()
    return owner, problem, customers, tickets, done


def _replies(ticket) -> list[str]:
    return list(db.session.scalars(sa.select(Message.body).where(
        Message.ticket_id == ticket.id, Message.is_internal.is_(False),
        Message.author_id != ticket.requester_id).order_by(Message.id)))


def _answer(client, problem, *, token=None, **data):
    form = {"text_en": EN, "text_de": DE, **data}
    if token:
        form["submit_token"] = token
    return client.post(f"/problems/{problem.id}/answer", data=form)


def test_each_open_ticket_gets_one_reply_in_its_customers_language(app, client, login_as,
                                                                  mailbox, world):
    owner, problem, customers, tickets, done = world
    login_as(owner)
    response = _answer(client, problem, resolve="y")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/problems/{problem.id}"

    assert [_replies(t) for t in tickets] == [[DE], [EN], [EN]]
    assert _replies(done) == []
    assert [fresh(Ticket, t.id).status for t in tickets] == [Status.resolved] * 3
    mailbox.wait_for(6)
    for customer, text in zip(customers, (DE, EN, EN), strict=True):
        mails = mailbox.to(customer.email)
        replies = [m for m in mails if "Neue Antwort" in m["Subject"]
                   or "New reply" in m["Subject"]]
        assert len(replies) == 1 and text in replies[0].get_content()
    assert mailbox.to(done.requester.email) == []
    event = fresh(Problem, problem.id).events[-1]
    assert (event.kind, event.new_value) == (ProblemEventKind.bulk_reply, "3")


def test_one_text_goes_to_everybody(app, client, login_as, world):
    owner, problem, _customers, tickets, _done = world
    login_as(owner)
    assert _answer(client, problem, text_de="").status_code == 302
    assert [_replies(t) for t in tickets] == [[EN], [EN], [EN]]
    assert [fresh(Ticket, t.id).status for t in tickets] == [Status.open] * 3


def test_a_reply_needs_a_text(app, client, login_as, world):
    owner, problem, *_ = world
    login_as(owner)
    response = _answer(client, problem, text_en=" ", text_de="")
    assert response.status_code == 400
    assert "Write the reply in English, in German, or in both." in response.get_data(
        as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BulkReply)) == 0


def test_a_double_click_and_sending_again_answer_nobody_twice(app, client, make, login_as,
                                                             mailbox, world):
    owner, problem, customers, tickets, _done = world
    login_as(owner)
    token = "double-click-token-1234"
    assert _answer(client, problem, token=token).status_code == 302
    second = _answer(client, problem, token=token)       # the same form, sent twice
    assert second.status_code == 303
    assert ("info", "This was already sent; it was not done a second time.") in \
        flashes(client)
    # A new form with the same reply (Back, Send): the same action, nobody answered again.
    assert _answer(client, problem).status_code == 302
    assert ("info", "3 tickets already had this reply and did not get it again.") in \
        flashes(client)
    assert [len(_replies(t)) for t in tickets] == [1, 1, 1]
    mailbox.wait_for(3)
    assert [len(mailbox.to(c.email)) for c in customers] == [1, 1, 1]
    # A ticket linked later gets it when the reply is sent again; the others do not.
    newcomer = make.ticket(make.user(name="Nina Newcomer"), subject="Orders stuck too")
    link_ticket(fresh(Problem, problem.id), newcomer, by=owner)
    db.session.commit()
    assert _answer(client, problem).status_code == 302
    assert [len(_replies(t)) for t in (*tickets, newcomer)] == [1, 1, 1, 1]


def test_a_crash_half_way_and_a_retry_answer_each_ticket_once(app, client, login_as, mailbox,
                                                             world, monkeypatch):
    owner, problem, customers, tickets, _done = world
    real = bulk.answer_ticket
    calls = []

    def crash_on_the_second(bulk_reply, ticket, *, by):
        calls.append(ticket.id)
        if len(calls) == 2:
            raise RuntimeError("the worker died")
        return real(bulk_reply, ticket, by=by)

    monkeypatch.setattr(bulk, "answer_ticket", crash_on_the_second)
    login_as(owner)
    with pytest.raises(RuntimeError, match="the worker died"):
        _answer(client, problem, token="crash-token-123456789")
    db.session.rollback()
    assert [len(_replies(t)) for t in tickets] == [1, 0, 0]
    [item] = db.session.scalars(sa.select(BulkReply)).all()
    assert item.finished_at is None
    # The problem page says so and offers to send the rest.
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "A reply to all tickets did not get through." in page
    assert "1 ticket has it, 2 open tickets do not yet." in page

    monkeypatch.setattr(bulk, "answer_ticket", real)
    response = client.post(f"/problems/{problem.id}/answers/{item.id}/resume")
    assert response.status_code == 302
    assert [len(_replies(t)) for t in tickets] == [1, 1, 1]
    # And a retry of the whole form (with a new token) sends nothing more.
    assert _answer(client, problem).status_code == 302
    assert [len(_replies(t)) for t in tickets] == [1, 1, 1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BulkDelivery)) == 3
    mailbox.wait_for(3)
    assert [len(mailbox.to(c.email)) for c in customers] == [1, 1, 1]
    assert fresh(BulkReply, item.id).finished_at is not None


def test_two_runs_at_once_answer_each_ticket_once(app, make, world):
    """Two workers run the same bulk reply at the same time (separate sessions)."""
    owner, problem, _customers, tickets, _done = world
    item_id = bulk.start(problem, by=owner, text_en=EN, text_de=DE, resolve=False).id
    owner_id = owner.id
    db.session.commit()
    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                outcomes.append(bulk.deliver(item_id, by_id=owner_id))
                db.session.remove()
        except Exception as exc:        # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(len(o.answered) for o in outcomes) in ([0, 3], [1, 2])
    assert sum(len(o.answered) for o in outcomes) == 3
    assert [len(_replies(t)) for t in tickets] == [1, 1, 1]


def test_only_the_owner_or_an_admin_answers_all(app, client, make, login_as, world):
    owner, problem, _customers, tickets, _done = world
    for user in (make.agent(3), make.agent(2), make.agent(1)):
        login_as(user)
        assert client.get(f"/problems/{problem.id}/answer").status_code == 403
        assert _answer(client, problem).status_code == 403
    login_as(tickets[0].requester)
    assert _answer(client, problem).status_code == 404
    assert [len(_replies(t)) for t in tickets] == [0, 0, 0]
    login_as(make.user("admin"))
    assert _answer(client, problem).status_code == 302
    assert [len(_replies(t)) for t in tickets] == [1, 1, 1]
