"""The `helpdesk` command: a Flask CLI group bound to the application factory."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask.cli import run_command as flask_run_command

from helpdesk import create_app
from helpdesk.accounts.models import Role
from helpdesk.accounts.operations import EmailTaken, create_user
from helpdesk.accounts.passwords import password_problem
from helpdesk.config import LANGUAGE_CODES
from helpdesk.database import writes
from helpdesk.extensions import db
from helpdesk.text_input import clean_text


@click.group(cls=FlaskGroup, create_app=create_app,
             help="Tiered Helpdesk: run the server and manage its data.")
def main() -> None:
    """Entry point of the `helpdesk` console script."""


@main.command("run", params=list(flask_run_command.params), with_appcontext=False,
              short_help="Run the development server.")
@click.pass_context
def run_command(ctx, **options) -> None:
    """Run the development server (Flask's `run`). Unless HELPDESK_BASE_URL is set,
    links in mails point to the address the server listens on."""
    if not os.environ.get("HELPDESK_BASE_URL"):
        # Set in the environment so the reloader's child process sees it too.
        os.environ["HELPDESK_BASE_URL"] = dev_base_url(options["host"], options["port"],
                                                       https=options.get("cert") is not None)
        click.echo(f" * Links in mails point to {os.environ['HELPDESK_BASE_URL']} "
                   "(set HELPDESK_BASE_URL to change)")
    ctx.invoke(flask_run_command, **options)


def dev_base_url(host: str, port: int, *, https: bool = False) -> str:
    """The base URL of a development server listening on `host`:`port`."""
    if host in ("0.0.0.0", "", "::"):      # every interface: this machine is one of them
        host = "127.0.0.1" if host != "::" else "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if https else 'http'}://{host}:{port}"


def upgrade_database() -> None:
    """Bring the schema to the newest migration (safe to run any number of times)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@main.command("init-db")
@with_appcontext
@writes
def init_db_command() -> None:
    """Create or upgrade the database schema (idempotent)."""
    upgrade_database()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.customer.value)
@click.option("--level", type=click.IntRange(1, 3), default=None,
              help="Support level of an agent (1, 2 or 3).")
@click.option("--language", type=click.Choice(LANGUAGE_CODES), default="en")
@click.password_option()
@with_appcontext
@writes
def create_user_command(email, name, role, level, language, password) -> None:
    """Create a user account."""
    email, name, password = clean_text(email), clean_text(name), clean_text(password)
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.ClickException(problem)
    try:
        user = create_user(email=email, name=name, password=password, role=Role(role),
                           level=level, language=language)
    except EmailTaken:
        raise click.ClickException(f"{email} already has an account") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}"
               f"{f', level {user.level}' if user.level else ''})")


@main.command("backup")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the database (SQLite), attachments and secret key into PATH, while running."""
    from helpdesk.backup import BackupError, backup_instance

    try:
        report = backup_instance(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if report.database:
        click.echo(f"Database: {report.database}")
    else:
        click.echo("Database: PostgreSQL is not copied by this command; back it up with "
                   f"pg_dump, e.g.\n  {report.pg_dump_command}")
    click.echo(f"Attachments: {report.attachments} files in {path / 'attachments'}")
    if report.secret_key:
        click.echo(f"Secret key: {report.secret_key} (keep the backup private)")
    click.echo("The search index is not copied: after a restore, run 'helpdesk kb reindex'.")


@main.command("demo")
@click.option("--reset", is_flag=True, help="Delete the demo database first.")
@with_appcontext
@writes
def demo_command(reset: bool) -> None:
    """Set up a demo database with users for every role and level, tickets and articles."""
    from helpdesk.demo import seed_demo

    if reset:
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    upgrade_database()
    current_app.config["MAIL_SUPPRESS"] = True     # the demo customers have no real inboxes
    created = seed_demo()
    db.session.commit()
    if created:
        click.echo("Demo data created. Log in with any of these (password demo1234):")
    else:
        click.echo("Demo data already present. Logins (password demo1234):")
    for email in ("customer@example.com", "customer2@example.com", "l1@example.com",
                  "l2@example.com", "l3@example.com", "admin@example.com"):
        click.echo(f"  {email}")
