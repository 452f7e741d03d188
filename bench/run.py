"""The helpdesk benchmark: seed, serve with gunicorn, load with wrk, print figures.

    .venv/bin/python bench/run.py [--sizes 10000,100000] [--duration 10]

For each size: seed a fresh SQLite database in a temporary instance folder, serve a
bare Flask "hello" app (the ceiling) and then the helpdesk with gunicorn (2 sync
workers on 127.0.0.1), drive each page with wrk, and print req/s, p50/p95/p99 latency
and the workers' memory. At the end, the targets are checked against the largest
size. Figures are printed and written to bench/results/<timestamp>.json; nothing is
asserted. See bench/README.md.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
USER_AGENT = "helpdesk-bench"     # Flask-Login's session protection hashes it: keep it fixed

TARGETS = {
    "queue_vs_ceiling": 0.10, "ticket_vs_ceiling": 0.10, "file_vs_ceiling": 0.05,
    "p95_ms": 30.0, "queue_growth": 1.3,
}


# -- gunicorn -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def memory(self) -> list[dict]:
        """RSS and peak RSS (MiB) of each worker process, from /proc/<pid>/status."""
        out = []
        for pid in self.workers():
            try:
                fields = dict(line.split(":", 1) for line in
                              Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
            except OSError:
                continue
            out.append({"pid": pid,
                        "rss_mib": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
                        "peak_rss_mib": round(int(fields["VmHWM"].split()[0]) / 1024, 1)})
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU time the workers have used so far."""
        ticks = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])     # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_gunicorn(name: str, target: str, *, cwd: Path, env: dict, workers: int,
                   log: Path, ready_path: str = "/", timeout: float = 60) -> Server:
    port = free_port()
    cmd = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
           "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60",
           target]
    with open(log, "ab") as handle:     # the child keeps its own copy of the descriptor
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=handle, stderr=handle)
    server = Server(name, port, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn for {name} exited; see {log}")
        if len(server.workers()) >= workers:
            try:
                urllib.request.urlopen(server.base + ready_path, timeout=5).close()
                return server
            except urllib.error.HTTPError:
                return server
            except OSError:
                pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn for {name} did not answer within {timeout} s; see {log}")


# -- HTTP client for logging in ---------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A urllib browser: cookies kept, redirects optional, our User-Agent."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.follow = urllib.request.build_opener(cookies)
        self.no_follow = urllib.request.build_opener(cookies, NoRedirect())

    def request(self, path: str, data: dict | None = None, follow: bool = True):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body,
                                     headers={"User-Agent": USER_AGENT})
        opener = self.follow if follow else self.no_follow
        try:
            with opener.open(req, timeout=30) as resp:
                return resp.status, resp.headers, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read().decode("utf-8", "replace")

    def csrf_token(self, path: str) -> str:
        status, _headers, html = self.request(path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if status != 200 or not match:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        return match.group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf_token("/login")
        status, headers, _html = self.request(
            "/login", {"csrf_token": token, "email": email, "password": password},
            follow=False)
        if status != 302:
            raise RuntimeError(f"login as {email} failed (HTTP {status})")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# -- wrk --------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    path: str
    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    mean_ms: float = 0.0
    errors: dict = field(default_factory=dict)
    load_before: float = 0.0      # 1-minute load average before the page's run
    cpu_ms: float = 0.0           # the workers' CPU time per request (robust to noise)


def run_wrk(name: str, url: str, *, duration: int, threads: int, connections: int,
            env_extra: dict, path_label: str) -> Result:
    env = dict(os.environ, **env_extra)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
           "--latency", "-s", str(BENCH / "wrk" / "bench.lua"), url]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    match = re.search(r"^BENCH_JSON (.*)$", proc.stdout, re.M)
    if proc.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed for {name}: {proc.stdout}\n{proc.stderr}")
    data = json.loads(match.group(1))
    lat = data["latency_us"]
    return Result(name=name, path=path_label, requests=data["requests"],
                  rps=round(data["requests"] / (data["duration_us"] / 1e6), 1),
                  p50_ms=lat["p50"] / 1000, p95_ms=lat["p95"] / 1000,
                  p99_ms=lat["p99"] / 1000, mean_ms=round(lat["mean"] / 1000, 2),
                  errors={k: v for k, v in data["errors"].items() if v})


