"""`helpdesk kb import`: categories by slug or name (created when missing), the exit code,
and imported articles searchable at once on a single host (no index worker)."""
from datetime import timedelta

import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from helpdesk.extensions import db
from helpdesk.tickets.models import Category
from kb import index, search
from kb.models import Article, OutboxEntry

ANON = AnonymousUserMixin()


def _write(folder, name: str, title: str, category: str | None = None) -> None:
    front = [f"title: {title}", "status: published", "visibility: public"]
    if category is not None:
        front.append(f"category: {category}")
    (folder / name).write_text("---\n" + "\n".join(front) + f"\n---\n{title} body text.\n",
                               encoding="utf-8")


def _category_of(title: str) -> Category | None:
    db.session.expire_all()
    article = db.session.scalar(sa.select(Article).where(Article.title == title))
    return article.category


def test_import_matches_categories_by_slug_or_name_and_creates_missing_ones(
        app, runner, make, tmp_path):
    orders = make.category("orders")                     # slug orders-N, "Orders" / "Orders (de)"
    _write(tmp_path, "a.md", "By slug", orders.slug)
    _write(tmp_path, "b.md", "By English name", "ORDERS")
    _write(tmp_path, "c.md", "By German name", "orders (DE)")
    _write(tmp_path, "d.md", "New category", "Bestellungen")
    _write(tmp_path, "e.md", "New category again", "bestellungen")
    _write(tmp_path, "f.md", "Decomposed umlaut", "Ru\u0308ckgabe")
    _write(tmp_path, "g.md", "Composed umlaut", "R\u00fcckgabe")
    result = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "7 created, 0 updated, 0 unchanged, 0 skipped." in result.output
    assert result.output.count("created category 'Bestellungen'") == 1
    assert result.output.count("created category 'Rückgabe'") == 1
    for title in ("By slug", "By English name", "By German name"):
        assert _category_of(title).id == orders.id
    created = _category_of("New category")
    assert (created.slug, created.name_en, created.name_de) == (
        "bestellungen", "Bestellungen", "Bestellungen")
    assert _category_of("New category again").id == created.id
    assert _category_of("Composed umlaut").id == _category_of("Decomposed umlaut").id
    assert _category_of("Composed umlaut").slug == "rueckgabe"


def test_import_exits_non_zero_when_a_file_was_skipped_and_imports_the_rest(
        app, runner, tmp_path):
    _write(tmp_path, "good.md", "Good article")
    (tmp_path / "bad.md").write_text("no front matter here", encoding="utf-8")
    result = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "skipped bad.md: no front matter" in result.output
    assert "1 created, 0 updated, 0 unchanged, 1 skipped." in result.output
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 1


def test_a_category_created_for_a_file_that_fails_is_not_kept(app, runner, tmp_path):
    (tmp_path / "bad.md").write_text("---\ntitle: Bad\ncategory: Phantom\n---\n",
                                     encoding="utf-8")      # empty body: refused
    result = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "created category" not in result.output
    assert db.session.scalar(sa.select(Category).where(Category.slug == "phantom")) is None


def test_imported_articles_are_searchable_without_an_index_worker(app, runner, tmp_path):
    for n in range(3):
        _write(tmp_path, f"a{n}.md", f"Marketplace sync {n}")
    result = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Search index updated" in result.output
    status = runner.invoke(args=["kb", "status"])
    assert "lag=0" in status.output and "documents=3" in status.output
    assert len(search.search("marketplace", ANON).hits) == 3


def test_import_in_a_process_that_skips_the_after_commit_hook_still_updates_the_index(
        app, runner, tmp_path):
    app.config["KB_INDEX_AFTER_COMMIT"] = False         # as a process without the hook
    _write(tmp_path, "a.md", "Warehouse holiday hours")
    result = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert index.status(app).lag == 0


def test_the_web_process_applies_outbox_rows_written_elsewhere_before_searching(
        app, client, make_article):
    app.config["KB_INDEX_AFTER_COMMIT"] = False         # written by another process
    make_article("Courier strike notice")
    assert index.status(app).lag == 2
    app.config.update(KB_INDEX_AFTER_COMMIT=True, KB_INDEX_CATCHUP_INTERVAL=0)
    body = client.get("/kb/?q=courier&format=json").get_json()
    assert [r["title"] for r in body["results"]] == ["Courier strike notice"]
    assert index.status(app).lag == 0


def test_healthz_is_degraded_when_a_lag_persists(app, client, make_article):
    index.ensure_index(app)
    app.config["KB_INDEX_AFTER_COMMIT"] = False
    make_article("Not applied by anyone")
    fresh = client.get("/healthz")
    assert fresh.status_code == 200, fresh.get_json()          # within the grace
    for entry in db.session.scalars(sa.select(OutboxEntry)):
        entry.created_at -= timedelta(seconds=90)
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()["search_index"]
    assert body["lag"] == 2 and body["lag_seconds"] >= 60 and body["ok"] is False
