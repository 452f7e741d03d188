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

from helpdesk.database import writes
from helpdesk.extensions import db
from kb import index, index_check, index_upkeep, transfer

kb_group = click.Group("kb", help="Knowledge base: search index, import and export.")


@kb_group.command("reindex")
@click.option("--procs", type=int, default=None, help="Indexing processes (default: by size).")
@click.option("--check", is_flag=True,
              help="Compare the index with the database and repair only the differences.")
@with_appcontext
def reindex_command(procs, check: bool) -> None:
    """Rebuild the search index from the database (into a new folder, then swap).

    Whatever state the index folder is in, this builds a working index.
    """
    app = current_app._get_current_object()
    if check:
        _check(app)
        return
    started = time.perf_counter()
    count = index.rebuild(app, procs=procs,
                          progress=lambda n: click.echo(f"  {n} articles…", err=True))
    click.echo(f"Indexed {count} articles in {time.perf_counter() - started:.1f} s "
               f"({index.size_bytes(app) / 1e6:.1f} MB).")


def _check(app) -> None:
    report = index_check.check_and_repair(app)
    if report.rebuilt:
        click.echo(f"The index was damaged or ahead of the database: rebuilt it "
                   f"({report.articles} articles).")
        return
    click.echo(f"Checked {report.documents} documents against {report.articles} articles "
               f"({report.applied} pending outbox entries applied first): "
               f"{len(report.missing)} missing, {len(report.stale)} stale, "
               f"{len(report.phantom)} phantom.")
    click.echo(f"Repaired {report.repaired} documents." if report.repaired
               else "The index matches the database.")


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
            applied, rebuilt = index_upkeep.apply_or_rebuild(app)
        except LockError:
            applied, rebuilt = 0, False   # another process is applying; try again next round
        db.session.remove()
        if applied:
            click.echo(f"Applied {applied} outbox entries.")
        if rebuilt:
            click.echo("The index was damaged or ahead of the database: rebuilt it.")
        if once:
            return
        time.sleep(interval)


@kb_group.command("status")
@with_appcontext
def status_command() -> None:
    """Show the index: present, documents, and how far it lags behind the outbox."""
    state = index.status(current_app._get_current_object())
    click.echo(f"present={state.present} documents={state.documents} "
               f"applied={state.applied} newest={state.newest} lag={state.lag}"
               + (" ahead_of_database=True" if state.ahead else "")
               + (f" error={state.error!r}" if state.error else ""))


@kb_group.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
@writes
def import_command(path: Path) -> None:
    """Import a folder of Markdown files with YAML front matter (again = update)."""
    with click.progressbar(length=len(list(path.rglob("*.md"))), label="Importing",
                           file=sys.stderr) as bar:
        report = transfer.import_folder(path, progress=lambda n, total: bar.update(1))
    for name in report.new_categories:
        click.echo(f"created category {name!r}")
    for name, reason in report.errors:
        click.echo(f"skipped {name}: {reason}", err=True)
    click.echo(f"{report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged, {len(report.errors)} skipped.")
    if report.synonym_groups:
        click.echo(f"{report.synonym_groups} synonym groups added.")
    _update_index(current_app._get_current_object())
    if report.errors:
        raise click.exceptions.Exit(1)


def _update_index(app) -> None:
    """Apply the import's outbox rows to this host's index (no index worker needed)."""
    try:
        applied, rebuilt = index_upkeep.apply_or_rebuild(app)
    except LockError:
        click.echo("The search index is busy: the index worker or the next search will "
                   "apply the imported articles.", err=True)
        return
    click.echo("Search index rebuilt." if rebuilt
               else f"Search index updated ({applied} outbox entries applied).")


@kb_group.command("export")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(path: Path) -> None:
    """Write every article to PATH as Markdown with YAML front matter."""
    click.echo(f"Exported {transfer.export_folder(path)} articles to {path}.")


@kb_group.command("prune-outbox")
@click.option("--days", type=click.IntRange(1), default=30, show_default=True)
@with_appcontext
@writes
def prune_outbox_command(days: int) -> None:
    """Delete outbox rows older than DAYS (every host's index must have applied them)."""
    removed = index.prune_outbox(older_than=timedelta(days=days))
    db.session.commit()
    click.echo(f"Removed {removed} outbox rows.")


@kb_group.command("prune-searches")
@click.option("--days", type=click.IntRange(1), default=None,
              help="Keep this many days (default: the setting KB_SEARCH_LOG_DAYS, 90).")
@with_appcontext
@writes
def prune_searches_command(days: int | None) -> None:
    """Delete search-log rows older than DAYS (and the articles opened from them)."""
    from kb import search_log

    days = days or int(current_app.config.get("KB_SEARCH_LOG_DAYS", 90))
    removed = search_log.prune(older_than=timedelta(days=days))
    db.session.commit()
    click.echo(f"Removed {removed} searches older than {days} days.")
