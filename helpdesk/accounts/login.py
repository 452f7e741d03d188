"""Flask-Login wiring: sessions carry a per-user token that logout-everywhere rotates."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from helpdesk.accounts.models import User
from helpdesk.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the user of a session id ``<user id>:<session token>``, if still valid."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user
