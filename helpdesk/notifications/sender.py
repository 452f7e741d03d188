"""The background sender: one daemon thread per process and app delivers the mail.

A request that queued mail hands the claimed rows to this thread after its commit and
answers at once; a slow or unreachable SMTP server never holds it. The thread also
sweeps the outbox for mail that is due again (retries, mail of a process that died),
at the earliest retry it knows of and at least every MAIL_POLL_SECONDS. Hosts that
prefer a separate worker run `helpdesk mail send` (and may turn this thread off with
MAIL_SEND_IN_BACKGROUND=false).
"""
from __future__ import annotations

import atexit
import logging
import threading
import time

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.clock import utcnow
from helpdesk.notifications import delivery, mail

log = logging.getLogger(__name__)
_EXTENSION_KEY = "helpdesk_mail_sender"


class BackgroundSender:
    """Sends what the process queued, and sweeps the outbox now and then."""

    def __init__(self, app: Flask):
        self.app = app
        self._cond = threading.Condition()
        self._pending: list[delivery.Claimed] = []
        self._untransmitted = 0        # handed over, not yet through an SMTP attempt
        self._busy = False
        self._stopping = False
        self._sweep_at = time.monotonic() + self._poll_seconds()
        self._thread: threading.Thread | None = None

    def _poll_seconds(self) -> float:
        return float(self.app.config["MAIL_POLL_SECONDS"])

    def submit(self, claimed: list[delivery.Claimed]) -> None:
        """Send these claimed mails soon (in this process's sender thread)."""
        with self._cond:
            self._pending.extend(claimed)
            self._untransmitted += len(claimed)
            self._ensure_started()
            self._cond.notify_all()

    def sweep_soon(self, delay: float = 0.0) -> None:
        """Look for due mail in the outbox within `delay` seconds."""
        with self._cond:
            self._sweep_at = min(self._sweep_at, time.monotonic() + delay)
            self._ensure_started()
            self._cond.notify_all()

    def start(self) -> None:
        """Start the thread if it is not running (the first request does this)."""
        with self._cond:
            self._ensure_started()

    def _ensure_started(self) -> None:
        if self._stopping or (self._thread is not None and self._thread.is_alive()):
            return
        self._thread = threading.Thread(target=self._run, name="helpdesk-mail-sender",
                                        daemon=True)
        self._thread.start()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the mail handed to this sender is sent (or given a retry time)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def wait_transmitted(self, timeout: float = 10.0) -> bool:
        """Wait until every mail handed to this sender went through an SMTP attempt
        (whatever the database is doing: the outcome may still be being recorded)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._untransmitted:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def _transmitted(self, count: int = 1) -> None:
        with self._cond:
            self._untransmitted -= count
            self._cond.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        """Send what is pending, then end the thread (waits up to `timeout` seconds)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _next_job(self) -> tuple[list[delivery.Claimed], bool] | None:
        with self._cond:
            while True:
                if self._pending:
                    batch, self._pending = self._pending, []
                    self._busy = True
                    return batch, False
                if self._stopping:
                    return None
                wait = self._sweep_at - time.monotonic()
                if wait <= 0:
                    self._sweep_at = time.monotonic() + self._poll_seconds()
                    self._busy = True
                    return [], True
                self._cond.wait(wait)

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._work(*job)
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                log.exception("the mail sender failed; the outbox keeps the mail")
                with self._cond:      # e.g. the database was away: look again soon
                    self._sweep_at = min(self._sweep_at,
                                         time.monotonic() + min(self._poll_seconds(), 10.0))
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _work(self, batch: list[delivery.Claimed], sweep: bool) -> None:
        done = 0

        def transmitted() -> None:
            nonlocal done
            done += 1
            self._transmitted()
        try:
            with self.app.app_context(), mail.Transport() as transport:
                report = delivery.send(batch, on_transmitted=transmitted,
                                       transport=transport) if batch else delivery.Report()
                if sweep:
                    report.add(delivery.deliver_due(transport=transport))
                    report.next_retry_at = delivery.next_due_at()
                self._schedule(report.next_retry_at)
        finally:
            self._transmitted(len(batch) - done)      # those an error cut short

    def _schedule(self, due_at) -> None:
        if due_at is None:
            return
        delay = max((due_at - utcnow()).total_seconds(), 0.0)
        with self._cond:
            self._sweep_at = min(self._sweep_at, time.monotonic() + delay + 0.01)


def sender_for(app: Flask) -> BackgroundSender | None:
    """The app's background sender (None when MAIL_SEND_IN_BACKGROUND is off)."""
    return app.extensions.get(_EXTENSION_KEY)


def init_app(app: Flask) -> None:
    """Give `app` a background sender, started by the first request or mail."""
    if not app.config.get("MAIL_SEND_IN_BACKGROUND", True):
        return
    sender = BackgroundSender(app)
    app.extensions[_EXTENSION_KEY] = sender
    app.before_request(sender.start)
    # A command that queued mail (or a server shutting down) sends it before exiting.
    atexit.register(sender.stop, timeout=float(app.config["MAIL_TIMEOUT"]) * 3)
    _install_listeners()


def drain(app: Flask, timeout: float = 10.0) -> bool:
    """Wait until the app's sender has sent what it was handed (tests, scripts)."""
    sender = sender_for(app)
    return sender.drain(timeout) if sender else True


def wait_transmitted(app: Flask, timeout: float = 10.0) -> bool:
    """Wait until the app's sender tried SMTP for all it was handed (tests)."""
    sender = sender_for(app)
    return sender.wait_transmitted(timeout) if sender else True


def stop(app: Flask, timeout: float = 10.0) -> None:
    """Stop the app's sender thread after it sent what it holds."""
    sender = sender_for(app)
    if sender:
        sender.stop(timeout)
        atexit.unregister(sender.stop)


_installed: list[bool] = []


def _install_listeners() -> None:
    # Session events are global: added once for every app in the process.
    if _installed:
        return
    _installed.append(True)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    queued = session.info.pop(mail.PENDING_KEY, None)
    if not queued:
        return
    try:
        sender = sender_for(current_app._get_current_object())
    except RuntimeError:      # no app context; the rows are swept when their lease ends
        return
    if sender is None:
        return
    # The identity is known without a query (the commit expired the attributes).
    sender.submit([delivery.Claimed(sa.inspect(row).identity[0], message, claimed_until)
                   for row, message, claimed_until in queued
                   if sa.inspect(row).identity is not None])


def _after_rollback(session: Session) -> None:
    session.info.pop(mail.PENDING_KEY, None)
