"""Seed the demo knowledge base (called by `helpdesk demo` through registry.DEMO_SEEDERS)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from helpdesk.clock import utcnow
from helpdesk.config import LANGUAGE_CODES
from helpdesk.extensions import db
from helpdesk.tickets.models import Ticket
from kb import curation
from kb.demo_content import TICKET_LINKS, TOPICS
from kb.demo_curation import seed_curation
from kb.models import (
    Article,
    ArticleFeedback,
    ArticleStatus,
    FeedbackKind,
    TicketArticle,
    Visibility,
)


def seed_articles(*, users: dict, categories: dict) -> list[Article]:
    """Create the demo articles (English and German) and link the tickets they solved.

    Flushes; `helpdesk demo` commits, and the commit feeds the search index.
    """
    created = []
    for number, (key, category, visibility, status, english, german) in enumerate(TOPICS):
        statuses = dict(zip(LANGUAGE_CODES, (status.split(":") * 2)[:2], strict=True)) \
            if ":" in status else dict.fromkeys(LANGUAGE_CODES, status)
        known_error = key.startswith("instagram-prices")
        author = users["l3"] if known_error else users["l2"]
        pairs = zip(LANGUAGE_CODES, (english, german), strict=True)
        for language, (title, summary, tags, body) in pairs:
            article = curation.create_article(
                curation.ArticleInput(
                    title=title, summary=summary, body=body, language=language,
                    category=categories.get(category), tags=tags,
                    visibility=Visibility(visibility), is_known_error=known_error,
                    translation_key=key),
                by=author, status=ArticleStatus(statuses[language]), check=False,
                comment="First version")
            article.created_at = article.updated_at = utcnow() - timedelta(days=40 - number,
                                                                           hours=len(title))
            created.append(article)
    db.session.flush()
    _link_tickets(users)
    _feedback(users)
    seed_curation(users)
    return created


def _feedback(users: dict) -> None:
    """What level 1 told level 2 about published articles (the review list)."""
    by_key = {(a.translation_key, a.language): a for a in db.session.scalars(sa.select(Article))}
    for key, language, kind, text in (
        ("connect-facebook", "en", FeedbackKind.outdated,
         "Meta moved “Business integrations” under Settings › Security in the new Business "
         "Suite; step 1 should say so."),
        ("influencer-attribution", "de", FeedbackKind.change,
         "Bitte ergänzen: Bio-Links aus TikTok öffnen immer im In-App-Browser, das fragen "
         "Händlerinnen ständig."),
    ):
        if (key, language) in by_key:
            db.session.add(ArticleFeedback(article=by_key[(key, language)], kind=kind,
                                           text=text, author=users["l1"]))


def _link_tickets(users: dict) -> None:
    by_key = {(a.translation_key, a.language): a for a in db.session.scalars(sa.select(Article))}
    for subject, key, language in TICKET_LINKS:
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.subject == subject))
        article = by_key.get((key, language))
        if ticket is not None and article is not None:
            db.session.add(TicketArticle(ticket_id=ticket.id, article=article,
                                         used_by_id=users["l1"].id, is_internal=False))
