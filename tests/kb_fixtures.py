"""Knowledge-base fixtures: articles built through the curation functions."""
from __future__ import annotations

import itertools

import pytest

from helpdesk.extensions import db
from kb import curation, index_upkeep
from kb.models import Article, ArticleStatus, Visibility

_counter = itertools.count(1)


class ArticleFactory:
    """make_article(...): a real article, committed (so the outbox and index see it)."""

    def __init__(self, make):
        self.make = make
        self._editor = None

    @property
    def editor(self):
        if self._editor is None:
            self._editor = self.make.agent(2, name="KB Editor")
        return self._editor

    def __call__(self, title: str | None = None, *, body: str = "Some helpful text.",
                 summary: str = "", language: str = "en", status: str = "published",
                 visibility: str = "public", tags=(), category=None, by=None) -> Article:
        by = by or self.editor
        data = curation.ArticleInput(
            title=title or f"Article {next(_counter)}", body=body, summary=summary,
            language=language, tags=list(tags), category=category,
            visibility=Visibility(visibility))
        article = curation.create_article(data, by=by)
        target = ArticleStatus(status)
        if target == ArticleStatus.in_review:
            curation.submit_for_review(article, by=by)
        elif target == ArticleStatus.published:
            curation.publish(article, by=by)
        elif target == ArticleStatus.archived:
            curation.publish(article, by=by)
            curation.archive(article, by=by)
        db.session.commit()
        return article


@pytest.fixture
def make_article(make):
    return ArticleFactory(make)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Every app's index keeper (a thread that rebuilds a missing index) stops with its
    test, before the test's app and database go away."""
    index_upkeep.stop_all()
    yield
