"""The mail outbox: mail commits with its change, survives an SMTP outage, is sent once,
never holds a request, and what failed is visible to admins and can be retried."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from helpdesk.cli import main
from helpdesk.clock import utcnow
from helpdesk.database import reading
from helpdesk.extensions import db
from helpdesk.notifications import delivery, mail, sender
from helpdesk.notifications.models import MailStatus, OutboxMail
from helpdesk.tickets.models import Priority
from helpdesk.tickets.operations import NewTicket, file_ticket
from tests.conftest import Mailbox
from tests.factories import PASSWORD


class ControlledHandler:
    """An SMTP server's DATA step that can be slow, refuse for a while, or refuse for good."""

    def __init__(self):
        self.box = Mailbox()
        self.reset()

    def reset(self):
        self.box.clear()
        self.refusals_left = 0
        self.refusal = "451 4.3.0 Try again later"
        self.delay = 0.0
        self.held = threading.Event()       # DATA waits for this while `hold` is set
        self.hold = False
        self.attempts = 0
        self.attempt_data = []              # the bytes of every DATA, refused or not
        self.sessions = []                  # the connection of every DATA
        self.refused_recipients = {}        # address -> the answer to its RCPT
        self.answers = {}                   # DATA attempt number (from 1) -> its answer
        self.on_data = None                 # called at each DATA, before the answer

    def connections(self) -> int:
        """How many SMTP connections carried a DATA."""
        return len({id(session) for session in self.sessions})

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.attempts += 1
        self.attempt_data.append(envelope.original_content or envelope.content)
        self.sessions.append(session)
        if self.on_data is not None:
            self.on_data(envelope)
        if self.attempts in self.answers:
            return self.answers[self.attempts]
        if self.delay:
            await asyncio.sleep(self.delay)
        # Held until released (at most 30 s, so a request that waited on SMTP would end,
        # with the mail delivered, and fail the test instead of hanging it).
        for _ in range(3000):
            if not self.hold or self.held.is_set():
                break
            await asyncio.sleep(0.01)
        if self.refusals_left > 0:
            self.refusals_left -= 1
            return self.refusal
        self.box.add(envelope.rcpt_tos, envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture(scope="module")
def controlled_server():
    handler = ControlledHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def smtp(controlled_server):
    handler, _port = controlled_server
    handler.reset()
    return handler


@pytest.fixture
def app_config(app_config, controlled_server):
    _handler, port = controlled_server
    # Retries within a test's time: 0.05 s, doubling up to 0.4 s.
    return {**app_config, "MAIL_PORT": port, "MAIL_RETRY_SECONDS": 0.05,
            "MAIL_RETRY_MAX_SECONDS": 0.4, "MAIL_MAX_ATTEMPTS": 6}


def _rows():
    """The outbox, read as a declared read: on SQLite without taking the write lock, so
    polling does not starve the sender that must record its outcomes. The rows are
    detached: reading an attribute later must not load it again in the test body's
    writing transaction (which would hold the write lock until the next poll)."""
    db.session.commit()
    db.session.expire_all()
    with reading():
        rows = db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()
        for row in rows:
            db.session.expunge(row)
        db.session.commit()
    return rows


def _file(customer, subject="Payout missing"):
    return file_ticket(NewTicket(subject=subject, body="Where is it?", priority=Priority.normal),
                       requester=customer, by=customer)


def _login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def test_mail_of_a_rolled_back_change_is_never_sent(app, make, smtp):
    kept, dropped = make.user(), make.user()
    _file(dropped, subject="ROLLED-BACK")
    db.session.rollback()
    _file(kept, subject="KEPT")
    db.session.commit()
    assert sender.drain(app)
    assert smtp.box.wait_for(1)
    time.sleep(0.2)
    assert [m["To"] for _rcpt, m in smtp.box.messages] == [f"{kept.name} <{kept.email}>"]
    assert [(r.recipient, r.status) for r in _rows()] == [(kept.email, MailStatus.sent)]


def test_a_slow_smtp_server_does_not_hold_the_request(app, client, make, smtp):
    user = make.user()
    smtp.hold = True                    # the server takes the mail only when released
    response = client.post("/password/forgot", data={"email": user.email})
    # The request has answered while the SMTP server still holds the mail: it never waited.
    assert response.status_code == 302
    assert smtp.box.messages == []
    smtp.held.set()
    assert smtp.box.wait_for(1, timeout=10)
    [(_rcpt, message)] = smtp.box.messages
    assert message["Subject"] == "Reset your password"
    assert _wait_until(lambda: _rows()[0].status == MailStatus.sent)


def test_an_smtp_server_refusing_for_a_while_gets_every_mail_exactly_once(app, make, smtp):
    customers = [make.user() for _ in range(4)]
    smtp.refusals_left = 7          # the first sends and a few retries answer 451
    for customer in customers:
        _file(customer)
    db.session.commit()
    assert smtp.box.wait_for(4, timeout=20)
    assert _wait_until(lambda: all(r.status == MailStatus.sent for r in _rows()))
    assert sender.drain(app)
    time.sleep(0.5)                  # room for a duplicate to show up
    received = Counter(m["Message-ID"] for _rcpt, m in smtp.box.messages)
    rows = _rows()
    assert received == Counter(r.message_id for r in rows)        # each one exactly once
    assert sorted(r.recipient for r in rows) == sorted(c.email for c in customers)
    assert smtp.attempts == 4 + 7
    assert sum(r.attempts for r in rows) == 4 + 7
    assert all(r.last_error is None and r.sent_at for r in rows)


def _queue_for_workers(app, count):
    """Queue `count` mails the way a web process without a sender thread does."""
    sender.stop(app)
    app.config["MAIL_SEND_IN_BACKGROUND"] = False
    for n in range(count):
        mail.queue(to=f"person{n}@example.com", to_name=f"Person {n}", subject=f"Mail {n}",
                   body="Hello")
    db.session.commit()


def test_two_workers_at_once_send_each_mail_once(app, smtp):
    _queue_for_workers(app, 30)
    smtp.delay = 0.01
    reports = []

    def worker():
        with app.app_context():
            reports.append(delivery.deliver_due(batch=2))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r.sent for r in reports) == 30
    received = Counter(m["Message-ID"] for _rcpt, m in smtp.box.messages)
    assert len(received) == 30 and set(received.values()) == {1}
    assert {r.status for r in _rows()} == {MailStatus.sent}


