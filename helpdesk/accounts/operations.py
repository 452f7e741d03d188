"""Account use cases shared by the views, the admin pages and the CLI. None commits."""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.accounts.models import Level, Role, User
from helpdesk.extensions import db


class EmailTaken(Exception):
    """Another account already uses this e-mail address."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(*, email: str, name: str, password: str | None = None,
                role: Role = Role.customer, level: int | None = None,
                language: str | None = None, shop_name: str | None = None) -> User:
    """Create an account. Agents need a level 1 to 3; others have none.

    Raises EmailTaken or ValueError. A user without a password (filed for by an
    agent) sets one through the password-reset mail. The caller commits.
    """
    email = normalise_email(email)
    if find_user(email):
        raise EmailTaken(email)
    if role == Role.agent and level not in tuple(Level):
        raise ValueError("an agent needs a support level of 1, 2 or 3")
    user = User(email=email, name=name.strip() or email.split("@")[0], role=role,
                level=int(level) if role == Role.agent else None, language=language,
                shop_name=(shop_name or "").strip() or None)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def set_role(user: User, *, role: Role, level: int | None, active: bool) -> None:
    """Change a user's role, support level and whether they may log in. Caller commits."""
    if role == Role.agent and level not in tuple(Level):
        raise ValueError("an agent needs a support level of 1, 2 or 3")
    user.role = role
    user.level = int(level) if role == Role.agent else None
    if not active and user.is_active_account:
        user.deactivate()
    elif active:
        user.is_active_account = True


def customer_for(email: str, name: str, *, language: str | None = None) -> tuple[User, bool]:
    """Return the customer with `email`, creating the account if needed (and whether it was).

    Raises ValueError if the address belongs to a staff account.
    """
    user = find_user(email)
    if user is not None:
        if not user.is_customer:
            raise ValueError("that address belongs to a staff account")
        return user, False
    return create_user(email=email, name=name, role=Role.customer, language=language), True
