"""Who may do what with accounts. Ticket rules are in ``helpdesk.tickets.permissions``,
knowledge-base rules in ``kb.permissions``."""
from __future__ import annotations

from helpdesk.accounts.models import Role, User
from helpdesk.errors import NotAllowed

__all__ = ["NotAllowed", "can_manage_users"]   # NotAllowed: moved to helpdesk.errors


def can_manage_users(user: User) -> bool:
    return user.role == Role.admin
