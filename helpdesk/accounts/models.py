"""Users, roles, support levels and login sessions."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.accounts.passwords import hash_password, verify_password
from helpdesk.clock import utcnow
from helpdesk.extensions import db


class Role(enum.StrEnum):
    customer = "customer"
    agent = "agent"
    admin = "admin"


class Level(enum.IntEnum):
    l1 = 1
    l2 = 2
    l3 = 3


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=16),
                                       default=Role.customer)
    level: Mapped[int | None] = mapped_column(sa.SmallInteger)
    language: Mapped[str | None] = mapped_column(sa.String(8))
    is_active_account: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # None until the owner follows the link mailed at registration; they cannot log in before.
    email_confirmed_at: Mapped[datetime | None]
    shop_name: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The login session this request is authenticated by (set by accounts/login_sessions.py
    # on login and by the user loader); not a column.
    current_session = None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}{self.level or ''}>"

    # -- Flask-Login ---------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session and remember cookies."""
        if self.current_session is None or not self.current_session.cookie_id:
            raise RuntimeError("start a login session (login_sessions.start_login_session) "
                               "before logging the user in")
        return self.current_session.cookie_id

    # -- passwords and sessions ------------------------------------------------
    def set_password(self, password: str) -> None:
        """Hash and store `password`, ending every login session of this user."""
        self.password_hash = hash_password(password)
        self.end_login_sessions()

    def check_password(self, password: str) -> bool:
        """Return whether `password` is this user's (one hash check, even without one)."""
        return verify_password(self.password_hash, password)

    def end_login_sessions(self, *, keep: LoginSession | None = None) -> None:
        """Log the user out on every device (but the session `keep`). Caller commits."""
        if self.id is None:
            return
        query = sa.delete(LoginSession).where(LoginSession.user_id == self.id)
        if keep is not None:
            query = query.where(LoginSession.id != keep.id)
        db.session.execute(query)

    def deactivate(self) -> None:
        """Stop the user from logging in, and end the sessions they have."""
        self.is_active_account = False
        self.end_login_sessions()

    @property
    def is_email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def confirm_email(self) -> None:
        """Record that the owner of the address has shown they receive its mail."""
        if self.email_confirmed_at is None:
            self.email_confirmed_at = utcnow()

    # -- roles ---------------------------------------------------------------
    @property
    def is_customer(self) -> bool:
        return self.role == Role.customer

    @property
    def is_agent(self) -> bool:
        return self.role == Role.agent

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.agent, Role.admin)


class LoginSession(db.Model):
    """One login on one device: what the session and remember cookies stand for.

    The cookies carry ``<user id>:<token>``; only a hash of the token is stored. Deleting
    the row logs that device out, whatever copies of its cookies exist.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Browser and system family from the user agent ("Firefox", "Linux"), to recognise it.
    browser: Mapped[str] = mapped_column(sa.String(60))
    system: Mapped[str] = mapped_column(sa.String(60))
    ip: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    # ``<user id>:<token>``, known only in the request that created or presented it.
    cookie_id = None

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"


class LoginAttempt(db.Model):
    """A failed login, kept in the database so every worker sees the same count."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_email_at", "email", "attempted_at"),
        sa.Index("ix_login_attempt_ip_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(64))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
