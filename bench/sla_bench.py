"""The service-level benchmark: `helpdesk sla tick` over 100,000 open tickets.

    .venv/bin/python bench/sla_bench.py [--tickets 100000] [--runs 3] [--due-share 0.01]

Seeds once (`bench/seed.py`, every ticket active: new, open or waiting on the customer,
filed over the last two weeks, each with its working-time clock, and the deadlines that
passed already recorded as a running tick would have recorded them), with the rules of
the demo: urgent tickets escalate by themselves when their first response is late, and
level 2 has a lead who hears of its breaches. Then, `--runs` times each, on a fresh copy
of the seeded database:

idle
    A tick when nothing is due (right after another one: the state every minute's cron
    run meets most of the time).
due
    A tick when `--due-share` of the open tickets (1%: 1,000) have a deadline that has
    just passed: the clocks that are due next are moved to a minute ago, so the tick
    records their breaches (ticket event, one digest mail per agent of the level or its
    lead per batch) and escalates the urgent ones whose first response is late.
recompute (only with `--only recompute`)
    The tick after a change of the rules on an install above SLA_RECOMPUTE_INLINE_MAX:
    it recalculates every open ticket's due times first (a batch per commit), then checks
    the clocks. No target: it is the one slow tick after an admin's change.

each measured two ways: `tick()` called in this process (the app already created), and the
real command `helpdesk sla tick` in a process of its own (wall time including Python's
start-up and `create_app`). Before each measured tick an untimed one catches up with
whatever fell due since the seeding. Mail is queued in the outbox as in production (no
sender runs). Target (issue 9): under 10 s over 100,000 open tickets.

The figures depend on the machine and on what else runs on it: the 1-minute load average
before each run is printed and stored, and beside the wall time the CPU time of the tick
(this process's, or the command's), which hardly moves when other processes compete for
the CPU. Medians are printed and written to bench/results/sla-<timestamp>.json; nothing
is asserted. `--seeded DIR` reuses a seeded instance folder (`--keep` keeps the one made);
`--profile` runs one in-process `due` tick under cProfile and prints the top functions.
To see where the time goes: `--mail-suppress` (no mail at all), `--leads` (a lead for
every level, so a breach is one mail instead of one to each of the level's agents),
`--no-auto-escalate`.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import seed as seeding  # noqa: E402  (bench/seed.py)

TARGET_SECONDS = 10.0
DB_NAME = "helpdesk.sqlite3"
SECRET_KEY = "sla-bench-secret"


# --mail-suppress sets it: the tick without its mail (to see what the mail costs).
MAIL_SUPPRESS = {"on": False}


def _config(instance: Path) -> dict:
    config = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{instance / DB_NAME}",
              "SECRET_KEY": SECRET_KEY, "MAIL_SEND_IN_BACKGROUND": False}
    if MAIL_SUPPRESS["on"]:
        config["MAIL_SUPPRESS"] = True
    return config


def _env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update({f"HELPDESK_{key}": str(value) for key, value in _config(instance).items()})
    return env


def _app(instance: Path):
    from helpdesk import create_app

    return create_app(_config(instance))


# -- seeding ---------------------------------------------------------------------------

def seed(instance: Path, tickets: int) -> dict:
    """Seed `tickets` open tickets, each with its clock, in `instance`."""
    app = seeding.make_app(instance)
    seeding.create_schema(app)
    info = seeding.seed(app, tickets, n_active=tickets)
    return {"seconds": info.seconds, "rows": info.rows, "tickets": info.tickets}


def demo_rules(instance: Path, auto_escalate: bool, leads: bool = False) -> None:
    """The demo's rules: late urgent tickets escalate by themselves (unless told not to),
    and level 2's lead hears of its breaches (`leads`: every level has a lead, so each
    breach is one mail). None of them changes a due time."""
    import sqlalchemy as sa

    from helpdesk.accounts.models import User
    from helpdesk.database import writing
    from helpdesk.extensions import db
    from helpdesk.service_levels.models import SlaLevelTarget, SlaPolicy

    app = _app(instance)
    with app.app_context(), writing():
        db.session.execute(sa.update(SlaPolicy).where(SlaPolicy.scope == "urgent:*")
                           .values(auto_escalate=auto_escalate))
        for level in (1, 2, 3):
            lead = db.session.scalar(sa.select(User.id).where(
                User.email == f"l{level}-1@bench.example")) if level == 2 or leads else None
            if db.session.scalar(sa.select(SlaLevelTarget.id).where(
                    SlaLevelTarget.level == level)) is None:
                db.session.add(SlaLevelTarget(level=level, take_minutes=60, answer_minutes=60))
                db.session.flush()
            db.session.execute(sa.update(SlaLevelTarget).where(SlaLevelTarget.level == level)
                               .values(lead_id=lead))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def clock_census(app) -> dict:
    """How the clocks stand now: running, paused, due, without a deadline to come."""
    import sqlalchemy as sa

    from helpdesk.clock import utcnow
    from helpdesk.extensions import db
    from helpdesk.service_levels.models import SlaClock

    count = sa.select(sa.func.count()).select_from(SlaClock)
    with app.app_context():
        now = utcnow()
        out = {"clocks": db.session.scalar(count),
               "paused": db.session.scalar(count.where(SlaClock.paused.is_(True))),
               "waiting_for_a_deadline": db.session.scalar(
                   count.where(SlaClock.next_check_at.is_not(None))),
               "due": db.session.scalar(count.where(SlaClock.next_check_at <= now))}
        db.session.remove()
    return out


# -- one run ---------------------------------------------------------------------------

def prepare(instance: Path, scenario: str, due_share: float) -> dict:
    """Catch up (untimed tick), then for `due` make the next clocks due a minute ago."""
    import sqlalchemy as sa

    from helpdesk.clock import utcnow
    from helpdesk.database import writing
    from helpdesk.extensions import db
    from helpdesk.service_levels.models import SlaClock
    from helpdesk.service_levels.tick import tick

    app = _app(instance)
    with app.app_context(), writing():
        caught_up = tick()
        moved = 0
        if scenario == "recompute":
            from helpdesk.service_levels.provider import active_ticket_count, request_recompute

            request_recompute(active_ticket_count())    # as a save above the inline limit
        if scenario == "due":
            total = db.session.scalar(sa.select(sa.func.count()).select_from(SlaClock))
            wanted = max(int(round(total * due_share)), 1)
            past = utcnow().replace(microsecond=0) - timedelta(minutes=1)
            clocks = db.session.scalars(
                sa.select(SlaClock).where(SlaClock.next_check_at.is_not(None))
                .order_by(SlaClock.next_check_at, SlaClock.ticket_id).limit(wanted)).all()
            for clock in clocks:
                for column in ("first_response_due_at", "next_update_due_at",
                               "resolution_due_at", "take_due_at", "answer_due_at"):
                    if getattr(clock, column) == clock.next_check_at:
                        setattr(clock, column, past)
                clock.next_check_at = past
            moved = len(clocks)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    census = clock_census(app)
    with app.app_context():
        db.engine.dispose()
    return {"caught_up": vars(caught_up), "moved": moved, "due_before": census["due"]}


def _counts(instance: Path) -> dict:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(instance / DB_NAME)) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("sla_breach", "mail_outbox", "handoff")}


def run_function(instance: Path, profile: bool = False) -> dict:
    """`tick()` in this process; the app is created before the clock starts."""
    from helpdesk.database import writing
    from helpdesk.extensions import db
    from helpdesk.service_levels.tick import tick

    app = _app(instance)
    profiler = cProfile.Profile() if profile else None
    with app.app_context(), writing():
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        report = tick()
        if profiler:
            profiler.disable()
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        db.session.remove()
        db.engine.dispose()
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(35)
        stats.print_callees("record_breach")
        print(out.getvalue())
    return {"wall_s": round(wall, 3),
            "cpu_s": round(after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime, 3),
            **vars(report)}


def run_cli(instance: Path) -> dict:
    """`helpdesk sla tick` in a process of its own (start-up included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([str(VENV_BIN / "helpdesk"), "sla", "tick"], cwd=ROOT,
                          env=_env(instance), capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"helpdesk sla tick failed:\n{proc.stdout}\n{proc.stderr}")
    figures = dict(item.strip().split(" ") for item in proc.stdout.strip().split(","))
    return {"wall_s": round(wall, 3),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime
                           - before.ru_stime, 3),
            "output": proc.stdout.strip(), **{k: int(v) for k, v in figures.items()}}


