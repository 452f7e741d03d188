"""Extension points: where feature packages attach to the core, one registry per app.

The factory gives every app a `Registry` (``app.extensions["helpdesk"]``). A feature
package's ``init_app(app)`` adds what it contributes to the named extension points below;
the core reads them for ``current_app``. Registries belong to one app (tests build many
apps, with and without features), and adding the same entry twice is a no-op.

Events go the other way: domain code sends the blinker signals of `helpdesk.signals`, and
a feature listens with `connect`, which hears a signal only in the apps that connected it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps

from blinker import Signal
from flask import Flask, current_app, has_app_context

EXTENSION_KEY = "helpdesk"

# The extension points and what an entry of each is.
HEALTH_CHECKS = "health_checks"
NAV_ITEMS = "nav_items"
ADMIN_TABS = "admin_tabs"
STAFF_PANELS = "staff_panels"
NEW_TICKET_FORM = "new_ticket_form"
MESSAGE_CHECKS = "message_checks"
DEMO_SEEDERS = "demo_seeders"
MESSAGE_EXTRAS = "message_extras"
MAIL_RECIPIENT_CHECKS = "mail_recipient_checks"
DUE_TIMES = "due_times"
RESOLVE_FORM = "resolve_form"
QUEUE_PANELS = "queue_panels"
THREAD_REFERENCES = "thread_references"

EXTENSION_POINTS: dict[str, str] = {
    HEALTH_CHECKS: "callable (app) -> (name, ok, details): a part of the /healthz report",
    NAV_ITEMS: "callable (user) -> [{'url', 'label', 'prefix'}]: entries of the main "
               "navigation (`prefix`: endpoints that mark the entry active)",
    ADMIN_TABS: "callable (user) -> [{'url', 'label', 'prefix'}]: tabs of the "
                "administration pages",
    STAFF_PANELS: "callable (ticket) -> dict: a panel on the staff side of the ticket page; "
                  "optional 'side' and 'composer' template names, and the data those "
                  "templates read as `panel`",
    NEW_TICKET_FORM: "template name: included below the subject on the new-ticket form",
    MESSAGE_CHECKS: "callable (ticket, *, body, internal, article_ids, by) -> [reason]: the "
                    "reasons to refuse a new message, each a sentence for its author; an "
                    "empty list lets it through",
    DEMO_SEEDERS: "callable (*, users, categories): more demo data, after the users, "
                  "categories and tickets of `helpdesk demo`",
    DUE_TIMES: "object with the methods of `helpdesk.tickets.sla.DueTimeProvider`: sets a "
               "ticket's due times and says how they stand; the last one added is asked "
               "(none: the around-the-clock targets of `helpdesk.tickets.sla`)",
    MESSAGE_EXTRAS: "callable (ticket) -> {message id, or None for the ticket's own text: "
                    "[{'template', ...}]}: templates shown under a message on the ticket "
                    "page (to everyone who sees the message; `staff` tells who looks), each "
                    "reading its dict as `extra`",
    MAIL_RECIPIENT_CHECKS: "callable (address) -> reason or None: a reason not to send mail "
                           "to an address (it bounces); such a mail is kept as failed, with "
                           "the reason",
    THREAD_REFERENCES: "callable (ticket, recipient) -> [(message_id, received_at)]: the "
                       "Message-IDs of mails received on `ticket` from the address "
                       "`recipient`, each with when it came (naive UTC), oldest first; a "
                       "mail to that address about the ticket answers the latest of them "
                       "or of our own mails to it (In-Reply-To) and names them in References",
    RESOLVE_FORM: "template name: included in the resolve form's knowledge decision (the "
                  "KB's article picker), reading `ticket` and `form`",
    QUEUE_PANELS: "callable (user) -> dict or None: a panel above the staff queue (the "
                  "KB's required reading); the dict's 'template' is included reading the "
                  "dict as `panel`",
}


class Registry:
    """The entries of each extension point of one app, in the order they were added."""

    def __init__(self) -> None:
        self._entries: dict[str, list] = {name: [] for name in EXTENSION_POINTS}
        self._listening: set[tuple[Signal, Callable]] = set()
        self.features: list[str] = []       # the feature packages the factory loaded

    def add(self, point: str, entry) -> None:
        """Add `entry` to the extension point `point` (again: no change)."""
        entries = self._point(point)
        if entry not in entries:
            entries.append(entry)

    def entries(self, point: str) -> tuple:
        """Return the entries of `point`, in the order they were added."""
        return tuple(self._point(point))

    def _point(self, point: str) -> list:
        try:
            return self._entries[point]
        except KeyError:
            raise KeyError(f"no extension point {point!r} (there are: "
                           f"{', '.join(EXTENSION_POINTS)})") from None


def init_app(app: Flask) -> Registry:
    """Give `app` its registry (once)."""
    return app.extensions.setdefault(EXTENSION_KEY, Registry())


def registry_of(app: Flask | None = None) -> Registry:
    """Return the registry of `app` (default: the current app)."""
    app = current_app if app is None else app
    return app.extensions[EXTENSION_KEY]


def add(app: Flask, point: str, entry) -> None:
    """Add `entry` to the extension point `point` of `app` (again: no change)."""
    registry_of(app).add(point, entry)


def entries(point: str) -> tuple:
    """Return the current app's entries of the extension point `point`."""
    return registry_of().entries(point)


_gates: dict[tuple[Signal, Callable], Callable] = {}
_gates_lock = threading.Lock()


def connect(app: Flask, signal: Signal, receiver: Callable) -> None:
    """Let `receiver` hear `signal` in `app`.

    Blinker signals belong to the process, and a process may hold several apps (the tests
    do, and not all of them load every feature), so the receiver is connected once,
    behind a gate that passes a signal on only in an app that connected it. A signal sent
    outside any app context reaches it as well.
    """
    key = (signal, receiver)
    registry_of(app)._listening.add(key)
    with _gates_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = _gate(key, receiver)
            signal.connect(gate, weak=False)


def _gate(key: tuple[Signal, Callable], receiver: Callable) -> Callable:
    @wraps(receiver)
    def gate(sender, **kwargs):
        if has_app_context():
            registry = current_app.extensions.get(EXTENSION_KEY)
            if registry is None or key not in registry._listening:
                return None
        return receiver(sender, **kwargs)
    return gate
