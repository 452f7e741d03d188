"""An older database with a newer index (a database backup restored, the index kept):
never a hit for an article the database does not have, and the index is rebuilt."""
import time

import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from helpdesk.extensions import db
from kb import index, search
from kb.models import Article, ArticleRevision, OutboxEntry

ANON = AnonymousUserMixin()


def _backup_point() -> dict:
    return {"article": db.session.scalar(sa.select(sa.func.max(Article.id))) or 0,
            "outbox": db.session.scalar(sa.select(sa.func.max(OutboxEntry.id))) or 0}


def _restore(point: dict) -> None:
    """Put the database back to `point`, as restoring a backup taken then would: later
    articles and outbox rows are gone, and the id counters continue from the backup."""
    db.session.execute(sa.delete(ArticleRevision).where(
        ArticleRevision.article_id > point["article"]))
    db.session.execute(sa.delete(Article).where(Article.id > point["article"]))
    db.session.execute(sa.delete(OutboxEntry).where(OutboxEntry.id > point["outbox"]))
    if db.engine.dialect.name == "postgresql":
        for table, column in (("kb_article", "article"), ("kb_index_outbox", "outbox")):
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :value, :called)"),
                {"value": max(point[column], 1), "called": point[column] > 0})
    db.session.commit()
    db.session.expire_all()


def _indexed_ids(app) -> set[int]:
    folder = index.current_dir(index.index_root(app))
    with index.open_generation(folder).searcher() as s:
        return {int(f["id"]) for _n, f in s.reader().iter_docs() if f["id"] != index.META_ID}


def _wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _restored_with_newer_index(app, make_article):
    kept = make_article("Shipping to Austria", body="Parcels to Austria take three days.")
    point = _backup_point()
    lost = make_article("Shipping to Norway", body="Parcels to Norway need customs papers.")
    assert [h.title for h in search.search("norway", ANON).hits] == ["Shipping to Norway"]
    ids = kept.id, lost.id
    _restore(point)
    return ids


def test_a_restored_database_never_shows_an_article_it_does_not_have(app, client,
                                                                      make_article):
    app.config["KB_REBUILD_DAMAGED"] = False
    app.config["KB_INDEX_AFTER_COMMIT"] = False      # no catch-up: the index stays ahead
    _kept, lost = _restored_with_newer_index(app, make_article)
    assert lost in _indexed_ids(app)
    assert search.search("norway", ANON).hits == []
    body = client.get("/kb/?q=norway&format=json").get_json()
    assert body["results"] == []
    assert search.search("parcels", ANON, per_page=10).hits[0].title == "Shipping to Austria"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["search_index"]["ahead_of_database"] is True


def test_the_index_worker_rebuilds_an_index_ahead_of_the_database(app, make_article, runner):
    app.config["KB_INDEX_AFTER_COMMIT"] = False
    kept, lost = _restored_with_newer_index(app, make_article)
    assert index.status(app).ahead
    result = runner.invoke(args=["kb", "index-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    assert _indexed_ids(app) == {kept}
    state = index.status(app)
    assert not state.ahead and state.documents == 1 and state.lag == 0


def test_the_first_search_after_a_restore_rebuilds_the_index(app, make_article):
    app.config["KB_INDEX_CATCHUP_INTERVAL"] = 0
    kept, _lost = _restored_with_newer_index(app, make_article)
    assert search.search("norway", ANON).hits == []
    assert _wait_for(lambda: _indexed_ids(app) == {kept})
    assert not index.status(app).ahead


def test_saves_after_a_restore_reusing_outbox_ids_are_not_skipped(app, make_article):
    """The ids the lost rows had come back for new rows: the index must not take them
    for rows it has applied already."""
    app.config["KB_INDEX_AFTER_COMMIT"] = False
    kept, lost = _restored_with_newer_index(app, make_article)
    applied_before = index.status(app).applied
    new = [make_article(f"Shipping to Chile {n}", body="Parcels to Chile.") for n in range(2)]
    assert db.session.scalar(sa.select(sa.func.max(OutboxEntry.id))) >= applied_before
    app.config["KB_INDEX_AFTER_COMMIT"] = True
    app.config["KB_INDEX_CATCHUP_INTERVAL"] = 0
    search.search("chile", ANON)          # finds the index ahead: rebuilds it
    assert _wait_for(lambda: _indexed_ids(app) == {kept, *(a.id for a in new)})
    assert sorted(h.title for h in search.search("chile", ANON).hits) == [
        "Shipping to Chile 0", "Shipping to Chile 1"]
