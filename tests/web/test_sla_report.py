"""The SLA report on a known set of tickets: targets met and missed, median and 90th
percentile, time at each level, by level; the page (charts from JSON, no inline code) and
the CSV."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from helpdesk.tickets.escalation import HandoffInput, escalate
from helpdesk.tickets.models import Status, Ticket
from helpdesk.tickets.operations import TicketChanges, assign, update_ticket
from tests.factories import fresh
from tests.sla_helpers import berlin, freeze


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch)


@pytest.fixture
def known_week(app, make, clock):
    """Three normal tickets (first response 8 h, resolution 72 h, in working time) filed
    on Monday 2 March 2026 at 09:00 in Berlin, and what happened to them:

    * A: answered at 10:00 (1 h), resolved at 13:00 (4 h);
    * B: answered at 11:00 (2 h), escalated at 12:00, taken at level 2 at 13:00 (take
      target 2 h: met), answered there at 17:00 (answer target 4 h: missed), resolved on
      Tuesday at 09:00 (10 h);
    * C: answered on Tuesday at 11:00 (12 h: first response missed), still open.

    The report is read on Wednesday at 12:00.
    """
    customer, l1, l2 = make.user(), make.agent(1), make.agent(2)
    clock.set(berlin(2026, 3, 2, 9, 0))
    a, b, c = (make.ticket(customer, subject=s, priority="normal") for s in "ABC")

    def at(day, hour, action):
        clock.set(berlin(2026, 3, day, hour, 0))
        action()

    at(2, 10, lambda: make.message(a, l1, "Answer A"))
    at(2, 11, lambda: make.message(b, l1, "Answer B"))
    at(2, 12, lambda: escalate(fresh(Ticket, b.id), by=l1, handoff=HandoffInput(
        "Needs level 2", "Checked", "none")))
    at(2, 13, lambda: update_ticket(fresh(Ticket, a.id), by=l1,
                                    changes=TicketChanges(status=Status.resolved)))
    at(2, 13, lambda: assign(fresh(Ticket, b.id), by=l2, assignee=l2))
    at(2, 17, lambda: make.message(fresh(Ticket, b.id), l2, "Level 2 answer"))
    at(3, 9, lambda: update_ticket(fresh(Ticket, b.id), by=l2,
                                   changes=TicketChanges(status=Status.resolved)))
    at(3, 11, lambda: make.message(c, l1, "Answer C"))
    clock.set(berlin(2026, 3, 4, 12, 0))
    from helpdesk.extensions import db

    db.session.commit()
    return {"l2": l2, "l1": l1}


def _csv(client, url="/sla/report.csv?weeks=1") -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_report_counts_a_known_week_right(client, login_as, known_week):
    login_as(known_week["l2"])
    rows = _csv(client)
    [week] = [r for r in rows if r["group"] == "week"]
    assert week["value"] == "2026-03-02" and week["tickets"] == "3"
    assert (week["first_response_met"], week["first_response_missed"]) == ("2", "1")
    assert (week["resolution_met"], week["resolution_missed"]) == ("2", "0")
    assert (week["level_targets_met"], week["level_targets_missed"]) == ("1", "1")
    # Times to first response 1, 2 and 12 working hours; to resolution 4 and 10.
    assert (week["first_response_median_h"], week["first_response_p90_h"]) == ("2.0", "10.0")
    assert (week["resolution_median_h"], week["resolution_p90_h"]) == ("7.0", "9.4")
    # At level 1: A 4 h, B 3 h, C 23 h (still open on Wednesday noon); B 7 h at level 2.
    assert (week["hours_at_level_1"], week["hours_at_level_2"], week["hours_at_level_3"]) \
        == ("10.0", "7.0", "")

    by_level = {r["value"]: r for r in rows if r["group"] == "level"}
    assert set(by_level) == {"1", "2"}
    assert by_level["2"]["tickets"] == "1"
    assert (by_level["2"]["level_targets_met"], by_level["2"]["level_targets_missed"]) \
        == ("1", "1")
    assert by_level["2"]["hours_at_level_2"] == "7.0"
    [normal] = [r for r in rows if r["group"] == "priority"]
    assert normal["value"] == "normal" and normal["tickets"] == "3"
    [total] = [r for r in rows if r["group"] == "total"]
    assert total["tickets"] == "3"

    # Filtered to the tickets that reached level 2: B alone.
    [week] = [r for r in _csv(client, "/sla/report.csv?weeks=1&level=2")
              if r["group"] == "week"]
    assert week["tickets"] == "1" and week["first_response_median_h"] == "2.0"


def test_the_report_page_shows_tables_and_draws_charts_from_data(client, login_as,
                                                                 known_week):
    login_as(known_week["l2"])
    response = client.get("/sla/report?weeks=2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Charts: drawn by the vendored Chart.js from a JSON block, no inline code.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts
               if "src=" in attrs]
    assert "/static/vendor/chart.umd.min.js" in sources and "/static/sla-report.js" in sources
    [data] = [body for attrs, body in scripts if 'type="application/json"' in attrs]
    assert all(not body.strip() for attrs, body in scripts if "src=" in attrs)
    chart = json.loads(data)
    assert len(chart["labels"]) == 2
    series = {s["label"]: s["data"] for s in chart["targets"]["series"]}
    assert series["First response met"] == [0, 2]
    assert series["First response missed"] == [0, 1]
    assert client.get("/static/vendor/chart.umd.min.js").status_code == 200
    # The same figures as a table.
    assert 'id="sla-weeks"' in page and "2 / 1" in page
