"""`helpdesk mail receive` and `helpdesk mail fetch`: the two ways mail comes in.

``helpdesk mail receive [--mailbox NAME] [--refuse-unknown]`` takes one message on standard
input, for a mail server's pipe (Postfix ``pipe``, an Exim transport, procmail, fetchmail's
mda). It exits 0 when the message was taken (filed, threaded, ignored, a duplicate, or kept
in the quarantine) and 75 (EX_TEMPFAIL: "try again later") only when not even the quarantine
could keep it, so the mail server delivers it again.

``helpdesk mail fetch [--once | --watch]`` reads the IMAP mailboxes of the setting
MAIL_IMAP_URLS (URLs separated by spaces or commas)::

    imaps://USER:PASSWORD@HOST[:PORT]/FOLDER?name=NAME&unknown=refuse&processed=FOLDER

``name`` names the mailbox in the administration (default ``USER@HOST/FOLDER``);
``unknown=refuse`` answers unknown senders politely instead of making them an account;
``processed`` and ``starttls`` are the reader's (helpdesk/mail_in/mailbox.py). Each message
is marked on the server only after it was committed. ``--once`` (the default) reads what is
there and exits (for cron); ``--watch`` keeps reading every mailbox (IDLE where the server
has it, else every MAIL_IMAP_POLL_SECONDS) until stopped.

The commands join the `helpdesk mail` group of the mail feature when it is loaded (before
this one, as in the default FEATURES), else they make a `mail` group of their own.
"""
from __future__ import annotations

import re
import signal
import sys
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from helpdesk.mail_in import pipeline
from helpdesk.mail_in.mailbox import (
    CONNECTION_ERRORS,
    MailboxConfig,
    MailboxError,
    fetch_once,
    poll,
)

EX_TEMPFAIL = 75


@click.command("receive")
@click.option("--mailbox", "mailbox_name", default=pipeline.DEFAULT_MAILBOX, show_default=True,
              help="The name of the mailbox the message was sent to.")
@click.option("--refuse-unknown", is_flag=True,
              help="Answer senders without an account politely instead of filing a ticket.")
