"""The mail benchmark: how many messages per second come in, how many mails go out.

    .venv/bin/python bench/mail_bench.py [--runs 3] [--messages 300] [--mails 2000]
                                         [--only receive,fetch,send] [--postgresql]

Three figures, each measured `--runs` times on a fresh database and instance folder, with
the medians at the end (printed, and written to bench/results/mail-<timestamp>.json):

receive
    `helpdesk.mail_in.pipeline.receive` in this process, one message after the other, as
    `helpdesk mail receive` and every other way in run it: `--messages` messages shaped
    like the corpus in tests/mail/ (the customer mails of all mail clients, German and
    English, with their quotes, signatures and attachments), each with a Message-ID of its
    own, from a few senders per ten messages; about a third are replies to the sender's
    earlier mail (In-Reply-To), which land in that ticket, the others file new tickets
    (with the acknowledgement queued in the outbox, as in production).
fetch
    The real command, `helpdesk mail fetch --once`, in a process of its own, against a
    Dovecot on loopback (started as tests/imap_server.py does) holding the same messages.
    The time of the same command on an empty mailbox (start-up, login) is measured too,
    and the rate without it printed beside the whole.
send
    The real worker, `helpdesk mail send --once` (the delivery loop of `helpdesk mail
    send`), in a process of its own, delivering `--mails` queued mails (multipart
    acknowledgements of a ticket, threaded) to an aiosmtpd server on loopback in this
    process, which counts what arrives. Its start-up on an empty outbox is measured too.
    (The start-up takes about 2 CPU seconds, as much as sending 500 mails: the default
    of 2000 keeps the rate per CPU second from being mostly the noise of subtracting it.)

Targets (issue 10): ingest at least 50 messages per second, outbound at least 100 mails
per second. The figures depend on the machine and on what else runs on it: the 1-minute
load average before each run is printed and stored, and beside each rate the rate per CPU
second of the helpdesk's processes (this one and its children for receive, the command for
fetch and send, each without its start-up), which hardly moves when other processes
compete for the CPU: the figure to compare runs on a busy machine by. (The CPU of Dovecot,
the SMTP server and PostgreSQL is not in it.) `--postgresql` runs receive and fetch
on the PostgreSQL server of the tests too (HELPDESK_TEST_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test), each run in a schema of its own.
`--profile` runs receive once under cProfile and prints the top functions; `--profile fetch`
does so for the IMAP reader with the pipeline (`mailbox.fetch_once`, as `helpdesk mail fetch
--once` runs it, in this process: Dovecot's CPU is not in it); `--profile send` for the
send worker's delivery loop, run in this process (the SMTP server's thread is not in the
profile). `--profile-database postgresql` profiles receive or fetch on PostgreSQL.
`--sql` (with receive or fetch) counts the SQL statements per message instead, by kind,
with their time.
"""
from __future__ import annotations

import argparse
import copy
import cProfile
import email
import io
import json
import os
import pstats
import random
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email import policy as email_policy
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
CORPUS = ROOT / "tests" / "mail"
SECRET = "mail-bench-secret"
PG_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGETS = {"receive": 50.0, "fetch": 50.0, "send": 100.0}
# A sender's later mail is a reply to their earlier one this often (with four mails per
# sender on average: about a third of all messages are replies).
REPLY_CHANCE = 0.5


def load() -> float:
    return os.getloadavg()[0]


_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int | None = None) -> float:
    """CPU seconds (user + system) used so far by process `root` (default: this one) and
    every process below it that is still running (the Markdown workers, say)."""
    root = os.getpid() if root is None else root
    parents, used = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    total = 0.0
    for pid, seconds in used.items():
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == root:
            total += seconds
    return total


