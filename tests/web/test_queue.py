"""The agents' queues: only visible tickets, filters, urgency order, keyset pages."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.tickets.models import Status
from helpdesk.tickets.operations import TicketChanges, update_ticket

REF = re.compile(r'href="/tickets/(HD-\d{6})"')


def _refs(page: str) -> list[str]:
    """Ticket references linked from the list, in order."""
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return REF.findall(table)


def _next_link(page: str) -> str | None:
    match = re.search(r'href="([^"]*after=[^"]*)"[^>]*>[^<]*Next page', page)
    return html.unescape(match.group(1)) if match else None


def test_queue_lists_only_the_agents_level(client, make, login_as):
    l1_ticket = make.ticket(subject="At level one")
    l2_ticket = make.ticket(level=2, subject="At level two")
    l3_ticket = make.ticket(level=3, subject="At level three")
    login_as(make.agent(1))
    for url in ("/queue", "/queue?level=2", "/queue?level=3&view=level", "/queue?status=all"):
        assert _refs(client.get(url).get_data(as_text=True)) == [l1_ticket.ref], url
    login_as(make.agent(2))
    assert _refs(client.get("/queue").get_data(as_text=True)) == [l2_ticket.ref]
    login_as(make.user("admin"))
    assert _refs(client.get("/queue?level=3").get_data(as_text=True)) == [l3_ticket.ref]


def test_queue_views_unassigned_mine_and_escalated_by_me(client, make, login_as):
    agent, colleague = make.agent(1), make.agent(1)
    mine = make.ticket(subject="Mine")
    theirs = make.ticket(subject="Theirs")
    free = make.ticket(subject="Free")
    for ticket, who in ((mine, agent), (theirs, colleague)):
        login_as(who)
        client.post(f"/tickets/{ticket.ref}/take", data={"version": str(ticket.version)})
    escalated = make.ticket(subject="Passed on")
    login_as(agent)
    client.post(f"/tickets/{escalated.ref}/escalate", data={
        "summary": "s", "tried": "t", "articles_checked": "a",
        "version": str(escalated.version)})
    queue = {view: _refs(client.get(f"/queue?view={view}").get_data(as_text=True))
             for view in ("unassigned", "mine", "level", "escalated")}
    assert queue["unassigned"] == [free.ref]
    assert queue["mine"] == [mine.ref]
    assert sorted(queue["level"]) == sorted([mine.ref, theirs.ref, free.ref])
    assert queue["escalated"] == [escalated.ref]


def test_queue_is_ordered_by_urgency(client, make, login_as):
    low = make.ticket(priority="low", subject="low")
    urgent = make.ticket(priority="urgent", subject="urgent")
    normal = make.ticket(priority="normal", subject="normal")
    high = make.ticket(priority="high", subject="high")
    waiting = make.ticket(priority="urgent", subject="waiting")
    agent = make.agent(1)
    update_ticket(waiting, by=agent, changes=TicketChanges(status=Status.waiting_on_customer))
    db.session.commit()
    login_as(agent)
    assert _refs(client.get("/queue").get_data(as_text=True)) == [
        urgent.ref, high.ref, normal.ref, low.ref, waiting.ref]


@pytest.mark.parametrize("query, expected", [
    ("status=waiting_on_customer", ["waiting"]),
    ("priority=urgent", ["urgent-phone"]),
    ("channel=phone", ["urgent-phone"]),
    ("category={cat}", ["categorised"]),
    ("q=Refund+please", ["subject-match"]),
    ("q=yarn-shop", ["shop-match"]),
    ("q=A-4711", ["order-match"]),
    ("q=sku-99", ["product-match"]),
    ("q={ref}", ["categorised"]),
    ("q=nothing-matches-this", []),
    # LIKE wildcards typed by a person are searched for literally
    ("q=%25", ["percent"]),
    ("q=ORD_7", ["underscore"]),
    ("q=ORDX", ["decoy"]),
])
def test_queue_filters(client, make, login_as, query, expected):
    category = make.category("billing")
    agent = make.agent(1)
    customer = make.user()
    tickets = {
        "waiting": make.ticket(customer, subject="waiting"),
        "urgent-phone": make.ticket(customer, subject="urgent-phone", priority="urgent",
                                    channel="phone"),
        "categorised": make.ticket(customer, subject="categorised", category=category),
        "subject-match": make.ticket(customer, subject="Refund please"),
        "shop-match": make.ticket(customer, subject="shop-match", shop_ref="Yarn-Shop Berlin"),
        "order-match": make.ticket(customer, subject="order-match", order_ref="A-4711"),
        "product-match": make.ticket(customer, subject="product-match", product_ref="SKU-99"),
        "percent": make.ticket(customer, subject="100% refund"),
        "underscore": make.ticket(customer, subject="underscore", order_ref="ORD_7"),
        "decoy": make.ticket(customer, subject="decoy", order_ref="ORDX7"),
    }
    update_ticket(tickets["waiting"], by=agent,
                  changes=TicketChanges(status=Status.waiting_on_customer))
    db.session.commit()
    login_as(agent)
    url = "/queue?" + query.format(cat=category.id, ref=tickets["categorised"].ref)
    response = client.get(url)
    assert response.status_code == 200
    assert sorted(_refs(response.get_data(as_text=True))) == sorted(
        tickets[name].ref for name in expected)


@pytest.mark.parametrize("same_deadline", [False, True])
def test_queue_pages_by_key_without_gaps_or_repeats(app, client, make, login_as,
                                                   same_deadline):
    app.config["QUEUE_PAGE_SIZE"] = 3
    customer = make.user()
    tickets = [make.ticket(customer, subject=f"Ticket {i}",
                           priority=("urgent", "low", "normal", "high")[i % 4])
               for i in range(8)]
    if same_deadline:       # ties are broken by id, across page boundaries too
        due = utcnow().replace(microsecond=0) + timedelta(hours=1)
        for ticket in tickets:
            ticket.due_at = ticket.update_due_at = due
        db.session.commit()
    expected = [t.ref for t in sorted(tickets, key=lambda t: (t.due_at, t.id))]
    login_as(make.agent(1))
    seen, url, pages = [], "/queue", 0
    while url:
        page = client.get(url).get_data(as_text=True)
        refs = _refs(page)
        assert 0 < len(refs) <= 3
        seen += refs
        url, pages = _next_link(page), pages + 1
        assert pages <= 3
    assert seen == expected


def test_my_tickets_pages_by_key(app, client, make, login_as):
    app.config["QUEUE_PAGE_SIZE"] = 2
    customer = make.user()
    tickets = [make.ticket(customer, subject=f"Mine {i}") for i in range(5)]
    make.ticket(subject="Not mine")
    login_as(customer)
    seen, url = [], "/tickets"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += REF.findall(page.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
        url = _next_link(page)
    assert sorted(seen) == sorted(t.ref for t in tickets) and len(seen) == len(set(seen))


def test_pages_keep_the_filter(app, client, make, login_as):
    app.config["QUEUE_PAGE_SIZE"] = 2
    urgent = [make.ticket(priority="urgent", subject=f"Urgent {i}") for i in range(5)]
    for i in range(3):
        make.ticket(priority="low", subject=f"Low {i}")
    login_as(make.agent(1))
    seen, url = [], "/queue?priority=urgent"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += _refs(page)
        url = _next_link(page)
        assert url is None or "priority=urgent" in url
    assert seen == [t.ref for t in urgent]
