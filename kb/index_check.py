"""`helpdesk kb reindex --check`: compare the index with the database and repair it.

Each article has one document carrying its version, status and visibility. A document
is *missing* if the database has the article and the index does not, *stale* if its
version, status or visibility differ (or the article has several documents), and a
*phantom* if the database has no such article. Repairs go through the same document
builder as every other write, under the apply lock.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask

from kb import index
from kb.index_source import document, read_database, select_articles
from kb.models import Article

REPAIR_BATCH = 500


@dataclass
class CheckReport:
    articles: int = 0
    documents: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    phantom: list[int] = field(default_factory=list)
    applied: int = 0                 # pending outbox rows applied before comparing
    rebuilt: bool = False            # the index was damaged or ahead: rebuilt instead

    @property
    def repaired(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.phantom)


def check_and_repair(app: Flask) -> CheckReport:
    """Apply the outbox, compare every document with its article, and repair the
    differences. A damaged index, or one ahead of the database, is rebuilt instead."""
    report = CheckReport()
    try:
        with index.applying(app) as folder:
            try:
                report.applied = index.apply_locked(folder)
                ix = index.open_generation(folder)
                _compare(ix, report)
                _repair(ix, report)
            except index.DAMAGE_ERRORS as exc:
                raise index.damaged(folder, exc) from exc
    except (index.IndexAhead, index.IndexUnavailable):
        report.articles = index.rebuild(app)
        report.documents, report.rebuilt = report.articles, True
    return report


def _compare(ix, report: CheckReport) -> None:
    indexed: dict[int, list[tuple]] = defaultdict(list)
    with ix.searcher() as s:
        for _docnum, stored in s.reader().iter_docs():
            if stored.get("id") != index.META_ID:
                indexed[int(stored["id"])].append(
                    (stored.get("version"), stored.get("status"), stored.get("visibility")))
    report.documents = sum(len(docs) for docs in indexed.values())
    with read_database() as reader:
        for article_id, version, status, visibility in reader.execute(sa.select(
                Article.id, Article.version, Article.status, Article.visibility)):
            report.articles += 1
            docs = indexed.pop(article_id, None)
            if docs is None:
                report.missing.append(article_id)
            elif docs != [(int(version or 0), str(status), str(visibility))]:
                report.stale.append(article_id)
    report.phantom = sorted(indexed)


def _repair(ix, report: CheckReport) -> None:
    if not report.repaired:
        return
    writer = ix.writer(timeout=5.0, delay=0.02)
    try:
        for article_id in report.phantom:
            writer.delete_by_term("id", str(article_id))
        ids = sorted(report.missing + report.stale)
        with read_database() as reader:
            for start in range(0, len(ids), REPAIR_BATCH):
                batch = ids[start:start + REPAIR_BATCH]
                for row in reader.execute(select_articles().where(Article.id.in_(batch))):
                    writer.update_document(**document(row))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
