"""A missing or damaged index comes back without an operator: the app's index keeper
(kb.index_upkeep) rebuilds it in the background, with no search and no /healthz needed;
/healthz only reports; the index worker and `kb reindex` rebuild in the foreground."""
import os
import shutil
import time
from pathlib import Path

from flask_login import AnonymousUserMixin

from kb import index, index_upkeep, search

ANON = AnonymousUserMixin()


def _wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _delete_index(app) -> Path:
    """Remove the whole index folder, the way an operator's `rm -rf` would (moved away
    first, so a rebuild starting meanwhile never races the deletion)."""
    root = Path(app.config["INDEX_PATH"])
    index.drop_cached_searchers()
    gone = root.with_name(f"{root.name}-deleted")
    os.rename(root, gone)
    shutil.rmtree(gone)
    return root


def _truncate_toc(app) -> Path:
    folder = index.current_dir(index.index_root(app))
    toc = next(folder.glob("_MAIN_*.toc"))
    toc.write_bytes(toc.read_bytes()[:len(toc.read_bytes()) // 2])
    index.drop_cached_searchers()
    return folder


def test_a_deleted_index_comes_back_without_a_search_or_an_operator(app, client,
                                                                     make_article):
    app.config["KB_INDEX_UPKEEP_INTERVAL"] = 0.05
    make_article("Refund timeline")
    assert client.get("/kb/").status_code == 200          # the app serves: its keeper runs
    _delete_index(app)
    assert _wait_for(lambda: index.exists(app))
    body = client.get("/healthz").get_json()["search_index"]
    assert body["present"] is True and body["documents"] == 1 and body["lag"] == 0
    assert [h.title for h in search.search("refund", ANON).hits] == ["Refund timeline"]


def test_a_damaged_index_is_rebuilt_without_a_search(app, client, make_article):
    app.config["KB_INDEX_UPKEEP_INTERVAL"] = 0.05
    make_article("Payout delayed by the bank")
    assert client.get("/kb/").status_code == 200
    damaged = _truncate_toc(app)
    assert _wait_for(lambda: index.current_dir(index.index_root(app)) not in (None, damaged))
    state = index.status(app)
    assert state.error is None and state.documents == 1
    assert client.get("/healthz").status_code == 200


def test_healthz_only_reports_a_missing_index(app, client, make_article, runner):
    make_article("Refund timeline")
    app.config["KB_INDEX_UPKEEP_INTERVAL"] = 3600      # the keeper runs but does not look
    root = _delete_index(app)
    for _ in range(2):
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.get_json()["search_index"]
        assert body["present"] is False and body["rebuilding"] is True     # scheduled
    assert not root.exists()                   # read-only: not even the folder came back

    index_upkeep.stop(app)
    body = client.get("/healthz").get_json()["search_index"]
    assert body["present"] is False and body["rebuilding"] is None   # nobody will


def test_the_index_worker_rebuilds_a_missing_index(app, client, make_article, runner):
    make_article("Refund timeline")
    index_upkeep.stop(app)
    root = _delete_index(app)
    assert client.get("/healthz").status_code == 503
    assert not root.exists()
    result = runner.invoke(args=["kb", "index-worker", "--once"])
    assert result.exit_code == 0, result.output
    state = index.status(app)
    assert state.present and state.documents == 1 and state.lag == 0
    assert client.get("/healthz").status_code == 200
