"""Synonym groups: words level 2 declares to mean the same in a search, across languages.

`SynonymState` holds one row whose `generation` rises with every change to the groups, in
the same transaction: each process caches the groups and reloads them when the generation
it read is no longer the database's (kb.synonyms).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import User
from helpdesk.clock import utcnow
from helpdesk.extensions import db


class SynonymGroup(db.Model):
    """Terms that find each other: "Retoure, Rücksendung, return". `terms` holds them
    comma-separated, each as level 2 wrote it (a term may be several words)."""

    __tablename__ = "kb_synonym_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[str] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id",
                                                                    ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    updated_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def term_list(self) -> list[str]:
        return [t.strip() for t in (self.terms or "").split(",") if t.strip()]


class SynonymState(db.Model):
    """One row (id 1): the generation of the synonym groups, raised by every change."""

    __tablename__ = "kb_synonym_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(default=0)
