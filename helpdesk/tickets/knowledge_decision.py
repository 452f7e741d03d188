"""The knowledge decision: what resolving a ticket means for the knowledge base.

When a level-2 or level-3 agent resolves a ticket they say whether an existing article
answers it (linked), a new article is needed (a draft from the ticket, for level 2's
review), an article is wrong or outdated (flagged for level 2), or there is nothing to
record. The choice is stored on the ticket (`Ticket.knowledge_decision`) and recorded as
an event. The knowledge base is a feature the tickets layer does not know: it hears
`helpdesk.signals.knowledge_decided`, acts (link, draft, flag) and returns the article's
id; its part of the form comes in through `registry.RESOLVE_FORM`.

None of these functions commits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from helpdesk.accounts.models import Level, User
from helpdesk.errors import NotAllowed
from helpdesk.signals import knowledge_decided
from helpdesk.tickets.models import EventKind, KnowledgeDecision, Status, Ticket
from helpdesk.tickets.operations import TicketChanges, add_message, update_ticket
from helpdesk.tickets.permissions import can_update_ticket

# The decisions that name an article.
NEEDS_ARTICLE = (KnowledgeDecision.existing_article, KnowledgeDecision.article_outdated)

_ARTICLE_LINK = re.compile(r"/kb/articles/(\d{1,9})(?!\d)")
_NUMBER = re.compile(r"#?\s*(\d{1,9})")


class DecisionRefused(Exception):
    """The decision cannot be recorded as given (no such article, ...): `reason` says why,
    as a sentence for the agent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Resolution:
    """What the agent fills in when resolving."""

    decision: KnowledgeDecision | None = None
    article_id: int | None = None
    note: str = ""
    reply: str = ""          # an optional public reply sent with the resolution


def is_asked(user: User) -> bool:
    """Whether resolving asks `user` for a knowledge decision: agents of levels 2 and 3."""
    return bool(user.is_agent and (user.level or 0) >= Level.l2)


def needs_decision(user: User, ticket: Ticket, status: Status | None) -> bool:
    """Whether setting `status` on `ticket` must go through the resolve form (with its
    knowledge decision) instead: a level-2 or level-3 agent resolving."""
    return (status == Status.resolved and ticket.status != Status.resolved
            and is_asked(user))


def can_resolve(user: User, ticket: Ticket) -> bool:
    """Resolve from the resolve form: who may change the ticket, while it is active."""
    return ticket.status.is_active and ticket.merged_into_id is None \
        and can_update_ticket(user, ticket)


def article_id_from(text: str | None) -> int | None:
    """Read an article number from what an agent typed: "12", "#12" or a link to it."""
    text = (text or "").strip()
    if not text:
        return None
    link = _ARTICLE_LINK.search(text)
    if link:
        return int(link.group(1))
    number = _NUMBER.fullmatch(text)
    return int(number.group(1)) if number else None


def resolve(ticket: Ticket, *, by: User, resolution: Resolution) -> None:
    """Resolve `ticket` with a knowledge decision (required of levels 2 and 3).

    An optional public reply goes out first (the customer's normal reply mail), then the
    decision is recorded, then the status becomes resolved. Raises NotAllowed,
    DecisionRefused (the decision is missing or its article is wrong), or MessageRefused
    from the reply; the caller commits (and rolls back on any of them).
    """
    if not can_resolve(by, ticket):
        raise NotAllowed(_("You cannot resolve this ticket."))
    decision = resolution.decision
    if decision is None and is_asked(by):
        raise DecisionRefused(_("Choose what this ticket means for the knowledge base."))
    if resolution.reply.strip():
        add_message(ticket, author=by, body=resolution.reply)
    if decision is not None:
        record(ticket, by=by, decision=decision, article_id=resolution.article_id,
               note=resolution.note)
    update_ticket(ticket, by=by, changes=TicketChanges(status=Status.resolved))


def record(ticket: Ticket, *, by: User | None, decision: KnowledgeDecision,
           article_id: int | None = None, note: str = "") -> int | None:
    """Store the knowledge decision on `ticket`, record it in the history and let the
    knowledge base act on it (`knowledge_decided`). Returns the article's id: the one
    given, or the draft the knowledge base created.

    Raises DecisionRefused when the decision needs an article and none is given, or when
    a receiver refuses it (an article that does not exist or `by` may not read).
    """
    decision = KnowledgeDecision(decision)
    if decision in NEEDS_ARTICLE and article_id is None:
        raise DecisionRefused(_("Give the number of the article."))
    if decision not in NEEDS_ARTICLE:
        article_id = None
    note = (note or "").strip()[:5000]
    for _receiver, result in knowledge_decided.send(ticket, decision=decision,
                                                    article_id=article_id, note=note, by=by):
        if article_id is None and isinstance(result, int):
            article_id = result
    ticket.knowledge_decision = decision
    ticket.knowledge_article_id = article_id
    ticket.record(EventKind.knowledge, actor=by, new=decision.value,
                  old=None if article_id is None else str(article_id), note=note or None)
    return article_id
