"""The index equals the database after concurrent saves, rebuilds and index workers."""
import random
import threading
import time

import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from sqlalchemy.orm.exc import StaleDataError

from helpdesk.accounts.models import User
from helpdesk.database import writing
from helpdesk.extensions import db
from kb import curation, index, index_check, index_rebuild, search
from kb.models import Article, ArticleStatus, Visibility

ANON = AnonymousUserMixin()


def _save(app, editor_id: int, rnd: random.Random, n: int) -> None:
    """One client's save: create, revise, archive or republish an article."""
    editor = db.session.get(User, editor_id)
    ids = db.session.scalars(sa.select(Article.id)).all()
    action = rnd.choice(["create", "create", "revise", "archive", "publish"])
    if action == "create" or not ids:
        curation.create_article(curation.ArticleInput(
            title=f"Client article {n}", body="Body.", visibility=Visibility.public),
            by=editor, status=ArticleStatus.published)
    else:
        article = db.session.get(Article, rnd.choice(ids))
        if action == "revise":
            curation.revise_article(article, curation.ArticleInput(
                title=f"{article.title} (revised)", body="New body.",
                visibility=Visibility.public), by=editor)
        elif action == "archive" and article.status == ArticleStatus.published:
            curation.archive(article, by=editor)
        elif action == "publish" and article.status != ArticleStatus.published:
            curation.set_status_as_system(article, ArticleStatus.published)
    db.session.commit()


def _run_threads(app, targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def wrap(target):
        def run():
            with app.app_context(), writing():     # saves, as a POST makes them
                try:
                    target()
                except BaseException as exc:     # noqa: BLE001 -- reported by the test
                    errors.append(exc)
                finally:
                    db.session.remove()
        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


def test_concurrent_saves_rebuilds_and_worker_leave_the_index_equal_to_the_database(
        app, make):
    editor_id = make.agent(2).id
    index.ensure_index(app)
    clients_done = threading.Event()
    rebuilds = []

    def client(number):
        def run():
            rnd = random.Random(number)
            for n in range(5):
                try:
                    _save(app, editor_id, rnd, number * 100 + n)
                except StaleDataError:
                    db.session.rollback()      # two clients revised one article: fine
        return run

    def reindexer():
        while not clients_done.is_set():
            rebuilds.append(index.rebuild(app))

    def worker():
        while not clients_done.is_set():
            index.apply_outbox(app)
            time.sleep(0.02)

    clients = [client(number) for number in range(10)]
    background = threading.Thread(target=lambda: (
        _run_threads(app, clients), clients_done.set()))
    background.start()
    errors = _run_threads(app, [reindexer, worker])
    background.join()
    assert errors == []
    assert len(rebuilds) >= 1
    index.apply_outbox(app)
    report = index_check.check_and_repair(app)
    articles = db.session.scalar(sa.select(sa.func.count(Article.id)))
    assert (report.missing, report.stale, report.phantom) == ([], [], [])
    assert report.documents == report.articles == articles
    assert index.status(app).documents == articles


def test_two_rebuilds_at_once_both_finish_and_leave_one_index(app, make_article, monkeypatch):
    """A rebuild's swap removed old generations, including one another rebuild was still
    writing (that rebuild then failed). Rebuilds now take turns."""
    for n in range(3):
        make_article(f"Refund rule {n}")
    building = threading.Event()
    slow_document = index_rebuild.document

    def document(row):
        building.set()
        time.sleep(0.1)
        return slow_document(row)

    monkeypatch.setattr(index_rebuild, "document", document)
    results: list[int] = []
    first = threading.Thread(target=lambda: _run_threads(app, [
        lambda: results.append(index.rebuild(app))]))
    first.start()
    assert building.wait(10)
    errors = _run_threads(app, [lambda: results.append(index.rebuild(app))])
    first.join()
    assert errors == [] and results == [3, 3]
    generations = [p for p in index.index_root(app).glob("gen-*") if p.is_dir()]
    assert index.current_dir(index.index_root(app)) in generations
    assert len(search.search("refund", ANON).hits) == 3


def test_a_savepoint_release_does_not_swallow_the_index_update(app, make):
    """`kb import` keeps a savepoint per file: releasing it fired the after-commit hook
    before the real commit, so the import's articles waited for an index worker."""
    editor = make.agent(2)
    index.ensure_index(app)
    app.config["KB_INDEX_CATCHUP_INTERVAL"] = 3600       # only the after-commit hook
    savepoint = db.session.begin_nested()
    curation.create_article(curation.ArticleInput(
        title="Savepoint article", body="Body.", visibility=Visibility.public),
        by=editor, status=ArticleStatus.published)
    savepoint.commit()
    db.session.commit()
    assert index.status(app).lag == 0
    assert [h.title for h in search.search("savepoint", ANON).hits] == ["Savepoint article"]
