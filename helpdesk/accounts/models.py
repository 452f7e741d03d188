"""Users, roles and support levels."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

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


def _new_session_token() -> str:
    return secrets.token_urlsafe(16)


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
    # Part of the login session id: rotating it ends every session of the user.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=_new_session_token)
    shop_name: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}{self.level or ''}>"

    # -- Flask-Login ---------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    # -- passwords -----------------------------------------------------------
    def set_password(self, password: str) -> None:
        """Hash and store `password`, ending every other session of this user."""
        self.password_hash = generate_password_hash(password)
        self.rotate_session()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def rotate_session(self) -> None:
        """Invalidate every login session issued so far."""
        self.session_token = _new_session_token()

    def deactivate(self) -> None:
        self.is_active_account = False
        self.rotate_session()

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

    @property
    def support_level(self) -> Level | None:
        return Level(self.level) if self.is_agent and self.level else None


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
