"""Header objects of the email package, made once and reused: the one policy that reading
mail in (helpdesk/mail_in) and composing mail out (helpdesk/notifications) both use.

The email package parses a header's value again each time it is read or set, and makes a
new header class each time it looks one up; that was most of what parsing a received
message and composing an outgoing one cost. Header objects are immutable, so a reused one
reads, and folds to, the same bytes as a new one. Core layer: imports only the standard
library.
"""
from __future__ import annotations

from email import headerregistry
from email import policy as email_policy

MAX_KEPT = 2000           # header objects kept per policy before the cache starts over
MAX_VALUE_CHARS = 2000    # longer values (a stranger's huge header) are never kept


class _FoldedOnce:
    """A header that keeps its folded form per line length, line separator and utf8
    setting (the only parts of a policy folding reads): folded once, not in every mail."""

    def fold(self, *, policy):
        key = (policy.max_line_length, policy.linesep, policy.utf8)
        folds = self.__dict__.setdefault("_helpdesk_folds", {})
        folded = folds.get(key)
        if folded is None:
            folded = folds[key] = super().fold(policy=policy)
        return folded


class ReusedHeaders(headerregistry.HeaderRegistry):
    """policy.default's header registry, with header objects made once per name and value
    and header classes made once per name; with `fold_once`, their headers fold once (for
    composing: the folded form is kept per line length, separator and utf8 only, so a
    generator with other settings, such as refold_source, must not use them)."""

    def __init__(self, *, fold_once: bool = False):
        super().__init__()
        self._fold_once = fold_once
        self._made: dict[tuple[str, str], object] = {}
        self._classes: dict[str, type] = {}

    def __getitem__(self, name):
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            made = super().__getitem__(name)
            cls = self._classes[key] = (type(made.__name__, (_FoldedOnce, made), {})
                                        if self._fold_once else made)
        return cls

    def map_to_type(self, name, cls):
        self._classes.pop(name.lower(), None)
        super().map_to_type(name, cls)

    def __call__(self, name, value):
        if len(value) > MAX_VALUE_CHARS:
            return super().__call__(name, value)
        key = (name, value)
        header = self._made.get(key)
        if header is None:
            header = super().__call__(name, value)
            if len(self._made) >= MAX_KEPT:
                self._made.clear()
            self._made[key] = header
        return header


def reusing_policy(*, fold_once: bool = False) -> email_policy.EmailPolicy:
    """Return policy.default with a header cache of its own (one per use: reading mail in
    and composing mail out do not push each other's headers out)."""
    return email_policy.default.clone(header_factory=ReusedHeaders(fold_once=fold_once))
