"""Server-side login sessions: start one at login, find it on each request, end it at logout.

None of these functions commits.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from ua_parser import parse as parse_user_agent

from helpdesk.accounts.models import LoginSession, User
from helpdesk.clock import utcnow
from helpdesk.extensions import db


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def describe_device(user_agent: str) -> tuple[str, str]:
    """Return the browser and system family of `user_agent` ("Firefox", "Linux").

    An agent that is no known browser keeps its first word ("curl/8.5"), the system "".
    """
    parsed = parse_user_agent(user_agent or "")
    browser = parsed.user_agent.family if parsed.user_agent else ""
    system = parsed.os.family if parsed.os and parsed.os.family != "Other" else ""
    return (browser or (user_agent or "").split(" ", 1)[0] or "?")[:60], system[:60]


def start_login_session(user: User, *, user_agent: str, ip: str,
                        lifetime: timedelta) -> LoginSession:
    """Open a login session for `user`, valid for `lifetime` at most, and make it current.

    Also drops expired sessions (anyone's). Flushes; the caller commits.
    """
    now = utcnow()
    db.session.execute(sa.delete(LoginSession).where(LoginSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    browser, system = describe_device(user_agent)
    login = LoginSession(user_id=user.id, token_hash=_token_hash(token), browser=browser,
                         system=system, ip=(ip or "-")[:64], created_at=now,
                         expires_at=now + lifetime)
    db.session.add(login)
    db.session.flush()
    login.cookie_id = f"{user.id}:{token}"
    user.current_session = login
    return login


def user_for_session_id(session_id: str) -> User | None:
    """Return the active user of a live session ``<user id>:<token>``, else None (one query)."""
    user_id, _sep, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    row = db.session.execute(
        sa.select(User, LoginSession).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_hash(token), User.id == int(user_id),
               User.is_active_account.is_(True), LoginSession.expires_at > utcnow())).first()
    if row is None:
        return None
    user, login = row
    login.cookie_id = session_id
    user.current_session = login
    return user


def end_login_session(user: User) -> None:
    """End the session `user` is logged in with on this request (logout)."""
    if user.current_session is not None:
        db.session.execute(sa.delete(LoginSession).where(
            LoginSession.id == user.current_session.id))
        user.current_session = None


def login_sessions_of(user: User) -> list[LoginSession]:
    """Return the user's live sessions, newest first."""
    return list(db.session.scalars(
        sa.select(LoginSession).where(LoginSession.user_id == user.id,
                                      LoginSession.expires_at > utcnow())
        .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())))
