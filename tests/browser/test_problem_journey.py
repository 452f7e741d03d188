"""Level 3 works on the cause, through the real UI in Chromium.

Three customers report the same fault; level 1 escalates one of them; level 3 links the
three tickets to one problem, records the workaround, answers all three at once (each in
their language) and sends the known error to the knowledge base; level 2 publishes the
article; the next customer who types the fault on the new-ticket form is offered it.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.models import Message, Ticket
from tests.browser.conftest import PLAYWRIGHT_MISSING, login, screenshot
from tests.browser.test_accessibility import axe_source  # noqa: F401 (a fixture)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

TITLE = "TikTok orders stuck in sync pending"
WORKAROUND = "Import the waiting orders by hand under Orders > Import from TikTok."
REPLY_EN = "We found the cause. Until it is fixed: import the orders by hand."
REPLY_DE = "Wir haben die Ursache gefunden. Bis dahin: Importiere die Bestellungen von Hand."


def test_three_reports_one_problem_one_answer_and_a_known_error_for_the_next(live_server,
                                                                            new_page):
    reporters = [live_server.create_user("customer", name="Greta Grün", language="de"),
                 live_server.create_user("customer", name="Ed Evans"),
                 live_server.create_user("customer", name="Flo Field")]
    l1 = live_server.create_user("agent", level=1, name="Lena First")
    l2 = live_server.create_user("agent", level=2, name="Max Second")
    l3 = live_server.create_user("agent", level=3, name="Sam Specialist")
    refs = [live_server.file_ticket(customer, subject=subject,
                                    body="Orders from TikTok do not reach my shop.")
            for customer, subject in zip(reporters, (
                "TikTok-Bestellungen kommen nicht an", "TikTok orders stuck",
                "Orders from TikTok missing"), strict=True)]
    live_server.mailbox.wait_for(3)
    live_server.mailbox.clear()

    # Level 1 escalates the first report with a hand-off.
    first = new_page()
    login(first, l1.email, l1.password)
    first.goto(f"/tickets/{refs[0]}")
    first.get_by_role("link", name="Escalate to level 2").click()
    first.get_by_label("Summary for the next level").fill("TikTok orders hang in sync.")
    first.get_by_label("What was tried").fill("Reconnected the TikTok account.")
    first.get_by_label("Knowledge-base articles checked").fill("none found")
    first.get_by_role("button", name="Escalate with this hand-off").click()
    expect(first.locator(".flash.success")).to_contain_text("Escalated to level 2")

    # Level 3 creates the problem from the first ticket and links the other two.
    specialist = new_page()
    login(specialist, l3.email, l3.password)
    specialist.goto(f"/tickets/{refs[0]}")
    specialist.locator("#problem-panel").get_by_role("link", name="Link to a problem").click()
    specialist.get_by_label("Title").fill(TITLE)
    specialist.get_by_label("Affected component").fill("TikTok sync")
    specialist.get_by_role("button", name="Create and link").click()
    expect(specialist.locator("#problem-panel")).to_contain_text(TITLE)
    for ref in refs[1:]:
        specialist.goto(f"/problems/link/{ref}")
        specialist.get_by_label("Search open problems").fill("tiktok stuck")
        specialist.get_by_role("button", name="Search").click()
        specialist.get_by_role("button", name="Link to this problem").click()
        expect(specialist.locator("#problem-panel")).to_contain_text("Investigating")
    specialist.locator("#problem-panel").get_by_role("link", name=re.compile(TITLE)).click()
    tickets = specialist.locator("#problem-tickets")
    for ref in refs:
        expect(tickets).to_contain_text(ref)

    # The workaround, the status, one answer for all.
    specialist.get_by_role("link", name="Edit").click()
    specialist.get_by_label("Cause").fill("TikTok changed the signature of its webhooks.")
    specialist.get_by_label("Workaround").fill(WORKAROUND)
    specialist.get_by_role("button", name="Save").click()
    specialist.get_by_label("Status").select_option("known_error")
    specialist.get_by_role("button", name="Change status").click()
    expect(specialist.locator(".flash.success")).to_contain_text("Known error")
    screenshot(specialist, "problem-known-error")
    specialist.get_by_role("link", name="Answer all open tickets").click()
    specialist.get_by_label("Reply in English").fill(REPLY_EN)
    specialist.get_by_label("Reply in German").fill(REPLY_DE)
    specialist.get_by_role("button", name="Send to all open tickets").click()
    expect(specialist.locator(".flash.success")).to_contain_text("The reply has gone to 3")
    with live_server.app_context():
        for ref, text in zip(refs, (REPLY_DE, REPLY_EN, REPLY_EN), strict=True):
            ticket = db.session.scalar(sa.select(Ticket).where(
                Ticket.id == int(ref.removeprefix("HD-"))))
            assert [m.body for m in db.session.scalars(sa.select(Message).where(
                Message.ticket_id == ticket.id))] == [text]
    live_server.mailbox.wait_for(4)          # (and the first one's escalation notice)
    for customer, text in zip(reporters, (REPLY_DE, REPLY_EN, REPLY_EN), strict=True):
        [reply] = [m for m in live_server.mailbox.to(customer.email)
                   if re.search("New reply|Neue Antwort", m["Subject"])]
        assert text in reply.get_content()

    # The known error goes to the knowledge base; level 2 publishes it.
    specialist.get_by_label("Language of the article").select_option("en")
    specialist.get_by_role("button", name="Send the known error to the knowledge base").click()
    expect(specialist.locator(".flash.success")).to_contain_text("submitted for level 2")
    editor = new_page()
    login(editor, l2.email, l2.password)
    editor.goto("/kb/review")
    editor.locator("#in-review").get_by_role("link", name=TITLE).click()
    expect(editor.locator("#known-error-of")).to_contain_text(TITLE)
    editor.get_by_role("button", name="Publish").click()
    expect(editor.locator(".flash.success")).to_contain_text("Published")

    # The next customer who types the fault is offered the article.
    next_customer = live_server.create_user("customer", name="Nia Next")
    page = new_page()
    login(page, next_customer.email, next_customer.password)
    page.goto("/tickets/new")
    page.get_by_label("Subject").press_sequentially("tiktok orders stuck", delay=20)
    suggestions = page.locator("#subject-suggestions")
    expect(suggestions.get_by_role("link", name=TITLE)).to_be_visible()
    screenshot(page, "problem-known-error-offered")


def test_problem_merge_and_resolve_pages_have_no_serious_axe_violations(
        live_server, new_page, axe_source):  # noqa: F811 (the fixture)
    from helpdesk.accounts.models import User
    from helpdesk.problems.operations import (
        ProblemInput,
        change_status,
        create_problem,
        document_known_error,
        edit_problem,
        link_ticket,
    )
    from helpdesk.tickets import links
    from helpdesk.tickets.knowledge_decision import Resolution, resolve
    from helpdesk.tickets.models import KnowledgeDecision
    from tests.browser.test_accessibility import axe_violations

    customer = live_server.create_user("customer", name="Greta Grün", language="de")
    l2 = live_server.create_user("agent", level=2, name="Max Second")
    l3 = live_server.create_user("agent", level=3, name="Sam Specialist")
    refs = [live_server.file_ticket(customer, subject=f"TikTok orders stuck {n}", level=2)
            for n in (1, 2)]
    third = live_server.file_ticket(customer, subject="VAT ID missing on invoices", level=3)
    with live_server.app_context():
        owner = db.session.get(User, l3.id)
        problem = create_problem(ProblemInput(title=TITLE, component="TikTok sync"), by=owner)
        for ref in refs:
            link_ticket(problem, db.session.get(Ticket, int(ref.removeprefix("HD-"))),
                        by=owner)
        edit_problem(problem, ProblemInput(title=TITLE, component="TikTok sync"), by=owner,
                     workaround=WORKAROUND, fix_note="")
        change_status(problem, "known_error", by=owner)
        first, second = (db.session.get(Ticket, int(ref.removeprefix("HD-"))) for ref in refs)
        links.link(first, second, by=owner)
        article_id = document_known_error(problem, by=owner, language="de")
        edit_problem(problem, ProblemInput(title=TITLE, component="TikTok sync"), by=owner,
                     workaround=WORKAROUND, fix_note="Fixed in 4.13")
        change_status(problem, "fixed", by=owner)
        resolve(db.session.get(Ticket, int(third.removeprefix("HD-"))), by=owner,
                resolution=Resolution(decision=KnowledgeDecision.new_article, note="Explain"))
        db.session.commit()
        problem_id = problem.id
    found = []
    for account, paths in (
            (l3, ["/problems/", f"/problems/{problem_id}", f"/problems/{problem_id}/edit",
                  f"/problems/{problem_id}/answer", f"/tickets/{refs[0]}",
                  f"/problems/link/{refs[0]}?q=tiktok", "/problems/new"]),
            (l2, [f"/tickets/{refs[1]}", f"/tickets/{refs[1]}/merge",
                  f"/tickets/{refs[1]}/resolve", "/kb/review", f"/kb/articles/{article_id}"])):
        page = new_page()
        login(page, account.email, account.password)
        for path in paths:
            assert page.goto(path).status == 200, path
            found.extend(axe_violations(page, axe_source))
    assert not found, "\n".join(found)
