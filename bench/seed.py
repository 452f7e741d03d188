"""Seed a fresh helpdesk database with N realistic tickets, fast.

The schema comes from the real migrations (``helpdesk init-db``'s code path); the rows
go in with SQLAlchemy Core ``insert()`` executemany into the real tables, in one
transaction. Run on its own for a database to poke at:

    .venv/bin/python bench/seed.py --tickets 100000 --instance /tmp/hd-bench

What it makes (deterministic for a given --seed):

* 8 categories; agents at level 1 (10), 2 (5) and 3 (3) and one admin; 600 customers,
  whose ticket counts follow a Zipf-like curve (the first has the most);
* mostly resolved/closed tickets spread over two years, and 2,500 active ones (new /
  open / waiting on customer; at most a quarter) over the last two weeks at levels 1-3;
* per ticket a couple of messages (public replies, sometimes an internal note), the
  events that go with them (created, assignee, status, level, reply, note) and a
  hand-off for every escalation;
* SLA columns as the app computes them. With the service-levels feature loaded (the
  default), every active ticket's due times come from the working-time clock
  (`helpdesk.service_levels.deadlines.timeline`, with the calendar, policies and level
  targets in force), it gets its `sla_clock` row (`provider.write_clock`), and the
  deadlines that have already passed are recorded as `sla tick` would have recorded them
  (an `sla_breach` row and its ticket event, a minute after the due time; the clock's
  `next_check_at` is its next deadline still to come). Resolved and closed tickets keep
  the around-the-clock times of sla.TARGETS. Without the feature, every ticket has those:
  first_response_due_at / resolution_due_at from sla.TARGETS, update_due_at, and
  due_at = sla.queue_key(status, update_due_at).

`--active N` makes N of the tickets active (default: 2,500, at most a quarter);
`bench/sla_bench.py` seeds 100,000 active tickets this way.
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

PASSWORD = "bench-pass-1234"
BATCH = 5_000

CATEGORIES = [
    ("orders", "Orders", "Bestellungen"), ("payments", "Payments", "Zahlungen"),
    ("shipping", "Shipping", "Versand"), ("returns", "Returns", "Retouren"),
    ("account", "Account", "Konto"), ("api", "API and integrations", "API und Integrationen"),
    ("themes", "Themes", "Themes"), ("billing", "Billing", "Abrechnung"),
]
SUBJECTS = [
    "Order {n} stuck in processing", "Payment declined for order {n}",
    "Cannot log in to the shop admin", "Webhook for order {n} not delivered",
    "Refund for order {n} not received", "Shipping label fails to print",
    "Theme breaks on mobile checkout", "Invoice {n} shows the wrong VAT",
    "API returns 500 on /products", "Customer cannot reset password",
    "Stock level out of sync for product {n}", "Discount code not applied at checkout",
]
BODY = ("Hello,\n\nsince this morning **order {n}** is not going through. We tried:\n\n"
        "1. clearing the cache\n2. re-sending the order\n\nThe log says `timeout after 30s`. "
        "Could you have a look? Thanks!\n")
REPLY = ("Thanks for the details. We checked the shop settings and the payment provider "
         "log; please try again and tell us if it happens again. See also the article "
         "*Payments: declined orders* in our knowledge base.")
CUSTOMER_REPLY = "Thank you, it works now. One more question: can I export the log?"
NOTE = "Provider status page shows an incident; linked to the known error."
HANDOFF = ("Customer cannot complete checkout; reproduced on staging.",
           "Cleared cache, re-sent the order, checked the provider log.",
           "Payments: declined orders; Checkout troubleshooting")

FIRST_RESPONSE = {"urgent": 1, "high": 4, "normal": 8, "low": 24}   # hours (sla.TARGETS)
RESOLUTION = {"urgent": 8, "high": 24, "normal": 72, "low": 120}


@dataclass
class Seeded:
    """What the benchmark needs to know about the seeded database."""

    tickets: int
    instance: str
    database_url: str
    password: str
    l1_agent: str
    customer: str
    customer_tickets: int
    ticket_refs: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def create_schema(app) -> None:
    """Create the tables with the real migrations (as `helpdesk init-db` does)."""
    from helpdesk.cli import upgrade_database

    with app.app_context():
        upgrade_database()


def _active_count(n: int) -> int:
    """A few thousand active tickets, the same number at every size (at most a quarter).

    A helpdesk's workload does not grow with its history: comparing sizes then shows
    what the history costs the pages.
    """
    return min(n // 4, 2_500)


def _zipf_cum_weights(count: int, s: float = 0.9) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank ** s) for rank in range(1, count + 1)))


def _sla_settings(app):
    """The service-level settings in force (their rows created), or None without the
    feature."""
    if "service_levels" not in app.blueprints:
        return None
    from helpdesk.database import writing
    from helpdesk.extensions import db
    from helpdesk.service_levels import policies

    with app.app_context(), writing():
        policies.ensure_defaults()
        db.session.commit()
        settings = policies.current()
        db.session.remove()
    return settings


class _SlaRows:
    """Working-time deadlines, clock rows and the breaches a running tick would have
    recorded, for the active tickets (the app's own code works them out)."""

    def __init__(self, settings, now, event_id):
        from helpdesk.service_levels.deadlines import Fact, timeline
        from helpdesk.service_levels.models import SlaClock, Target
        from helpdesk.service_levels.provider import write_clock

        self.settings, self.now, self.event_id = settings, now, event_id
        self._fact, self._timeline = Fact, timeline
        self._clock, self._write_clock, self._targets = SlaClock, write_clock, tuple(Target)
        self.clocks: list[dict] = []
        self.breaches: list[dict] = []
        self.breach_events: list[dict] = []

    def ticket(self, *, tid, status, priority, category_id, level, created, requester,
               events) -> dict:
        """Record the ticket's clock (and past breaches); return its SLA columns."""
        from types import SimpleNamespace

        from helpdesk.tickets import sla
        from helpdesk.tickets.models import Status

        facts = [self._fact(e["kind"], e["created_at"], e["actor_id"] == requester,
                            e["old_value"], e["new_value"]) for e in events]
        settings = self.settings
        line = self._timeline(settings.calendar, settings.policy_for(priority, category_id),
                              settings.levels, created_at=created, status=status.value,
                              level=level, facts=facts, now=self.now)
        clock = self._clock()
        self._write_clock(clock, SimpleNamespace(level=level, status=status), line)
        deadlines = clock.open_deadlines()
        running = status in (Status.new, Status.open) and not clock.paused
        if running:
            for target, due in deadlines.items():
                if due > self.now:
                    continue
                recorded = min(due + timedelta(minutes=1), self.now)
                self.breaches.append(dict(ticket_id=tid, target=target.value, due_at=due,
                                          started_at=clock.started_at(target),
                                          level=level, recorded_at=recorded))
                self.breach_events.append(dict(
                    id=next(self.event_id), ticket_id=tid, actor_id=None, kind="sla_breach",
                    old_value=target.value, new_value=due.isoformat(), note=None,
                    created_at=recorded))
        future = [due for due in deadlines.values() if due > self.now]
        self.clocks.append(dict(
            ticket_id=tid, level=level, paused=clock.paused,
            first_response_due_at=clock.first_response_due_at,
            next_update_due_at=clock.next_update_due_at,
            resolution_due_at=clock.resolution_due_at, take_due_at=clock.take_due_at,
            answer_due_at=clock.answer_due_at,
            **{f"{t.value}_started_at": clock.started_at(t) for t in self._targets},
            next_check_at=min(future) if running and future else None))
        return dict(first_response_due_at=line.first_response.due_at,
                    resolution_due_at=line.resolution.due_at,
                    update_due_at=line.update_due_at,
                    due_at=sla.queue_key(status, line.update_due_at))


def seed(app, n_tickets: int, *, seed_value: int = 1, n_customers: int = 600,
         n_active: int | None = None, sla_clocks: bool = True) -> Seeded:
    """Fill the (empty, migrated) database of `app` with `n_tickets` tickets, `n_active`
    of them active (default: `_active_count`); with `sla_clocks` and the service-levels
    feature loaded, the active ones get working-time deadlines and clocks."""
    from helpdesk.accounts.models import User
    from helpdesk.clock import utcnow
    from helpdesk.extensions import db
    from helpdesk.rendering import render_to_store
    from helpdesk.tickets import sla
    from helpdesk.tickets.models import (
        Category,
        Handoff,
        Message,
        Priority,
        Status,
        Ticket,
        TicketEvent,
        format_ref,
    )

    started = time.perf_counter()
    rnd = random.Random(seed_value)
    now = utcnow().replace(microsecond=0)
    pw_hash = generate_password_hash(PASSWORD)     # one hash for everyone: hashing is slow

    # -- users and categories ------------------------------------------------------
    users, agents_by_level = [], {1: [], 2: [], 3: []}
    uid = itertools.count(1)

    def user(email, name, role, level=None, shop=None):
        ident = next(uid)
        users.append(dict(id=ident, email=email, name=name, password_hash=pw_hash, role=role,
                          level=level, language=rnd.choice(("en", "en", "de")),
                          is_active_account=True, email_confirmed_at=now - timedelta(days=800),
                          shop_name=shop, created_at=now - timedelta(days=800)))
        return ident

    for level, count in ((1, 10), (2, 5), (3, 3)):
        for i in range(1, count + 1):
            agents_by_level[level].append(
                user(f"l{level}-{i}@bench.example", f"Agent L{level} #{i}", "agent", level))
    user("admin@bench.example", "Bench Admin", "admin")
    customers = [user(f"customer-{i}@bench.example", f"Customer {i}", "customer",
                      shop=f"shop-{i}.example") for i in range(1, n_customers + 1)]
    cum_weights = _zipf_cum_weights(len(customers))
    total_weight = cum_weights[-1]
    l1_agent_id = agents_by_level[1][0]
    categories = [dict(id=i, slug=slug, name_en=en, name_de=de, is_active=True)
                  for i, (slug, en, de) in enumerate(CATEGORIES, start=1)]

    # -- tickets, messages, events, hand-offs ----------------------------------------
    n_active = _active_count(n_tickets) if n_active is None else min(n_active, n_tickets)
    active_ids = set(rnd.sample(range(1, n_tickets + 1), n_active))
    priorities = [Priority.low, Priority.normal, Priority.high, Priority.urgent]
    prio_weights = [20, 55, 20, 5]
    channels = ["web"] * 5 + ["email"] * 3 + ["phone", "whatsapp", "instagram", "facebook",
                                              "tiktok"]
    tickets, messages, events, handoffs = [], [], [], []
    message_id, event_id, handoff_id = itertools.count(1), itertools.count(1), itertools.count(1)
    customer_counts: dict[int, int] = {}
    sla_settings = _sla_settings(app) if sla_clocks else None
    sla_rows = _SlaRows(sla_settings, now, event_id) if sla_settings is not None else None

    def event(ticket_id, actor, kind, at, old=None, new=None, note=None):
        events.append(dict(id=next(event_id), ticket_id=ticket_id, actor_id=actor, kind=kind,
                           old_value=old, new_value=new, note=note, created_at=at))

    # Rendered once per distinct text, as the app stores it when a message is written.
    rendered: dict[str, str] = {}

    def html(body):
        if body not in rendered:
            rendered[body] = render_to_store(body)
        return rendered[body]

    def message(ticket_id, author, body, internal, at):
        messages.append(dict(id=next(message_id), ticket_id=ticket_id, author_id=author,
                             body=body, body_html=html(body), is_internal=internal,
                             created_at=at))

    for tid in range(1, n_tickets + 1):
        active = tid in active_ids
        requester = customers[bisect.bisect_left(cum_weights,
                                                 rnd.random() * total_weight)]
        customer_counts[requester] = customer_counts.get(requester, 0) + 1
        priority = rnd.choices(priorities, prio_weights)[0]
        if active:
            status = rnd.choices([Status.new, Status.open, Status.waiting_on_customer],
                                 [30, 50, 20])[0]
            level = rnd.choices([1, 2, 3], [60, 30, 10])[0] if status != Status.new else 1
            created = now - timedelta(minutes=rnd.randint(5, 14 * 24 * 60))
        else:
            status = rnd.choices([Status.resolved, Status.closed], [25, 75])[0]
            level = rnd.choices([1, 2, 3], [70, 22, 8])[0]
            created = now - timedelta(minutes=rnd.randint(15 * 24 * 60, 730 * 24 * 60))
        first_due = created + timedelta(hours=FIRST_RESPONSE[priority.value])
        resolution_due = created + timedelta(hours=RESOLUTION[priority.value])
        assignee = None
        if status != Status.new and rnd.random() < (0.7 if status == Status.open else 0.95):
            pool = agents_by_level[level]
            # the benchmark's level-1 agent has a fair share of the level-1 work
            assignee = l1_agent_id if level == 1 and rnd.random() < 0.15 else rnd.choice(pool)
        channel = rnd.choice(channels)
        category_id = rnd.randint(1, len(categories))
        first_event = len(events)
        t = created
        step = timedelta(minutes=rnd.randint(10, 600))
        if active:
            # the whole thread in the past (at most 9 steps): the clock reads its events
            step = min(step, (now - created) / 10)
        event(tid, requester if channel == "web" else rnd.choice(agents_by_level[1]),
              "created", t, new=channel)
        first_responded = None
        if status != Status.new:
            # level 1 picks it up and answers
            l1 = l1_agent_id if rnd.random() < 0.15 else rnd.choice(agents_by_level[1])
            t += step
            event(tid, l1, "status", t, old="new", new="open")
            t += step
            message(tid, l1, REPLY, False, t)
            event(tid, l1, "reply", t)
            first_responded = t
            if rnd.random() < 0.3:
                t += step
                message(tid, l1, NOTE, True, t)
                event(tid, l1, "note", t)
            t += step
            message(tid, requester, CUSTOMER_REPLY, False, t)
            event(tid, requester, "reply", t)
            from_agent = l1
            for to_level in range(2, level + 1):       # escalations, one level at a time
                t += step
                handoffs.append(dict(id=next(handoff_id), ticket_id=tid, author_id=from_agent,
                                     kind="escalation", from_level=to_level - 1,
                                     to_level=to_level, summary=HANDOFF[0], tried=HANDOFF[1],
                                     articles_checked=HANDOFF[2], created_at=t))
                event(tid, from_agent, "level", t, old=str(to_level - 1), new=str(to_level),
                      note=HANDOFF[0])
                from_agent = rnd.choice(agents_by_level[to_level])
            if assignee is not None:
                t += step
                event(tid, assignee, "assignee", t, new=f"agent {assignee}")
            if status in (Status.waiting_on_customer, Status.resolved, Status.closed):
                t += step
                actor = assignee or from_agent
                event(tid, actor, "status", t, old="open", new=status.value)
                if status == Status.closed:
                    t += step
                    event(tid, requester, "status", t, old="resolved", new="closed")
        update_due = first_due if first_responded is None else max(resolution_due,
                                                                   first_responded)
        if active:
            # keep active tickets' timestamps in the past (a fresh ticket has a short thread)
            t = min(t, now - timedelta(minutes=1))
        resolved_at = t if status in (Status.resolved, Status.closed) else None
        due_columns = dict(first_response_due_at=first_due, resolution_due_at=resolution_due,
                           update_due_at=update_due, due_at=sla.queue_key(status, update_due))
        if sla_rows is not None and active:
            due_columns = sla_rows.ticket(
                tid=tid, status=status, priority=priority, category_id=category_id,
                level=level, created=created, requester=requester,
                events=events[first_event:])
        tickets.append(dict(
            id=tid, subject=rnd.choice(SUBJECTS).format(n=100000 + tid),
            body=BODY.format(n=100000 + tid),
            body_html=html(BODY).replace("{n}", str(100000 + tid)),
            status=status.value, priority=priority.value,
            channel=channel, level=level, category_id=category_id,
            requester_id=requester,
            created_by_id=requester if channel == "web" else agents_by_level[1][0],
            assignee_id=assignee,
            shop_ref=f"shop-{requester}.example" if rnd.random() < 0.5 else None,
            order_ref=f"#{200000 + tid}" if rnd.random() < 0.6 else None,
            product_ref=None, created_at=created, updated_at=t,
            first_responded_at=first_responded, resolved_at=resolved_at,
            closed_at=t if status == Status.closed else None,
            version=1, **due_columns))

    # -- insert ------------------------------------------------------------------
    tables = [(Category.__table__, categories), (User.__table__, users),
              (Ticket.__table__, tickets), (Message.__table__, messages),
              (TicketEvent.__table__, events), (Handoff.__table__, handoffs)]
    if sla_rows is not None:
        from helpdesk.service_levels.models import SlaBreach, SlaClock

        tables += [(TicketEvent.__table__, sla_rows.breach_events),
                   (SlaClock.__table__, sla_rows.clocks),
                   (SlaBreach.__table__, sla_rows.breaches)]
    with app.app_context():
        with db.engine.begin() as conn:
            for table, rows in tables:
                for start in range(0, len(rows), BATCH):
                    conn.execute(sa.insert(table), rows[start:start + BATCH])
        db.engine.dispose()

    heavy = max(customer_counts, key=customer_counts.get)
    refs = [format_ref(t["id"]) for t in tickets if t["level"] == 1][:200]
    # a mix of active and done level-1 tickets, the ones an agent opens from the queue
    active_l1 = [format_ref(t["id"]) for t in tickets if t["level"] == 1
                 and t["status"] in ("new", "open", "waiting_on_customer")][:100]
    email = {u["id"]: u["email"] for u in users}
    return Seeded(
        tickets=n_tickets, instance=str(app.instance_path),
        database_url=app.config["SQLALCHEMY_DATABASE_URI"], password=PASSWORD,
        l1_agent=email[l1_agent_id], customer=email[heavy],
        customer_tickets=customer_counts[heavy],
        ticket_refs=(active_l1 + refs)[:200],
        rows={"user": len(users), "category": len(categories), "ticket": len(tickets),
              "message": len(messages),
              "ticket_event": len(events) + len(sla_rows.breach_events if sla_rows else ()),
              "handoff": len(handoffs),
              "sla_clock": len(sla_rows.clocks) if sla_rows else 0,
              "sla_breach": len(sla_rows.breaches) if sla_rows else 0},
        seconds=round(time.perf_counter() - started, 2))


def make_app(instance: Path):
    """The real application on a fresh SQLite database in `instance`."""
    from helpdesk import create_app

    instance.mkdir(parents=True, exist_ok=True)
    db_file = instance / "helpdesk.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    return create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{db_file}",
                       "MAIL_SUPPRESS": True})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--instance", type=Path, required=True,
                        help="instance folder (its database is replaced)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--active", type=int, default=None,
                        help="how many tickets are active (default: 2,500, at most a quarter)")
    parser.add_argument("--no-sla-clocks", action="store_true",
                        help="around-the-clock due times only, no clocks or breaches")
    args = parser.parse_args(argv)
    app = make_app(args.instance.resolve())
    create_schema(app)
    info = seed(app, args.tickets, seed_value=args.seed, n_active=args.active,
                sla_clocks=not args.no_sla_clocks)
    info.ticket_refs = info.ticket_refs[:5]
    json.dump(asdict(info), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
