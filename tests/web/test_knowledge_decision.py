"""The knowledge decision: when level 2 or 3 resolves a ticket they record what it means
for the knowledge base, the choice is stored on the ticket, and the knowledge base acts on
it (a link, a draft for review, a flag) and lists it for level 2."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.models import EventKind, KnowledgeDecision, Message, Status, Ticket
from kb.models import Article, ArticleFeedback, ArticleStatus, FeedbackKind, TicketArticle
from tests.factories import flashes, fresh, text_of, ticket_state


def _resolve(client, ticket, **data):
    ticket = fresh(Ticket, ticket.id)
    return client.post(f"/tickets/{ticket.ref}/resolve", data={
        "version": str(ticket.version), **data})


@pytest.fixture
def escalated(make):
    customer = make.user(name="Rosa", language="de")
    return make.ticket(customer, subject="Rechnung ohne USt-ID", level=2,
                       body="Meine Rechnung zeigt keine USt-ID.")


def test_level_2_resolving_through_the_update_form_is_asked_first(app, client, make,
                                                                   login_as, escalated):
    login_as(make.agent(2))
    before = ticket_state(escalated.id)
    response = client.post(f"/tickets/{escalated.ref}/update", data={
        "status": "resolved", "priority": "normal", "category": "",
        "version": str(escalated.version)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{escalated.ref}/resolve"
    assert ticket_state(escalated.id) == before
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "What does this ticket mean for the knowledge base?" in page
    for label in ("An existing article answers it", "A new article is needed",
                  "An article is wrong or outdated", "Nothing to record"):
        assert label in page


def test_a_reply_that_resolves_is_sent_and_the_decision_asked(app, client, make, login_as,
                                                              escalated):
    login_as(make.agent(2))
    response = client.post(f"/tickets/{escalated.ref}/messages", data={
        "kind": "public", "body": "Wir haben die Rechnung korrigiert.",
        "status_after": "resolved", "confirmed_public": "y",
        "version": str(escalated.version)})
    assert response.headers["Location"] == f"/tickets/{escalated.ref}/resolve"
    ticket = fresh(Ticket, escalated.id)
    assert [m.body for m in ticket.messages] == ["Wir haben die Rechnung korrigiert."]
    assert ticket.status == Status.open


def test_level_1_resolves_as_before(app, client, make, login_as):
    ticket = make.ticket()
    login_as(make.agent(1))
    response = client.post(f"/tickets/{ticket.ref}/update", data={
        "status": "resolved", "priority": "normal", "category": "",
        "version": str(ticket.version)})
    assert response.headers["Location"] == f"/tickets/{ticket.ref}"
    assert fresh(Ticket, ticket.id).status == Status.resolved
    assert fresh(Ticket, ticket.id).knowledge_decision is None


def test_the_decision_is_required_of_level_2_and_3(app, client, make, login_as, escalated):
    login_as(make.agent(3))
    before = ticket_state(escalated.id)
    response = _resolve(client, escalated)
    assert response.status_code == 400
    assert "Choose what this ticket means for the knowledge base." in text_of(
        response.get_data(as_text=True))
    assert ticket_state(escalated.id) == before


def test_an_existing_article_answers_it(app, client, make, login_as, make_article,
                                        escalated):
    article = make_article("VAT ID on invoices", status="published")
    agent = make.agent(2)
    login_as(agent)
    response = _resolve(client, escalated, decision="existing_article",
                        article=f"https://help.example.com/kb/articles/{article.id}-vat",
                        reply="Hier steht, wie es geht.")
    assert response.status_code == 302
    ticket = fresh(Ticket, escalated.id)
    assert ticket.status == Status.resolved
    assert (ticket.knowledge_decision, ticket.knowledge_article_id) == (
        KnowledgeDecision.existing_article, article.id)
    assert [m.body for m in ticket.messages] == ["Hier steht, wie es geht."]
    link = db.session.scalar(sa.select(TicketArticle).where(
        TicketArticle.ticket_id == ticket.id))
    assert link.article_id == article.id and link.used_by_id == agent.id
    event = [e for e in ticket.events if e.kind == EventKind.knowledge][-1]
    assert (event.new_value, event.old_value, event.actor_id) == (
        "existing_article", str(article.id), agent.id)
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "Knowledge decision: An existing article answers it" in page


def test_an_article_that_cannot_answer_is_refused(app, client, make, login_as, make_article,
                                                  escalated):
    draft = make_article("Not yet", status="draft", visibility="internal")
    login_as(make.agent(2))
    before = ticket_state(escalated.id)
    for article, says in ((str(draft.id), f"Article #{draft.id} is not published"),
                          ("999999", "There is no article #999999 that you can read."),
                          ("", "Give the number of the article.")):
        response = _resolve(client, escalated, decision="existing_article", article=article,
                            reply="Gelöst.")
        assert response.status_code == 400
        assert says in text_of(response.get_data(as_text=True))
        assert ticket_state(escalated.id) == before


def test_a_new_article_is_needed_a_draft_from_the_ticket(app, client, make, login_as,
                                                         escalated):
    agent = make.agent(3)
    login_as(agent)
    response = _resolve(client, escalated, decision="new_article",
                        note="Invoices cache the VAT ID: regenerate them after a change.")
    assert response.status_code == 302
    ticket = fresh(Ticket, escalated.id)
    article = db.session.get(Article, ticket.knowledge_article_id)
    assert article.title == "Rechnung ohne USt-ID" and article.language == "de"
    assert article.status == ArticleStatus.in_review and article.author_id == agent.id
    assert "Meine Rechnung zeigt keine USt-ID." in article.body
    assert "Invoices cache the VAT ID" in article.body
    # It feeds level 2's review list.
    login_as(make.agent(2))
    page = text_of(client.get("/kb/review").get_data(as_text=True))
    assert "Rechnung ohne USt-ID" in page.split("Waiting for review")[1]
    decisions = page.split("Knowledge decisions on resolved tickets")[1]
    assert f"{ticket.ref} Rechnung ohne USt-ID A new article is needed" in decisions
    assert "A new article is needed: 1" in decisions


def test_an_outdated_article_is_flagged_for_level_2(app, client, make, login_as, make_article,
                                                    escalated):
    article = make_article("Shipping zones", status="published")
    login_as(make.agent(2))
    response = _resolve(client, escalated, decision="article_outdated", article=f"#{article.id}",
                        note="The menu moved to Settings > Delivery.")
    assert response.status_code == 302
    [flag] = db.session.scalars(sa.select(ArticleFeedback)).all()
    assert (flag.article_id, flag.kind) == (article.id, FeedbackKind.outdated)
    assert flag.text == f"{escalated.ref}: The menu moved to Settings > Delivery."
    page = text_of(client.get("/kb/review").get_data(as_text=True))
    assert "The menu moved to Settings > Delivery." in page


def test_nothing_to_record_is_recorded_too(app, client, make, login_as, escalated):
    login_as(make.agent(2))
    assert _resolve(client, escalated, decision="nothing").status_code == 302
    ticket = fresh(Ticket, escalated.id)
    assert (ticket.status, ticket.knowledge_decision) == (Status.resolved,
                                                          KnowledgeDecision.nothing)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_customers_and_other_levels_cannot_resolve_here(app, client, make, login_as,
                                                        escalated):
    login_as(escalated.requester)
    assert client.get(f"/tickets/{escalated.ref}/resolve").status_code == 403
    login_as(make.user())
    assert client.get(f"/tickets/{escalated.ref}/resolve").status_code == 404
    login_as(make.agent(1))
    assert client.get(f"/tickets/{escalated.ref}/resolve").status_code == 404
    assert fresh(Ticket, escalated.id).status == Status.open


class TestWithoutTheKnowledgeBase:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "FEATURES": "notifications"}

    def test_the_choice_is_stored_on_the_ticket(self, app, client, make, login_as, escalated):
        login_as(make.agent(2))
        page = client.get(f"/tickets/{escalated.ref}/resolve").get_data(as_text=True)
        assert 'id="kb-decision-picker"' not in page
        response = _resolve(client, escalated, decision="existing_article", article="12")
        assert response.status_code == 302
        ticket = fresh(Ticket, escalated.id)
        assert (ticket.knowledge_decision, ticket.knowledge_article_id) == (
            KnowledgeDecision.existing_article, 12)
        assert ("success", "The ticket is resolved.") in flashes(client)
