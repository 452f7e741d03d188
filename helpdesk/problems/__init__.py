"""Problems and known errors (issue 9): one underlying cause behind many tickets.

A feature package on the tickets layer; the factory loads it by name (setting FEATURES).
Level 3 works on causes: a problem has its tickets (linked by agents at every level, or
proposed by them), a status from investigating to known error, fixed and closed, an
owner, a workaround and a fix, and a history of its own. Its owner answers all its open
tickets at once (`bulk`, exactly once per ticket), and its known error goes to the
knowledge base through a signal (`signals.known_error_documented`): this package never
imports the knowledge base. `init_app` wires the blueprint, the ticket page's panel, the
navigation, the demo and the signal receivers.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("problems", __name__, url_prefix="/problems")


def init_app(app: Flask) -> None:
    """Attach problems to `app`."""
    from helpdesk import registry, signals
    from helpdesk.problems import demo, hooks, models, operations, views  # noqa: F401

    app.register_blueprint(bp)
    registry.add(app, registry.STAFF_PANELS, hooks.ticket_panel)
    registry.add(app, registry.NAV_ITEMS, hooks.nav_items)
    registry.add(app, registry.DEMO_SEEDERS, demo.seed_demo)
    registry.connect(app, signals.ticket_merged, operations.on_ticket_merged)
    hooks.register_template_helpers(app)
