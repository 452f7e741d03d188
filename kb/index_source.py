"""What the index is built from: article rows read on a connection of their own, and
the document each row becomes. Used by `kb.index_apply`, `kb.index_rebuild` and `kb.index_check`."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from helpdesk.config import LANGUAGE_CODES
from helpdesk.database import reading
from helpdesk.extensions import db
from helpdesk.text_input import clean_text
from helpdesk.tickets.models import Category
from kb.analysis import plain_text
from kb.models import Article

SNIPPET_CHARS = 1200
# One analyzed field per language (title_en, body_de, ...).
LANGS = LANGUAGE_CODES


# -- documents ------------------------------------------------------------------------

_COLUMNS = (Article.id, Article.title, Article.summary, Article.body, Article.language,
            Article.tags, Article.status, Article.visibility, Category.slug, Article.version)


def select_articles():
    return sa.select(*_COLUMNS).outerjoin(Category, Article.category_id == Category.id)


def document(row) -> dict:
    """Return the index document of an article row (see `_COLUMNS`)."""
    article_id, title, summary, body, language, tags, status, visibility, category, version = row
    # Rows written before text was cleaned on the way in may hold decomposed umlauts.
    title, summary = clean_text(title), clean_text(summary or "")
    lang = language if language in LANGS else "en"
    text = plain_text(clean_text(body or ""))
    tag_text = clean_text(tags or "").replace(",", " ")
    return {
        "id": str(article_id), "kind": "article", "status": str(status),
        "visibility": str(visibility), "language": lang, "category": category or "",
        "title": title, "summary": summary or "", "version": int(version or 0),
        "snippet": ((summary + " — ") if summary else "") + text[:SNIPPET_CHARS],
        "spell": f"{title} {tag_text}",
        f"title_{lang}": title, f"tags_{lang}": tag_text,
        # The body field holds everything, so "all words" can be matched on it alone
        # (see kb.search: title and tags then only add to the score).
        f"body_{lang}": f"{title} {tag_text} {summary or ''} {text}",
    }


# -- reading the database ------------------------------------------------------------

@contextmanager
def read_database() -> Iterator[sa.Connection]:
    """Yield a connection of its own for the indexer's reads, outside any ORM session.

    The indexer runs right after a session's commit (so not in that session) and from
    commands that write. Its reads are declared reads: on SQLite they neither take nor
    wait for the write lock (see helpdesk.database). The transaction ends on exit.
    """
    with reading(), db.engine.connect() as connection:
        yield connection
