"""`helpdesk mail send`: a worker that delivers the mail outbox."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.notifications import delivery


@click.group("mail", help="Outgoing mail.")
def mail_group() -> None:
    """The `helpdesk mail` commands."""


@mail_group.command("send")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--batch", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Mails claimed at a time.")
@with_appcontext
def send_command(once: bool, batch: int) -> None:
    """Send queued mail, retrying failures with backoff (runs until stopped).

    Any number of workers (and the web processes' background senders) may run at once:
    each mail is claimed by one of them.
    """
    while True:
        report = delivery.deliver_due(batch=batch)
        if once or report.sent or report.retrying or report.failed:
            click.echo(f"sent {report.sent}, to retry {report.retrying}, "
                       f"failed {report.failed}")
        if once:
            return
        _sleep_until_due()


def _sleep_until_due() -> None:
    poll = float(current_app.config["MAIL_POLL_SECONDS"])
    due_at = delivery.next_due_at()
    db.session.remove()           # no transaction (or SQLite lock) held while asleep
    wait = poll if due_at is None else (due_at - utcnow()).total_seconds()
    time.sleep(min(max(wait, 0.05), poll))
