"""`helpdesk kb ...`: the search index, the index worker, import and export."""
from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from whoosh.index import LockError

from helpdesk.extensions import db
from kb import index, transfer

kb_group = click.Group("kb", help="Knowledge base: search index, import and export.")


@kb_group.command("reindex")
@click.option("--procs", type=int, default=None, help="Indexing processes (default: by size).")
@with_appcontext
def reindex_command(procs) -> None:
    """Rebuild the search index from the database (into a new folder, then swap)."""
    app = current_app._get_current_object()
    started = time.perf_counter()
    count = index.rebuild(app, procs=procs,
                          progress=lambda n: click.echo(f"  {n} articles…", err=True))
    click.echo(f"Indexed {count} articles in {time.perf_counter() - started:.1f} s "
               f"({index.size_bytes(app) / 1e6:.1f} MB).")


@kb_group.command("index-worker")
@click.option("--once", is_flag=True, help="Apply what is pending and exit.")
@click.option("--interval", type=float, default=1.0, show_default=True,
              help="Seconds between looks at the outbox.")
@with_appcontext
def index_worker_command(once: bool, interval: float) -> None:
    """Apply the outbox to this host's index, continuously (or --once)."""
    app = current_app._get_current_object()
    while True:
        try:
            applied = index.apply_outbox(app)
        except LockError:
            applied = 0           # another process is applying; try again next round
        db.session.remove()
        if applied:
            click.echo(f"Applied {applied} outbox entries.")
        if once:
            return
        time.sleep(interval)


@kb_group.command("status")
@with_appcontext
def status_command() -> None:
    """Show the index: present, documents, and how far it lags behind the outbox."""
    state = index.status(current_app._get_current_object())
    click.echo(f"present={state.present} documents={state.documents} "
               f"applied={state.applied} newest={state.newest} lag={state.lag}")


@kb_group.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Import a folder of Markdown files with YAML front matter (again = update)."""
    with click.progressbar(length=len(list(path.rglob("*.md"))), label="Importing",
                           file=sys.stderr) as bar:
        report = transfer.import_folder(path, progress=lambda n, total: bar.update(1))
    for name, reason in report.errors:
        click.echo(f"skipped {name}: {reason}", err=True)
    click.echo(f"{report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged, {len(report.errors)} skipped.")


@kb_group.command("export")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(path: Path) -> None:
    """Write every article to PATH as Markdown with YAML front matter."""
    click.echo(f"Exported {transfer.export_folder(path)} articles to {path}.")


@kb_group.command("prune-outbox")
@click.option("--days", type=click.IntRange(1), default=30, show_default=True)
@with_appcontext
def prune_outbox_command(days: int) -> None:
    """Delete outbox rows older than DAYS (every host's index must have applied them)."""
    removed = index.prune_outbox(older_than=timedelta(days=days))
    db.session.commit()
    click.echo(f"Removed {removed} outbox rows.")