def one_run(pristine: Path, workdir: Path, scenario: str, mode: str, args) -> dict:
    instance = workdir / f"run-{scenario}-{mode}"
    shutil.rmtree(instance, ignore_errors=True)
    shutil.copytree(pristine, instance)
    try:
        prepared = prepare(instance, scenario, args.due_share)
        before = _counts(instance)
        load = os.getloadavg()[0]
        result = run_function(instance) if mode == "function" else run_cli(instance)
        after = _counts(instance)
    finally:
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)
    result.update(load_before=round(load, 2), prepared=prepared,
                  recorded={k: after[k] - before[k] for k in after})
    print(f"    {scenario:<5} {mode:<9} {result['wall_s']:7.2f} s wall  "
          f"{result['cpu_s']:6.2f} s CPU   due {prepared['due_before']:>6,}  "
          f"checked {result['checked']:>6,}  breaches {result['breaches']:>5,}  "
          f"escalated {result['escalated']:>3}  mails {result['recorded']['mail_outbox']:>6,}"
          f"  (load before {load:.1f})", flush=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark `helpdesk sla tick`.")
    parser.add_argument("--tickets", type=int, default=100_000,
                        help="open tickets, each with a clock (100000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (3)")
    parser.add_argument("--due-share", type=float, default=0.01,
                        help="share of the clocks due in the 'due' scenario (0.01)")
    parser.add_argument("--only", default="idle,due",
                        help="scenarios, comma-separated: idle, due, recompute (idle,due)")
    parser.add_argument("--modes", default="function,cli",
                        help="how the tick runs, comma-separated (function,cli)")
    parser.add_argument("--no-auto-escalate", action="store_true",
                        help="no automatic escalation of late urgent tickets")
    parser.add_argument("--leads", action="store_true",
                        help="a lead for every level: one mail per breach, not one to each "
                             "of the level's agents")
    parser.add_argument("--mail-suppress", action="store_true",
                        help="no mail at all (what the tick costs without its mail)")
    parser.add_argument("--seeded", type=Path, help="reuse this seeded instance folder")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--profile", action="store_true",
                        help="one in-process 'due' tick under cProfile first")
    args = parser.parse_args(argv)
    MAIL_SUPPRESS["on"] = args.mail_suppress
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-sla-bench-"))
    print(f"sla tick benchmark: {args.tickets:,} open tickets, {args.runs} runs per figure, "
          f"{args.due_share:.1%} due; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()}; work folder {workdir}", flush=True)
    results: dict[str, list[dict]] = {}
    try:
        if args.seeded:
            pristine = args.seeded.resolve()
            seeded = {"reused": str(pristine)}
        else:
            pristine = workdir / "seeded"
            started = time.perf_counter()
            seeded = seed(pristine, args.tickets)
            seeded["wall_s"] = round(time.perf_counter() - started, 1)
            print(f"  seeded in {seeded['wall_s']} s: {seeded['rows']}", flush=True)
        demo_rules(pristine, auto_escalate=not args.no_auto_escalate, leads=args.leads)
        census_app = _app(pristine)
        seeded["census"] = clock_census(census_app)
        with census_app.app_context():
            from helpdesk.extensions import db

            db.engine.dispose()
        seeded["database_mib"] = round(sum(p.stat().st_size for p in pristine.glob(
            f"{DB_NAME}*")) / 2**20, 1)
        print(f"  clocks: {seeded['census']}; database {seeded['database_mib']} MiB",
              flush=True)
        if args.profile:
            instance = workdir / "profile"
            shutil.copytree(pristine, instance)
            prepare(instance, "due", args.due_share)
            print(run_function(instance, profile=True))
            shutil.rmtree(instance, ignore_errors=True)
        scenarios = [s.strip() for s in args.only.split(",") if s.strip()]
        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        for number in range(1, args.runs + 1):
            print(f"  run {number}:", flush=True)
            for scenario in scenarios:
                for mode in modes:
                    results.setdefault(f"{scenario} {mode}", []).append(
                        one_run(pristine, workdir, scenario, mode, args))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nmedians of {args.runs} runs over {args.tickets:,} open tickets "
          f"(target: under {TARGET_SECONDS:.0f} s):")
    summary = {}
    for key, runs in results.items():
        entry = {"median_wall_s": statistics.median(r["wall_s"] for r in runs),
                 "median_cpu_s": statistics.median(r["cpu_s"] for r in runs),
                 "walls": [r["wall_s"] for r in runs],
                 "loads": [r["load_before"] for r in runs],
                 "breaches": [r["breaches"] for r in runs],
                 "escalated": [r["escalated"] for r in runs]}
        summary[key] = entry
        verdict = ("no target" if key.startswith("recompute") else
                   "meets" if entry["median_wall_s"] < TARGET_SECONDS else "MISSES")
        print(f"  {key:<14} {entry['median_wall_s']:7.2f} s wall  "
              f"{entry['median_cpu_s']:6.2f} s CPU  {verdict}  (walls {entry['walls']}, "
              f"breaches {entry['breaches']}, load before {entry['loads']})")
    out = BENCH / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    path = out / f"sla-{stamp}.json"
    path.write_text(json.dumps({"when": stamp, "commit": commit, "args": {
        k: str(v) for k, v in vars(args).items()}, "cpus": os.cpu_count(), "seeded": seeded,
        "summary": summary, "runs": results}, indent=2))
    print(f"\nResults written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
