"""Category look-ups for forms."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import get_locale

from helpdesk.extensions import db
from helpdesk.tickets.models import Category


def active_categories() -> list[Category]:
    return list(db.session.scalars(
        sa.select(Category).where(Category.is_active.is_(True)).order_by(Category.slug)))


def category_choices() -> list[tuple]:
    """Return (id, name) choices in the interface language, with an empty first choice."""
    lang = str(get_locale() or "en")
    choices = sorted(((c.id, c.name_for(lang)) for c in active_categories()),
                     key=lambda item: item[1].lower())
    return [(None, "—"), *choices]
