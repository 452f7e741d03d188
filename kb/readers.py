"""Who is reading, for counting once per reader: the user, or a random id per browser.

Anonymous readers get a random id in a cookie the first time they need one; the IP
address is never used.
"""
from __future__ import annotations

import re
import secrets

from flask import Response, current_app, g, request
from flask_login import current_user

COOKIE = "kb_reader"
MAX_AGE = 365 * 24 * 3600
_VALID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _browser_id() -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if _VALID.fullmatch(value) else None


def reader_key(*, create: bool = True) -> str | None:
    """Return "user:<id>" or "browser:<id>"; make a browser id if `create` and none exists.

    A new id is set as a cookie by `remember_reader` on the response.
    """
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    browser = _browser_id() or g.get("kb_new_reader")
    if browser is None and create:
        browser = g.kb_new_reader = secrets.token_urlsafe(16)
    return f"browser:{browser}" if browser else None


def remember_reader(response: Response) -> Response:
    """Set the browser-id cookie on `response` if this request made a new id."""
    new_id = g.get("kb_new_reader")
    if new_id:
        response.set_cookie(COOKIE, new_id, max_age=MAX_AGE, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                            path=current_app.config.get("APPLICATION_ROOT") or "/")
    return response