def measure(name, server, path, args, *, env_extra=None, path_label=None) -> Result:
    """Warm up, then measure one page under load."""
    env_extra = env_extra or {}
    base = server.base
    load = os.getloadavg()[0]
    if args.warmup:
        run_wrk(name, base + path, duration=args.warmup, threads=args.threads,
                connections=args.connections, env_extra=env_extra, path_label=path)
    cpu_before = server.cpu_seconds()
    result = run_wrk(name, base + path, duration=args.duration, threads=args.threads,
                     connections=args.connections, env_extra=env_extra,
                     path_label=path_label or path)
    result.cpu_ms = round((server.cpu_seconds() - cpu_before) * 1000
                          / max(result.requests, 1), 3)
    result.load_before = round(load, 2)
    print(f"    {name:<26} {result.rps:>8.1f} req/s  p50 {result.p50_ms:6.2f} ms  "
          f"p95 {result.p95_ms:6.2f} ms  CPU {result.cpu_ms:6.2f} ms/req  "
          f"(load before {load:.1f})"
          f"{'  errors ' + str(result.errors) if result.errors else ''}", flush=True)
    return result


# -- one size -----------------------------------------------------------------------------

def seed(size: int, instance: Path, log: Path) -> dict:
    with open(log, "ab") as handle:
        proc = subprocess.run([sys.executable, str(BENCH / "seed.py"), "--tickets", str(size),
                               "--instance", str(instance)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=handle, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"seeding failed; see {log}")
    return json.loads(proc.stdout)


def check(client: Client, path: str, expect: int, data: dict | None = None) -> None:
    status, headers, _html = client.request(path, data, follow=False)
    if status != expect:
        raise RuntimeError(f"{path} answered HTTP {status} (expected {expect}, "
                           f"Location: {headers.get('Location')})")


def sla_shown(client: Client, ticket_path: str) -> dict:
    """What the service-level feature puts on the queue and the ticket page (the
    benchmark measures the pages with it): the deadline badges of the queue's rows, its
    notice of missed deadlines, the ticket page's deadlines panel."""
    _status, _headers, queue = client.request("/queue")
    _status, _headers, ticket = client.request(ticket_path)
    marks = re.findall(r'data-deadline="(\w+)"', queue)
    shown = {"queue_rows": queue.count('<td><a class="ticket-subject"'),
             "breached_badges": marks.count("breached"), "near_badges": marks.count("near"),
             "queue_notice": 'id="sla-notice"' in queue,
             "ticket_deadlines_panel": 'id="sla-panel"' in ticket}
    if not (marks and shown["ticket_deadlines_panel"]):
        raise RuntimeError(f"the service-level feature is not on the pages: {shown}")
    return shown


def bench_size(size: int, args, workdir: Path) -> dict:
    print(f"\n== {size:,} tickets ==", flush=True)
    instance = workdir / f"instance-{size}"
    log = workdir / f"log-{size}.txt"
    started = time.perf_counter()
    info = seed(size, instance, log)
    db_file = instance / "helpdesk.sqlite3"
    db_mib = sum(p.stat().st_size for p in instance.glob("helpdesk.sqlite3*")) / 2**20
    print(f"  seeded in {time.perf_counter() - started:.1f} s "
          f"(rows: {info['rows']}, database {db_mib:.0f} MiB)", flush=True)
    out = {"size": size, "seed": {k: v for k, v in info.items() if k != "ticket_refs"},
           "database_mib": round(db_mib, 1), "results": {}, "memory": {}}
    if args.ab_rounds:    # an untouched copy for the alternating queue comparison
        shutil.copytree(instance, workdir / f"pristine-{size}")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}

    # The ceiling, served the same way, in the same run.
    hello = start_gunicorn("hello", "hello_app:create_app()", cwd=BENCH, env=base_env,
                           workers=args.workers, log=log)
    try:
        out["results"]["ceiling"] = measure("hello (ceiling)", hello, "/", args)
        out["memory"]["ceiling"] = hello.memory()
    finally:
        hello.stop()

    env = dict(base_env, HELPDESK_INSTANCE_PATH=str(instance),
               HELPDESK_DATABASE_URL=f"sqlite:///{db_file}",
               HELPDESK_SECRET_KEY=secrets.token_urlsafe(32))
    if args.mail_suppress:
        env["HELPDESK_MAIL_SUPPRESS"] = "1"
    app = start_gunicorn("helpdesk", "helpdesk:create_app()", cwd=ROOT, env=env,
                         workers=args.workers, log=log, ready_path="/login")
    try:
        agent, customer = Client(app.base), Client(app.base)
        agent.login(info["l1_agent"], info["password"])
        customer.login(info["customer"], info["password"])
        refs = info["ticket_refs"][:args.ticket_pages]
        token = customer.csrf_token("/tickets/new")    # reusable: WTF_CSRF_TIME_LIMIT is None
        form = {"csrf_token": token, "subject": "Checkout fails with error 502",
                "category": "1", "priority": "normal",
                "body": "Since this morning the **checkout** fails with a 502 error.\n\n"
                        "Steps: add to cart, pay with card. Order #424242.",
                "order_ref": "#424242"}
        for ref in refs:
            check(agent, f"/tickets/{ref}", 200)
        check(agent, "/queue", 200)
        check(customer, "/tickets", 200)
        check(customer, "/tickets/new", 302, form)
        out["sla"] = sla_shown(agent, f"/tickets/{refs[0]}")
        print(f"  service levels on the pages: {out['sla']}", flush=True)
        agent_cookie = {"BENCH_COOKIE": agent.cookie_header()}
        customer_cookie = {"BENCH_COOKIE": customer.cookie_header()}
        res = out["results"]
        res["queue"] = measure("queue (L1 agent)", app, "/queue", args,
                               env_extra=agent_cookie)
        res["ticket"] = measure(
            "ticket page (agent)", app, f"/tickets/{refs[0]}", args,
            env_extra=dict(agent_cookie, BENCH_PATHS=" ".join(f"/tickets/{r}" for r in refs)),
            path_label=f"/tickets/<{len(refs)} level-1 refs>")
        res["my_tickets"] = measure(
            f"my tickets ({info['customer_tickets']} t.)", app, "/tickets", args,
            env_extra=customer_cookie)
        res["file"] = measure("file a ticket (POST)", app, "/tickets/new", args,
                              env_extra=dict(customer_cookie, BENCH_METHOD="POST",
                                             BENCH_BODY=urllib.parse.urlencode(form)))
        out["memory"]["helpdesk"] = app.memory()
    finally:
        app.stop()
    out["results"] = {k: vars(v) for k, v in out["results"].items()}
    return out


