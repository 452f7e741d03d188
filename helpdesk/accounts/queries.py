"""Queries for lists of accounts (the admin's user list)."""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.accounts.models import User
from helpdesk.extensions import db


def find_users(text: str = "", *, limit: int = 200) -> list[User]:
    """Return up to `limit` users by role, level and name; with `text`, those whose
    address or name contains it (case-insensitive, taken literally)."""
    query = sa.select(User).order_by(User.role, User.level, User.name)
    if text:
        query = query.where(sa.or_(User.email.icontains(text, autoescape=True),
                                   User.name.icontains(text, autoescape=True)))
    return list(db.session.scalars(query.limit(limit)))
