"""Which articles went into which tickets' replies: recorded from the reply's signal, and
kept out of public replies when they are internal."""
from __future__ import annotations

import re
from urllib.parse import unquote

import sqlalchemy as sa

from helpdesk.accounts.models import User
from helpdesk.extensions import db
from helpdesk.text_input import whole_number
from helpdesk.tickets.models import Ticket
from kb import permissions as perms
from kb.models import Article, TicketArticle, Visibility

# A link to an article, on any host and under any prefix: /kb/articles/<id>[/<slug>].
_ARTICLE_LINK = re.compile(r"/kb/articles/(\d{1,9})(?!\d)")


def record_articles_used(ticket: Ticket, *, article_ids, by: User,
                         internal: bool = False) -> list[TicketArticle]:
    """Link the articles `by` put into a reply to `ticket` (once per article).

    Ids of articles that do not exist or that `by` may not use are ignored.
    Adds to the current transaction; the caller (the reply view) commits.
    """
    ids = {whole_number(i) for i in article_ids} - {None}
    if not ids:
        return []
    articles = db.session.scalars(sa.select(Article).where(Article.id.in_(ids))).all()
    known = set(db.session.scalars(sa.select(TicketArticle.article_id).where(
        TicketArticle.ticket_id == ticket.id, TicketArticle.article_id.in_(ids))))
    links = []
    for article in articles:
        if article.id in known or not perms.can_use_in_reply(by, article, internal=internal):
            continue
        link = TicketArticle(ticket_id=ticket.id, article=article, used_by_id=by.id,
                             is_internal=internal)
        db.session.add(link)
        links.append(link)
    return links


def linked_article_ids(body: str | None) -> list[int]:
    """Return the ids of the articles `body` links to (percent-escapes undone), each once."""
    ids = (int(i) for i in _ARTICLE_LINK.findall(unquote(body or "")))
    return list(dict.fromkeys(ids))


def internal_articles_in(body: str | None, article_ids=()) -> list[Article]:
    """Return the internal articles a message carries: inserted (`article_ids`) or linked.

    These must not reach a customer. Ids of articles that do not exist are ignored.
    """
    ids = ({whole_number(i) for i in article_ids} - {None}) | set(linked_article_ids(body))
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Article).where(
        Article.id.in_(ids), Article.visibility == Visibility.internal).order_by(Article.id)))


def articles_used_on(ticket: Ticket) -> list[TicketArticle]:
    return list(db.session.scalars(sa.select(TicketArticle).where(
        TicketArticle.ticket_id == ticket.id).order_by(TicketArticle.id)))


def tickets_using(article: Article, limit: int = 20) -> list[TicketArticle]:
    return list(db.session.scalars(sa.select(TicketArticle).where(
        TicketArticle.article_id == article.id).order_by(TicketArticle.id.desc()).limit(limit)))


def on_articles_used(ticket, *, article_ids=(), by=None, internal=False, **_extra) -> None:
    """Receiver of `helpdesk.signals.articles_used`."""
    if by is not None:
        record_articles_used(ticket, article_ids=article_ids, by=by, internal=internal)
