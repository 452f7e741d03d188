"""The service-level clock in working time, through the real UI in Chromium.

An admin makes late urgent tickets escalate by themselves; a customer files an urgent
ticket on a Friday evening, after business hours, and is told in their own time zone
when to expect an answer; `helpdesk sla tick` records nothing over the weekend and up to
the due time on Monday morning; once the first response is late inside business hours,
the tick records the breach once, tells level 1, and escalates the ticket to level 2 as
the system with a hand-off that says why; level 2 finds it marked in their queue, with
the hand-off and the deadlines panel; the customer's page shows none of the internals.

The test moves the clock (`tests.sla_helpers.freeze`): the live server runs in this
process, so its pages and the tick read the same frozen clock.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.service_levels.models import SlaBreach, Target
from helpdesk.tickets.models import EventKind, Handoff, Ticket, TicketEvent
from tests.browser.conftest import PHONE, PLAYWRIGHT_MISSING, login, screenshot
from tests.browser.test_accessibility import axe_source  # noqa: F401 (a fixture)
from tests.sla_helpers import berlin, freeze

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

SUBJECT = "All card payments fail at checkout"
BODY = "Since 17:00 every card payment in my shop fails with **error 502**."
FRIDAY_EVENING = berlin(2026, 3, 6, 17, 30)        # business hours ended at 18:00...
FIRST_RESPONSE_DUE = berlin(2026, 3, 9, 8, 30)     # ... so the hour left runs on Monday
# The due time as the business calendar reads it, as every other time on the page.
AUTOMATIC = ("Escalated automatically: the first response was due 3/9/26, 8:30\u202fAM "
             "(Central European Standard Time) and level 1 had not answered.")


def _tick(live_server) -> str:
    """Run `helpdesk sla tick` against the live server's database; return its output."""
    result = live_server.app.test_cli_runner().invoke(args=["sla", "tick"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _breaches_and_events(live_server, ref: str):
    with live_server.app_context():
        ticket_id = int(ref.removeprefix("HD-"))
        breaches = [(b.target, b.due_at, b.level) for b in db.session.scalars(
            sa.select(SlaBreach).where(SlaBreach.ticket_id == ticket_id))]
        events = db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.sla_breach))
        return breaches, events


