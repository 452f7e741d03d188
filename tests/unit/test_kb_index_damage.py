"""A damaged search index: search degrades visibly, every other page keeps working,
/healthz says so, and `helpdesk kb reindex` (or `--check`) repairs it."""
import os
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from helpdesk.extensions import db
from kb import index, search
from kb.index_source import document, read_database, select_articles
from kb.models import Article

ANON = AnonymousUserMixin()
UNAVAILABLE = "Search is unavailable right now"


def _generation(app) -> Path:
    return index.current_dir(index.index_root(app))


def _truncate_toc(app):
    toc = next(_generation(app).glob("_MAIN_*.toc"))
    toc.write_bytes(toc.read_bytes()[:len(toc.read_bytes()) // 2])


def _delete_segment(app):
    for segment in _generation(app).glob("*.seg"):
        segment.unlink()


def _overwrite_segment(app):
    for segment in _generation(app).glob("*.seg"):
        segment.write_bytes(os.urandom(segment.stat().st_size))


def _garbage_current(app):
    (index.index_root(app) / "CURRENT").write_bytes(os.urandom(64) + b"\xff\xfe")


def _remove_folder(app):
    shutil.rmtree(index.index_root(app))


FILE_DAMAGE = [_truncate_toc, _delete_segment, _overwrite_segment]


@pytest.fixture
def damaged_setup(app, make, make_article, login_as):
    """An article, a ticket an agent looks at, and an index that stays damaged."""
    app.config["KB_REBUILD_DAMAGED"] = False
    article = make_article("Payout delayed by the bank", body="The payout waits for the bank.")
    agent = make.agent(1)
    ticket = make.ticket(subject="Payout delayed", body="My payout is late")
    index.drop_cached_searchers()
    return article, agent, ticket


@pytest.mark.parametrize("damage", FILE_DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_damaged_index_degrades_search_but_not_the_pages(app, client, damaged_setup,
                                                          login_as, runner, damage, caplog):
    article, agent, ticket = damaged_setup
    damage(app)
    index.drop_cached_searchers()

    for _ in range(3):
        response = client.get("/kb/?q=payout")
        assert response.status_code == 200
        assert UNAVAILABLE in response.get_data(as_text=True)
    body = client.get("/kb/?q=payout&format=json").get_json()
    assert body["results"] == [] and body["unavailable"] is True
    assert body["message"].startswith(UNAVAILABLE)
    warnings = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].exc_info is None    # once, no traceback

    assert client.get(f"/kb/articles/{article.id}").status_code == 200
    login_as(agent)
    assert client.get(f"/tickets/{ticket.ref}").status_code == 200     # suggestions panel
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["search_index"]["ok"] is False
    assert health.get_json()["search_index"]["error"]

    result = runner.invoke(args=["kb", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 articles" in result.output
    assert [h.title for h in search.search("payout", ANON).hits] == [
        "Payout delayed by the bank"]
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("damage", [_garbage_current, _remove_folder],
                         ids=lambda f: f.__name__.strip("_"))
def test_lost_pointer_or_folder_is_rebuilt_and_reindex_works(app, client, damaged_setup,
                                                              runner, damage):
    damage(app)
    index.drop_cached_searchers()
    result = runner.invoke(args=["kb", "reindex"])
    assert result.exit_code == 0, result.output
    assert [h.title for h in search.search("payout", ANON).hits] == [
        "Payout delayed by the bank"]
    damage(app)
    index.drop_cached_searchers()
    # The first search after the loss rebuilds from the database (no 500, no empty page).
    response = client.get("/kb/?q=payout")
    assert response.status_code == 200
    assert "Payout delayed by the bank" in response.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200


def test_reindex_ignores_foreign_files_in_the_index_folder(app, make_article, runner):
    make_article("Refund timeline")
    root = index.index_root(app)
    (root / "gen-unfinished").mkdir()
    (root / "gen-unfinished" / "KB_SCHEMA").write_text("junk")
    (root / "notes.txt").write_text("someone's notes")
    result = runner.invoke(args=["kb", "reindex"])
    assert result.exit_code == 0, result.output
    assert [h.title for h in search.search("refund", ANON).hits] == ["Refund timeline"]


def test_a_damaged_index_is_rebuilt_in_the_background(app, client, make_article):
    make_article("Payout delayed by the bank")
    index.drop_cached_searchers()
    _delete_segment(app)
    assert search.search("payout", ANON).unavailable
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        index.drop_cached_searchers()
        if search.search("payout", ANON).hits:
            break
        time.sleep(0.1)
    assert [h.title for h in search.search("payout", ANON).hits] == [
        "Payout delayed by the bank"]


def _index_documents(app) -> dict[int, dict]:
    with index.open_generation(_generation(app)).searcher() as s:
        return {int(f["id"]): f for _n, f in s.reader().iter_docs() if f["id"] != index.META_ID}


def test_reindex_check_finds_and_repairs_missing_stale_and_phantom(app, make_article,
                                                                   runner):
    kept, lost, changed = (make_article(t) for t in ("Kept", "Lost", "Changed"))
    ix = index.open_generation(_generation(app))
    writer = ix.writer()
    writer.delete_by_term("id", str(lost.id))                     # missing
    with read_database() as reader:
        row = reader.execute(select_articles().where(Article.id == changed.id)).one()
    stale = document(row)
    stale.update(version=stale["version"] - 1, title="Old title")
    writer.update_document(**stale)                                # stale
    phantom = dict(document(row), id="9999", title="Never existed")
    writer.add_document(**phantom)                                 # phantom
    writer.commit()

    result = runner.invoke(args=["kb", "reindex", "--check"])
    assert result.exit_code == 0, result.output
    assert "1 missing, 1 stale, 1 phantom" in result.output
    assert "Repaired 3 documents" in result.output
    docs = _index_documents(app)
    assert sorted(docs) == sorted([kept.id, lost.id, changed.id])
    db.session.expire_all()
    assert docs[changed.id]["version"] == db.session.scalar(
        sa.select(Article.version).where(Article.id == changed.id))
    assert docs[changed.id]["title"] == "Changed"

    result = runner.invoke(args=["kb", "reindex", "--check"])
    assert result.exit_code == 0 and "The index matches the database" in result.output


def test_reindex_check_rebuilds_a_damaged_index(app, make_article, runner):
    make_article("Payout delayed by the bank")
    index.drop_cached_searchers()
    _truncate_toc(app)
    result = runner.invoke(args=["kb", "reindex", "--check"])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    assert [h.title for h in search.search("payout", ANON).hits] == [
        "Payout delayed by the bank"]