def queue_ab(runs: list[dict], args, workdir: Path) -> dict:
    """The queue page of every size, measured in alternation on untouched copies.

    Other processes on the machine come and go; alternating short runs exposes every
    size to the same conditions, so the growth figure is fair on a busy machine too.
    """
    print(f"\n== queue page, sizes alternating ({args.ab_rounds} rounds of "
          f"{args.ab_seconds} s) ==", flush=True)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    servers, cookies = {}, {}
    sizes = [run["size"] for run in runs]
    try:
        for run in runs:
            size = run["size"]
            instance = workdir / f"pristine-{size}"
            env = dict(base_env, HELPDESK_INSTANCE_PATH=str(instance),
                       HELPDESK_DATABASE_URL=f"sqlite:///{instance / 'helpdesk.sqlite3'}",
                       HELPDESK_SECRET_KEY=secrets.token_urlsafe(32))
            server = start_gunicorn(f"helpdesk-{size}", "helpdesk:create_app()", cwd=ROOT,
                                    env=env, workers=args.workers,
                                    log=workdir / f"log-ab-{size}.txt", ready_path="/login")
            servers[size] = server
            agent = Client(server.base)
            agent.login(run["seed"]["l1_agent"], run["seed"]["password"])
            check(agent, "/queue", 200)
            cookies[size] = {"BENCH_COOKIE": agent.cookie_header()}
            run_wrk("warm-up", server.base + "/queue", duration=max(args.warmup, 1),
                    threads=args.threads, connections=args.connections,
                    env_extra=cookies[size], path_label="/queue")
        samples: dict[int, list[Result]] = {size: [] for size in sizes}
        for _round in range(args.ab_rounds):
            for size in sizes:
                server = servers[size]
                cpu_before = server.cpu_seconds()
                result = run_wrk(f"queue {size}", server.base + "/queue",
                                 duration=args.ab_seconds, threads=args.threads,
                                 connections=args.connections, env_extra=cookies[size],
                                 path_label="/queue")
                result.cpu_ms = round((server.cpu_seconds() - cpu_before) * 1000
                                      / max(result.requests, 1), 3)
                samples[size].append(result)
    finally:
        for server in servers.values():
            server.stop()
    out = {}
    for size, results in samples.items():
        med = {key: statistics.median(getattr(r, key) for r in results)
               for key in ("rps", "p50_ms", "p95_ms", "cpu_ms")}
        out[size] = med
        print(f"    {size:>9,} tickets   median {med['rps']:7.1f} req/s  p50 "
              f"{med['p50_ms']:6.2f} ms  p95 {med['p95_ms']:6.2f} ms  CPU "
              f"{med['cpu_ms']:6.2f} ms/req", flush=True)
    return out