def test_a_late_first_response_outside_business_hours_breaches_once_work_resumes(
        live_server, new_page, monkeypatch, axe_source):  # noqa: F811 (the fixture)
    from tests.browser.test_accessibility import axe_violations

    clock = freeze(monkeypatch)
    customer = live_server.create_user("customer", name="Carl Card")
    l1 = live_server.create_user("agent", level=1, name="Lena First")
    l2 = live_server.create_user("agent", level=2, name="Max Second")
    admin = live_server.create_user("admin", name="Ada Admin")
    violations: list[str] = []

    # The admin makes late urgent tickets escalate by themselves.
    clock.set(berlin(2026, 3, 6, 16, 0))
    ada = new_page()
    login(ada, admin.email, admin.password)
    ada.goto("/admin/service-levels")
    violations.extend(axe_violations(ada, axe_source))
    ada.locator("#sla-policies").get_by_role("link", name="Urgent").click()
    expect(ada.get_by_role("heading", name="Policy: Urgent, all categories")).to_be_visible()
    violations.extend(axe_violations(ada, axe_source))
    ada.get_by_label("Escalate to the next level when the first response is late").check()
    ada.get_by_role("button", name="Save").click()
    expect(ada.locator(".flash.success")).to_have_text("The policy has been saved.")
    expect(ada.locator("#sla-policies tr", has_text="Urgent")).to_contain_text("escalates")

    # Friday 17:30 in Berlin: the customer, whose browser is in London, files an urgent
    # ticket. One working hour to the first response: 30 minutes today, 30 on Monday.
    clock.set(FRIDAY_EVENING)
    carl = new_page(timezone_id="Europe/London")
    login(carl, customer.email, customer.password)
    carl.goto("/tickets/new")
    carl.get_by_label("Subject").fill(SUBJECT)
    carl.get_by_label("Priority").select_option(label="Urgent")
    carl.get_by_label("Describe your question").fill(BODY)
    carl.get_by_role("button", name="Send request").click()
    flash = carl.locator(".flash.success")
    expect(flash).to_contain_text(re.compile(r"Ticket HD-\d+ has been filed"))
    ref = re.search(r"HD-\d+", flash.inner_text()).group(0)
    # The page tells the server the browser's time zone; from then on the promise is
    # in the customer's own time and words. (The script runs after the page has been
    # parsed: wait for its cookie, or the reload can race it.)
    carl.wait_for_function("document.cookie.split('; ').some(c => c.startsWith('tz='))")
    carl.reload()
    expect(carl.locator("#next-update")).to_have_text(
        "You can expect the next update by Monday at 7:30 AM (Greenwich Mean Time).")
    screenshot(carl, "sla-customer-promise")
    with live_server.app_context():
        ticket = db.session.get(Ticket, int(ref.removeprefix("HD-")))
        assert ticket.first_response_due_at == FIRST_RESPONSE_DUE

    # Closed hours and the weekend, up to the last minute before the due time: the tick
    # records nothing, and level 1's queue shows the ticket as due soon on Monday.
    for moment in (berlin(2026, 3, 6, 18, 30), berlin(2026, 3, 7, 12, 0),
                   berlin(2026, 3, 9, 8, 29)):
        clock.set(moment)
        assert _tick(live_server) == "checked 0, breaches 0, escalated 0", moment
    assert _breaches_and_events(live_server, ref) == ([], 0)
    lena = new_page()
    login(lena, l1.email, l1.password)
    row = lena.locator("table.list tr", has_text=SUBJECT)
    expect(row.locator("[data-deadline]")).to_have_attribute("data-deadline", "near")
    expect(lena.locator("#sla-notice")).to_have_count(0)

    # 08:31: the first response is a minute late, inside business hours. The tick records
    # it once and escalates the ticket as the system; running it again changes nothing.
    clock.set(berlin(2026, 3, 9, 8, 31))
    live_server.mailbox.clear()
    assert _tick(live_server) == "checked 1, breaches 1, escalated 1"
    assert _tick(live_server) == "checked 0, breaches 0, escalated 0"
    assert _breaches_and_events(live_server, ref) == (
        [(Target.first_response, FIRST_RESPONSE_DUE, 1)], 1)
    with live_server.app_context():
        ticket = db.session.get(Ticket, int(ref.removeprefix("HD-")))
        assert ticket.level == 2 and ticket.assignee_id is None
        [handoff] = db.session.scalars(sa.select(Handoff).where(Handoff.ticket_id == ticket.id))
        assert handoff.author_id is None and handoff.summary == AUTOMATIC
    # Level 1 is told of the breach, level 2 of the escalation, once each.
    live_server.mailbox.wait_for(3)
    assert [m["Subject"] for m in live_server.mailbox.to(l1.email)] == [
        f"[{ref}] Missed: First response"]
    assert [m["Subject"] for m in live_server.mailbox.to(l2.email)] == [
        f"[{ref}] Escalated to level 2"]

    # Level 2 finds it in their queue, marked as late, and named in the notice.
    max_ = new_page()
    login(max_, l2.email, l2.password)
    expect(max_.get_by_role("heading", name="Level 2 queue")).to_be_visible()
    row = max_.locator("table.list tr", has_text=SUBJECT)
    expect(row).to_contain_text(ref)
    expect(row.locator("[data-deadline]")).to_have_attribute("data-deadline", "breached")
    expect(row.locator("[data-deadline]")).to_contain_text("overdue")
    expect(max_.locator("#sla-notice")).to_contain_text(
        "1 missed service-level deadline at this level in the last 7 days")
    expect(max_.locator("#sla-notice")).to_contain_text(f"{ref} {SUBJECT}: First response")
    screenshot(max_, "sla-level-2-queue")
    violations.extend(axe_violations(max_, axe_source))

    # The ticket: the system's hand-off says why; the deadlines panel says what is late
    # and what level 2 owes now (taken within 2 working hours of the escalation).
    row.get_by_role("link", name=SUBJECT).click()
    handoff = max_.locator("article.handoff")
    expect(handoff).to_contain_text("Hand-off: escalated from level 1 to level 2 · System")
    expect(handoff).to_contain_text(AUTOMATIC)
    panel = max_.locator("#sla-panel")
    first_response = panel.locator("dd[data-sla-state]").first
    expect(first_response).to_have_attribute("data-sla-state", "breached")
    expect(first_response).to_contain_text("overdue")
    take = panel.locator("dt", has_text="Taken at the new level")
    expect(take).to_contain_text("(Level 2)")
    expect(panel.locator("dt:has-text('Taken at the new level') + dd")).to_contain_text(
        "2 h 00 min of working time left")
    expect(max_.locator("body")).to_contain_text(
        "System recorded a missed service-level deadline: First response")
    screenshot(max_, "sla-level-2-ticket")
    violations.extend(axe_violations(max_, axe_source))

    # The customer sees where the request is now, and none of the internals.
    carl.reload()
    where = carl.locator("#where")
    expect(where).to_contain_text("Your request is with our second-level team.")
    for internal in ("overdue", "Escalated automatically", "Service levels", "missed"):
        expect(carl.locator("main")).not_to_contain_text(internal)

    # The SLA report, at phone width, with this week's breach in it.
    phone = new_page(viewport=PHONE)
    login(phone, l2.email, l2.password)
    assert phone.goto("/sla/report").status == 200
    week = phone.locator("#sla-weeks tr", has_text="2026-03-02")
    expect(week).to_contain_text("0 / 1")            # first response: met / missed
    violations.extend(axe_violations(phone, axe_source))
    screenshot(phone, "sla-report-phone")
    assert not violations, "\n".join(violations)
