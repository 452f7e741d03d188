"""Profile the benchmarked pages in-process: time, SQL statements, SQL time, a profile.

    .venv/bin/python bench/profile_pages.py --instance DIR [--page queue] [-n 50]
        [--pyinstrument] [--sql]

DIR is an instance seeded by bench/seed.py (or kept by `bench/run.py --keep`).
Uses Flask's test client, so no server and no network: the figures are the
application's own cost per request.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import PASSWORD  # noqa: E402


def login(client, email):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    resp = client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--page", default="all", help="queue, ticket, my_tickets, file, all")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--sql", action="store_true", help="print each statement once")
    args = parser.parse_args(argv)

    from helpdesk import create_app
    from helpdesk.extensions import db

    instance = args.instance.resolve()
    app = create_app({"INSTANCE_PATH": str(instance), "MAIL_SUPPRESS": True,
                      "DATABASE_URL": f"sqlite:///{instance / 'helpdesk.sqlite3'}"})
    stats = {"count": 0, "seconds": 0.0, "statements": []}

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        stats["count"] += 1
        spent = time.perf_counter() - conn.info.pop("t0", time.perf_counter())
        stats["seconds"] += spent
        stats["statements"].append((statement, spent))

    agent, customer = app.test_client(), app.test_client()
    login(agent, "l1-1@bench.example")
    with app.app_context():
        import sqlalchemy as sa

        from helpdesk.tickets.models import Ticket
        heavy = db.session.scalar(sa.text(
            "SELECT u.email FROM ticket t JOIN user u ON u.id = t.requester_id "
            "GROUP BY u.email ORDER BY count(*) DESC LIMIT 1"))
        ref = db.session.scalar(sa.select(Ticket).where(
            Ticket.level == 1, Ticket.status == "open").order_by(Ticket.id).limit(1)).ref
    login(customer, heavy)
    html = customer.get("/tickets/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "subject": "Checkout fails", "category": "1",
            "priority": "normal", "body": "The **checkout** fails with a 502."}
    pages = {
        "queue": lambda: agent.get("/queue"),
        "ticket": lambda: agent.get(f"/tickets/{ref}"),
        "my_tickets": lambda: customer.get("/tickets"),
        "file": lambda: customer.post("/tickets/new", data=form),
    }
    chosen = list(pages) if args.page == "all" else args.page.split(",")
    for name in chosen:
        call = pages[name]
        resp = call()                                    # warm: templates, caches
        status = resp.status_code
        stats.update(count=0, seconds=0.0, statements=[])
        profiler = None
        if args.pyinstrument:
            from pyinstrument import Profiler
            profiler = Profiler(interval=0.0005)
            profiler.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(args.n):
            call()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        if profiler:
            profiler.stop()
        print(f"{name:<11} HTTP {status}  {elapsed / args.n * 1000:7.2f} ms/request "
              f"(CPU {cpu / args.n * 1000:6.2f} ms)  "
              f"{stats['count'] / args.n:5.1f} statements  "
              f"{stats['seconds'] / args.n * 1000:6.2f} ms SQL")
        if args.sql:
            per: dict[str, float] = {}
            for statement, spent in stats["statements"]:
                per[statement] = per.get(statement, 0.0) + spent
            for statement, spent in per.items():
                print(f"   {spent / args.n * 1000:7.2f} ms  {' '.join(statement.split())[:300]}")
        if profiler:
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
