"""Demo: escalated tickets that level 2 and level 3 resolved, one for each knowledge
decision (an article answers it, a new article is needed, an article is outdated,
nothing to record), played through the same functions the pages use."""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, escalate
from helpdesk.tickets.knowledge_decision import Resolution, resolve
from helpdesk.tickets.models import Channel, KnowledgeDecision, Priority
from helpdesk.tickets.operations import NewTicket, file_ticket
from kb.models import Article, ArticleStatus, Visibility

# (customer, category, level, subject, body, reply, decision, which article, note)
TICKETS = [
    ("customer2", "payouts", 2, "Payout stuck on “processing” for six days",
     "My payout from last Monday still says *processing*. Is something wrong with my "
     "bank details?",
     "Payouts wait for the 14-day return window of the orders in them; yours goes out "
     "on Thursday. The article linked in the first reply explains the timeline.",
     KnowledgeDecision.existing_article, "first", ""),
    ("customer", "billing", 3, "Rechnung zeigt die falsche USt-ID",
     "Auf meinen Rechnungen seit dem 1. steht noch meine alte USt-ID, obwohl ich sie im "
     "Profil geändert habe.",
     "Wir haben die Rechnungen neu erstellt; neue Rechnungen nehmen die USt-ID jetzt "
     "sofort aus deinem Profil.",
     KnowledgeDecision.new_article, None,
     "Invoices cache the VAT ID for a month: after a change, agents regenerate the "
     "invoices under Billing > Invoices > Regenerate. Explain when a new VAT ID applies."),
    ("customer2", "shop-setup", 2, "Menu for shipping zones is not where the article says",
     "The article says Settings > Shipping > Zones, but I can't find Zones there.",
     "Zones moved to Settings > Delivery. I've set up the EU zone for you.",
     KnowledgeDecision.article_outdated, "second",
     "The menu moved: Settings > Delivery > Zones since the November release."),
    ("customer", "account", 3, "Zwei-Faktor-Code kommt nicht an",
     "Seit gestern bekomme ich keine SMS mit dem Anmeldecode mehr.",
     "Dein Mobilfunkanbieter hatte eine Störung; die Codes kommen wieder an. Danke für "
     "deine Geduld!",
     KnowledgeDecision.nothing, None, ""),
]


def seed_demo(*, users: dict, categories: dict) -> None:
    articles = list(db.session.scalars(sa.select(Article.id).where(
        Article.status == ArticleStatus.published, Article.visibility == Visibility.public)
        .order_by(Article.id).limit(2)))
    which = {"first": articles[0] if articles else None,
             "second": articles[1] if len(articles) > 1 else None}
    for (customer, category, level, subject, body, reply, decision, article,
         note) in TICKETS:
        article_id = which.get(article) if article else None
        if decision in (KnowledgeDecision.existing_article,
                        KnowledgeDecision.article_outdated) and article_id is None:
            continue
        ticket = file_ticket(NewTicket(subject=subject, body=body,
                                       category=categories.get(category),
                                       priority=Priority.normal, channel=Channel.web),
                             requester=users[customer], by=users[customer])
        for from_level in range(1, level):
            escalate(ticket, by=users[f"l{from_level}"], handoff=HandoffInput(
                summary=subject, tried="Checked the account and the order history.",
                articles_checked="searched the knowledge base"))
        resolve(ticket, by=users[f"l{level}"], resolution=Resolution(
            decision=decision, article_id=article_id, note=note, reply=reply))
        db.session.flush()
