"""The background tick: one daemon thread per app runs `sla tick` every SLA_TICK_SECONDS.

Started by the first request, like the mail sender (helpdesk/notifications/sender.py).
Meant for the development server and the demo; hosts run `helpdesk sla tick` from cron
(running both is safe: a tick never records or sends anything twice). Off under TESTING
unless SLA_TICK_IN_TESTS is set.
"""
from __future__ import annotations

import atexit
import logging
import threading

from flask import Flask

from helpdesk.database import writing
from helpdesk.extensions import db

log = logging.getLogger(__name__)
_EXTENSION_KEY = "helpdesk_sla_ticker"


class Ticker:
    def __init__(self, app: Flask, interval: float):
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> None:
        with self._lock:
            if self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="helpdesk-sla-tick",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        from helpdesk.service_levels.tick import tick

        while not self._stop.is_set():
            try:
                with self.app.app_context(), writing():
                    try:
                        tick()
                    finally:
                        db.session.remove()
                self.runs += 1
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                log.exception("the background SLA tick failed; the next one tries again")
            self._stop.wait(self.interval)


def init_app(app: Flask) -> None:
    interval = float(app.config["SLA_TICK_SECONDS"])
    if interval <= 0 or (app.testing and not app.config.get("SLA_TICK_IN_TESTS")):
        return
    ticker = Ticker(app, interval)
    app.extensions[_EXTENSION_KEY] = ticker
    app.before_request(ticker.start)
    atexit.register(ticker.stop, timeout=5)


def ticker_for(app: Flask) -> Ticker | None:
    return app.extensions.get(_EXTENSION_KEY)


def stop(app: Flask) -> None:
    ticker = ticker_for(app)
    if ticker is not None:
        ticker.stop()
        atexit.unregister(ticker.stop)
