"""A change of the service-level rules on an installation with many open tickets: the due
times are worked out again by `sla tick` in the background, a batch per commit, with the
progress on the administration page; a tick that fails goes on where it stopped."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.service_levels import provider
from helpdesk.service_levels.models import SlaBreach, SlaClock, SlaRecompute
from helpdesk.service_levels.tick import tick
from helpdesk.tickets import sla
from helpdesk.tickets.models import Status, Ticket
from tests.factories import flashes, fresh, text_of
from tests.sla_helpers import berlin, freeze

WEEK = {day: "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}
OLD_DUE = berlin(2026, 3, 6, 16, 30)        # urgent, filed Friday 15:30: 1 h
NEW_DUE = berlin(2026, 3, 10, 8, 30)        # Fridays close at 16:00, Monday 9 March closed


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch)


@pytest.fixture
def in_background(app, monkeypatch):
    """Any change of the rules is left to the tick (no ticket is few enough)."""
    monkeypatch.setitem(app.config, "SLA_RECOMPUTE_INLINE_MAX", 0)


def _version(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def _save_calendar(client, **changes):
    response = client.post("/admin/service-levels", data={
        **WEEK, "sat": "", "sun": "", "timezone": "Europe/Berlin", "country": "DE",
        "subdivision": "", "closed_dates": "2026-03-09", "fri": "08:00-16:00",
        "version": _version(client, "/admin/service-levels"), **changes})
    assert response.status_code == 302
    return response


def _pending() -> SlaRecompute | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(SlaRecompute))


def _due(tickets) -> list:
    """Each ticket's first-response due time, on the ticket and on its clock."""
    db.session.expire_all()
    return [(fresh(Ticket, t.id).first_response_due_at,
             db.session.scalar(sa.select(SlaClock.first_response_due_at)
                               .where(SlaClock.ticket_id == t.id))) for t in tickets]


def _progress(client) -> str:
    page = text_of(client.get("/admin/service-levels").get_data(as_text=True))
    found = re.search(r"Recalculating due times: \d+ of \d+ open tickets done\.", page)
    return found.group(0) if found else ""


def _file_tickets(make, clock, count):
    clock.set(berlin(2026, 3, 6, 15, 30))                      # Friday 15:30
    tickets = [make.ticket(priority="urgent") for _ in range(count)]
    assert _due(tickets) == [(OLD_DUE, OLD_DUE)] * count
    return tickets


def test_a_saved_calendar_leaves_the_due_times_to_the_tick_which_applies_it_first(
        app, client, make, login_as, clock, in_background):
    tickets = _file_tickets(make, clock, 3)
    parked = make.ticket(priority="urgent")          # waits on the customer: sorts last
    make.message(parked, make.agent(1), "Which order?", status_after=Status.waiting_on_customer)
    versions = [fresh(Ticket, t.id).version for t in (*tickets, parked)]
    login_as(make.user("admin"))
    _save_calendar(client)
    assert flashes(client) == [
        ("success", "The business calendar has been saved."),
        ("info", "The open tickets' due times are being recalculated in the background. "
                 "This page shows the progress.")]
    # Nothing moved yet; the page says how far the work is.
    assert _due(tickets) == [(OLD_DUE, OLD_DUE)] * 3
    assert _progress(client) == "Recalculating due times: 0 of 4 open tickets done."

    # At 16:45 the old rules would call the first responses late; the tick works the due
    # times out by the new ones first, so nothing is recorded.
    clock.set(berlin(2026, 3, 6, 16, 45))
    report = tick(batch=2)
    assert not report.deferred and report.breaches == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaBreach)) == 0
    assert _due(tickets) == [(NEW_DUE, NEW_DUE)] * 3
    # Every due time on each ticket is the new rules' (the queue sorts by `due_at`, the
    # parked ticket after the others).
    for ticket in [fresh(Ticket, t.id) for t in (*tickets, parked)]:
        line = provider.ticket_timeline(ticket, berlin(2026, 3, 6, 16, 45))
        assert line.resolution.due_at > berlin(2026, 3, 10, 8, 0)
        assert (ticket.first_response_due_at, ticket.resolution_due_at,
                ticket.update_due_at, ticket.due_at) == (
            line.first_response.due_at, line.resolution.due_at, line.update_due_at,
            sla.queue_key(ticket.status, line.update_due_at))
    assert fresh(Ticket, parked.id).due_at > fresh(Ticket, tickets[0].id).due_at
    assert [fresh(Ticket, t.id).version for t in (*tickets, parked)] == versions   # no stale forms
    assert _pending() is None
    assert _progress(client) == ""


