"""Factories that build real rows through the domain functions."""
from __future__ import annotations

import itertools

from helpdesk.accounts.models import Role, User
from helpdesk.accounts.operations import create_user
from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, escalate
from helpdesk.tickets.models import Category, Channel, Priority, Ticket
from helpdesk.tickets.operations import NewTicket, file_ticket

PASSWORD = "correct-horse-1"
_counter = itertools.count(1)


class Factories:
    def user(self, role: str = "customer", level: int | None = None, *,
             email: str | None = None, name: str | None = None, language: str = "en",
             password: str = PASSWORD) -> User:
        n = next(_counter)
        user = create_user(email=email or f"{role}{level or ''}-{n}@example.com",
                           name=name or f"{role.title()} {n}", password=password,
                           role=Role(role), level=level, language=language)
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
               priority: str = "normal", by: User | None = None, **refs) -> Ticket:
        """File a ticket and, for level 2 or 3, escalate it there with a hand-off."""
        requester = requester or self.user()
        ticket = file_ticket(NewTicket(subject=subject, body=body, priority=Priority(priority),
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

    def _escalator(self, level: int) -> User:
        key = f"_escalator_{level}"
        if not hasattr(self, key):
            setattr(self, key, self.agent(level, name=f"Escalating agent L{level}"))
        return getattr(self, key)
