"""What a search answers: hits shaped for pages and JSON, checked against the database."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import get_locale
from markupsafe import Markup

from helpdesk.extensions import db
from kb.models import Article
from kb.permissions import read_scope
from kb.snippets import snippet


@dataclass
class Hit:
    id: int
    title: str
    summary: str
    language: str
    status: str
    visibility: str
    category: str
    score: float
    snippet: Markup = Markup("")

    def as_json(self) -> dict:
        return {"id": self.id, "title": self.title, "summary": self.summary,
                "language": self.language, "score": round(self.score, 4),
                "snippet": str(self.snippet), "status": self.status,
                "visibility": self.visibility, "category": self.category}


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    per_page: int = 10
    has_next: bool = False
    corrected: str | None = None       # the query shown instead (typo tolerance)
    did_you_mean: str | None = None    # a suggestion to click
    message: str | None = None
    timed_out: bool = False
    unavailable: bool = False          # the index could not be read (see kb.index_upkeep)


def hit_from(whoosh_hit, terms: dict[str, set[str]] | None) -> Hit:
    """A Hit from a Whoosh hit's stored fields; with `terms`, a highlighted snippet."""
    stored = whoosh_hit.fields()
    hit = Hit(id=int(stored["id"]), title=stored["title"], summary=stored.get("summary", ""),
              language=stored["language"], status=stored["status"],
              visibility=stored["visibility"], category=stored.get("category", ""),
              score=float(whoosh_hit.score or 0.0))
    if terms is not None:
        hit.snippet = snippet(stored.get("snippet", ""), hit.language,
                              terms.get(hit.language, set()))
    return hit


def in_database(hits: list[Hit], user, *, language: str | None = None) -> list[Hit]:
    """Keep the hits whose article the database has and `user` may read there.

    The index is a copy: after a database restore it may hold articles the database
    does not (until it is rebuilt), and a change may not be applied yet. Translation
    twins are shown once (`one_per_translation`), in `language` where both matched
    (default: the reader's; a ticket's suggestions may prefer the customer's).
    """
    if not hits:
        return hits
    scope = read_scope(user)
    readable = {article_id: key for article_id, status, visibility, key in db.session.execute(
        _ARTICLE_STATES, {"ids": [hit.id for hit in hits]})
        if status in scope.statuses and visibility in scope.visibilities}
    return one_per_translation([hit for hit in hits if hit.id in readable], readable,
                               language)


def reader_language() -> str | None:
    """The language the reader reads the interface in (None outside a request)."""
    return str(get_locale() or "") or None if has_request_context() else None


def one_per_translation(hits: list[Hit], keys: dict[int, str | None],
                        language: str | None = None) -> list[Hit]:
    """One hit per translation pair (`keys`: each hit's translation key): where both
    twins matched, the one in the reader's language stays, at the better twin's place.
    A twin the reader may not read is never among `hits`, so the other one stays."""
    language = language or reader_language()
    best: dict[str, Hit] = {}
    for hit in hits:
        key = keys.get(hit.id)
        if key and (key not in best or (hit.language == language
                                        and best[key].language != language)):
            best[key] = hit
    kept, seen = [], set()
    for hit in hits:
        key = keys.get(hit.id)
        if not key:
            kept.append(hit)
        elif key not in seen:
            seen.add(key)
            kept.append(best[key])
    return kept


# One statement for every search (SQLAlchemy compiles it once).
_ARTICLE_STATES = sa.select(Article.id, Article.status, Article.visibility,
                            Article.translation_key).where(
    Article.id.in_(sa.bindparam("ids", expanding=True)))
