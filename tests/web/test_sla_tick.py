"""`helpdesk sla tick`: each missed deadline recorded once, told once by mail and on the
queue page, automatic escalation as the system; twice, and two ticks at once."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from helpdesk.database import writing
from helpdesk.extensions import db
from helpdesk.notifications.models import OutboxMail
from helpdesk.service_levels import policies
from helpdesk.service_levels.models import SlaBreach, SlaLevelTarget, SlaPolicy, Target
from helpdesk.service_levels.tick import record_breach, tick
from helpdesk.tickets.models import EventKind, Handoff, Ticket, TicketEvent
from tests.factories import fresh, text_of
from tests.sla_helpers import berlin, freeze


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch)


def _breaches(ticket=None) -> list[SlaBreach]:
    db.session.expire_all()
    query = sa.select(SlaBreach).order_by(SlaBreach.id)
    if ticket is not None:
        query = query.where(SlaBreach.ticket_id == ticket.id)
    return list(db.session.scalars(query))


def _breach_events(ticket) -> list[TicketEvent]:
    return list(db.session.scalars(sa.select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.sla_breach)))


def test_a_breach_is_recorded_and_told_once_however_often_the_tick_runs(
        app, runner, make, mailbox, clock, login_as, client):
    l1a, l1b, l2 = make.agent(1), make.agent(1), make.agent(2)
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(priority="urgent", subject="Checkout broken")       # due 10:00
    mailbox.wait_for(1)
    mailbox.clear()

    clock.set(berlin(2026, 3, 2, 9, 59))
    db.session.commit()
    result = runner.invoke(args=["sla", "tick"])
    assert result.exit_code == 0, result.output
    assert _breaches() == []

    clock.set(berlin(2026, 3, 2, 10, 1))
    for _run in range(2):
        db.session.commit()
        result = runner.invoke(args=["sla", "tick"])
        assert result.exit_code == 0, result.output
    [breach] = _breaches()
    assert (breach.ticket_id, breach.target, breach.due_at, breach.level) == (
        ticket.id, Target.first_response, berlin(2026, 3, 2, 10, 0), 1)
    [event] = _breach_events(ticket)
    assert event.actor_id is None and event.old_value == "first_response"
    assert fresh(Ticket, ticket.id).version == ticket.version     # nobody's form went stale

    # The level's agents hear of it once each, by mail; level 2 does not.
    mailbox.wait_for(2)
    for agent in (l1a, l1b):
        [mail] = mailbox.to(agent.email)
        assert mail["Subject"] == f"[{ticket.ref}] Missed: First response"
        assert "Checkout broken" in mail.get_content()
    assert mailbox.to(l2.email) == []

    # ... and in the app: the queue names it, and the history says what happened.
    login_as(l1a)
    page = text_of(client.get("/queue").get_data(as_text=True))
    assert "1 missed service-level deadline at this level" in page
    assert f"{ticket.ref} Checkout broken: First response" in page
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "System recorded a missed service-level deadline: First response" in page


def test_a_lead_set_for_the_level_is_told_instead_of_its_agents(app, make, mailbox, clock):
    agent, lead = make.agent(1), make.agent(2, name="Lea Lead")
    policies.ensure_defaults()
    db.session.add(SlaLevelTarget(level=1, take_minutes=60, answer_minutes=60,
                                  lead_id=lead.id))
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(priority="urgent")
    mailbox.wait_for(1)
    mailbox.clear()
    clock.set(berlin(2026, 3, 2, 11, 0))
    with writing():
        report = tick()
    assert report.breaches == 1
    mailbox.wait_for(1)
    assert len(mailbox.to(lead.email)) == 1
    assert mailbox.to(agent.email) == []
    assert [b.ticket_id for b in _breaches()] == [ticket.id]


def test_a_deadline_that_falls_in_closed_hours_breaches_only_once_work_resumes(
        app, make, clock):
    make.agent(1)
    clock.set(berlin(2026, 3, 6, 17, 30))                     # Friday evening
    ticket = make.ticket(priority="urgent")                   # due Monday 08:30
    for moment in (berlin(2026, 3, 6, 18, 30), berlin(2026, 3, 7, 12, 0),
                   berlin(2026, 3, 9, 8, 29)):
        clock.set(moment)
        tick()
        assert _breaches(ticket) == [], moment
    clock.set(berlin(2026, 3, 9, 8, 31))
    tick()
    assert [b.due_at for b in _breaches(ticket)] == [berlin(2026, 3, 9, 8, 30)]


def test_a_late_first_response_escalates_automatically_when_the_policy_says_so(
        app, make, mailbox, clock, client, login_as):
    l1, l2 = make.agent(1), make.agent(2)
    policies.ensure_defaults()
    policy = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.scope == "urgent:*"))
    policy.auto_escalate = True
    db.session.commit()
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(priority="urgent", subject="All orders fail")
    normal = make.ticket(priority="normal")                   # no rule: stays put
    mailbox.wait_for(2)
    mailbox.clear()

    # 17:30: the urgent ticket missed its first response (10:00) and its resolution
    # (17:00), the normal one its first response (17:00).
    clock.set(berlin(2026, 3, 2, 17, 30))
    report = tick()
    assert (report.breaches, report.escalated) == (3, 1)
    ticket, normal = fresh(Ticket, ticket.id), fresh(Ticket, normal.id)
    assert (ticket.level, normal.level) == (2, 1)
    [handoff] = db.session.scalars(sa.select(Handoff).where(Handoff.ticket_id == ticket.id))
    assert handoff.author_id is None
    # The due time as the business calendar reads it (10:00 in Berlin), not in UTC.
    assert handoff.summary == (
        "Escalated automatically: the first response was due 3/2/26, 10:00\u202fAM "
        "(Central European Standard Time) and level 1 had not answered.")
    level_event = next(e for e in ticket.events if e.kind == EventKind.level)
    assert level_event.actor_id is None
    # Level 2 hears of the escalation, saying who did it; the breach went to level 1.
    mailbox.wait_for(3)
    [escalated] = mailbox.to(l2.email)
    assert escalated["Subject"] == f"[{ticket.ref}] Escalated to level 2"
    assert "The service-level rules escalated" in escalated.get_content()
    # Level 1's agent gets the tick's three breaches in one digest, not three mails.
    [digest] = mailbox.to(l1.email)
    assert digest["Subject"] == "2 tickets need attention"
    text = digest.get_body(("plain",)).get_content()
    for line in (f'{ticket.ref} "All orders fail": missed at level 1: First response',
                 f'{ticket.ref} "All orders fail": missed at level 1: Resolution',
                 f'{normal.ref} "{normal.subject}": missed at level 1: First response'):
        assert text.count(line) == 1, (line, text)
    assert {b.level for b in _breaches(ticket)} == {1}
    # The customer is told it was passed on, without the first-response time that passed.
    [told] = mailbox.to(ticket.requester.email)
    assert told["Subject"] == f"[{ticket.ref}] Your request has been passed on"
    assert "We will get back to you as soon as we can." in told.get_content()
    assert "You can expect the next update by" not in told.get_content()

    # Level 2 now owes a taker and an answer; another tick records and escalates nothing more.
    assert tick().escalated == 0
    assert fresh(Ticket, ticket.id).level == 2
    login_as(l2)
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert "Hand-off: escalated from level 1 to level 2 · System" in page


def test_waiting_and_resolved_tickets_are_not_breached(app, make, clock):
    customer, l1 = make.user(), make.agent(1)
    clock.set(berlin(2026, 3, 2, 9, 0))
    waiting = make.ticket(customer, priority="urgent")
    resolved = make.ticket(customer, priority="urgent")
    from helpdesk.tickets.models import Status

    clock.set(berlin(2026, 3, 2, 9, 30))
    make.message(waiting, l1, "Which order?", internal=True,
                 status_after=Status.waiting_on_customer)
    make.message(resolved, l1, "Done", internal=True, status_after=Status.resolved)
    clock.set(berlin(2026, 3, 5, 9, 0))
    assert tick().breaches == 0
    assert _breaches() == []


@pytest.fixture
def two_sessions(app):
    """Run `work` in two threads at once, each in its own app context and session."""
    def run(work):
        barrier = threading.Barrier(2)
        results, errors = [None, None], []

        def worker(index):
            try:
                with app.app_context(), writing():
                    barrier.wait(timeout=10)
                    results[index] = work()
                    db.session.commit()
                    db.session.remove()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        return results
    return run


def test_two_ticks_at_once_record_and_tell_each_breach_once(app, make, mailbox, clock,
                                                            two_sessions):
    agent = make.agent(1)
    clock.set(berlin(2026, 3, 2, 9, 0))
    tickets = [make.ticket(priority="urgent") for _ in range(12)]
    mailbox.wait_for(12)
    mailbox.clear()
    clock.set(berlin(2026, 3, 2, 12, 0))
    db.session.commit()

    reports = two_sessions(tick)
    assert sum(r.breaches for r in reports) == 12
    breaches = _breaches()
    assert sorted(b.ticket_id for b in breaches) == sorted(t.id for t in tickets)
    for ticket in tickets:
        assert len(_breach_events(ticket)) == 1
    # Each tick tells the agent of the breaches it recorded in one digest: every ticket
    # is named once in all.
    queued = list(db.session.scalars(sa.select(OutboxMail).where(
        OutboxMail.recipient == agent.email)))
    assert 1 <= len(queued) <= 2
    mailbox.wait_for(len(queued))
    texts = "".join(m.get_body(("plain",)).get_content() for m in mailbox.to(agent.email))
    for ticket in tickets:
        assert texts.count(f'{ticket.ref} "') == 1, ticket.ref


def test_the_same_breach_recorded_by_two_sessions_at_once_is_recorded_once(
        app, make, mailbox, clock, two_sessions):
    """The guard itself: two transactions insert the same breach at the same moment
    (PostgreSQL makes the second wait for the first, then skip); one of them wins, and
    only the winner writes the event and queues the mail."""
    agent = make.agent(1)
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(priority="urgent")
    ticket_id = ticket.id
    mailbox.wait_for(1)
    mailbox.clear()
    db.session.commit()          # (and no query here until both are done: SQLite's lock)

    def record():
        mine = db.session.get(Ticket, ticket_id)
        breach = record_breach(mine, Target.first_response, berlin(2026, 3, 2, 10, 0),
                               level=1, now=berlin(2026, 3, 2, 11, 0))
        return breach is not None

    assert sorted(two_sessions(record)) == [False, True]
    assert len(_breaches(ticket)) == 1
    assert len(_breach_events(ticket)) == 1
    mailbox.wait_for(1)
    assert len(mailbox.to(agent.email)) == 1


def test_the_background_tick_runs_only_where_enabled(app, app_config, make, clock):
    from helpdesk import create_app
    from helpdesk.service_levels import ticker

    # Off under TESTING (the suite's apps), unless a test enables it.
    assert ticker.ticker_for(app) is None
    enabled = create_app({**app_config, "SLA_TICK_IN_TESTS": True, "SLA_TICK_SECONDS": 0.05})
    assert ticker.ticker_for(enabled) is not None
    off = create_app({**app_config, "SLA_TICK_IN_TESTS": True, "SLA_TICK_SECONDS": 0})
    assert ticker.ticker_for(off) is None

    make.agent(1)
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(priority="urgent")
    ticket_id = ticket.id
    clock.set(berlin(2026, 3, 2, 12, 0))
    db.session.commit()
    background = ticker.ticker_for(enabled)
    try:
        enabled.test_client().get("/healthz")          # the first request starts it
        deadline = threading.Event()
        for _ in range(200):                            # up to ~10 s, normally at once
            with enabled.app_context():
                found = db.session.scalar(sa.select(sa.func.count()).select_from(SlaBreach)
                                          .where(SlaBreach.ticket_id == ticket_id))
                db.session.remove()
            if found or background.runs >= 3:
                break
            deadline.wait(0.05)
    finally:
        ticker.stop(enabled)
    assert [b.target for b in _breaches()] == [Target.first_response]


def test_a_tick_with_many_breaches_sends_each_agent_one_digest_in_their_language(
        app, make, mailbox, clock, monkeypatch):
    from helpdesk.notifications import subscribers
    monkeypatch.setattr(subscribers, "DIGEST_MAX_LISTED", 2)
    german, english = make.agent(1, language="de"), make.agent(1, language="en")
    clock.set(berlin(2026, 3, 2, 9, 0))
    tickets = [make.ticket(priority="urgent", subject=f"Kasse <b>kaputt</b> {n}")
               for n in range(3)]
    mailbox.wait_for(3)
    mailbox.clear()
    clock.set(berlin(2026, 3, 2, 12, 0))
    assert tick().breaches == 3

    mailbox.wait_for(2)
    [digest] = mailbox.to(german.email)
    assert digest["Subject"] == "3 Tickets brauchen Aufmerksamkeit"
    assert "Auto-Submitted" in digest and "In-Reply-To" not in digest
    text = digest.get_body(("plain",)).get_content().replace("\r\n", "\n")
    for ticket in tickets[:2]:
        assert (f'{ticket.ref} "{ticket.subject}": verpasst auf Level 1: Erste Antwort, '
                f"fällig 02.03.26, 10:00\n  http://helpdesk.test/tickets/{ticket.ref}") in text
    assert tickets[2].ref not in text
    assert "… und 1 weiterer Hinweis." in text
    assert "http://helpdesk.test/queue" in text
    html = digest.get_body(("html",)).get_content()
    assert "Kasse &lt;b&gt;kaputt&lt;/b&gt; 0" in html and "<b>" not in html
    [digest] = mailbox.to(english.email)
    assert digest["Subject"] == "3 tickets need attention"


def test_a_missed_deadline_whose_due_time_a_priority_change_moves_is_not_missed_again(
        app, make, clock):
    from helpdesk.tickets.models import Priority
    from helpdesk.tickets.operations import TicketChanges, update_ticket

    agent = make.agent(1)
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(priority="normal")                        # first response 17:00
    clock.set(berlin(2026, 3, 2, 17, 30))
    assert tick().breaches == 1
    [missed] = _breaches(ticket)
    assert (missed.target, missed.due_at) == (Target.first_response, berlin(2026, 3, 2, 17, 0))

    # Raised to urgent: the first response now counts as due at 10:00, long past. It is
    # the same first response, missed and told once already: it is not recorded again.
    # The resolution, which the normal priority gave days for, is now missed (due 17:00):
    # that is new, and recorded once.
    with writing():
        update_ticket(fresh(Ticket, ticket.id), by=agent,
                      changes=TicketChanges(priority=Priority.urgent))
        db.session.commit()
    assert fresh(Ticket, ticket.id).first_response_due_at == berlin(2026, 3, 2, 10, 0)
    assert tick().breaches == 1
    assert tick().breaches == 0
    assert [(b.target, b.due_at) for b in _breaches(ticket)] == [
        (Target.first_response, berlin(2026, 3, 2, 17, 0)),
        (Target.resolution, berlin(2026, 3, 2, 17, 0))]
    assert len(_breach_events(ticket)) == 2


def test_a_rules_change_does_not_breach_and_escalate_a_ticket_again(
        app, make, mailbox, clock, client, login_as):
    make.agent(1), make.agent(2), make.agent(3)
    policies.ensure_defaults()
    policy = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.scope == "urgent:*"))
    policy.auto_escalate = True
    db.session.commit()
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(priority="urgent")                        # first response 10:00
    clock.set(berlin(2026, 3, 2, 10, 30))
    assert (tick().breaches, fresh(Ticket, ticket.id).level) == (1, 2)

    # The admin shortens the urgent first response to 30 minutes: the unanswered ticket's
    # first response now counts as due at 9:30. Missed once, told once, escalated once.
    login_as(make.user("admin"))
    url = "/admin/service-levels/policies/urgent/all"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(url, data={"first_response": "0.5", "next_update": "4",
                                      "resolution": "8", "auto_escalate": "y",
                                      "version": version})
    assert response.status_code == 302
    assert fresh(Ticket, ticket.id).first_response_due_at == berlin(2026, 3, 2, 9, 30)
    clock.set(berlin(2026, 3, 2, 10, 45))
    report = tick()
    # (The recompute knew the first response was recorded: the tick had nothing to check.)
    assert (report.checked, report.breaches, report.escalated) == (0, 0, 0)
    assert fresh(Ticket, ticket.id).level == 2
    assert [b.target for b in _breaches(ticket)] == [Target.first_response]