# -- report -------------------------------------------------------------------------------

def _mem(workers: list[dict]) -> str:
    if not workers:
        return "?"
    return " + ".join(f"{w['rss_mib']:.0f}" for w in workers) + \
        f" MiB (peak {max(w['peak_rss_mib'] for w in workers):.0f} MiB)"


def print_table(run: dict) -> None:
    res = run["results"]
    ceiling = res["ceiling"]["rps"] or 1.0
    print(f"\n{run['size']:,} tickets  (database {run['database_mib']} MiB, "
          f"seeded in {run['seed']['seconds']} s; service levels shown: {run.get('sla')})")
    cpu_ceiling = res["ceiling"].get("cpu_ms") or 0.0
    print(f"  {'page':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'% ceiling':>11}{'CPU ms/req':>12}{'CPU ratio':>11}  load  errors")
    labels = {"ceiling": "hello (ceiling)", "queue": "queue, L1 agent  /queue",
              "ticket": "ticket page, agent", "my_tickets": "my tickets, customer  /tickets",
              "file": "file a ticket  POST /tickets/new"}
    for key, label in labels.items():
        r = res.get(key)
        if not r:
            continue
        share = r["rps"] / ceiling * 100
        cpu_share = (f"{cpu_ceiling / r['cpu_ms'] * 100:>10.1f}%" if r.get("cpu_ms")
                     else f"{'?':>11}")
        print(f"  {label:<34}{r['rps']:>9.1f}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}"
              f"{r['p99_ms']:>9.2f}{share:>10.1f}%{r.get('cpu_ms', 0):>12.2f}{cpu_share}"
              f"{r.get('load_before', 0):>6.1f}  {r['errors'] or '-'}")
    print(f"  worker RSS  helpdesk: {_mem(run['memory'].get('helpdesk', []))};  "
          f"hello: {_mem(run['memory'].get('ceiling', []))}")


