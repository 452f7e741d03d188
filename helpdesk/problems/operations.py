"""Problem use cases: create or propose, edit, own, move through the statuses, link
tickets, and send the known error to the knowledge base. None of them commits.

Every change is recorded in the problem's own history (`ProblemEvent`); linking a ticket
is also recorded in the ticket's history. The knowledge base is another feature: a known
error reaches it through `signals.known_error_documented` (a receiver creates the draft
and returns its id), a fix through `signals.problem_fixed`.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from helpdesk.accounts.models import User
from helpdesk.actions import check_version
from helpdesk.config import LANGUAGE_CODES
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.problems import permissions as perms
from helpdesk.problems.models import (
    TRANSITIONS,
    Problem,
    ProblemEventKind,
    ProblemStatus,
    ProblemTicket,
)
from helpdesk.signals import known_error_documented, problem_fixed
from helpdesk.tickets.models import EventKind, Ticket


class ProblemRefused(Exception):
    """The change cannot be made as asked: `reason` says why (and `field` where)."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class ProblemInput:
    title: str
    description: str = ""
    component: str = ""
    cause: str = ""


def _label(problem: Problem) -> str:
    """How a ticket's history names the problem: "#12 Checkout fails"."""
    return f"{problem.ref} {problem.title}"[:200]


def create_problem(data: ProblemInput, *, by: User, ticket: Ticket | None = None) -> Problem:
    """Create a problem. Level 3 (and admins) create it as its owner (an admin: without
    one); levels 1 and 2 propose it for level 3 to take. `ticket` is linked to it."""
    if not perms.can_see_problems(by):
        raise NotAllowed(_("You cannot create problems."))
    if not data.title.strip():
        raise ProblemRefused(_("A problem needs a title."), "title")
    specialist = perms.is_specialist(by)
    problem = Problem(title=data.title.strip()[:200], description=data.description.strip(),
                      component=data.component.strip()[:80], proposed_by=by,
                      owner=by if perms.may_be_owner(by) else None)
    db.session.add(problem)
    problem.record(ProblemEventKind.created if specialist else ProblemEventKind.proposed,
                   actor=by, new=problem.title)
    db.session.flush()
    if ticket is not None:
        link_ticket(problem, ticket, by=by)
    return problem


def edit_problem(problem: Problem, data: ProblemInput, *, by: User, workaround: str,
                 fix_note: str, seen_version: int | None = None) -> list[str]:
    """Change the text of a problem (title, description, component, cause, workaround,
    fix note); return the names of what changed. Each change is an event (a new
    workaround or fix note with its text)."""
    if not perms.can_edit(by, problem):
        raise NotAllowed(_("Only level 3 and admins change problems."))
    check_version(problem, seen_version)
    if not data.title.strip():
        raise ProblemRefused(_("A problem needs a title."), "title")
    values = {"title": data.title.strip()[:200], "description": data.description.strip(),
              "component": data.component.strip()[:80], "cause": data.cause.strip()}
    changed = [name for name, value in values.items() if getattr(problem, name) != value]
    for name in changed:
        setattr(problem, name, values[name])
    if changed:
        problem.record(ProblemEventKind.edited, actor=by, new=", ".join(changed))
    for name, kind, value in (("workaround", ProblemEventKind.workaround, workaround),
                              ("fix_note", ProblemEventKind.fix_note, fix_note)):
        value = (value or "").replace("\r\n", "\n").strip()
        if value != getattr(problem, name):
            setattr(problem, name, value)
            problem.record(kind, actor=by, note=value or None)
            changed.append(name)
    db.session.flush()
    return changed


def set_owner(problem: Problem, owner: User | None, *, by: User,
              seen_version: int | None = None) -> None:
    """Give the problem to `owner` (a level-3 agent; None: nobody)."""
    taking = owner is not None and owner.id == by.id
    if not (perms.can_take(by, problem) if taking else perms.can_edit(by, problem)):
        raise NotAllowed(_("You cannot change who owns this problem."))
    if owner is not None and not perms.may_be_owner(owner):
        raise ProblemRefused(_("The owner of a problem is a level-3 agent."), "owner")
    check_version(problem, seen_version)
    if problem.owner_id == (owner.id if owner else None):
        return
    problem.record(ProblemEventKind.owner, actor=by,
                   old=problem.owner.name if problem.owner else None,
                   new=owner.name if owner else None)
    problem.owner = owner
    db.session.flush()


