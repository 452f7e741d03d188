"""The knowledge base: articles, their revisions, and the Whoosh search index.

`init_app` is the one place the application factory calls; it wires the KB's blueprint,
CLI group, health check, navigation, ticket-page panels and demo seeding into the app.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("kb", __name__, url_prefix="/kb")


def _add_once(hooks: list, fn) -> None:
    # The hook lists are module-level and the factory runs once per app (tests make many).
    if fn not in hooks:
        hooks.append(fn)


def init_app(app: Flask) -> None:
    """Attach the knowledge base to `app`."""
    app.config.setdefault("KB_INDEX_AFTER_COMMIT", True)
    app.config.setdefault("KB_INDEX_LOCK_TIMEOUT", 30)
    app.config.setdefault("KB_SEARCH_TIME_LIMIT", 0.5)
    app.config.setdefault("KB_HEALTHY_LAG", 100)
    app.config.setdefault("KB_LAG_GRACE", 60)            # seconds a lag may last before /healthz
    app.config.setdefault("KB_INDEX_CATCHUP_INTERVAL", 1.0)   # web: look at the outbox
    app.config.setdefault("KB_INDEX_CATCHUP_ROWS", 500)       # before a search, this often
    app.config.setdefault("KB_REBUILD_DAMAGED", True)    # rebuild a damaged index by itself
    app.config.setdefault("KB_REINDEX_LIMITMB", 512)     # per indexing process
    # "This answered my question" POSTs per client address (a reader counts once anyway).
    app.config.setdefault("KB_ANSWERED_RATE_LIMIT", "20 per hour")

    from helpdesk import health, signals, template_helpers
    from helpdesk.demo import EXTRA_SEEDERS
    from helpdesk.tickets.operations import MESSAGE_CHECKS
    from helpdesk.tickets.page import STAFF_PANELS
    from kb import cli, hooks, outbox, views  # noqa: F401 (views attach routes to bp)

    app.register_blueprint(bp)
    app.cli.add_command(cli.kb_group)
    outbox.install(app)
    signals.articles_used.connect(hooks.on_articles_used)
    _add_once(health.CHECKS, hooks.health_check)
    _add_once(template_helpers.NAV_ITEMS, hooks.nav_items)
    _add_once(STAFF_PANELS, hooks.ticket_panel)
    _add_once(MESSAGE_CHECKS, hooks.check_message)
    _add_once(EXTRA_SEEDERS, hooks.seed_demo_articles)
    hooks.register_template_helpers(app)