def evaluate(runs: list[dict], ab: dict | None = None) -> list[dict]:
    """The targets, checked at the largest size (100,000 in the standard run)."""
    big = max(runs, key=lambda r: r["size"])
    small = min(runs, key=lambda r: r["size"])
    res = big["results"]
    ceiling = res["ceiling"]["rps"] or 1.0
    checks = []

    def add(what, value, ok, shown):
        checks.append({"target": what, "value": value, "met": ok, "shown": shown})

    for key, label, share in (("queue", "queue page", TARGETS["queue_vs_ceiling"]),
                              ("ticket", "ticket page", TARGETS["ticket_vs_ceiling"]),
                              ("file", "filing a ticket", TARGETS["file_vs_ceiling"])):
        ratio = res[key]["rps"] / ceiling
        cpu = res[key].get("cpu_ms")
        by_cpu = (f"  (by workers' CPU per request: "
                  f"{res['ceiling']['cpu_ms'] / cpu:.1%})" if cpu else "")
        add(f"{label} >= {share:.0%} of ceiling req/s", round(ratio, 4), ratio >= share,
            f"{ratio:.1%}{by_cpu}")
        if key != "file":
            p95 = res[key]["p95_ms"]
            add(f"{label} p95 <= {TARGETS['p95_ms']:.0f} ms", p95, p95 <= TARGETS["p95_ms"],
                f"{p95:.1f} ms")
    if small is not big:
        slow = small["results"]["queue"]["rps"] / max(res["queue"]["rps"], 0.001)
        add(f"queue at {big['size']:,} no slower than {TARGETS['queue_growth']}x "
            f"its {small['size']:,} figure (req/s)", round(slow, 3),
            slow <= TARGETS["queue_growth"], f"{slow:.2f}x")
        slow50 = res["queue"]["p50_ms"] / max(small["results"]["queue"]["p50_ms"], 0.001)
        add(f"queue p50 at {big['size']:,} vs {small['size']:,} <= "
            f"{TARGETS['queue_growth']}x", round(slow50, 3), slow50 <= TARGETS["queue_growth"],
            f"{slow50:.2f}x")
        if ab and big["size"] in ab and small["size"] in ab:
            a, b = ab[small["size"]], ab[big["size"]]
            slow_ab = a["rps"] / max(b["rps"], 0.001)
            add(f"queue at {big['size']:,} vs {small['size']:,}, alternating runs (req/s) "
                f"<= {TARGETS['queue_growth']}x", round(slow_ab, 3),
                slow_ab <= TARGETS["queue_growth"],
                f"{slow_ab:.2f}x  (p50 {b['p50_ms'] / max(a['p50_ms'], 0.001):.2f}x, "
                f"CPU {b['cpu_ms'] / max(a['cpu_ms'], 0.001):.2f}x)")
        if res["queue"].get("cpu_ms") and small["results"]["queue"].get("cpu_ms"):
            slow_cpu = res["queue"]["cpu_ms"] / small["results"]["queue"]["cpu_ms"]
            add(f"queue CPU/request at {big['size']:,} vs {small['size']:,} <= "
                f"{TARGETS['queue_growth']}x", round(slow_cpu, 3),
                slow_cpu <= TARGETS["queue_growth"], f"{slow_cpu:.2f}x")
    print(f"\nTargets at {big['size']:,} tickets:")
    for c in checks:
        print(f"  {'MET   ' if c['met'] else 'MISSED'}  {c['target']:<62} {c['shown']}")
    return checks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the helpdesk with gunicorn + wrk.")
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated ticket counts (default: 10000,100000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per page (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--connections", type=int, default=2,
                        help="wrk connections (2: one per worker, so latency is service "
                             "time, not queueing)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--ticket-pages", type=int, default=100,
                        help="how many level-1 tickets the ticket-page run rotates over")
    parser.add_argument("--mail-suppress", action="store_true",
                        help="suppress mail (default: the console transport, to the log)")
    parser.add_argument("--ab-rounds", type=int, default=3,
                        help="rounds of the alternating queue comparison of the sizes "
                             "(0: skip)")
    parser.add_argument("--ab-seconds", type=int, default=5,
                        help="seconds per size and round in that comparison (5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instances")
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    print(f"helpdesk benchmark: sizes {sizes}, {args.duration} s per page (+{args.warmup} s "
          f"warm-up), gunicorn {args.workers} sync workers, wrk -t{args.threads} "
          f"-c{args.connections}; work folder {workdir}", flush=True)
    runs, ab = [], None
    if len(sizes) < 2:
        args.ab_rounds = 0
    try:
        for size in sizes:
            runs.append(bench_size(size, args, workdir))
        if args.ab_rounds:
            ab = queue_ab(runs, args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for run in runs:
        print_table(run)
    checks = evaluate(runs, ab) if runs else []
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.split("\n")
    out = args.results / f"{stamp}.json"
    out.write_text(json.dumps({
        "when": stamp, "commit": commit, "uncommitted": [d[3:] for d in dirty if d.strip()],
        "python": platform.python_version(),
        "cpus": os.cpu_count(), "options": {k: str(v) for k, v in vars(args).items()},
        "targets": TARGETS, "runs": runs,
        "queue_alternating": {str(k): v for k, v in (ab or {}).items()},
        "checks": checks}, indent=2))
    print(f"\nResults written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
