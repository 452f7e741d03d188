"""Queries for problem lists, the link search, and a problem's tickets."""
from __future__ import annotations

import enum

import sqlalchemy as sa

from helpdesk.accounts.models import Level, Role, User
from helpdesk.extensions import db
from helpdesk.problems.models import OPEN_STATUSES, Problem, ProblemStatus, ProblemTicket
from helpdesk.tickets.models import ACTIVE_STATUSES, Ticket
from helpdesk.tickets.permissions import visible_tickets

LIST_LIMIT = 200


class ProblemView(enum.StrEnum):
    open = "open"
    mine = "mine"
    proposed = "proposed"
    closed = "closed"


def _ticket_counts():
    """(problem id, open tickets, all tickets) per problem, as a subquery."""
    return (sa.select(ProblemTicket.problem_id.label("problem_id"),
                      sa.func.count().label("tickets"),
                      sa.func.count().filter(Ticket.status.in_(ACTIVE_STATUSES))
                      .label("open_tickets"))
            .join(Ticket, Ticket.id == ProblemTicket.ticket_id)
            .group_by(ProblemTicket.problem_id).subquery())


def problem_list(user: User, view: ProblemView, *, component: str | None = None,
                 text: str = "") -> list[tuple[Problem, int, int]]:
    """Problems for the list page with (open tickets, all tickets), most tickets first."""
    counts = _ticket_counts()
    query = (sa.select(Problem, sa.func.coalesce(counts.c.open_tickets, 0),
                       sa.func.coalesce(counts.c.tickets, 0))
             .outerjoin(counts, counts.c.problem_id == Problem.id))
    if view == ProblemView.mine:
        query = query.where(Problem.owner_id == user.id, Problem.status != ProblemStatus.closed)
    elif view == ProblemView.proposed:
        query = query.where(Problem.owner_id.is_(None), Problem.status.in_(OPEN_STATUSES))
    elif view == ProblemView.closed:
        query = query.where(Problem.status.in_((ProblemStatus.fixed, ProblemStatus.closed)))
    else:
        query = query.where(Problem.status.in_(OPEN_STATUSES))
    if component:
        query = query.where(Problem.component == component)
    query = _matching(query, text)
    return [tuple(row) for row in db.session.execute(query.order_by(
        sa.func.coalesce(counts.c.open_tickets, 0).desc(), Problem.id.desc())
        .limit(LIST_LIMIT))]


def _matching(query, text: str):
    words = [w for w in (text or "").split() if w][:6]
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(Problem.title.ilike(pattern, escape="\\"),
                                   Problem.component.ilike(pattern, escape="\\"),
                                   sa.cast(Problem.id, sa.String) == word.lstrip("#")))
    return query


def components() -> list[tuple[str, int]]:
    """The components of open problems, with how many open problems each has."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Problem.component, sa.func.count())
        .where(Problem.status.in_(OPEN_STATUSES), Problem.component != "")
        .group_by(Problem.component).order_by(sa.func.count().desc(), Problem.component))]


def search_open(text: str, limit: int = 20) -> list[Problem]:
    """Open problems whose title (or component, or number) matches `text`: the search
    when linking a ticket. Without text, the most recently changed."""
    query = _matching(sa.select(Problem).where(Problem.status.in_(OPEN_STATUSES)), text)
    return list(db.session.scalars(query.order_by(Problem.updated_at.desc(),
                                                   Problem.id.desc()).limit(limit)))


def tickets_of(problem: Problem, user: User) -> list[Ticket]:
    """The problem's tickets `user` may see: open ones first, then by number."""
    return list(db.session.scalars(
        visible_tickets(user).join(ProblemTicket, ProblemTicket.ticket_id == Ticket.id)
        .where(ProblemTicket.problem_id == problem.id)
        .order_by(Ticket.status.in_(ACTIVE_STATUSES).desc(), Ticket.id)))


def hidden_ticket_count(problem: Problem, user: User, shown: int) -> int:
    """How many of the problem's tickets `user` may not open (listed only as a count)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ProblemTicket).where(
        ProblemTicket.problem_id == problem.id)) or 0
    return max(total - shown, 0)


def possible_owners() -> list[User]:
    """The active level-3 agents, by name: who may own a problem."""
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.agent, User.level == Level.l3,
        User.is_active_account.is_(True)).order_by(User.name)))