def children_cpu() -> float:
    """CPU seconds of the finished child processes (and what they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- the messages ----------------------------------------------------------------------------

def corpus_messages(count: int, *, seed: int = 10) -> list[bytes]:
    """`count` messages made from the corpus's customer mails: a Message-ID each, senders
    that write four times on average, about a third of the messages replies to the
    sender's earlier mail."""
    outcomes = yaml.safe_load((CORPUS / "pipeline.yaml").read_text(encoding="utf-8"))
    names = sorted(name for name, want in outcomes.items() if want["outcome"] == "ticket")
    originals = [email.message_from_bytes((CORPUS / name).read_bytes(),
                                          policy=email_policy.compat32) for name in names]
    rng = random.Random(seed)
    senders = max(1, count // 4)
    earlier: dict[str, list[str]] = {}
    made = []
    for number in range(count):
        message = copy.deepcopy(originals[number % len(originals)])
        sender = f"kunde{rng.randrange(senders)}@bench.example.org"
        message_id = f"<bench-{number}.{secrets.token_hex(6)}@bench.example.org>"
        subject = re.sub(r"\[\s*HD-?\s*\d+\s*\]\s*", "", str(message["Subject"] or ""))
        for name in ("Message-ID", "From", "Subject", "In-Reply-To", "References"):
            del message[name]
        message["Message-ID"] = message_id
        message["From"] = f"Kunde {sender.split('@')[0][5:]} <{sender}>"
        previous = earlier.get(sender)
        if previous and rng.random() < REPLY_CHANCE:
            message["Subject"] = f"Re: {subject}"
            message["In-Reply-To"] = previous[-1]
            message["References"] = " ".join(previous[-3:])
        else:
            message["Subject"] = subject
        earlier.setdefault(sender, []).append(message_id)
        made.append(message.as_bytes())
    return made


# -- an instance -----------------------------------------------------------------------------

class Instance:
    """A fresh instance folder and database (SQLite in the folder, or a PostgreSQL schema
    of its own), with its settings as environment variables for the real commands."""

    def __init__(self, database: str, **settings):
        self.folder = Path(tempfile.mkdtemp(prefix="hd-mail-bench-"))
        self.schema = None
        if database == "postgresql":
            self.schema = f"hd_mail_bench_{os.getpid()}_{secrets.token_hex(3)}"
            self._postgres(f"CREATE SCHEMA {self.schema}")
            self.url = f"{PG_URL}?options=-csearch_path%3D{self.schema}"
        else:
            self.url = f"sqlite:///{self.folder / 'helpdesk.sqlite3'}"
        self.settings = {
            "INSTANCE_PATH": str(self.folder), "DATABASE_URL": self.url,
            "SECRET_KEY": SECRET, "BASE_URL": "http://helpdesk.bench",
            "MAIL_DEFAULT_SENDER": "Tiered Helpdesk <support@example.com>", **settings}
        from helpdesk import create_app
        from helpdesk.extensions import db

        self.app = create_app(dict(self.settings))
        with self.app.app_context():
            db.create_all()
            db.session.remove()

    def env(self, **more) -> dict[str, str]:
        values = {**self.settings, **more}
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("HELPDESK_")}
        env.update({f"HELPDESK_{key}": str(value) for key, value in values.items()})
        return env

    def count(self, model) -> int:
        import sqlalchemy as sa

        from helpdesk.extensions import db

        with self.app.app_context():
            found = db.session.scalar(sa.select(sa.func.count()).select_from(model))
            db.session.remove()
            return found

    def close(self) -> None:
        from helpdesk.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.schema:
            self._postgres(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def _postgres(statement: str) -> None:
        import psycopg

        dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=5, autocommit=True) as conn:
            conn.execute(statement)


