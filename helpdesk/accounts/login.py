"""Flask-Login wiring: the session and remember cookies name a server-side login session."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_babel import lazy_gettext as _l

from helpdesk.accounts.login_sessions import user_for_session_id
from helpdesk.accounts.models import User
from helpdesk.extensions import login_manager


def init_app(app: Flask) -> None:
    """Configure Flask-Login; the remember cookie lasts HELPDESK_REMEMBER_DAYS (30)."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(app.config["REMEMBER_DAYS"]))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the user of a session id ``<user id>:<token>`` while that login session lives."""
    return user_for_session_id(session_id)
