"""Service levels: targets measured in working time (issue 9).

A feature package on the tickets layer; the factory loads it by name (setting FEATURES).
`working_time` is the pure arithmetic the clock builds on (business calendars, working time
with pauses); `deadlines` works a ticket's deadlines out of its history; `provider` is the
due-time provider the tickets layer asks (`registry.DUE_TIMES`); `tick` records missed
deadlines once (`helpdesk sla tick`, and a background timer in the development server),
after finishing the due times a change of the rules left to it (SLA_RECOMPUTE_INLINE_MAX);
`report` is the SLA report. `init_app` wires it all in.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("service_levels", __name__)


def init_app(app: Flask) -> None:
    """Attach service levels to `app`."""
    app.config.setdefault("SLA_TICK_SECONDS", 60.0)
    app.config.setdefault("SLA_NEAR_BREACH_MINUTES", 60)
    app.config.setdefault("SLA_RECOMPUTE_INLINE_MAX", 1000)

    from helpdesk import registry
    from helpdesk.service_levels import cli, demo, hooks, models, ticker, views  # noqa: F401
    from helpdesk.service_levels.provider import WorkingTimeProvider

    app.register_blueprint(bp)
    app.cli.add_command(cli.sla_group)
    registry.add(app, registry.DUE_TIMES, _PROVIDER.setdefault("provider",
                                                               WorkingTimeProvider()))
    registry.add(app, registry.STAFF_PANELS, hooks.ticket_panel)
    registry.add(app, registry.NAV_ITEMS, hooks.nav_items)
    registry.add(app, registry.ADMIN_TABS, hooks.admin_tabs)
    registry.add(app, registry.DEMO_SEEDERS, demo.seed_demo)
    hooks.register_template_helpers(app)
    ticker.init_app(app)


# One provider object for every app (the registry adds an entry once).
_PROVIDER: dict[str, object] = {}
