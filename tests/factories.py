"""Factories that build real rows through the domain functions."""
from __future__ import annotations

import io
import itertools
import re
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from helpdesk.accounts.login_sessions import start_login_session
from helpdesk.accounts.models import Role, User
from helpdesk.accounts.operations import create_user
from helpdesk.extensions import db
from helpdesk.tickets.attachments import store_uploads
from helpdesk.tickets.escalation import HandoffInput, escalate
from helpdesk.tickets.models import (
    Attachment,
    Category,
    Channel,
    Handoff,
    Message,
    Priority,
    Ticket,
    TicketEvent,
)
from helpdesk.tickets.operations import NewTicket, add_message, file_ticket

PASSWORD = "correct-horse-1"
_counter = itertools.count(1)
# Hashing a password takes ~0.1 s; tests create hundreds of users with the same few
# passwords, so each is hashed once per run (the hash is a real one: login checks it).
_HASHES: dict[str, str] = {}


def password_hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = generate_password_hash(password)
    return _HASHES[password]


class Factories:
    def user(self, role: str = "customer", level: int | None = None, *,
             email: str | None = None, name: str | None = None, language: str = "en",
             password: str | None = PASSWORD, active: bool = True) -> User:
        n = next(_counter)
        user = create_user(email=email or f"{role}{level or ''}-{n}@example.com",
                           name=name or f"{role.title()} {n}", password=None,
                           role=Role(role), level=level, language=language)
        if password:
            user.password_hash = password_hash(password)
        user.is_active_account = active
        db.session.commit()
        return user

    def agent(self, level: int, **kwargs) -> User:
        return self.user("agent", level, **kwargs)

    def category(self, slug: str = "orders") -> Category:
        category = Category(slug=f"{slug}-{next(_counter)}", name_en=slug.title(),
                            name_de=f"{slug.title()} (de)")
        db.session.add(category)
        db.session.commit()
        return category

    def ticket(self, requester: User | None = None, *, level: int = 1,
               subject: str = "My payout is missing", body: str = "Where is my money?",
               priority: str = "normal", by: User | None = None,
               category: Category | None = None, **refs) -> Ticket:
        """File a ticket and, for level 2 or 3, escalate it there with a hand-off."""
        requester = requester or self.user()
        ticket = file_ticket(NewTicket(subject=subject, body=body, priority=Priority(priority),
                                       category=category,
                                       channel=Channel(refs.pop("channel", "web")), **refs),
                             requester=requester, by=by or requester)
        db.session.commit()
        for from_level in range(1, level):
            escalator = self._escalator(from_level)
            escalate(ticket, by=escalator, handoff=HandoffInput(
                summary=f"Needs level {from_level + 1}", tried="Checked the basics",
                articles_checked="none found"))
            db.session.commit()
        return ticket

    def message(self, ticket: Ticket, author: User, body: str = "A message", *,
                internal: bool = False, files: dict[str, bytes] | None = None,
                status_after=None) -> Message:
        """Add a reply or note (with attachments stored like an upload) and commit."""
        uploads = [FileStorage(io.BytesIO(data), filename=name)
                   for name, data in (files or {}).items()]
        message = add_message(ticket, author=author, body=body, internal=internal,
                              attachments=store_uploads(uploads), status_after=status_after)
        db.session.commit()
        return message

    def _escalator(self, level: int) -> User:
        key = f"_escalator_{level}"
        if not hasattr(self, key):
            setattr(self, key, self.agent(level, name=f"Escalating agent L{level}"))
        return getattr(self, key)


# -- assertions helpers ------------------------------------------------------------------

def ticket_state(ticket_id: int) -> dict:
    """Everything a refused request must leave alone, read fresh from the database."""
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)

    def count(model, column):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                 .where(column == ticket_id))
    return {
        "version": ticket.version, "level": ticket.level, "status": ticket.status,
        "priority": ticket.priority, "assignee": ticket.assignee_id,
        "category": ticket.category_id,
        "messages": count(Message, Message.ticket_id),
        "events": count(TicketEvent, TicketEvent.ticket_id),
        "handoffs": count(Handoff, Handoff.ticket_id),
        "attachments": db.session.scalar(
            sa.select(sa.func.count()).select_from(Attachment).join(Message)
            .where(Message.ticket_id == ticket_id)),
    }


def login_session_id(user: User, *, user_agent: str = "pytest") -> str:
    """Open a real login session for `user` (as logging in does) and return its cookie id."""
    start_login_session(user, user_agent=user_agent, ip="127.0.0.1",
                        lifetime=timedelta(days=30))
    db.session.commit()
    return user.get_id()


def fresh(model, ident):
    """Return the row `ident` of `model` as the database has it now."""
    db.session.expire_all()
    return db.session.get(model, ident)


def flashes(client) -> list[tuple[str, str]]:
    """Return (category, message) of the flashes waiting in the client's session."""
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


_TAGS = re.compile(r"<[^>]+>")


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed (for wording checks)."""
    import html as html_module

    return " ".join(html_module.unescape(_TAGS.sub(" ", html)).split())


def users_named(role: Role) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.role == role)))