@with_appcontext
def receive_command(mailbox_name: str, refuse_unknown: bool) -> None:
    """Take one message from standard input (for a mail server's pipe)."""
    raw = sys.stdin.buffer.read()
    try:
        outcome = pipeline.receive(raw, mailbox=mailbox_name, refuse_unknown=refuse_unknown)
    except pipeline.MailNotKept as exc:
        click.echo(f"not kept, deliver again: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(_describe(outcome))


@click.command("fetch")
@click.option("--once", "mode", flag_value="once", default=True,
              help="Read what is there, then exit (the default).")
@click.option("--watch", "mode", flag_value="watch",
              help="Keep reading until stopped (IDLE, or polling).")
@with_appcontext
def fetch_command(mode: str) -> None:
    """Read the IMAP mailboxes of MAIL_IMAP_URLS and take every new message."""
    mailboxes = configured_mailboxes()
    if not mailboxes:
        raise click.ClickException("no mailbox configured: set HELPDESK_MAIL_IMAP_URLS")
    if mode == "watch":
        _watch(mailboxes)
        return
    failures = 0
    for url, config in mailboxes:
        name = mailbox_name(config)
        try:
            result = fetch_once(url, _handler(config), too_big=_too_big_handler(config),
                                max_bytes=pipeline.max_bytes())
        except (MailboxError, *CONNECTION_ERRORS) as exc:
            failures += 1
            click.echo(f"{name}: {type(exc).__name__}: {exc}", err=True)
            continue
        click.echo(f"{name}: {len(result.handled)} taken, {len(result.too_big)} too big, "
                   f"{len(result.failed)} left for the next run")
        failures += bool(result.failed)
    if failures:
        sys.exit(1)


def configured_mailboxes() -> list[tuple[str, MailboxConfig]]:
    """The mailboxes of MAIL_IMAP_URLS, each URL with its parsed configuration."""
    value = str(current_app.config.get("MAIL_IMAP_URLS") or "")
    found = []
    for url in re.split(r"[\s,]+", value.strip()):
        if url:
            try:
                found.append((url, MailboxConfig.from_url(url)))
            except MailboxError as exc:
                raise click.ClickException(f"MAIL_IMAP_URLS: {exc}") from None
    return found


def mailbox_name(config: MailboxConfig) -> str:
    return config.name or f"{config.username}@{config.host}/{config.folder}"


def _handler(config: MailboxConfig, app: Flask | None = None):
    """The callback for the IMAP reader: the pipeline, in an app context of its own when
    it runs in a watcher thread. Raises (the message stays unmarked) only when the message
    could not even be quarantined."""
    name, refuse = mailbox_name(config), config.unknown == "refuse"

    def handle(raw: bytes, uid: int):
        if app is None:
            return pipeline.receive(raw, mailbox=name, refuse_unknown=refuse)
        with app.app_context():
            return pipeline.receive(raw, mailbox=name, refuse_unknown=refuse)
    return handle


def _too_big_handler(config: MailboxConfig, app: Flask | None = None):
    name = mailbox_name(config)

    def too_big(header: bytes, uid: int, size: int):
        if app is None:
            return pipeline.receive_too_big(header, size=size, mailbox=name)
        with app.app_context():
            return pipeline.receive_too_big(header, size=size, mailbox=name)
    return too_big


def _watch(mailboxes: list[tuple[str, MailboxConfig]]) -> None:
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    click.echo(f"watching {len(mailboxes)} mailbox(es); Ctrl-C stops")
    try:
        watch(current_app._get_current_object(), mailboxes, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        signal.signal(signal.SIGTERM, previous)


def watch(app: Flask, mailboxes: list[tuple[str, MailboxConfig]],
          stop: threading.Event) -> None:
    """Read every mailbox in a thread of its own (`mailbox.poll`: IDLE, else polling every
    MAIL_IMAP_POLL_SECONDS; reconnecting after a lost connection) until `stop` is set."""
    interval = float(app.config.get("MAIL_IMAP_POLL_SECONDS") or 60)

    def run(url: str, config: MailboxConfig) -> None:
        try:
            poll(url, _handler(config, app), stop_event=stop, interval=interval,
                 too_big=_too_big_handler(config, app), max_bytes=max_bytes_of(app))
        except MailboxError as exc:
            click.echo(f"{mailbox_name(config)}: {exc}", err=True)

    threads = [threading.Thread(target=run, args=(url, config), daemon=True,
                                name=f"helpdesk-mail-fetch-{mailbox_name(config)}")
               for url, config in mailboxes]
    for thread in threads:
        thread.start()
    try:
        while any(thread.is_alive() for thread in threads) and not stop.is_set():
            stop.wait(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def max_bytes_of(app: Flask) -> int:
    with app.app_context():
        return pipeline.max_bytes()


def _describe(outcome: pipeline.Outcome) -> str:
    parts = [outcome.status.value]
    if outcome.duplicate:
        parts.append("(taken before)")
    if outcome.reason:
        parts.append(f"- {outcome.reason}")
    return " ".join(parts)


COMMANDS = (receive_command, fetch_command)


def attach(app: Flask) -> None:
    """Put `receive` and `fetch` into the app's `helpdesk mail` group: a copy of the mail
    feature's group with them added (the feature's own group object stays as it is, so an
    app without mail in has no such commands), or a group of their own."""
    existing = app.cli.commands.get("mail")
    commands = dict(existing.commands) if isinstance(existing, click.Group) else {}
    commands.update({command.name: command for command in COMMANDS})
    help_text = "Outgoing and incoming mail." if existing is not None else "Incoming mail."
    app.cli.add_command(click.Group("mail", commands=commands, help=help_text))