def test_a_tick_checks_the_clocks_by_the_new_rules_once_it_has_recomputed(
        app, client, make, login_as, clock, in_background):
    clock.set(berlin(2026, 3, 2, 9, 0))
    ticket = make.ticket(priority="urgent")                         # due 10:00
    login_as(make.user("admin"))
    url = "/admin/service-levels/policies/urgent/all"
    response = client.post(url, data={"first_response": "0.25", "next_update": "4",
                                      "resolution": "16", "version": _version(client, url)})
    assert response.status_code == 302
    assert fresh(Ticket, ticket.id).first_response_due_at == berlin(2026, 3, 2, 10, 0)

    clock.set(berlin(2026, 3, 2, 9, 30))
    assert tick().breaches == 1
    [breach] = db.session.scalars(sa.select(SlaBreach)).all()
    assert (breach.ticket_id, breach.due_at) == (ticket.id, berlin(2026, 3, 2, 9, 15))


def test_a_tick_that_fails_midway_keeps_its_progress_and_the_next_goes_on_from_there(
        app, client, make, login_as, clock, in_background, monkeypatch):
    tickets = _file_tickets(make, clock, 5)
    login_as(make.user("admin"))
    _save_calendar(client)

    real_batch = provider.recompute_batch
    calls: list[int] = []

    def failing_after_the_first(after, now, **kwargs):
        calls.append(after)
        if len(calls) > 1:
            raise RuntimeError("the host went down")
        return real_batch(after, now, **kwargs)

    monkeypatch.setattr(provider, "recompute_batch", failing_after_the_first)
    with pytest.raises(RuntimeError):
        tick(batch=2)
    db.session.rollback()
    # The first batch is saved together with its progress; the rest still waits.
    assert _due(tickets) == [(NEW_DUE, NEW_DUE)] * 2 + [(OLD_DUE, OLD_DUE)] * 3
    row = _pending()
    assert (row.after_ticket_id, row.done, row.total) == (tickets[1].id, 2, 5)
    assert _progress(client) == "Recalculating due times: 2 of 5 open tickets done."

    def counting(after, now, **kwargs):
        calls.append(after)
        return real_batch(after, now, **kwargs)

    calls.clear()
    monkeypatch.setattr(provider, "recompute_batch", counting)
    tick(batch=2)
    assert calls == [tickets[1].id, tickets[3].id]           # the done batch is not redone
    assert _due(tickets) == [(NEW_DUE, NEW_DUE)] * 5
    assert _pending() is None


def test_a_second_change_while_one_is_pending_starts_again_from_the_first_ticket(
        app, client, make, login_as, clock, in_background):
    tickets = _file_tickets(make, clock, 3)
    login_as(make.user("admin"))
    _save_calendar(client)
    db.session.execute(sa.update(SlaRecompute).values(after_ticket_id=tickets[1].id, done=2))
    db.session.commit()
    tickets.append(make.ticket(priority="urgent"))       # filed by the new rules
    assert _progress(client) == "Recalculating due times: 2 of 3 open tickets done."

    # Monday 9 March is open again: every ticket moves, also those counted as done.
    _save_calendar(client, closed_dates="")
    row = _pending()
    assert (row.after_ticket_id, row.done, row.total) == (0, 0, 4)
    assert _progress(client) == "Recalculating due times: 0 of 4 open tickets done."
    tick(batch=2)
    monday = berlin(2026, 3, 9, 8, 30)          # half an hour on Friday, half on Monday
    assert _due(tickets) == [(monday, monday)] * 4
    assert _pending() is None


def test_saving_with_few_open_tickets_moves_them_at_once_and_drops_a_pending_recompute(
        app, client, make, login_as, clock, in_background, monkeypatch):
    tickets = _file_tickets(make, clock, 2)
    login_as(make.user("admin"))
    _save_calendar(client, fri="08:00-17:00")
    assert _pending() is not None

    monkeypatch.setitem(app.config, "SLA_RECOMPUTE_INLINE_MAX", 2)
    _save_calendar(client)
    assert flashes(client) == [("success", "The business calendar has been saved.")]
    assert _due(tickets) == [(NEW_DUE, NEW_DUE)] * 2
    assert _pending() is None
    assert _progress(client) == ""


# Only PostgreSQL locks the row (SQLite runs one writer at a time).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_while_another_tick_recomputes_a_tick_checks_no_clock(
        app, client, make, login_as, clock, in_background):
    tickets = _file_tickets(make, clock, 2)
    login_as(make.user("admin"))
    _save_calendar(client)
    clock.set(berlin(2026, 3, 6, 16, 45))          # late by the old rules only
    db.session.commit()

    with db.engine.connect() as other:              # another tick holds the row
        other.execute(sa.text("SELECT id FROM sla_recompute FOR UPDATE"))
        report = tick()
        assert report.deferred and report.checked == 0 and report.breaches == 0
        assert _due(tickets) == [(OLD_DUE, OLD_DUE)] * 2
        other.rollback()
    report = tick()
    assert not report.deferred and report.breaches == 0
    assert _due(tickets) == [(NEW_DUE, NEW_DUE)] * 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaBreach)) == 0
