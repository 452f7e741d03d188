"""Signed, expiring, single-use links: password reset and e-mail confirmation."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from helpdesk.accounts.models import User
from helpdesk.extensions import db

_RESET_SALT = "password-reset"
_CONFIRM_SALT = "confirm-email"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    # Changes with every password change (and with the address), so a token works once.
    material = f"{user.password_hash}|{user.email}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def _load(token: str, salt: str, max_age: int) -> tuple[User, dict] | None:
    """Return the active user a valid, unexpired token names, with its data."""
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active:
        return None
    return user, data


def make_reset_token(user: User) -> str:
    """Return a token that lets `user` set a new password once, within the max age."""
    return _serializer(_RESET_SALT).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """Return the user a valid, unexpired, unused token belongs to, else None."""
    found = _load(token, _RESET_SALT, int(current_app.config["PASSWORD_RESET_MAX_AGE"]))
    if found is None or found[1].get("f") != _fingerprint(found[0]):
        return None
    return found[0]


def make_confirm_token(user: User) -> str:
    """Return a token that confirms the address of `user` (within CONFIRM_EMAIL_MAX_AGE)."""
    return _serializer(_CONFIRM_SALT).dumps({"u": user.id, "e": user.email})


def user_for_confirm_token(token: str) -> User | None:
    """Return the not yet confirmed user a valid, unexpired token belongs to, else None."""
    found = _load(token, _CONFIRM_SALT, int(current_app.config["CONFIRM_EMAIL_MAX_AGE"]))
    if found is None or found[1].get("e") != found[0].email or found[0].is_email_confirmed:
        return None
    return found[0]
