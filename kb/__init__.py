"""The knowledge base: articles, their revisions, and the Whoosh search index.

A feature package: the factory loads it by name (setting FEATURES) and calls `init_app`,
which wires the KB's blueprint and CLI group and adds it to the core's extension points
(`helpdesk.registry`): health check, navigation, ticket-page panel, new-ticket answers,
message check, demo seeding, and the articles-used signal.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("kb", __name__, url_prefix="/kb")


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

    from helpdesk import registry, signals
    from kb import (  # noqa: F401 (routes on bp)
        cli,
        evidence_views,
        hooks,
        outbox,
        synonym_views,
        training_views,
        views,
    )

    app.register_blueprint(bp)
    app.cli.add_command(cli.kb_group)
    outbox.install(app)
    registry.connect(app, signals.articles_used, hooks.on_articles_used)
    registry.add(app, registry.HEALTH_CHECKS, hooks.health_check)
    registry.add(app, registry.NAV_ITEMS, hooks.nav_items)
    registry.add(app, registry.STAFF_PANELS, hooks.ticket_panel)
    registry.add(app, registry.NEW_TICKET_FORM, "kb/_subject_suggestions.html")
    registry.add(app, registry.MESSAGE_CHECKS, hooks.check_message)
    registry.add(app, registry.DEMO_SEEDERS, hooks.seed_demo_articles)
    hooks.register_template_helpers(app)
    evidence_views.init_app(app)
    from kb import decisions, problem_links  # level 3's known errors, knowledge decisions
    problem_links.connect(app)
    decisions.connect(app)
    synonym_views.init_app(app)
    training_views.init_app(app)
