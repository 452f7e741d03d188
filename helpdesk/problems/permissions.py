"""Who may do what with problems.

Customers see none of it (404; they only get the replies on their tickets). Every agent
reads problems, links the tickets they work on to one and proposes new ones; level 3 and
admins own, edit, change the status of and close problems; the owner (or an admin)
answers all of a problem's open tickets at once.
"""
from __future__ import annotations

from helpdesk.accounts.models import Level, User
from helpdesk.problems.models import Problem, ProblemStatus
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.permissions import can_update_ticket


def _active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def can_see_problems(user) -> bool:
    """Problem pages, the list and the ticket page's problem panel: staff."""
    return _active_staff(user)


def is_specialist(user) -> bool:
    """Level 3 (and admins): own, edit, change the status of and close problems."""
    return _active_staff(user) and (user.is_admin or (user.is_agent
                                                      and user.level == Level.l3))


def can_edit(user: User, problem: Problem) -> bool:
    return is_specialist(user)


def can_take(user: User, problem: Problem) -> bool:
    """A level-3 agent takes a problem that is not theirs."""
    return (_active_staff(user) and user.is_agent and user.level == Level.l3
            and problem.owner_id != user.id)


def can_answer_all(user: User, problem: Problem) -> bool:
    """One reply to all open tickets: the problem's owner, or an admin."""
    return is_specialist(user) and (user.is_admin or problem.owner_id == user.id)


def can_document(user: User, problem: Problem) -> bool:
    """Send the known error to the knowledge base (once)."""
    return (is_specialist(user) and problem.article_id is None
            and problem.status in (ProblemStatus.known_error, ProblemStatus.fixed))


def can_link_ticket(user: User, ticket: Ticket) -> bool:
    """Link a ticket to a problem (or unlink it): agents who work on the ticket."""
    return _active_staff(user) and can_update_ticket(user, ticket)


def may_be_owner(user: User) -> bool:
    return bool(user.is_active and user.is_agent and user.level == Level.l3)
