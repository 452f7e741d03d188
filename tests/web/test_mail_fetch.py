"""`helpdesk mail fetch` against a real IMAP server (Dovecot on loopback, tests/imap_server.py)
and the pipeline on SQLite and PostgreSQL: tickets are filed, each message is marked on the
server only after its commit, and a message handed over twice is taken once."""
from __future__ import annotations

import imaplib
import threading
import time

import pytest
import sqlalchemy as sa

from helpdesk.database import reading
from helpdesk.extensions import db
from helpdesk.mail_in import cli as mail_cli
from helpdesk.mail_in import pipeline
from helpdesk.mail_in.mailbox import DONE_KEYWORD, MailboxConfig, _Session
from helpdesk.mail_in.models import ReceivedMail, ReceivedStatus
from helpdesk.tickets.models import Ticket

WAIT = 15.0          # seconds to wait for the watcher; a passing step takes well under one


def mail(number: int, sender: str = "kim@example.org", subject: str | None = None,
         body: str = "Hello,\n\nmy parcel did not arrive.\n\nKim", **headers) -> bytes:
    extra = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    return (f"From: Customer <{sender}>\r\nTo: support@shop.test\r\n"
            f"Subject: {subject or f'Order {number}'}\r\n"
            f"Message-ID: <fetch-{number}@example.org>\r\n"
            f"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n{extra}\r\n{body}\r\n").encode()


def done(flags) -> bool:
    return DONE_KEYWORD in flags


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MAIL_SUPPRESS": True}


@pytest.fixture
def support(app, imap_account):
    """The IMAP account as the helpdesk's mailbox "support"."""
    app.config["MAIL_IMAP_URLS"] = imap_account.url(query="name=support")
    return imap_account


def fetch(runner):
    return runner.invoke(args=["mail", "fetch", "--once"])


def test_fetch_files_tickets_marks_after_the_commit_and_takes_nothing_twice(
        app, runner, support, monkeypatch):
    uids = [support.append(mail(1)), support.append(mail(2, sender="lea@example.org")),
            support.append(mail(3, subject="Automatic reply: Order 1",
                                Auto_Submitted="auto-replied"))]
    seen_during_commit = []
    receive = pipeline.receive

    def observed(raw, **kwargs):
        outcome = receive(raw, **kwargs)
        # Committed (a new transaction sees it), and not marked on the server yet.
        db.session.commit()
        seen_during_commit.append((db.session.get(ReceivedMail, outcome.received_id)
                                   is not None, done(support.flags()[uids[len(
                                       seen_during_commit)]])))
        return outcome
    monkeypatch.setattr(pipeline, "receive", observed)

    result = fetch(runner)
    assert result.exit_code == 0, result.output
    assert "support: 3 taken, 0 too big, 0 left for the next run" in result.output
    assert seen_during_commit == [(True, False)] * 3
    assert all(done(flags) for flags in support.flags().values())
    db.session.commit()
    rows = db.session.scalars(sa.select(ReceivedMail).order_by(ReceivedMail.id)).all()
    assert [(r.mailbox, r.status) for r in rows] == [
        ("support", ReceivedStatus.processed), ("support", ReceivedStatus.processed),
        ("support", ReceivedStatus.ignored)]
    assert sorted(t.requester.email for t in db.session.scalars(sa.select(Ticket))) == [
        "kim@example.org", "lea@example.org"]

    again = fetch(runner)
    assert again.exit_code == 0 and "support: 0 taken" in again.output
    assert count(ReceivedMail) == 3 and count(Ticket) == 2