def test_the_mail_send_command_delivers_queued_mail(app, smtp, runner):
    _queue_for_workers(app, 3)
    result = runner.invoke(main, ["mail", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 3" in result.output
    assert len(smtp.box.messages) == 3
    result = runner.invoke(main, ["mail", "send", "--once"])
    assert "sent 0" in result.output and len(smtp.box.messages) == 3


def test_mail_refused_on_every_attempt_is_shown_to_admins_and_can_be_retried(
        app, client, make, smtp):
    admin, customer = make.user("admin"), make.user()
    smtp.refusals_left = 10 ** 6
    ref = _file(customer).ref
    db.session.commit()
    assert _wait_until(lambda: _rows()[0].status == MailStatus.failed)
    [row] = _rows()
    assert row.attempts == 6 and "451" in row.last_error
    assert smtp.box.messages == []

    page = _login(client, admin).get("/admin/mail/").get_data(as_text=True)
    failed_section = page.split("<h2>Waiting</h2>")[0]
    assert customer.email in failed_section and "Try again later" in failed_section
    assert f"[{ref}] We have received your request" in failed_section
    smtp.refusals_left = 0
    response = client.post(f"/admin/mail/{row.id}/retry")
    assert response.status_code == 302
    assert smtp.box.wait_for(1)
    assert _wait_until(lambda: _rows()[0].status == MailStatus.sent)
    assert len(smtp.box.messages) == 1


def test_a_permanent_refusal_fails_at_once(app, make, smtp):
    smtp.refusals_left, smtp.refusal = 1, "550 5.1.1 No such user"
    _file(make.user())
    db.session.commit()
    assert _wait_until(lambda: _rows()[0].status == MailStatus.failed)
    assert _rows()[0].attempts == 1 and smtp.attempts == 1


def test_only_admins_see_and_retry_mail(app, client, make, smtp):
    _file(make.user())
    db.session.commit()
    _wait_until(lambda: _rows()[0].status == MailStatus.sent)
    agent = make.agent(3)
    _login(client, agent)
    assert client.get("/admin/mail/").status_code == 404
    assert client.post(f"/admin/mail/{_rows()[0].id}/retry").status_code == 404


def test_staff_see_on_the_ticket_which_mail_went_out(app, client, make, smtp):
    customer = make.user()
    ticket = _file(customer, subject="Where is my parcel")
    ref = ticket.ref
    db.session.commit()
    assert _wait_until(lambda: _rows()[0].status == MailStatus.sent)
    staff_page = _login(client, make.agent(1)).get(f"/tickets/{ref}").get_data(as_text=True)
    assert f"Sent to {customer.email}" in staff_page
    assert f"[{ref}] We have received your request" in staff_page
    customer_page = _login(app.test_client(), customer).get(f"/tickets/{ref}").get_data(
        as_text=True)
    assert "Sent to" not in customer_page and 'id="ticket-mail"' not in customer_page


def test_healthz_counts_waiting_and_failed_mail_without_failing(app, client, make, smtp):
    smtp.refusals_left, smtp.refusal = 1, "550 5.1.1 No such user"
    _file(make.user())
    db.session.commit()
    assert _wait_until(lambda: _rows()[0].status == MailStatus.failed)
    response = client.get("/healthz")
    # (The overall status also depends on the search index, built in the background.)
    assert response.json["mail"] == {"ok": True, "queued": 0, "sending": 0, "failed": 1}


def test_a_worker_leaves_mail_alone_while_the_web_process_sends_it(app, make, smtp):
    smtp.delay = 1.0
    _file(make.user())
    db.session.commit()                      # handed to this process's sender thread
    report = delivery.deliver_due()          # a `helpdesk mail send` worker at the same time
    db.session.commit()
    assert report.sent == 0
    assert smtp.box.wait_for(1, timeout=10)
    assert _wait_until(lambda: _rows()[0].status == MailStatus.sent)
    assert len(smtp.box.messages) == 1 and smtp.attempts == 1


def test_mail_of_a_sender_that_died_is_sent_once_its_claim_ends(app, make, smtp):
    sender.stop(app)                         # this process "dies" before sending
    _file(make.user())
    db.session.commit()
    [row] = _rows()
    assert row.status == MailStatus.sending
    assert delivery.deliver_due().sent == 0  # the claim still holds
    db.session.execute(sa.update(OutboxMail).values(claimed_until=utcnow()))
    db.session.commit()
    time.sleep(0.01)
    assert delivery.deliver_due().sent == 1
    [row] = _rows()
    assert (row.status, row.attempts) == (MailStatus.sent, 2)
    assert len(smtp.box.messages) == 1
    assert smtp.box.messages[0][1]["Message-ID"] == row.message_id


def test_a_retry_sends_the_same_bytes_with_the_same_threading_headers(app, client, make,
                                                                      smtp):
    customer = make.user()
    ticket = _file(customer)
    db.session.commit()
    assert smtp.box.wait_for(1)
    smtp.reset()
    smtp.refusals_left = 1               # the reply's first attempt is refused, then taken
    agent = make.agent(1)
    response = _login(client, agent).post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "public", "body": "We are on it", "version": str(ticket.version),
        "confirmed_public": "y"})
    assert response.status_code == 302
    assert smtp.box.wait_for(1, timeout=20)
    assert _wait_until(lambda: all(r.status == MailStatus.sent for r in _rows()))
    first, second = smtp.attempt_data
    assert first == second                       # byte for byte
    [(_rcpt, received)] = smtp.box.messages
    row = _rows()[-1]
    assert row.attempts == 2
    assert received["Message-ID"] == row.message_id
    assert received["References"] == row.references and row.references.split()[1] == \
        _rows()[0].message_id
    assert received["In-Reply-To"] == _rows()[0].message_id
    assert received.get_content_type() == "multipart/alternative"


