"""Keeping this host's index usable without an operator: applying the outbox after
commits and before searches, noticing damage or an index ahead of the database, and
rebuilding in the background when either happens.

Commands (the index worker, `kb import`) rebuild in the foreground instead
(`apply_or_rebuild`). Nothing here raises into a request except `IndexUnavailable`,
which search turns into a message.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import Flask
from whoosh.index import LockError

from kb import index
from kb.index import IndexAhead, IndexUnavailable

log = logging.getLogger(__name__)

_rebuilding = threading.Lock()
# index root -> (the generation that failed, why): what this process saw go wrong.
_damage: dict[str, tuple[Path | None, str]] = {}
_last_catch_up: dict[str, float] = {}


def rebuild_soon(app: Flask, *, replacing: Path | None = None) -> bool:
    """Rebuild in a background thread (one per process) if the index is missing, or if
    `replacing` (a damaged or ahead generation) is still the current one.

    Called by the health check and by search, so a host brings its index back without
    waiting for an operator. Returns whether a rebuild was started.
    """
    root = index.index_root(app)

    def needed() -> bool:
        current = index.current_dir(root)
        return current is None or (replacing is not None and current == replacing)

    if not needed() or not _rebuilding.acquire(blocking=False):
        return False
    app = getattr(app, "_get_current_object", lambda: app)()   # a proxy dies with the request

    def run():
        try:
            with app.app_context():
                index.rebuild(app, only_if=needed)
        except (LockError, OSError, IndexUnavailable):
            log.exception("background rebuild of the search index failed")
        finally:
            _rebuilding.release()

    threading.Thread(target=run, name="kb-index-rebuild", daemon=True).start()
    return True


def note_unavailable(app: Flask, exc: BaseException) -> None:
    """Record that the index could not be read: warn once per process (no traceback per
    request), and rebuild it in the background unless KB_REBUILD_DAMAGED is off."""
    root = index.index_root(app)
    current = index.current_dir(root)
    if damage(app) is None:
        log.warning("search index at %s is unavailable (%s); searches answer with a message "
                    "until it is rebuilt (helpdesk kb reindex)", root, exc)
    _damage[str(root)] = (current, f"{exc.__class__.__name__}: {exc}"[:300])
    if app.config.get("KB_REBUILD_DAMAGED", True):
        rebuild_soon(app, replacing=current)


def note_available(app: Flask) -> None:
    """Record that a search worked (clears what `note_unavailable` recorded)."""
    if _damage:
        _damage.pop(str(index.index_root(app)), None)


def damage(app: Flask) -> str | None:
    """Why searching the current generation failed in this process, if it did."""
    root = index.index_root(app)
    folder, why = _damage.get(str(root), (None, None))
    return why if why and folder == index.current_dir(root) else None


def apply_outbox_quietly(app: Flask) -> int:
    """Apply the outbox after a commit; a busy or broken index never fails the request.

    Whatever is not applied now stays in the outbox for the next run. An index ahead of
    the database or damaged is rebuilt in the background.
    """
    try:
        return index.apply_outbox(app)
    except IndexAhead as exc:
        _rebuild_ahead(app, exc)
    except IndexUnavailable as exc:
        note_unavailable(app, exc)
    except (LockError, OSError):
        log.exception("search index not updated now; the outbox keeps the change")
    return 0


def apply_or_rebuild(app: Flask) -> tuple[int, bool]:
    """Apply the outbox; rebuild from the database if the index is ahead of it or damaged.

    For commands (the index worker, `kb import`), which may take the time a rebuild
    needs. Returns (outbox rows applied, whether it rebuilt).
    """
    try:
        return index.apply_outbox(app), False
    except (IndexAhead, IndexUnavailable) as exc:
        log.warning("search index: %s; rebuilding it from the database", exc)
        index.rebuild(app)
        return 0, True


def catch_up(app: Flask) -> None:
    """Bring this process's index up to the outbox before a search, within a budget.

    So a single host needs no index worker: writes by commands (`kb import`), scripts or
    other hosts reach this index at the next search. At most once per
    KB_INDEX_CATCHUP_INTERVAL seconds per process, at most KB_INDEX_CATCHUP_ROWS rows, and
    never waiting for the apply lock (whoever holds it is applying anyway). Off when
    KB_INDEX_AFTER_COMMIT is off (hosts that run `kb index-worker` instead).
    Raises IndexUnavailable if the index is damaged.
    """
    if not app.config.get("KB_INDEX_AFTER_COMMIT", True):
        return
    key, now = str(index.index_root(app)), time.monotonic()
    interval = float(app.config.get("KB_INDEX_CATCHUP_INTERVAL", 1.0))
    if now - _last_catch_up.get(key, -1e9) < interval:
        return
    _last_catch_up[key] = now
    try:
        index.apply_outbox(app, timeout=0,
                           max_rows=int(app.config.get("KB_INDEX_CATCHUP_ROWS", 500)))
    except LockError:
        pass
    except IndexAhead as exc:
        _rebuild_ahead(app, exc)


def _rebuild_ahead(app: Flask, exc: IndexAhead) -> None:
    log.warning("search index: %s; rebuilding it in the background", exc)
    rebuild_soon(app, replacing=index.current_dir(index.index_root(app)))
