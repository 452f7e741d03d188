"""The index follows the database through the outbox: after a crash, and under concurrency."""
import os
import subprocess
import sys
import textwrap

from flask_login import AnonymousUserMixin

from helpdesk.extensions import db
from kb import curation, index, search
from kb.models import ArticleStatus

ANON = AnonymousUserMixin()

WRITER = textwrap.dedent("""
    import os, sys
    from helpdesk import create_app
    from helpdesk.accounts.models import User
    from helpdesk.database import writing
    from helpdesk.extensions import db
    from kb import curation, index_upkeep
    from kb.models import ArticleStatus, Visibility

    mode, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = create_app({"DATABASE_URL": os.environ["KB_TEST_DB"], "MAIL_SUPPRESS": True,
                      "INSTANCE_PATH": os.environ["KB_TEST_INSTANCE"],
                      "SECRET_KEY": "x"})
    if mode == "crash":
        # The process dies right after the commit, before the index is touched.
        index_upkeep.apply_outbox_quietly = lambda app: os._exit(3)
    with app.app_context(), writing():        # saves, as a command or a POST makes them
        editor = db.session.get(User, int(os.environ["KB_TEST_EDITOR"]))
        for n in range(count):
            curation.create_article(curation.ArticleInput(
                title=f"{prefix} number {n}", body=f"Body of {prefix} {n}.",
                visibility=Visibility.public), by=editor, status=ArticleStatus.published)
            db.session.commit()
""")


def _writer(app, editor, mode, prefix, count):
    editor_id = editor.id
    db.session.commit()          # end this process's (SQLite: write-locking) transaction
    env = dict(os.environ, KB_TEST_DB=app.config["DATABASE_URL"],
               KB_TEST_INSTANCE=app.instance_path, KB_TEST_EDITOR=str(editor_id))
    return subprocess.Popen([sys.executable, "-c", WRITER, mode, prefix, str(count)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_save_is_searchable_when_the_commit_returns(make_article):
    make_article("Instagram catalogue sync", body="Reconnect the catalogue.")
    assert [h.title for h in search.search("instagram", ANON).hits] == [
        "Instagram catalogue sync"]


def test_archiving_removes_an_article_from_customer_search(app, make_article):
    article = make_article("Old shipping rates")
    curation.archive(article, by=make_article.editor)
    db.session.commit()
    assert search.search("shipping rates", ANON).hits == []
    assert index.status(app).lag == 0


def test_crash_between_commit_and_index_is_repaired_by_the_next_run(app, make, runner):
    editor = make.agent(2)
    index.ensure_index(app)
    proc = _writer(app, editor, "crash", "Tiktokshop", 1)
    proc.wait(timeout=60)
    assert proc.returncode == 3, proc.stderr.read()
    db.session.remove()
    assert index.status(app).lag == 1                       # committed, not indexed
    app.config["KB_INDEX_AFTER_COMMIT"] = False             # a host that runs the worker
    assert search.search("tiktokshop", ANON).hits == []
    result = runner.invoke(args=["kb", "index-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert [h.title for h in search.search("tiktokshop", ANON).hits] == [
        "Tiktokshop number 0"]
    assert index.status(app).lag == 0


def test_two_processes_saving_at_once_both_land_in_the_index(app, make):
    editor = make.agent(2)
    index.ensure_index(app)
    procs = [_writer(app, editor, "normal", prefix, 12) for prefix in ("Alpha", "Bravo")]
    for proc in procs:
        proc.wait(timeout=120)
        stderr = proc.stderr.read()
        assert proc.returncode == 0, stderr
        assert "LockError" not in stderr and "not updated" not in stderr
    db.session.remove()
    state = index.status(app)
    assert (state.documents, state.lag) == (24, 0)
    for prefix in ("alpha", "bravo"):
        assert len(search.search(prefix, ANON, per_page=20).hits) == 12


def test_reindex_rebuilds_into_a_new_folder_and_keeps_serving(app, make_article, runner):
    make_article("Payout on Mondays")
    old = index.ensure_index(app)
    result = runner.invoke(args=["kb", "reindex"])
    assert result.exit_code == 0 and "Indexed 1 articles" in result.output
    assert index.ensure_index(app) != old
    assert [h.title for h in search.search("payout", ANON).hits] == ["Payout on Mondays"]


def test_healthz_reports_index_lag(app, client, make_article):
    make_article("Anything")
    body = client.get("/healthz").get_json()
    assert body["search_index"]["present"] is True
    assert body["search_index"]["lag"] == 0 and body["search_index"]["documents"] == 1
    app.config["KB_INDEX_AFTER_COMMIT"] = False
    make_article("Not yet indexed")
    assert client.get("/healthz").get_json()["search_index"]["lag"] == 2   # create + publish


def test_status_change_outbox_rows_apply_in_order(app, make_article):
    app.config["KB_INDEX_AFTER_COMMIT"] = False
    article = make_article("Known error: feed sync", status="published")
    curation.send_back(article, by=make_article.editor)
    db.session.commit()
    assert article.status == ArticleStatus.draft
    index.apply_outbox(app)
    assert search.search("feed sync", ANON).hits == []     # the newest state wins


def test_prune_outbox_keeps_rows_not_yet_applied(app, make_article, runner):
    from datetime import timedelta

    import sqlalchemy as sa

    from helpdesk.clock import utcnow
    from kb.models import OutboxEntry

    make_article("Applied long ago")
    app.config["KB_INDEX_AFTER_COMMIT"] = False
    make_article("Not applied yet")
    # A time computed in Python: SQLite's own arithmetic on a stored datetime is no datetime.
    db.session.execute(sa.update(OutboxEntry).values(created_at=utcnow() - timedelta(days=90)))
    db.session.commit()
    result = runner.invoke(args=["kb", "prune-outbox", "--days", "30"])
    # Row 1 goes; row 2 is the last applied one (it tells whether the index is ahead of
    # the database), rows 3 and 4 are not applied yet.
    assert "Removed 1 outbox rows" in result.output
    assert index.status(app).lag == 2
