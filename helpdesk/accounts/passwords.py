"""Password policy and hashing: which passwords a person may choose, and how they are checked.

The policy refuses short passwords, passwords that contain the account's e-mail address
and passwords that zxcvbn guesses quickly; zxcvbn ships the frequency lists of breached
and common passwords it matches against, so no network is needed.
"""
from __future__ import annotations

import secrets
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

MIN_LENGTH = 8
# zxcvbn refuses longer input; the first 72 characters decide whether a password is weak.
_SCORED_LENGTH = 72


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why a person may not choose `password` for the account `email`, or None.

    The message tells them what to do instead. Needs an application context (for the
    minimum score, HELPDESK_PASSWORD_MIN_SCORE, and the translation).
    """
    if len(password) < MIN_LENGTH:
        return _("Use at least %(min)d characters.", min=MIN_LENGTH)
    if _contains_address(password, email):
        return _("Your password must not contain your e-mail address. Choose something "
                 "nobody could guess from it.")
    words = [part for part in (email, *email.partition("@")[::2], *name.split()) if part]
    result = zxcvbn(password[:_SCORED_LENGTH], user_inputs=words)
    if result["score"] < int(current_app.config["PASSWORD_MIN_SCORE"]):
        return _("This password is too common or too easy to guess. Use a longer one, for "
                 "example three or four unrelated words.")
    return None


def _contains_address(password: str, email: str) -> bool:
    lowered, email = password.lower(), email.strip().lower()
    local = email.partition("@")[0]
    # A local part of one or two letters ("a@...") occurs in many good passwords.
    return bool(email) and (email in lowered or (len(local) >= 3 and local in lowered))


def hash_password(password: str) -> str:
    """Return the salted hash of `password` to store."""
    return generate_password_hash(password)


@cache
def _dummy_hash() -> str:
    """A hash made the same way as real ones, for checks without an account."""
    return generate_password_hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether `password` matches `password_hash`.

    Without a hash (no such account, or one that never set a password) the password is
    checked against a dummy hash, so the answer takes as long as for a real account and
    its time does not tell who has one.
    """
    matches = check_password_hash(password_hash or _dummy_hash(), password)
    return matches and password_hash is not None
