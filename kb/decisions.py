"""The knowledge base's side of the knowledge decision on resolving a ticket.

The tickets layer stores the choice on the ticket and sends `knowledge_decided`; this
receiver acts on it: an existing article that answers the ticket is linked to it (the
ticket's used articles), a new article becomes a draft from the ticket submitted for
level 2's review, a wrong or outdated article is flagged on level 2's review list. The
resolve form's article picker (`registry.RESOLVE_FORM`) and the review list's summary of
recent decisions are here too.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.knowledge_decision import DecisionRefused
from helpdesk.tickets.models import KnowledgeDecision, Status, Ticket
from kb import curation, feedback, ticket_links
from kb import permissions as perms
from kb.models import Article, ArticleStatus, FeedbackKind, TicketArticle, Visibility

RECENT_DAYS = 30
RECENT_LIMIT = 20


def _readable_article(article_id, by) -> Article:
    article = db.session.get(Article, article_id) if article_id is not None else None
    if article is None or (by is not None and not perms.can_read_article(by, article)):
        raise DecisionRefused(_("There is no article #%(id)s that you can read.",
                                id=article_id))
    return article


def on_knowledge_decided(ticket: Ticket, *, decision: KnowledgeDecision, article_id=None,
                         note: str = "", by=None, **_extra) -> int | None:
    """Receiver of `knowledge_decided`. Returns the article's id (the new draft's)."""
    if decision == KnowledgeDecision.existing_article:
        article = _readable_article(article_id, by)
        if article.status != ArticleStatus.published:
            raise DecisionRefused(_("Article #%(id)d is not published: it cannot answer "
                                    "the ticket yet.", id=article.id))
        _link(ticket, article, by)
        return article.id
    if decision == KnowledgeDecision.article_outdated:
        article = _readable_article(article_id, by)
        text = note or _("Resolving %(ref)s showed that it is wrong or outdated.",
                         ref=ticket.ref)
        feedback.add_feedback(article, kind=FeedbackKind.outdated,
                              text=f"{ticket.ref}: {text}", by=by)
        return article.id
    if decision == KnowledgeDecision.new_article:
        return draft_from_ticket(ticket, note=note, by=by).id
    return None


def _link(ticket: Ticket, article: Article, by) -> None:
    """The article answers the ticket: one of the ticket's articles (once)."""
    exists = db.session.scalar(sa.select(TicketArticle.id).where(
        TicketArticle.ticket_id == ticket.id, TicketArticle.article_id == article.id))
    if exists is None:
        db.session.add(TicketArticle(ticket_id=ticket.id, article=article,
                                     used_by_id=by.id if by is not None else None,
                                     is_internal=article.visibility == Visibility.internal))
        db.session.flush()


def draft_from_ticket(ticket: Ticket, *, note: str, by) -> Article:
    """A draft from the ticket (the question, and what the agent noted as the answer), in
    the customer's language, submitted for level 2's review. Internal until an editor
    makes it public."""
    language = ticket.requester.language if ticket.requester.language in ("de", "en") \
        else "en"
    with force_locale(language):
        # Translated outside the f-string, so that the catalogue extractor sees them.
        question, answer, to_write = _("Question"), _("Answer"), _("To be written.")
        body = (f"## {question}\n\n{ticket.body.strip()}\n\n"
                f"## {answer}\n\n{(note or '').strip() or to_write}")
        comment = _("Written from ticket %(ref)s", ref=ticket.ref)
    article = curation.create_article(curation.ArticleInput(
        title=ticket.subject[:200], body=body, language=language,
        category=ticket.category, visibility=Visibility.internal), by=by, comment=comment,
        check=by is not None)
    if by is not None:
        curation.submit_for_review(article, by=by)
    else:
        curation.set_status_as_system(article, ArticleStatus.in_review, comment=comment)
    return article


def picker(ticket: Ticket) -> dict:
    """The resolve form's article picker: the articles used on the ticket, then the
    suggested ones, each with its number (readable to the agent)."""
    from kb.search import suggest_for_ticket

    seen: dict[int, dict] = {}
    for link in ticket_links.articles_used_on(ticket):
        if perms.can_read_article(current_user, link.article):
            seen.setdefault(link.article.id, {"id": link.article.id,
                                              "title": link.article.title, "used": True})
    for hit in suggest_for_ticket(ticket, current_user):
        seen.setdefault(hit.id, {"id": hit.id, "title": hit.title, "used": False})
    return {"articles": list(seen.values())[:8]}


def recent_decisions(days: int = RECENT_DAYS, limit: int = RECENT_LIMIT) -> dict:
    """For level 2's review list: the knowledge decisions of tickets resolved lately,
    counted by kind, and the latest ones that ask something of level 2."""
    since = utcnow() - timedelta(days=days)
    resolved = (Ticket.knowledge_decision.is_not(None), Ticket.resolved_at >= since,
                Ticket.status.in_((Status.resolved, Status.closed)))
    counts = dict(db.session.execute(sa.select(Ticket.knowledge_decision, sa.func.count())
                                     .where(*resolved).group_by(Ticket.knowledge_decision)).all())
    asks = db.session.scalars(sa.select(Ticket).where(
        *resolved, Ticket.knowledge_decision.in_((KnowledgeDecision.new_article,
                                                  KnowledgeDecision.article_outdated)))
        .order_by(Ticket.resolved_at.desc(), Ticket.id.desc()).limit(limit)).all()
    ids = {t.knowledge_article_id for t in asks if t.knowledge_article_id}
    articles = {a.id: a for a in db.session.scalars(
        sa.select(Article).where(Article.id.in_(ids)))} if ids else {}
    return {"days": days, "counts": [(d, counts.get(d, 0)) for d in KnowledgeDecision],
            "items": [(t, articles.get(t.knowledge_article_id)) for t in asks]}


def connect(app) -> None:
    """Act on knowledge decisions in `app`; the resolve form's picker and the review
    list's summary for templates; the demo's resolved escalations."""
    from helpdesk import registry, signals
    from kb import demo_decisions

    registry.connect(app, signals.knowledge_decided, on_knowledge_decided)
    registry.add(app, registry.RESOLVE_FORM, "kb/_resolve_picker.html")
    registry.add(app, registry.DEMO_SEEDERS, demo_decisions.seed_demo)
    app.jinja_env.globals["kb_decision_picker"] = picker
    app.jinja_env.globals["kb_recent_decisions"] = recent_decisions