def _message_ids(smtp) -> Counter:
    return Counter(m["Message-ID"] for _rcpt, m in smtp.box.messages)


def _retry_later(app):
    """A refused mail waits a minute (not within the worker's run), until `_due_now`."""
    app.config.update(MAIL_RETRY_SECONDS=60.0, MAIL_RETRY_MAX_SECONDS=60.0)


def _due_now():
    db.session.execute(sa.update(OutboxMail).where(OutboxMail.status == MailStatus.queued)
                       .values(next_attempt_at=utcnow()))
    db.session.commit()


def test_a_worker_sends_a_run_of_mails_over_one_connection(app, smtp, monkeypatch):
    _queue_for_workers(app, 30)
    report = delivery.deliver_due(batch=7)
    assert report.sent == 30
    assert set(_message_ids(smtp).values()) == {1} and len(smtp.box.messages) == 30
    assert smtp.connections() == 1
    # A connection carries a limited number of mails, then the next one opens.
    smtp.reset()
    monkeypatch.setattr(mail, "MAILS_PER_CONNECTION", 10)
    _queue_for_workers(app, 25)
    assert delivery.deliver_due(batch=7).sent == 25
    assert len(smtp.box.messages) == 25 and smtp.connections() == 3
    assert {r.status for r in _rows()} == {MailStatus.sent}


