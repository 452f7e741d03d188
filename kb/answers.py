""""This answered my question": one event per reader and article, counted once.

Each answer is a row (when, which article and revision, which search led there, from
which page), so the count can be audited and reported; `Article.answered_count` caches
the number and is raised in the same transaction as the row.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb.models import AnswerSource, Article, ArticleAnswerEvent, ArticleRevision

QUERY_MAX = 200


def record_answer(article: Article, *, reader_key: str, source: AnswerSource,
                  query: str | None = None) -> bool:
    """Count that `reader_key` found its answer in `article`; False if it already had.

    The unique constraint on (article, reader) decides, so two concurrent requests of one
    reader count once. Flushes inside a savepoint; the caller commits.
    """
    revision = db.session.scalar(sa.select(sa.func.max(ArticleRevision.number)).where(
        ArticleRevision.article_id == article.id)) or 0
    event = ArticleAnswerEvent(article_id=article.id, revision_number=revision,
                               reader_key=reader_key[:80], source=AnswerSource(source),
                               query=" ".join((query or "").split())[:QUERY_MAX] or None,
                               answered_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:
        return False
    db.session.execute(sa.update(Article).where(Article.id == article.id).values(
        answered_count=Article.answered_count + 1))
    return True


@dataclass(frozen=True)
class AnswerReport:
    """What editors see of an article's answers: per source, and the searches behind them."""

    by_source: dict[AnswerSource, int]
    top_queries: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(self.by_source.values())


def answer_report(article: Article, *, queries: int = 5) -> AnswerReport:
    """Count the article's answer events by source and list the searches that led most."""
    by_source = {source: n for source, n in db.session.execute(
        sa.select(ArticleAnswerEvent.source, sa.func.count()).where(
            ArticleAnswerEvent.article_id == article.id).group_by(ArticleAnswerEvent.source))}
    count = sa.func.count().label("n")
    top = db.session.execute(
        sa.select(ArticleAnswerEvent.query, count).where(
            ArticleAnswerEvent.article_id == article.id, ArticleAnswerEvent.query.is_not(None))
        .group_by(ArticleAnswerEvent.query).order_by(count.desc(), ArticleAnswerEvent.query)
        .limit(queries))
    return AnswerReport(by_source=by_source, top_queries=[(query, n) for query, n in top])


def has_answered(article: Article, reader_key: str) -> bool:
    """Whether this reader already said the article answered their question."""
    return db.session.scalar(sa.select(ArticleAnswerEvent.id).where(
        ArticleAnswerEvent.article_id == article.id,
        ArticleAnswerEvent.reader_key == reader_key)) is not None
