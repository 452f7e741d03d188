"""Login throttling kept in the database, so every worker and host sees one count."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from helpdesk.accounts.models import LoginAttempt
from helpdesk.clock import utcnow
from helpdesk.extensions import db


def _window_start():
    return utcnow() - timedelta(seconds=int(current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]))


def is_locked_out(email: str, ip: str) -> bool:
    """Return whether logins for `email` or from `ip` are paused after too many failures."""
    since = _window_start()
    by_account = db.session.scalar(
        sa.select(sa.func.count()).where(LoginAttempt.email == email.lower(),
                                         LoginAttempt.attempted_at >= since))
    if by_account >= int(current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        return True
    by_ip = db.session.scalar(
        sa.select(sa.func.count()).where(LoginAttempt.ip == ip,
                                         LoginAttempt.attempted_at >= since))
    return by_ip >= int(current_app.config["LOGIN_MAX_FAILURES_PER_IP"])


def record_failure(email: str, ip: str) -> None:
    """Count a failed login. The caller commits."""
    db.session.add(LoginAttempt(email=email.lower()[:254], ip=ip[:64]))


def clear_failures(email: str) -> None:
    """Forget the failures of `email` after a successful login, and old rows of anyone."""
    db.session.execute(sa.delete(LoginAttempt).where(
        sa.or_(LoginAttempt.email == email.lower(), LoginAttempt.attempted_at < _window_start())))
