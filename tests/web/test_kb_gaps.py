"""Knowledge gaps for level 2: searches with no or few hits, grouped by stem, and tickets
resolved at level 2 or 3 without an article; "write an article" from a gap, "dismiss";
a gap leaves the list by itself once the knowledge base answers it."""
from __future__ import annotations

import html
from datetime import timedelta

import sqlalchemy as sa

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.models import Status
from helpdesk.tickets.operations import TicketChanges, add_message, update_ticket
from kb.evidence_models import GapArticle, GapDismissal, GapKind, SearchLog
from kb.models import Article
from tests.factories import text_of
from tests.html_forms import form_fields


def _gap_rows(page: str, table: str) -> list[str]:
    """The rows of one gap table, as text."""
    if f'id="{table}"' not in page:
        return []
    body = page.split(f'id="{table}"')[1].split("</table>")[0]
    return [text_of("<tr" + row) for row in body.split("<tr")[2:]]


def _gaps_page(client, days: int = 30) -> str:
    response = client.get(f"/kb/gaps?days={days}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _search(client, q: str, **params) -> None:
    assert client.get("/kb/search", query_string={"q": q, **params}).status_code == 200


def test_searches_without_answers_are_one_gap_per_stem(app, client, make, login_as,
                                                       make_article):
    make_article("Refunds for cancelled orders", body="Refund the order in Settings.")
    make_article("Refund to a gift card", body="A refund can go to a gift card.")
    anonymous = app.test_client()
    for q in ("Rücksendungen", "rücksendung"):
        login_as(make.user(language="de"))
        _search(client, q, language="de")
    _search(anonymous, "Ruecksendung", language="de")
    _search(anonymous, "rücksendung", language="de")
    _search(anonymous, "Versandetikett drucken")
    for _ in range(3):
        _search(anonymous, "refund")                      # two hits: answered
    login_as(make.agent(2))
    page = _gaps_page(client)
    rows = _gap_rows(page, "search-gaps")
    assert len(rows) == 2
    # The most frequent wording, how many searched, who: one row for all four forms.
    assert rows[0].startswith("rücksendung DE 4 ")
    assert "Customers: 2" in rows[0] and "Visitors: 2" in rows[0]
    assert rows[1].startswith("versandetikett drucken")
    assert not [row for row in rows if "refund" in row]


def test_the_threshold_counts_searches_with_a_few_hits(app, client, make, login_as,
                                                       make_article):
    make_article("Printing a shipping label", body="Labels for DHL.")
    _search(app.test_client(), "dhl label")               # one hit
    login_as(make.agent(2))
    assert len(_gap_rows(_gaps_page(client), "search-gaps")) == 1   # at most 1 hit
    app.config["KB_GAP_MAX_HITS"] = "0"
    assert _gap_rows(_gaps_page(client), "search-gaps") == []


def test_the_period_bounds_the_searches(client, make, login_as):
    db.session.add(SearchLog(source="kb", query="alte frage", key="alt frag", language="de",
                             hits=0, reader="customer", searched_at=utcnow() - timedelta(40)))
    db.session.commit()
    login_as(make.agent(2))
    assert _gap_rows(_gaps_page(client, 30), "search-gaps") == []
    assert len(_gap_rows(_gaps_page(client, 90), "search-gaps")) == 1


def test_a_gap_is_written_up_and_disappears_once_published(app, client, make, login_as):
    for q in ("Retourenlabel verloren", "retourenlabels verloren"):
        _search(app.test_client(), q, language="de")
    editor = make.agent(2)
    login_as(editor)
    page = _gaps_page(client)
    [row] = _gap_rows(page, "search-gaps")
    assert "retourenlabel verloren" in row
    write = html.unescape(page.split('id="search-gaps"')[1].split('class="btn small" href="')[1]
                          .split('"')[0])
    form_page = client.get(write).get_data(as_text=True)
    fields = form_fields(form_page, "article-form")
    assert fields["title"] == "Retourenlabel verloren" and fields["language"] == "de"
    fields.update(body="Du kannst das Label im Kundenkonto neu drucken.", visibility="public")
    saved = client.post(write, data=fields)               # the form posts to its own address
    assert saved.status_code == 302
    article = db.session.scalar(sa.select(Article).order_by(Article.id.desc()))
    assert db.session.scalars(sa.select(GapArticle.article_id).where(
        GapArticle.kind == GapKind.search)).all() == [article.id]
    # A draft answers nobody yet: the gap stays, naming the draft.
    [row] = _gap_rows(_gaps_page(client), "search-gaps")
    assert "Written from this gap: Retourenlabel verloren" in row
    client.post(f"/kb/articles/{article.id}/publish", data={"version": article.version})
    assert _gap_rows(_gaps_page(client), "search-gaps") == []
    # ... and the next customer who asks finds the article.
    answer = app.test_client().get("/kb/search?format=json&q=Retourenlabel+verloren").get_json()
    assert [hit["id"] for hit in answer["results"]] == [article.id]


def test_an_internal_article_does_not_answer_customers_searches(app, client, make, login_as,
                                                                make_article):
    _search(app.test_client(), "sepa mandat")
    login_as(make.agent(2))
    assert len(_gap_rows(_gaps_page(client), "search-gaps")) == 1
    make_article("SEPA-Mandat widerrufen", body="Für Agenten.", language="de",
                 visibility="internal")
    assert len(_gap_rows(_gaps_page(client), "search-gaps")) == 1


def test_dismissing_a_gap_is_kept_with_who_and_when(app, client, make, login_as):
    _search(app.test_client(), "Weihnachtsgrüße")
    editor = make.agent(2, name="Priya Second")
    login_as(editor)
    assert len(_gap_rows(_gaps_page(client), "search-gaps")) == 1
    response = client.post("/kb/gaps/dismiss", data={"kind": "search", "key": "weihnachtsgrüße",
                                                     "days": "30"})
    assert response.status_code == 302 and response.headers["Location"] == "/kb/gaps?days=30"
    dismissal = db.session.scalar(sa.select(GapDismissal))
    assert (dismissal.kind, dismissal.dismissed_by_id) == (GapKind.search, editor.id)
    assert dismissal.dismissed_at is not None and dismissal.label == "weihnachtsgrüße"
    page = _gaps_page(client)
    assert _gap_rows(page, "search-gaps") == []
    assert "dismissed by Priya Second" in text_of(page.split('id="dismissed-gaps"')[1])
    # The same words, searched again later, stay dismissed.
    _search(app.test_client(), "Weihnachtsgruesse")
    assert _gap_rows(_gaps_page(client), "search-gaps") == []


# -- tickets resolved at level 2 or 3 -------------------------------------------------------

def _resolve(ticket, agent, text="Re-sent the payout after fixing the IBAN."):
    add_message(ticket, author=agent, body=text, status_after=Status.resolved)
    db.session.commit()


def test_escalations_resolved_without_an_article_are_gaps(client, make, login_as, make_article):
    l2, l1 = make.agent(2), make.agent(1)
    escalated = make.ticket(level=2, subject="Payout returned twice")
    _resolve(escalated, l2)
    at_level_1 = make.ticket(subject="Where is my invoice?")
    _resolve(at_level_1, l1, "It is under Billing.")
    open_one = make.ticket(level=2, subject="Still open at level 2")
    login_as(l2)
    rows = _gap_rows(_gaps_page(client), "ticket-gaps")
    assert len(rows) == 1 and rows[0].startswith("Payout returned twice")
    assert open_one and at_level_1
    # Linking an article (inserting it into a reply or note) answers the gap.
    article = make_article("Returned payouts", body="Fix the IBAN, we re-send.")
    add_message(escalated, author=l2, body="For the record.", internal=True,
                article_ids=[article.id])
    db.session.commit()
    assert _gap_rows(_gaps_page(client), "ticket-gaps") == []


def test_level_3_tickets_are_listed_only_to_those_who_see_them(client, make, login_as):
    l3 = make.agent(3)
    ticket = make.ticket(level=3, subject="Webhook signature mismatch")
    _resolve(ticket, l3, "Rotated the webhook secret.")
    login_as(make.agent(2))
    assert _gap_rows(_gaps_page(client), "ticket-gaps") == []
    login_as(make.user("admin"))
    assert len(_gap_rows(_gaps_page(client), "ticket-gaps")) == 1


def test_write_an_article_from_a_ticket_prefills_subject_and_resolution(client, make,
                                                                       login_as):
    l2 = make.agent(2)
    category = make.category("payouts")
    customer = make.user(language="de")
    ticket = make.ticket(customer, level=2, subject="Auszahlung zurückgebucht",
                         category=category)
    add_message(ticket, author=l2, body="Internal: bank said IBAN typo.", internal=True)
    _resolve(ticket, l2, "Wir haben die IBAN korrigiert und die Auszahlung neu gesendet.")
    login_as(l2)
    page = _gaps_page(client)
    write = html.unescape(page.split('id="ticket-gaps"')[1].split('class="btn small" href="')[1]
                          .split('"')[0])
    assert write == f"/kb/articles/new?from_ticket={ticket.id}"
    fields = form_fields(client.get(write).get_data(as_text=True), "article-form")
    assert fields["title"] == "Auszahlung zurückgebucht"
    assert fields["body"] == "Wir haben die IBAN korrigiert und die Auszahlung neu gesendet."
    assert fields["category"] == str(category.id) and fields["language"] == "de"
    assert fields["visibility"] == "internal"
    fields["comment"] = "From the ticket"
    client.post(write, data=fields)
    # The draft is named beside the gap until it is published.
    [row] = _gap_rows(_gaps_page(client), "ticket-gaps")
    assert "Written from this gap: Auszahlung zurückgebucht" in row
    article = db.session.scalar(sa.select(Article).order_by(Article.id.desc()))
    client.post(f"/kb/articles/{article.id}/publish", data={"version": article.version})
    assert _gap_rows(_gaps_page(client), "ticket-gaps") == []


def test_prefill_from_a_ticket_the_writer_may_not_see_fills_nothing(client, make, login_as):
    l3 = make.agent(3)
    ticket = make.ticket(level=3, subject="Secret level-3 matter")
    _resolve(ticket, l3, "Patched the database by hand.")
    login_as(make.agent(2))
    page = client.get(f"/kb/articles/new?from_ticket={ticket.id}").get_data(as_text=True)
    assert "Secret level-3 matter" not in page and "Patched the database" not in page
    assert client.post("/kb/gaps/dismiss", data={"kind": "ticket",
                                                 "key": str(ticket.id)}).status_code == 404


def test_dismissing_a_ticket_gap(client, make, login_as):
    l2 = make.agent(2)
    ticket = make.ticket(level=2, subject="Customer wanted a call back")
    update_ticket(ticket, by=l2, changes=TicketChanges(status=Status.resolved))
    db.session.commit()
    login_as(l2)
    assert len(_gap_rows(_gaps_page(client), "ticket-gaps")) == 1
    client.post("/kb/gaps/dismiss", data={"kind": "ticket", "key": str(ticket.id)})
    page = _gaps_page(client)
    assert _gap_rows(page, "ticket-gaps") == []
    assert f"Ticket {ticket.ref}" in text_of(page.split('id="dismissed-gaps"')[1])


def test_a_few_hit_search_whose_result_was_opened_found_its_answer(app, client, make,
                                                                     login_as, make_article):
    make_article("Printing a shipping label", body="Labels for DHL.")
    reader = app.test_client()
    answer = reader.get("/kb/search?format=json&q=dhl+label").get_json()
    reader.get(answer["results"][0]["open_url"])                   # read it: answered
    login_as(make.agent(2))
    assert _gap_rows(_gaps_page(client), "search-gaps") == []
    # Opened on the new-ticket form, and the ticket filed anyway: not answered.
    login_as(make.user())
    typed = client.get("/kb/search?format=json&from=new_ticket&q=dhl+label").get_json()
    client.get(typed["results"][0]["open_url"])
    client.post("/tickets/new", data={"subject": "DHL label", "body": "Still broken",
                                      "priority": "normal", "category": "",
                                      "kb_searches": typed["search_ref"]})
    login_as(make.agent(2))
    [row] = _gap_rows(_gaps_page(client), "search-gaps")
    assert row.startswith("dhl label EN 1 Customers: 1")


def test_the_knowledge_decision_on_resolving_settles_a_ticket_gap(client, make, login_as):
    from helpdesk.tickets.knowledge_decision import Resolution, resolve
    from helpdesk.tickets.models import KnowledgeDecision

    l2 = make.agent(2)
    nothing = make.ticket(level=2, subject="Customer only wanted to say thanks")
    resolve(nothing, by=l2, resolution=Resolution(decision=KnowledgeDecision.nothing))
    needed = make.ticket(level=2, subject="Vacation mode for my shop")
    resolve(needed, by=l2, resolution=Resolution(decision=KnowledgeDecision.new_article,
                                                 note="Settings › Shop › Pause."))
    db.session.commit()
    login_as(l2)
    [row] = _gap_rows(_gaps_page(client), "ticket-gaps")
    assert row.startswith("Vacation mode for my shop")
    assert "Written from this gap: Vacation mode for my shop" in row    # the draft
    draft = db.session.get(Article, needed.knowledge_article_id)
    client.post(f"/kb/articles/{draft.id}/publish", data={"version": draft.version})
    assert _gap_rows(_gaps_page(client), "ticket-gaps") == []
