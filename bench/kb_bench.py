"""Knowledge-base benchmark: index build, search latency, save-to-searchable, search req/s.

    .venv/bin/python bench/kb_bench.py [--sizes 10000,100000] [--queries 300] [--duration 10]

For each size: generate that many articles (German and English, generated text, a mix
of statuses and visibilities) into a fresh SQLite database, rebuild the Whoosh index from
scratch (`kb.index.rebuild`, as `helpdesk kb reindex` does), then measure

* the time to index them and the index size on disk,
* search latency (p50/p95) as a customer and as a level-1 agent, each search ranking,
  filtering by permission and highlighting the top 10 hits,
* the time from starting an article save until it is searchable in the same process, and
  in another process (a polling reader, as another gunicorn worker would be),
* requests per second of /kb/?q=... under gunicorn (2 sync workers, wrk), beside a bare
  Flask "hello" app served the same way (the ceiling).

Figures are printed (and written to bench/results/kb-<timestamp>.json); nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
TARGETS = {10_000: 15.0, 100_000: 100.0}    # search p95 in ms
REINDEX_TARGET_S = {100_000: 60.0}
SAVE_TARGET_S = 1.0

DOMAIN_EN = (
    "refund", "return", "order", "payout", "commission", "shop", "instagram", "facebook",
    "tiktok", "catalogue", "feed", "sync", "error", "influencer", "code", "discount",
    "checkout", "payment", "invoice", "vat", "shipping", "label", "carrier", "tracking",
    "domain", "certificate", "login", "password", "account", "verification", "bank",
    "transfer", "customer", "product", "variant", "image", "price", "stock", "inventory",
    "webhook", "api", "token", "export", "report", "tax", "settings", "channel", "connect",
    "reconnect", "attribution", "cookie", "voucher", "cancellation", "delivery", "parcel",
    "address", "customs",
)
DOMAIN_DE = (
    "Rückerstattung", "Rücksendung", "Bestellung", "Auszahlung", "Provision", "Shop",
    "Katalog", "Fehler", "Rabattcode", "Zahlung", "Rechnung", "Umsatzsteuer", "Versand",
    "Etikett", "Sendungsverfolgung", "Zertifikat", "Anmeldung", "Passwort", "Konto",
    "Verifizierung", "Überweisung", "Kundin", "Produkt", "Variante", "Bild", "Preis",
    "Bestand", "Einstellungen", "Kanal", "verbinden", "Gutschein", "Stornierung", "Lieferung",
    "Paket", "Adresse", "Zoll", "Händlerin", "Influencerin", "Synchronisierung",
    "Versandkosten", "Zahlungsarten", "Retourenportal", "Auszahlungsprotokoll",
)
SYLLABLES = (
    "ka", "te", "ri", "so", "mu", "la", "ne", "vo", "pi", "da", "sto", "ber", "gen", "lin",
    "ter", "mar", "fel", "han", "sor", "wil", "ung", "keit", "heit", "lich", "bar", "ver",
    "zer", "ent", "ion", "ing", "er", "en",
)


def _words(rng: random.Random, count: int) -> list[str]:
    """A Zipf-like vocabulary: domain words plus generated filler words."""
    filler = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
              for _ in range(count)}
    return sorted(filler)


def _text(rng: random.Random, vocab: list[str], domain: list[str], n: int) -> str:
    words = []
    for _ in range(n):
        if rng.random() < 0.08:         # domain words: about 8 % of running text
            words.append(rng.choice(domain))
        else:
            words.append(vocab[min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)])
    return " ".join(words)


def generate(app, size: int, seed: int = 7) -> None:
    """Insert `size` generated articles with one revision each, in bulk."""
    import sqlalchemy as sa

    from helpdesk.extensions import db
    from kb.models import Article, ArticleRevision

    rng = random.Random(seed)
    vocab = _words(rng, 20_000)
    rng.shuffle(vocab)
    statuses = ["published"] * 17 + ["draft", "in_review", "archived"]
    now = datetime.now(UTC).replace(tzinfo=None)
    batch = []
    with app.app_context():
        for n in range(1, size + 1):
            lang = "de" if n % 2 else "en"
            domain = DOMAIN_DE if lang == "de" else DOMAIN_EN
            title = _text(rng, vocab, domain, rng.randint(4, 8)).capitalize()
            batch.append({
                "id": n, "slug": f"bench-{n}", "title": title[:200],
                "summary": _text(rng, vocab, domain, 15), "language": lang,
                "body": "\n\n".join(_text(rng, vocab, domain, 40) for _ in range(3)),
                "tags": ", ".join(rng.sample(domain, 3)), "visibility": rng.choice(
                    ["public", "public", "internal"]), "status": rng.choice(statuses),
                "is_known_error": False, "created_at": now, "updated_at": now,
                "answered_count": 0, "version": 1})
            if len(batch) == 5000 or n == size:
                db.session.execute(sa.insert(Article), batch)
                db.session.execute(sa.insert(ArticleRevision), [
                    {"article_id": a["id"], "number": 1, "title": a["title"],
                     "summary": a["summary"], "body": a["body"], "language": a["language"],
                     "tags": a["tags"], "visibility": a["visibility"], "status": a["status"],
                     "comment": "generated", "created_at": now} for a in batch])
                db.session.commit()
                batch = []


def queries(rng: random.Random, count: int) -> list[str]:
    """What people type: one to three domain words, sometimes German, sometimes misspelt.

    Distinct queries only, so the per-searcher result cache never answers a timed one.
    """
    result: dict[str, None] = {}
    while len(result) < count:
        pool = DOMAIN_DE if rng.random() < 0.5 else DOMAIN_EN
        words = rng.sample(pool, rng.randint(1, 3))
        if rng.random() < 0.1:
            w = words[0]
            words[0] = w[:2] + w[3:] if len(w) > 4 else w     # a typo
        result.setdefault(" ".join(words), None)
    return list(result)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def measure_search(app, user, texts: list[str]) -> dict:
    from kb import search

    with app.test_request_context():
        for text in ("warm", "up the", "searcher cache"):    # not among the timed queries
            search.search(text, user, per_page=10, app=app)
        times = []
        for text in texts:
            started = time.perf_counter()
            search.search(text, user, per_page=10, highlight=True, app=app)
            times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(_percentile(times, 50), 2), "p95_ms": round(_percentile(times, 95), 2),
            "max_ms": round(max(times), 2)}


READER = """
import sys, time
from flask_login import AnonymousUserMixin
from helpdesk import create_app
from kb import search
app = create_app({"INSTANCE_PATH": sys.argv[1], "KB_INDEX_AFTER_COMMIT": False})
with app.app_context():
    search.search("warm up", AnonymousUserMixin(), app=app)
    print("ready", flush=True)
    word = sys.stdin.readline().strip()
    while not search.search(word, AnonymousUserMixin(), app=app, highlight=False).hits:
        time.sleep(0.01)
    print(time.time(), flush=True)