def _command(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `helpdesk ARGS`; return its wall time, its CPU time and its output (fails
    loudly)."""
    started, cpu = time.perf_counter(), children_cpu()
    result = subprocess.run([str(VENV_BIN / "helpdesk"), *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=1800)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    if result.returncode != 0:
        raise SystemExit(f"helpdesk {' '.join(args)} failed ({result.returncode}):\n"
                         f"{result.stdout}\n{result.stderr}")
    return seconds, cpu, result.stdout + result.stderr


def _rates(count: int, seconds: float, cpu: float, startup: float,
           startup_cpu: float) -> dict:
    return {"seconds": seconds, "rate": count / seconds, "startup_seconds": startup,
            "rate_without_startup": count / max(seconds - startup, 1e-6),
            "cpu_seconds": cpu, "startup_cpu_seconds": startup_cpu,
            "rate_per_cpu_second": count / max(cpu - startup_cpu, 1e-6)}


# -- receive ---------------------------------------------------------------------------------

def bench_receive(messages: list[bytes], database: str, *, profile: bool = False,
                  sql: bool = False) -> dict:
    from helpdesk.mail_in import pipeline

    instance = Instance(database, MAIL_SEND_IN_BACKGROUND=False)
    try:
        before = load()
        statuses: dict[str, int] = {}
        new = replies = 0
        profiler = cProfile.Profile() if profile else None
        with instance.app.app_context():
            pipeline.receive(corpus_messages(1, seed=99)[0])    # warm: templates, workers
            counter = SqlCounter() if sql else None
            started, cpu = time.perf_counter(), tree_cpu()
            if profiler:
                profiler.enable()
            for raw in messages:
                outcome = pipeline.receive(raw, mailbox="support")
                statuses[outcome.status.value] = statuses.get(outcome.status.value, 0) + 1
                new += outcome.created_ticket
                replies += bool(outcome.message_id)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
            cpu = tree_cpu() - cpu
            if counter:
                counter.report(len(messages))
        if profiler:
            print_profile(profiler)
        return {"database": database, "messages": len(messages), "seconds": seconds,
                "rate": len(messages) / seconds, "cpu_seconds": cpu,
                "rate_per_cpu_second": len(messages) / cpu, "new_tickets": new,
                "replies": replies, "statuses": statuses, "load": before}
    finally:
        instance.close()


class SqlCounter:
    """Counts the statements the app's engine runs from now on, by their text, with the
    time the database took (the cursor's execute) and the transactions committed."""

    def __init__(self):
        import sqlalchemy as sa

        from helpdesk.extensions import db

        self.statements: dict[str, list] = {}
        self.commits = 0
        self._started: dict[int, float] = {}
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        sa.event.listen(engine, "commit", self._commit)

    def _before(self, _conn, _cursor, _statement, _params, context, _many) -> None:
        self._started[id(context)] = time.perf_counter()

    def _after(self, _conn, _cursor, statement, _params, context, _many) -> None:
        seconds = time.perf_counter() - self._started.pop(id(context), time.perf_counter())
        entry = self.statements.setdefault(" ".join(statement.split())[:110], [0, 0.0])
        entry[0] += 1
        entry[1] += seconds

    def _commit(self, _conn) -> None:
        self.commits += 1

    def report(self, messages: int) -> None:
        total = sum(count for count, _seconds in self.statements.values())
        seconds = sum(spent for _count, spent in self.statements.values())
        print(f"{total} statements ({total / messages:.1f} per message, {seconds:.2f} s in "
              f"the database's execute), {self.commits} commits")
        for text, (count, spent) in sorted(self.statements.items(), key=lambda kv: -kv[1][0]):
            print(f"{count:6d} {spent * 1000 / count:6.2f} ms  {text}")


def print_profile(profiler: cProfile.Profile) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(20)
    print(out.getvalue())


# -- fetch -----------------------------------------------------------------------------------

class Dovecot:
    """Dovecot on loopback, started by tests/imap_server.py's code (no pytest)."""

    def __init__(self):
        from tests.imap_server import ImapServer, dovecot_missing

        reason = dovecot_missing()
        if reason:
            raise SystemExit(reason)
        self.root = Path(tempfile.mkdtemp(prefix="hd-mail-bench-dovecot-"))
        self.server = ImapServer(self.root)
        self.server.start()

    def account(self, messages: list[bytes]):
        account = self.server.add_user()
        with account.client(None) as client:
            for raw in messages:
                client.append("INBOX", raw)
        return account

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def bench_fetch(messages: list[bytes], database: str, dovecot: Dovecot) -> dict:
    from helpdesk.mail_in.models import ReceivedMail

    full, empty = dovecot.account(messages), dovecot.account([])
    instance = Instance(database, MAIL_SEND_IN_BACKGROUND=False)
    try:
        before = load()
        startup, startup_cpu, _out = _command(["mail", "fetch", "--once"], instance.env(
            MAIL_IMAP_URLS=empty.url(query="name=empty")))
        seconds, cpu, output = _command(["mail", "fetch", "--once"], instance.env(
            MAIL_IMAP_URLS=full.url(query="name=support")))
        taken = instance.count(ReceivedMail)
        if taken != len(messages):
            raise SystemExit(f"fetch took {taken} of {len(messages)} messages:\n{output}")
        return {"database": database, "messages": len(messages),
                **_rates(len(messages), seconds, cpu, startup, startup_cpu),
                "output": output.strip().splitlines()[-1], "load": before}
    finally:
        instance.close()


def profile_fetch(messages: list[bytes], database: str, dovecot: Dovecot, *,
                  sql: bool = False) -> None:
    """`mailbox.fetch_once` with the pipeline's handler (as `helpdesk mail fetch --once`
    runs it) in this process, under cProfile (or counting the SQL statements)."""
    from helpdesk.mail_in import cli, pipeline
    from helpdesk.mail_in.mailbox import MailboxConfig, fetch_once

    account = dovecot.account(messages)
    url = account.url(query="name=support")
    config = MailboxConfig.from_url(url)
    instance = Instance(database, MAIL_SEND_IN_BACKGROUND=False)
    try:
        with instance.app.app_context():
            pipeline.receive(corpus_messages(1, seed=99)[0])    # warm: templates, workers
            profiler = None if sql else cProfile.Profile()
            counter = SqlCounter() if sql else None
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            result = fetch_once(url, cli._handler(config), too_big=cli._too_big_handler(config),
                                max_bytes=pipeline.max_bytes())
            if profiler:
                profiler.disable()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            if counter:
                counter.report(len(messages))
        if profiler:
            print_profile(profiler)
        print(f"fetch (in this process, {database}): {len(result.handled)} taken in "
              f"{seconds:.2f} s, {cpu:.2f} CPU seconds"
              + (" (profiled)" if profiler else ""))
    finally:
        instance.close()


# -- send ------------------------------------------------------------------------------------

class SmtpCounter:
    """An aiosmtpd server on loopback that counts the messages it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.received = 0
        self.lock = threading.Lock()
        counter = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                with counter.lock:
                    counter.received += 1
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def queue_mails(instance: Instance, count: int) -> None:
    """`count` acknowledgements of a ticket to `count` customers, as the app queues them
    (multipart, threaded), committed."""
    from flask_babel import force_locale

    from helpdesk.accounts.models import Role
    from helpdesk.accounts.operations import create_user
    from helpdesk.extensions import db
    from helpdesk.notifications import bodies, mail
    from helpdesk.tickets.operations import NewTicket, file_ticket

    with instance.app.app_context():
        customer = create_user(email="kunde@bench.example.org", name="Kim Kunde",
                               password="bench-password-1", role=Role.customer,
                               language="de")
        ticket = file_ticket(NewTicket(subject="Bestellung 4711 fehlt",
                                       body="Hallo, meine Bestellung ist nicht da."),
                             requester=customer, by=customer)
        with force_locale("de"):
            parts = bodies.render("ticket_created", subject="[HD-000001] Anfrage erhalten",
                                  invites_reply=True, user=customer, ticket=ticket,
                                  site_name="Tiered Helpdesk", set_password_link=None,
                                  link=bodies.MailLink("http://helpdesk.bench/tickets/HD-1"))
        for number in range(count):
            mail.queue(to=f"kunde{number}@bench.example.org", to_name=f"Kunde {number}",
                       subject=f"[{ticket.ref}] Wir haben deine Anfrage erhalten",
                       body=parts.text, body_html=parts.html, ticket=ticket, automatic=True)
        db.session.commit()
        db.session.remove()


def bench_send(count: int, database: str, smtp: SmtpCounter) -> dict:
    from helpdesk.notifications.models import MailStatus, OutboxMail

    instance = Instance(database, MAIL_SEND_IN_BACKGROUND=False, MAIL_SERVER="127.0.0.1",
                        MAIL_PORT=smtp.port)
    try:
        env = instance.env()
        startup, startup_cpu, _out = _command(["mail", "send", "--once"], env)
        queue_mails(instance, count)
        queued = instance.count(OutboxMail)
        with smtp.lock:
            smtp.received = 0
        before = load()
        seconds, cpu, output = _command(["mail", "send", "--once"], env)
        import sqlalchemy as sa

        from helpdesk.extensions import db

        with instance.app.app_context():
            sent = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)
                                     .where(OutboxMail.status == MailStatus.sent))
            db.session.remove()
        if smtp.received != queued or sent != queued:
            raise SystemExit(f"send: {queued} queued, {sent} marked sent, {smtp.received} "
                             f"arrived:\n{output}")
        return {"database": database, "mails": queued,
                **_rates(queued, seconds, cpu, startup, startup_cpu),
                "output": output.strip().splitlines()[-1], "load": before}
    finally:
        instance.close()


# -- the report ------------------------------------------------------------------------------

def profile_send(count: int, smtp: SmtpCounter) -> None:
    """The send worker's delivery loop (`delivery.deliver_due`, as `helpdesk mail send`
    runs it) under cProfile in this process: the top functions."""
    from helpdesk.notifications import delivery

    instance = Instance("sqlite", MAIL_SEND_IN_BACKGROUND=False, MAIL_SERVER="127.0.0.1",
                        MAIL_PORT=smtp.port)
    try:
        queue_mails(instance, count)
        profiler = cProfile.Profile()
        with instance.app.app_context():
            started, cpu = time.perf_counter(), time.process_time()
            profiler.enable()
            report = delivery.deliver_due()
            profiler.disable()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())
        print(f"send (profiled, in this process): {report.sent} mails in {seconds:.2f} s, "
              f"{cpu:.2f} CPU seconds (the SMTP server's thread too)")
    finally:
        instance.close()


def _line(name: str, result: dict) -> str:
    unit = "mails" if "mails" in result else "messages"
    text = (f"{name:8} {result['database']:10} {result[unit]:5d} {unit} in "
            f"{result['seconds']:6.2f} s = {result['rate']:6.1f}/s")
    if "rate_without_startup" in result:
        text += (f" ({result['rate_without_startup']:.1f}/s without the "
                 f"{result['startup_seconds']:.2f} s start-up)")
    text += f"; {result['rate_per_cpu_second']:.1f} per CPU second"
    if "new_tickets" in result:
        text += f"  [{result['new_tickets']} new tickets, {result['replies']} replies]"
    return text + f"  load {result['load']:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--only", default="receive,fetch,send")
    parser.add_argument("--postgresql", action="store_true",
                        help="also run receive and fetch on PostgreSQL")
    parser.add_argument("--profile", nargs="?", const="receive",
                        choices=["receive", "fetch", "send"],
                        help="run receive, fetch (in this process) or the send worker once "
                             "under cProfile and stop")
    parser.add_argument("--profile-database", choices=["sqlite", "postgresql"],
                        default="sqlite", help="the database of --profile receive/fetch")
    parser.add_argument("--sql", action="store_true",
                        help="with --profile receive/fetch: count the SQL statements per "
                             "message instead of profiling")
    args = parser.parse_args()
    os.environ.pop("HELPDESK_FEATURES", None)
    messages = corpus_messages(args.messages)
    if args.profile == "send":
        smtp = SmtpCounter()
        try:
            profile_send(args.mails, smtp)
        finally:
            smtp.stop()
        return
    if args.profile == "fetch":
        dovecot = Dovecot()
        try:
            profile_fetch(messages, args.profile_database, dovecot, sql=args.sql)
        finally:
            dovecot.stop()
        return
    if args.profile:
        print(_line("receive", bench_receive(messages, args.profile_database,
                                             profile=not args.sql, sql=args.sql)))
        return
    wanted = {item.strip() for item in args.only.split(",")}
    databases = ["sqlite", "postgresql"] if args.postgresql else ["sqlite"]
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()}; "
          f"{args.messages} messages, {args.mails} mails, {args.runs} runs")
    results: dict[str, list[dict]] = {}

    def record(key: str, result: dict) -> None:
        results.setdefault(key, []).append(result)
        print(_line(key.split("/")[0], result), flush=True)

    dovecot = Dovecot() if "fetch" in wanted else None
    smtp = SmtpCounter() if "send" in wanted else None
    try:
        for _run in range(args.runs):
            for database in databases:
                if "receive" in wanted:
                    record(f"receive/{database}", bench_receive(messages, database))
                if "fetch" in wanted:
                    record(f"fetch/{database}", bench_fetch(messages, database, dovecot))
            if "send" in wanted:
                record("send/sqlite", bench_send(args.mails, "sqlite", smtp))
    finally:
        if dovecot:
            dovecot.stop()
        if smtp:
            smtp.stop()

    print("\nmedians:")
    summary = {}
    for key, runs in results.items():
        kind = key.split("/")[0]
        median = statistics.median(r["rate"] for r in runs)
        entry = {"median_rate": median, "rates": [r["rate"] for r in runs],
                 "loads": [r["load"] for r in runs], "target": TARGETS[kind]}
        for figure in ("rate_without_startup", "rate_per_cpu_second"):
            if figure in runs[0]:
                entry[f"median_{figure}"] = statistics.median(r[figure] for r in runs)
        summary[key] = entry
        extra = (f", {entry['median_rate_without_startup']:.1f}/s without start-up"
                 if "median_rate_without_startup" in entry else "")
        extra += f", {entry['median_rate_per_cpu_second']:.1f} per CPU second"
        verdict = "meets" if median >= TARGETS[kind] else "MISSES"
        print(f"  {key:20} {median:6.1f}/s{extra}  (runs: "
              f"{', '.join(f'{r:.1f}' for r in entry['rates'])}; target {TARGETS[kind]:.0f}/s:"
              f" {verdict})")
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    path = out / f"mail-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({"args": vars(args), "summary": summary, "runs": results},
                               indent=2, default=str))
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
