"""Category look-ups for forms and the admin pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import get_locale
from wtforms.fields.choices import SelectChoice

from helpdesk.extensions import db
from helpdesk.tickets.models import Category


def active_categories() -> list[Category]:
    return list(db.session.scalars(
        sa.select(Category).where(Category.is_active.is_(True)).order_by(Category.slug)))


def all_categories() -> list[Category]:
    """Every category, active or not, by short name (the admin list)."""
    return list(db.session.scalars(sa.select(Category).order_by(Category.slug)))


def categories_by_slug() -> dict[str, Category]:
    """Every category by its short name (the knowledge base's filters)."""
    return {c.slug: c for c in db.session.scalars(sa.select(Category))}


def slug_taken(slug: str, *, other_than: int | None = None) -> bool:
    """Whether a category other than `other_than` (an id) has the short name `slug`."""
    query = sa.select(Category.id).where(Category.slug == slug)
    if other_than is not None:
        query = query.where(Category.id != other_than)
    return db.session.scalar(query.limit(1)) is not None


def category_choice(category: Category) -> SelectChoice:
    """The select option of one category, named in the interface language."""
    return SelectChoice(str(category.id), category.name_for(str(get_locale() or "en")))


def category_choices() -> list[SelectChoice]:
    """Return the active categories as choices in the interface language, by name, with
    an empty first choice ("no category")."""
    choices = sorted((category_choice(c) for c in active_categories()),
                     key=lambda choice: choice.label.lower())
    return [SelectChoice("", "—"), *choices]
