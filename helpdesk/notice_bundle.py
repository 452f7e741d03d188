"""Staff notices bundled per recipient, for work that touches many tickets at once.

Inside `bundled()` (the `sla tick` opens one per batch of tickets), a feature that would
tell staff about each ticket one by one (a missed deadline, an automatic escalation) can
`add` its notices to the open bundle instead. When the block ends without an error, each
recipient's notices are handed back to their sender as one group, still inside the
caller's transaction: one digest mail per agent instead of hundreds, written in the same
commit as the rows that caused them. When the block fails, the notices are dropped with
the transaction. Core layer: imports only the standard library.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Sender = Callable[[Hashable, list[Any]], None]


class Bundle:
    """The notices collected so far, in the order they were added."""

    def __init__(self) -> None:
        self._added: list[tuple[Sender, Hashable, Any]] = []

    def add(self, send: Sender, recipient: Hashable, notice: Any) -> None:
        """Keep `notice` for `recipient`; `send(recipient, notices)` gets them all at the end."""
        self._added.append((send, recipient, notice))

    def __len__(self) -> int:
        return len(self._added)

    def _send(self) -> None:
        groups: dict[tuple[Sender, Hashable], list[Any]] = {}
        for send, recipient, notice in self._added:
            groups.setdefault((send, recipient), []).append(notice)
        self._added = []
        for (send, recipient), notices in groups.items():
            send(recipient, notices)


_OPEN: ContextVar[Bundle | None] = ContextVar("helpdesk_notice_bundle", default=None)


def current() -> Bundle | None:
    """The bundle open now, or None (then notices go out one by one)."""
    return _OPEN.get()


@contextmanager
def bundled() -> Iterator[Bundle]:
    """Collect staff notices until the block ends, then send them grouped by recipient.
    Inside an open bundle, the outer one collects and sends."""
    outer = _OPEN.get()
    if outer is not None:
        yield outer
        return
    bundle = Bundle()
    token = _OPEN.set(bundle)
    try:
        yield bundle
    finally:
        _OPEN.reset(token)
    bundle._send()                    # only reached when the block did not raise


@contextmanager
def savepoint() -> Iterator[None]:
    """Notices added inside the block are dropped if it raises (pair it with the database
    savepoint whose rows they describe)."""
    bundle = _OPEN.get()
    kept = len(bundle) if bundle is not None else 0
    try:
        yield
    except BaseException:
        if bundle is not None:
            del bundle._added[kept:]
        raise