def change_status(problem: Problem, status: ProblemStatus, *, by: User,
                  seen_version: int | None = None) -> None:
    """Move the problem to `status`. A known error needs its workaround, a fixed problem
    its fix note. Fixing tells the knowledge base (its article needs a look)."""
    if not perms.can_edit(by, problem):
        raise NotAllowed(_("Only level 3 and admins change the status of problems."))
    check_version(problem, seen_version)
    status = ProblemStatus(status)
    if status == problem.status:
        return
    if status not in TRANSITIONS[problem.status]:
        raise ProblemRefused(_("A problem that is “%(old)s” cannot become “%(new)s”.",
                               old=problem.status.label, new=status.label), "status")
    if status == ProblemStatus.known_error and not problem.workaround.strip():
        raise ProblemRefused(_("Write down the workaround first: a known error has one."),
                             "status")
    if status == ProblemStatus.fixed and not problem.fix_note.strip():
        raise ProblemRefused(_("Write down the fix first: what was changed, and when."),
                             "status")
    problem.record(ProblemEventKind.status, actor=by, old=problem.status.value,
                   new=status.value)
    problem.status = status
    db.session.flush()
    if status == ProblemStatus.fixed:
        problem_fixed.send(problem, article_id=problem.article_id, by=by)


def problem_of(ticket: Ticket) -> Problem | None:
    """The problem `ticket` is linked to, if any."""
    return db.session.scalar(sa.select(Problem).join(
        ProblemTicket, ProblemTicket.problem_id == Problem.id).where(
        ProblemTicket.ticket_id == ticket.id))


def link_ticket(problem: Problem, ticket: Ticket, *, by: User) -> bool:
    """Link `ticket` to `problem` (moving it from another problem). Returns False when
    it already was."""
    if not perms.can_link_ticket(by, ticket):
        raise NotAllowed(_("You cannot link this ticket to a problem."))
    if problem.status == ProblemStatus.closed:
        raise ProblemRefused(_("This problem is closed; link the ticket to an open one."))
    current = ProblemTicket.of(ticket.id)
    if current is not None:
        if current.problem_id == problem.id:
            return False
        _unlink(current, by=by)
    db.session.add(ProblemTicket(ticket_id=ticket.id, problem_id=problem.id,
                                 linked_by_id=by.id))
    problem.record(ProblemEventKind.ticket_linked, actor=by, new=ticket.ref)
    ticket.record(EventKind.problem, actor=by, new=_label(problem))
    db.session.flush()
    return True


def unlink_ticket(ticket: Ticket, *, by: User) -> bool:
    """Take `ticket` off its problem. Returns False when it had none."""
    if not perms.can_link_ticket(by, ticket):
        raise NotAllowed(_("You cannot unlink this ticket."))
    current = ProblemTicket.of(ticket.id)
    if current is None:
        return False
    _unlink(current, by=by)
    db.session.flush()
    return True


def _unlink(link: ProblemTicket, *, by: User | None) -> None:
    problem, ticket = link.problem, link.ticket
    db.session.delete(link)
    problem.record(ProblemEventKind.ticket_unlinked, actor=by, old=ticket.ref)
    ticket.record(EventKind.problem, actor=by, old=_label(problem))
    db.session.flush()


def document_known_error(problem: Problem, *, by: User, language: str) -> int:
    """Send the known error to the knowledge base: a draft article (symptoms, cause,
    workaround, in `language`) submitted for level 2's review. Returns its id.

    Raises NotAllowed, or ProblemRefused when no knowledge base took it.
    """
    if not perms.can_document(by, problem):
        raise NotAllowed(_("You cannot send this problem to the knowledge base."))
    if not problem.workaround.strip():
        raise ProblemRefused(_("Write down the workaround first: the article describes it."))
    language = language if language in LANGUAGE_CODES else LANGUAGE_CODES[0]
    results = known_error_documented.send(problem, language=language, by=by)
    article_id = next((value for _receiver, value in results if isinstance(value, int)),
                      None)
    if article_id is None:
        raise ProblemRefused(_("There is no knowledge base to send it to."))
    problem.article_id = article_id
    problem.record(ProblemEventKind.article, actor=by, new=str(article_id))
    db.session.flush()
    return article_id


def on_ticket_merged(duplicate: Ticket, *, into: Ticket, by: User | None = None,
                     **_extra) -> None:
    """Receiver of `ticket_merged`: the surviving ticket keeps the duplicate's problem
    (unless it has one of its own)."""
    link = ProblemTicket.of(duplicate.id)
    if link is None:
        return
    problem = link.problem
    _unlink(link, by=by)
    if ProblemTicket.of(into.id) is None:
        db.session.add(ProblemTicket(ticket_id=into.id, problem_id=problem.id,
                                     linked_by_id=by.id if by else None))
        problem.record(ProblemEventKind.ticket_linked, actor=by, new=into.ref,
                       note=duplicate.ref)
        into.record(EventKind.problem, actor=by, new=_label(problem))
    db.session.flush()
