"""Coarse access gates for views. Object-level rules live in permissions.py."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from helpdesk.accounts.models import User
from helpdesk.accounts.permissions import can_manage_users


def require(predicate: Callable[[User], bool]):
    """Let in logged-in users for whom `predicate` holds; everyone else gets 404."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not predicate(current_user):
                abort(404)
            return view(*args, **kwargs)
        return wrapper
    return decorator


staff_required = require(lambda user: user.is_staff)
admin_required = require(can_manage_users)
