"""The knowledge base: articles, their revisions, and the Whoosh search index.

`init_app` is the one place the application factory calls; it wires the KB's blueprint,
CLI group, health check, navigation, ticket-page panels and demo seeding into the app.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the knowledge base to `app` (nothing yet: filled in by the KB work)."""
