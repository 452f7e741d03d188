"""Keeping this host's index usable without an operator: applying the outbox after
commits and before searches, noticing damage or an index ahead of the database, and
rebuilding it in the background when the index is missing, damaged or ahead.

The rebuilding is done by one *index keeper* thread per app (started by the app's first
request, or by the first search that finds the index damaged): it looks at the index
every KB_INDEX_UPKEEP_INTERVAL seconds and rebuilds it when it is missing, or (unless
KB_REBUILD_DAMAGED is off) unreadable or ahead of the database, and at once when a search
or an after-commit update asks it to (`rebuild_soon`). `/healthz` only reports.

Commands (the index worker, `kb import`) rebuild in the foreground instead
(`apply_or_rebuild`). Nothing here raises into a request except `IndexUnavailable`,
which search turns into a message.
"""
from __future__ import annotations

import logging
import threading
import time
import weakref
from pathlib import Path

from flask import Flask
from whoosh.index import LockError

from kb import index
from kb.index import IndexAhead, IndexUnavailable

log = logging.getLogger(__name__)

_EXTENSION_KEY = "kb_index_keeper"
# index root -> (the generation that failed, why): what this process saw go wrong.
_damage: dict[str, tuple[Path | None, str]] = {}
_last_catch_up: dict[str, float] = {}
_keepers: weakref.WeakSet = weakref.WeakSet()


class IndexKeeper:
    """One daemon thread per app that brings a missing, damaged or ahead index back."""

    def __init__(self, app: Flask):
        self.app = app
        self._cond = threading.Condition()
        self._wanted = False                 # a rebuild was asked for
        self._replacing: Path | None = None  # ... of this generation (None: if missing)
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread if it is not running (the first request does this)."""
        with self._cond:
            if self._stopping or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="kb-index-keeper",
                                            daemon=True)
            self._thread.start()

    @property
    def active(self) -> bool:
        """Whether the thread runs (so a missing or damaged index will be rebuilt)."""
        thread = self._thread
        return not self._stopping and thread is not None and thread.is_alive()

    def rebuild_soon(self, replacing: Path | None) -> bool:
        """Ask for a rebuild now: of `replacing` if it is still the current generation,
        or of a missing index. Returns whether the keeper will do it."""
        with self._cond:
            if self._stopping:
                return False
            self._wanted = True
            self._replacing = replacing or self._replacing
            self._cond.notify_all()
        self.start()
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread (after the rebuild it may be running; waits up to `timeout`)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _next(self, wait: float) -> tuple[bool, Path | None] | None:
        """Wait up to `wait` seconds for a request; the job then, or None when stopping."""
        with self._cond:
            if not self._wanted and not self._stopping and wait > 0:
                self._cond.wait(wait)
            if self._stopping:
                return None
            job = (self._wanted, self._replacing)
            self._wanted, self._replacing, self._busy = False, None, True
            return job

    def _run(self) -> None:
        while (job := self._next(_interval(self.app))) is not None:
            try:
                with self.app.app_context():
                    _look_after(self.app, *job)
            except Exception:  # noqa: BLE001 -- the thread must outlive any one failure
                log.exception("background rebuild of the search index failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


def _interval(app: Flask) -> float:
    return float(app.config.get("KB_INDEX_UPKEEP_INTERVAL", 5.0))


def _look_after(app: Flask, wanted: bool, replacing: Path | None) -> None:
    """Rebuild the index if it is missing, if a search or an update asked to replace the
    current generation, or (unless KB_REBUILD_DAMAGED is off) if it is unreadable or
    ahead of the database."""
    root = index.index_root(app)
    current = index.current_dir(root)
    if current is None:
        log.warning("search index missing at %s: rebuilding it from the database", root)
    elif (wanted and replacing == current) or (
            app.config.get("KB_REBUILD_DAMAGED", True) and _needs_rebuild(current)):
        log.warning("search index at %s is damaged or ahead of the database: rebuilding "
                    "it in the background", root)
    else:
        return
    index.rebuild(app, only_if=lambda: index.current_dir(root) in (None, current))


def _needs_rebuild(folder: Path) -> bool:
    """Whether the generation `folder` is unreadable or ahead of the database."""
    try:
        index.check_generation(folder)
    except (IndexUnavailable, IndexAhead):
        return True
    return False


def keeper_for(app: Flask) -> IndexKeeper:
    """The app's index keeper (created on first use)."""
    keeper = app.extensions.get(_EXTENSION_KEY)
    if keeper is None:
        keeper = app.extensions[_EXTENSION_KEY] = IndexKeeper(app)
        _keepers.add(keeper)
    return keeper


def init_app(app: Flask) -> None:
    """Give `app` an index keeper, started by its first request."""
    if _EXTENSION_KEY not in app.extensions:
        app.before_request(keeper_for(app).start)


def stop(app: Flask, timeout: float = 10.0) -> None:
    """Stop the app's index keeper (tests; a server shutting down)."""
    keeper = app.extensions.get(_EXTENSION_KEY)
    if keeper is not None:
        keeper.stop(timeout)


def stop_all(timeout: float = 10.0) -> None:
    """Stop every app's index keeper in this process (tests: none outlives its test)."""
    for keeper in list(_keepers):
        keeper.stop(timeout)


def rebuild_scheduled(app: Flask) -> bool:
    """Whether a missing or damaged index of this app will be rebuilt by its keeper."""
    keeper = app.extensions.get(_EXTENSION_KEY)
    return keeper is not None and keeper.active


def rebuild_soon(app: Flask, *, replacing: Path | None = None) -> bool:
    """Have the keeper rebuild the index in the background: if it is missing, or if
    `replacing` (a damaged or ahead generation) is still the current one.

    Called by search and by the after-commit update, so a host brings its index back
    without waiting for an operator. Returns whether a rebuild was asked for.
    """
    app = getattr(app, "_get_current_object", lambda: app)()   # a proxy dies with the request
    return keeper_for(app).rebuild_soon(replacing)


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