def test_a_refused_recipient_affects_only_its_own_mail_of_the_run(app, smtp):
    _queue_for_workers(app, 10)
    _retry_later(app)
    smtp.refused_recipients = {"person3@example.com": "550 5.1.1 No such user",
                               "person6@example.com": "450 4.2.1 Mailbox busy"}
    report = delivery.deliver_due(batch=20)
    assert (report.sent, report.failed, report.retrying) == (8, 1, 1)
    received = sorted(rcpt for rcpts, _m in smtp.box.messages for rcpt in rcpts)
    assert received == sorted(f"person{n}@example.com" for n in range(10) if n not in (3, 6))
    assert set(_message_ids(smtp).values()) == {1}
    # After each refusal the next mail went over a fresh connection.
    assert smtp.connections() == 3
    rows = {r.recipient: r for r in _rows()}
    assert rows["person3@example.com"].status == MailStatus.failed
    assert "550" in rows["person3@example.com"].last_error
    assert rows["person6@example.com"].status == MailStatus.queued
    # Its retry, once due, delivers it (and nothing else again).
    smtp.refused_recipients = {}
    _due_now()
    assert delivery.deliver_due().sent == 1
    assert len(smtp.box.messages) == 9 and set(_message_ids(smtp).values()) == {1}


def test_a_server_closing_the_connection_mid_run_loses_no_mail(app, smtp):
    _queue_for_workers(app, 12)
    _retry_later(app)
    smtp.answers = {5: "421 4.3.2 Service shutting down, closing the connection"}
    report = delivery.deliver_due(batch=20)
    assert (report.sent, report.retrying) == (11, 1)
    assert smtp.connections() == 2
    _due_now()
    assert delivery.deliver_due().sent == 1
    rows = _rows()
    assert {r.status for r in rows} == {MailStatus.sent}
    assert _message_ids(smtp) == Counter(r.message_id for r in rows)      # each once


def test_each_mail_of_a_run_is_marked_sent_before_the_next_is_sent(app, smtp):
    """A worker that dies in the middle of a run sends none of the mails it got through
    again: each is recorded as sent as soon as the server took it."""
    _queue_for_workers(app, 15)
    engine = sa.create_engine(app.config["DATABASE_URL"])
    seen = []

    def count_sent(_envelope):
        with engine.connect() as conn:
            seen.append(conn.scalar(sa.select(sa.func.count()).select_from(OutboxMail)
                                    .where(OutboxMail.status == MailStatus.sent)))
    smtp.on_data = count_sent
    try:
        assert delivery.deliver_due(batch=20).sent == 15
    finally:
        engine.dispose()
    assert smtp.connections() == 1
    assert seen == list(range(15))


def test_a_connection_the_server_closed_while_idle_costs_no_attempt(app, smtp):
    """A server that ends idle connections quickly (here after 0.2 s): the next mail of
    the run goes over a new connection instead of failing on the closed one."""
    handler = ControlledHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port, timeout=0.2)
    controller.start()
    try:
        app.config["MAIL_PORT"] = port
        _queue_for_workers(app, 2)
        first, second = (mail.compose(row) for row in _rows())
        with mail.Transport() as transport:
            transport.send(first)
            # Until the server has closed it (it answers nothing more on it).
            assert _wait_until(lambda: mail._has_spoken(transport._smtp), timeout=10)
            transport.send(second)
            assert transport.connections == 2
        assert handler.box.wait_for(2) and handler.connections() == 2
    finally:
        controller.stop()
