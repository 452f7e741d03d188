"""Flask-Login wiring: the session and remember cookies name a server-side login session."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, request, url_for
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


@login_manager.unauthorized_handler
def ask_to_log_in():
    """Send a visitor who must log in to the login page, and back where they were after.

    After a POST whose session had ended (a reply typed for an hour), "back" is the page the
    form was on, not the POST-only address, so the browser can put the unsent text back.
    """
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for(login_manager.login_view, next=_return_path()))


def _return_path() -> str | None:
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    if not referrer.path:
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the user of a session id ``<user id>:<token>`` while that login session lives."""
    return user_for_session_id(session_id)