def test_a_message_committed_but_not_marked_before_a_crash_is_taken_once(
        app, runner, support, monkeypatch):
    uids = [support.append(mail(n)) for n in (1, 2)]
    mark = _Session._mark_done

    def connection_lost(session, uid):
        raise imaplib.IMAP4.abort("socket error: EOF")   # after the commit, before the mark
    monkeypatch.setattr(_Session, "_mark_done", connection_lost)
    crashed = fetch(runner)
    assert crashed.exit_code == 1 and "support: abort" in crashed.output
    assert count(Ticket) == 1                         # message 1 committed ...
    assert not any(done(flags) for flags in support.flags().values())  # ... never marked

    monkeypatch.setattr(_Session, "_mark_done", mark)
    result = fetch(runner)
    assert result.exit_code == 0 and "support: 2 taken" in result.output
    # Message 1 is recognised (its Message-ID and sender) and only marked; message 2 is new.
    assert count(ReceivedMail) == 2 and count(Ticket) == 2
    assert all(done(support.flags()[uid]) for uid in uids)


def test_a_message_that_cannot_even_be_quarantined_stays_for_the_next_run(
        app, runner, support, monkeypatch):
    uid = support.append(mail(1))

    def no_disk(raw):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(pipeline, "_store_raw", no_disk)
    result = fetch(runner)
    assert result.exit_code == 1 and "1 left for the next run" in result.output
    assert not done(support.flags()[uid]) and count(ReceivedMail) == 0

    monkeypatch.undo()
    assert fetch(runner).exit_code == 0
    assert done(support.flags()[uid]) and count(Ticket) == 1


def test_mailbox_options_name_it_and_refuse_unknown_senders(app, runner, imap_account):
    app.config["MAIL_IMAP_URLS"] = (f"{imap_account.url(query='name=partners&unknown=refuse')}"
                                    f", {imap_account.url(folder='Other')}")
    imap_account.append(mail(1, sender="stranger@example.net"))
    imap_account.append(mail(2), folder="Other")
    result = fetch(runner)
    assert result.exit_code == 0, result.output
    db.session.commit()
    rows = db.session.scalars(sa.select(ReceivedMail).order_by(ReceivedMail.id)).all()
    assert [(r.mailbox, r.status, r.refuse_unknown) for r in rows] == [
        ("partners", ReceivedStatus.refused, True),
        (f"{imap_account.username}@127.0.0.1/Other", ReceivedStatus.processed, False)]


def test_a_message_over_the_size_limit_is_quarantined_by_its_header(app, runner, support):
    app.config["MAIL_IN_MAX_BYTES"] = 4000
    uid = support.append(mail(1, body="x" * 10_000))
    result = fetch(runner)
    assert result.exit_code == 0 and "1 too big" in result.output
    assert done(support.flags()[uid])            # marked; the server keeps the whole message
    db.session.commit()
    [row] = db.session.scalars(sa.select(ReceivedMail)).all()
    assert row.status == ReceivedStatus.quarantined and not row.raw_complete
    assert row.sender == "kim@example.org" and row.reason.startswith("too big")
    assert pipeline.read_raw(row).startswith(b"From: Customer <kim@example.org>")
    with pytest.raises(ValueError):
        pipeline.retry(row)                      # only the header: nothing to take again
    assert count(Ticket) == 0


def test_fetch_without_a_configured_mailbox_says_so(app, runner):
    result = fetch(runner)
    assert result.exit_code != 0 and "HELPDESK_MAIL_IMAP_URLS" in result.output


def test_watching_takes_new_mail_as_it_arrives(app, support):
    stop = threading.Event()
    mailboxes = [(support.url(query="name=support"),
                  MailboxConfig.from_url(support.url(query="name=support")))]
    watcher = threading.Thread(target=mail_cli.watch, args=(app, mailboxes, stop))
    db.session.commit()
    watcher.start()
    try:
        uid = support.append(mail(1))
        deadline = time.monotonic() + WAIT
        while not done(support.flags()[uid]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert done(support.flags()[uid])
    finally:
        stop.set()
        watcher.join(WAIT)
    assert not watcher.is_alive()
    with reading():
        db.session.commit()
        assert count(Ticket) == 1