"""


def measure_save(app, instance: Path) -> dict:
    """Save an article; time until the same process and another process can find it."""
    from flask_login import AnonymousUserMixin

    from helpdesk.accounts.models import Role
    from helpdesk.accounts.operations import create_user
    from helpdesk.extensions import db
    from kb import curation, search
    from kb.models import ArticleStatus, Visibility

    reader = subprocess.Popen([sys.executable, "-c", READER, str(instance)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=_env(instance))
    assert reader.stdout.readline().strip() == "ready"
    word = f"zebrafish{random.randint(1000, 9999)}"
    reader.stdin.write(word + "\n")
    reader.stdin.flush()
    with app.test_request_context(method="POST"):
        editor = create_user(email=f"bench-{word}@example.com", name="Bench", password="x" * 12,
                             role=Role.agent, level=2)
        db.session.commit()
        started_wall, started = time.time(), time.perf_counter()
        curation.create_article(curation.ArticleInput(
            title=f"Benchmark {word}", body="Saved by the benchmark.",
            visibility=Visibility.public), by=editor, status=ArticleStatus.published)
        db.session.commit()                        # the outbox is applied right after this
        save_returned = time.perf_counter() - started
        while not search.search(word, AnonymousUserMixin(), app=app, highlight=False).hits:
            time.sleep(0.005)
        same_process = time.perf_counter() - started
    other_process = float(reader.stdout.readline()) - started_wall
    reader.wait(timeout=10)
    return {"save_returned_s": round(save_returned, 3),
            "searchable_same_process_s": round(same_process, 3),
            "searchable_other_process_s": round(other_process, 3)}


# -- serving -----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(instance: Path) -> dict:
    return dict(os.environ, HELPDESK_INSTANCE_PATH=str(instance), HELPDESK_MAIL_SUPPRESS="1",
                HELPDESK_RATELIMIT_ENABLED="0", PYTHONPATH=str(ROOT))


def _serve(target: str, cwd: Path, env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning", target],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"gunicorn {target} did not start")


def _wrk(url: str, duration: int, paths: list[str] | None = None) -> dict:
    """Run wrk against `url`, or against `paths` (random order) on its host."""
    command = ["wrk", "-t2", "-c8", f"-d{duration}s", "--latency"]
    if paths:
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        quoted = ",\n".join(json.dumps(p) for p in paths)
        script.write_text("local paths = {" + quoted + "}\n"
                          "math.randomseed(os.time())\n"
                          "request = function()\n"
                          "  return wrk.format('GET', paths[math.random(#paths)])\n"
                          "end\n", encoding="utf-8")
        command += ["-s", str(script)]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    return {"rps": round(rps, 1), "p99": f"{p99.group(1)}{p99.group(2)}" if p99 else "?"}


def measure_rps(instance: Path, duration: int, workers: int) -> dict:
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed"}
    hello, hello_url = _serve("hello_app:create_app()", BENCH, dict(os.environ), workers)
    try:
        ceiling = _wrk(hello_url + "/", duration)
    finally:
        hello.terminate()
        hello.wait()
    app, url = _serve("wsgi:app", ROOT, _env(instance), workers)
    try:
        mixed = [f"/kb/?q={quote_plus(q)}" for q in queries(random.Random(5), 2000)]
        _wrk(url, 3, mixed)          # warm-up: each worker opens the index, builds filters
        page = _wrk(url, duration, mixed)
        json_api = _wrk(url, duration, [p + "&format=json" for p in mixed])
        popular = _wrk(url + "/kb/?q=" + "R%C3%BCcksendung+payout", duration)
    finally:
        app.terminate()
        app.wait()
    return {"ceiling": ceiling, "search_page": page, "search_json": json_api,
            "popular_query_page": popular,
            "page_vs_ceiling": round(page["rps"] / ceiling["rps"], 3)}


# -- main -------------------------------------------------------------------------------

def bench_size(size: int, args) -> dict:
    from flask_login import AnonymousUserMixin

    from helpdesk import create_app
    from helpdesk.accounts.models import Role, User
    from helpdesk.extensions import db
    from kb import index

    workdir = Path(tempfile.mkdtemp(prefix=f"kb-bench-{size}-"))
    instance = workdir / "instance"
    os.environ["HELPDESK_INSTANCE_PATH"] = str(instance)
    app = create_app({"INSTANCE_PATH": str(instance), "MAIL_SUPPRESS": True})
    with app.app_context():
        db.create_all()
    started = time.perf_counter()
    generate(app, size)
    generated = time.perf_counter() - started
    with app.app_context():
        started = time.perf_counter()
        index.rebuild(app)
        reindex_s = time.perf_counter() - started
        size_mb = index.size_bytes(app) / 1e6
        documents = index.status(app).documents
    rng = random.Random(11)
    texts = queries(rng, args.queries)
    agent = User(email="l1@bench", name="L1", role=Role.agent, level=1,
                 is_active_account=True)
    result = {
        "articles": size, "indexed_documents": documents,
        "generate_s": round(generated, 1), "reindex_s": round(reindex_s, 1),
        "index_mb": round(size_mb, 1),
        "search_customer": measure_search(app, AnonymousUserMixin(), texts),
        "search_agent": measure_search(app, agent, texts),
    }
    with app.app_context():
        result["save"] = measure_save(app, instance)
    if args.duration:
        result["http"] = measure_rps(instance, args.duration, args.workers)
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def print_result(r: dict) -> None:
    size = r["articles"]
    target = TARGETS.get(size)
    print(f"\n== {size:,} articles ({r['indexed_documents']:,} indexed)")
    print(f"  full reindex      {r['reindex_s']:>8.1f} s"
          + (f"   (target ≤ {REINDEX_TARGET_S[size]:.0f} s)" if size in REINDEX_TARGET_S else ""))
    print(f"  index size        {r['index_mb']:>8.1f} MB")
    for who in ("customer", "agent"):
        s = r[f"search_{who}"]
        print(f"  search {who:<9}  p50 {s['p50_ms']:>6.1f} ms   p95 {s['p95_ms']:>6.1f} ms"
              + (f"   (target p95 ≤ {target:.0f} ms)" if target else ""))
    s = r["save"]
    print(f"  save returned     {s['save_returned_s']:>8.3f} s   searchable here "
          f"{s['searchable_same_process_s']:.3f} s, in another process "
          f"{s['searchable_other_process_s']:.3f} s   (target ≤ {SAVE_TARGET_S:.0f} s)")
    http = r.get("http")
    if http and "skipped" not in http:
        print(f"  req/s  ceiling {http['ceiling']['rps']:>8.1f}   search page, 2,000 "
              f"different queries {http['search_page']['rps']:>7.1f} (p99 "
              f"{http['search_page']['p99']})   as JSON {http['search_json']['rps']:>7.1f}   "
              f"one popular query {http['popular_query_page']['rps']:>7.1f}   "
              f"page/ceiling {http['page_vs_ceiling']:.2f}")
    elif http:
        print(f"  req/s: {http['skipped']}")


def _whoosh_version() -> str:
    """The Whoosh distribution in use (whoosh-reloaded installs the same `whoosh`
    package)."""
    from importlib.metadata import PackageNotFoundError, version

    for name in ("whoosh-reloaded", "whoosh"):
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            continue
    return "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds (0: skip)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    print(f"{_whoosh_version()}, {os.cpu_count()} CPUs")
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        result = bench_size(size, args)
        print_result(result)
        results.append(result)
    out = BENCH / "results" / f"kb-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cpus": os.cpu_count(), "whoosh": _whoosh_version(),
                               "results": results}, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
