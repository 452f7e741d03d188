"""Account use cases shared by the views, the admin pages and the CLI. None commits."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from helpdesk.accounts.models import Level, Role, User
from helpdesk.accounts.passwords import hash_password, verify_password
from helpdesk.extensions import db
from helpdesk.signals import email_confirmation_requested, registration_for_existing_account


class EmailTaken(Exception):
    """Another account already uses this e-mail address."""


def normalise_email(email: str) -> str:
    """Return `email` as stored: trimmed and lower-cased."""
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """Return the user with address `email` (in any case), or None."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(*, email: str, name: str, password: str | None = None,
                role: Role = Role.customer, level: int | None = None,
                language: str | None = None, shop_name: str | None = None,
                confirmed: bool = True) -> User:
    """Create an account. Agents need a level 1 to 3; others have none.

    Raises EmailTaken or ValueError. A user without a password (filed for by an
    agent) sets one through the password-reset mail. Accounts made by staff, the CLI
    and the demo count as confirmed; a self-registered one (`confirmed=False`) cannot
    log in before its owner follows the confirmation link. The caller commits.
    """
    email = normalise_email(email)
    if find_user(email):
        raise EmailTaken(email)
    if role == Role.agent and level not in tuple(Level):
        raise ValueError("an agent needs a support level of 1, 2 or 3")
    user = User(email=email, name=name.strip() or email.split("@")[0], role=role,
                level=int(level) if role == Role.agent else None, language=language,
                shop_name=(shop_name or "").strip() or None)
    if confirmed:
        user.confirm_email()
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class Registration:
    email: str
    name: str
    password: str
    language: str | None = None
    shop_name: str | None = None


def register_customer(form: Registration) -> User | None:
    """Sign a customer up, or tell the owner of an address that already has an account.

    A new address gets an unconfirmed account and a confirmation mail; a known address
    gets a notice to its owner instead. Both cost one password hash and one mail, so
    neither the page nor its timing tells a visitor which it was. Returns the new user
    (None for a known address). The caller commits.
    """
    owner = find_user(form.email)
    if owner is not None:
        hash_password(form.password)    # the work a new account costs
        registration_for_existing_account.send(owner)
        return None
    user = create_user(email=form.email, name=form.name, password=form.password,
                       language=form.language, shop_name=form.shop_name, confirmed=False)
    email_confirmation_requested.send(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active account `email` whose password this is, else None.

    Exactly one password-hash check whatever the outcome (unknown address, no password,
    deactivated account), so the time of a failed login does not tell who has an account.
    """
    user = find_user(email)
    matches = verify_password(user.password_hash if user else None, password)
    return user if matches and user.is_active else None


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
