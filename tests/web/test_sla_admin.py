"""Administration > Service levels: the calendar and policies an admin edits; bad input
comes back with the admin's text and says what is wrong; saved rules move open tickets'
due times (without making anyone's open form stale)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.service_levels import policies
from helpdesk.service_levels.models import SlaCalendar, SlaLevelTarget, SlaPolicy
from helpdesk.service_levels.working_time import BusinessCalendar
from helpdesk.tickets.models import Priority, Ticket
from tests.factories import fresh, text_of
from tests.sla_helpers import berlin, freeze

WEEK = {day: "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch)


def _version(client, url) -> str:
    """The version the form at `url` carries (as the admin's browser sends it back)."""
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def _calendar(**changes) -> dict:
    return {**WEEK, "sat": "", "sun": "", "timezone": "Europe/Berlin", "country": "DE",
            "subdivision": "", "closed_dates": "", "version": "0", **changes}


@pytest.mark.parametrize("changes, typed, error", [
    ({"mon": "8-18"}, "8-18", "“8-18” is not a time range such as 08:00-18:00."),
    ({"tue": "18:00-08:00"}, "18:00-08:00", "These opening hours must be in order"),
    ({"timezone": "Mars/Olympus"}, "Mars/Olympus", "Unknown time zone"),
    ({"country": "XX"}, "XX", "No public holidays are known for this country"),
    ({"subdivision": "ZZ"}, "ZZ", "This country has no such region. Its regions are: BB,"),
    ({"closed_dates": "2026-12-24\n2026-13-45"}, "2026-13-45",
     "“2026-13-45” is not a date (YYYY-MM-DD)."),
    ({**{day: "" for day in WEEK}}, "", "At least one weekday needs opening hours."),
])
def test_bad_calendar_input_comes_back_with_the_admins_text(client, make, login_as,
                                                            changes, typed, error):
    login_as(make.user("admin"))
    response = client.post("/admin/service-levels", data=_calendar(**changes))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error in text_of(page)
    field = next(iter(changes))
    if typed:
        assert typed in page.split(f'name="{field}"')[1].split("</")[0]
    else:
        assert 'name="mon" type="text" value=""' in page
    assert 'aria-invalid="true"' in page
    # Nothing was saved: the page shows the defaults again.
    page = client.get("/admin/service-levels").get_data(as_text=True)
    assert page.count('value="08:00-18:00"') == 5
    # (the field itself: a random form token elsewhere on the page may hold "XX")
    assert not typed or typed not in page.split(f'name="{field}"')[1].split("</")[0]


def test_a_saved_calendar_moves_the_due_times_of_open_tickets(client, make, login_as, clock):
    clock.set(berlin(2026, 3, 6, 15, 30))                          # Friday 15:30
    ticket = make.ticket(priority="urgent")                        # 1 h: Friday 16:30
    assert ticket.first_response_due_at == berlin(2026, 3, 6, 16, 30)
    version = ticket.version
    login_as(make.user("admin"))
    # Fridays close at 16:00 now, and 9 March is a closed day.
    response = client.post("/admin/service-levels", data=_calendar(
        fri="08:00-16:00", closed_dates="2026-03-09",
        version=_version(client, "/admin/service-levels")))
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "The business calendar has been saved." in page
    ticket = fresh(Ticket, ticket.id)
    # Half an hour on Friday, half an hour on Tuesday (Monday is closed).
    assert ticket.first_response_due_at == berlin(2026, 3, 10, 8, 30)
    assert ticket.update_due_at == ticket.due_at == berlin(2026, 3, 10, 8, 30)
    assert ticket.version == version

    # The form shows what was saved; saving from a form shown before is refused.
    page = client.get("/admin/service-levels").get_data(as_text=True)
    assert 'value="08:00-16:00"' in page and "2026-03-09" in page
    response = client.post("/admin/service-levels", data=_calendar(fri="08:00-12:00"))
    assert response.status_code == 400
    assert "Someone else changed these settings meanwhile" in text_of(
        response.get_data(as_text=True))


def test_a_policy_saved_for_a_priority_applies_to_its_open_tickets(client, make, login_as,
                                                                   clock):
    clock.set(berlin(2026, 3, 2, 9, 0))
    urgent, normal = make.ticket(priority="urgent"), make.ticket(priority="normal")
    category = make.category("payouts")
    login_as(make.user("admin"))
    page = client.get("/admin/service-levels/policies/urgent/all").get_data(as_text=True)
    assert 'value="1.00"' in page
    response = client.post("/admin/service-levels/policies/urgent/all", data={
        "first_response": "2.5", "next_update": "4", "resolution": "16",
        "version": _version(client, "/admin/service-levels/policies/urgent/all")})
    assert response.status_code == 302
    assert fresh(Ticket, urgent.id).first_response_due_at == berlin(2026, 3, 2, 11, 30)
    assert fresh(Ticket, normal.id).first_response_due_at == berlin(2026, 3, 2, 17, 0)

    # A category's own policy, reached from the overview's form.
    response = client.get(f"/admin/service-levels/policies/new?priority=normal"
                          f"&category={category.id}")
    assert response.headers["Location"].endswith(
        f"/admin/service-levels/policies/normal/{category.id}")
    response = client.post(response.headers["Location"], data={
        "first_response": "0", "next_update": "4", "resolution": "16", "version": "0"})
    assert response.status_code == 400
    assert 'value="0"' in response.get_data(as_text=True)


@pytest.fixture
def other_process(app_config):
    """Another process's app on the same database (a second web worker, a `mail fetch`):
    with its own copy of the service-level settings. `with other_process():` works in it."""
    other = create_app({**app_config, "FEATURES": "service_levels"})

    @contextmanager
    def inside():
        db.session.commit()        # the test body's transaction (SQLite: its write lock) ends
        with other.app_context():
            yield other
            db.session.commit()
            db.session.remove()

    yield inside
    with other.app_context():
        db.engine.dispose()


def _urgent_due(make) -> datetime:
    return make.ticket(priority="urgent").first_response_due_at


def test_a_change_takes_effect_for_the_next_ticket_in_every_process(
        client, make, login_as, clock, other_process):
    clock.set(berlin(2026, 3, 2, 9, 0))                            # Monday 09:00
    with other_process():
        assert _urgent_due(make) == berlin(2026, 3, 2, 10, 0)      # the default: 1 h
    assert _urgent_due(make) == berlin(2026, 3, 2, 10, 0)
    with other_process():
        assert _urgent_due(make) == berlin(2026, 3, 2, 10, 0)

    # An admin saves a policy in this process: the other one's next ticket follows it.
    login_as(make.user("admin"))
    url = "/admin/service-levels/policies/urgent/all"
    response = client.post(url, data={"first_response": "2.5", "next_update": "4",
                                      "resolution": "16", "version": _version(client, url)})
    assert response.status_code == 302
    with other_process():
        assert _urgent_due(make) == berlin(2026, 3, 2, 11, 30)
    assert _urgent_due(make) == berlin(2026, 3, 2, 11, 30)

    # A change that bumps no version (another tool, a restored backup) counts as much.
    with other_process():
        db.session.execute(sa.update(SlaPolicy).where(SlaPolicy.scope == "urgent:*")
                           .values(first_response_minutes=30),
                           execution_options={"synchronize_session": False})
        db.session.commit()
        assert _urgent_due(make) == berlin(2026, 3, 2, 9, 30)
    assert _urgent_due(make) == berlin(2026, 3, 2, 9, 30)

    # So does the calendar, saved in the other process: Mondays open at 10:00 now.
    with other_process():
        row = db.session.scalar(sa.select(SlaCalendar))
        row.set_calendar(BusinessCalendar(hours=(((time(10), time(18)),),)
                                          + BusinessCalendar().hours[1:]))
        db.session.commit()
    assert _urgent_due(make) == berlin(2026, 3, 2, 10, 30)


def test_a_rolled_back_change_is_not_kept(make, clock, other_process):
    clock.set(berlin(2026, 3, 2, 9, 0))
    assert _urgent_due(make) == berlin(2026, 3, 2, 10, 0)
    # A change read inside its own transaction (as the admin's save does before it
    # commits), then rolled back: nobody goes on using it.
    db.session.execute(sa.update(SlaPolicy).where(SlaPolicy.scope == "urgent:*")
                       .values(first_response_minutes=300),
                       execution_options={"synchronize_session": False})
    policies.forget()
    assert policies.current().policy_for(Priority.urgent, None).first_response == \
        timedelta(hours=5)
    db.session.rollback()
    assert _urgent_due(make) == berlin(2026, 3, 2, 10, 0)
    with other_process():
        assert _urgent_due(make) == berlin(2026, 3, 2, 10, 0)


def test_missing_default_rules_are_created_again_by_the_next_change(make, clock):
    clock.set(berlin(2026, 3, 2, 9, 0))
    make.ticket()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaPolicy)) == 4
    # Gone (a restored backup from before service levels, say): the due times keep the
    # defaults, and the next ticket change writes them again.
    db.session.execute(sa.delete(SlaPolicy))
    db.session.execute(sa.delete(SlaLevelTarget))
    db.session.commit()
    assert _urgent_due(make) == berlin(2026, 3, 2, 10, 0)
    assert sorted(db.session.scalars(sa.select(SlaPolicy.scope))) == [
        "high:*", "low:*", "normal:*", "urgent:*"]
    assert sorted(db.session.scalars(sa.select(SlaLevelTarget.level))) == [2, 3]
