"""`helpdesk sla tick`: apply the deadlines that passed (run it from cron every minute)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from helpdesk.database import writes
from helpdesk.service_levels.tick import tick


@click.group("sla", help="Service levels in working time.")
def sla_group() -> None:
    """The `helpdesk sla` commands."""


@sla_group.command("tick")
@with_appcontext
@writes
def tick_command() -> None:
    """Record missed deadlines as ticket events, tell each level once by mail, and
    escalate where a policy says so. Safe to run twice, or on two hosts at once."""
    report = tick()
    if report.deferred:
        click.echo("another tick is recalculating due times after a change of the rules; "
                   "it checks the deadlines when done")
        return
    click.echo(f"checked {report.checked}, breaches {report.breaches}, "
               f"escalated {report.escalated}")
