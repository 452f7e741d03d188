"""Who may see and change service levels."""
from __future__ import annotations

from helpdesk.accounts.models import User
from helpdesk.accounts.permissions import can_manage_users


def can_see_report(user: User) -> bool:
    """The SLA report: admins, and agents of levels 2 and 3 (who lead and take escalations)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or (user.is_agent and (user.level or 0) >= 2)


def can_manage(user: User) -> bool:
    """Calendar, policies and level targets: admins."""
    return can_manage_users(user)
