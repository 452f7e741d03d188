"""Rebuilding the index from the database into a new generation, then swapping it in.

Nothing of the old folder is read, so any damage is repaired. One rebuild runs at a time
(rebuild.lock): a swap deletes old generations, never one being built. A crash mid-
rebuild leaves the old index in use.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from kb.index_apply import apply_locked
from kb.index_schema import META_ID
from kb.index_source import document, read_database, select_articles
from kb.index_store import (
    create_generation,
    current_dir,
    held,
    index_root,
    lock_timeout,
    mark_whole,
)
from kb.models import Article, OutboxEntry


def rebuild(app: Flask, *, procs: int | None = None, limitmb: int | None = None,
            progress: Callable[[int], None] | None = None,
            only_if: Callable[[], bool] | None = None) -> int:
    """Build a fresh index from the database in a new folder, then swap it in.

    Returns the number of articles. `limitmb` is the memory per indexing process
    (KB_REINDEX_LIMITMB, default 512). `only_if` is checked once the lock is held
    (whether someone else rebuilt meanwhile); if it says no, nothing is built and 0 is
    returned. Waits up to KB_REBUILD_WAIT seconds for another rebuild (then LockError).
    """
    with held(index_root(app), "rebuild.lock", float(app.config.get("KB_REBUILD_WAIT", 300))):
        if only_if is not None and not only_if():
            return 0
        return _build_and_swap(app, procs=procs, limitmb=limitmb, progress=progress)


def _build_and_swap(app: Flask, *, procs: int | None = None, limitmb: int | None = None,
                    progress: Callable[[int], None] | None = None) -> int:
    limitmb = limitmb or int(app.config.get("KB_REINDEX_LIMITMB", 512))
    root = index_root(app)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    ix = create_generation(folder)
    count = 0
    with read_database() as reader:
        # The newest outbox row *before* reading the articles: rows committed while they
        # are read are applied again after the swap (applying is idempotent).
        applied, applied_at = reader.execute(
            sa.select(OutboxEntry.id, OutboxEntry.created_at)
            .order_by(OutboxEntry.id.desc()).limit(1)).first() or (0, None)
        total = reader.scalar(sa.select(sa.func.count(Article.id))) or 0
        procs = procs or (min(os.cpu_count() or 1, 4) if total > 5000 else 1)
        options = {"procs": procs, "limitmb": limitmb}
        if procs > 1:
            options["multisegment"] = True
        writer = ix.writer(**options)
        for row in reader.execute(select_articles().order_by(Article.id)):
            writer.add_document(**document(row))
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
    writer.add_document(id=META_ID, kind="meta", applied=applied,
                        applied_at=str(applied_at) if applied_at is not None else None)
    writer.commit()
    mark_whole(folder)
    _swap(app, folder)
    return count


def _swap(app: Flask, folder: Path) -> None:
    root = index_root(app)
    with held(root, "apply.lock", lock_timeout(app)):
        previous = current_dir(root)
        pointer = root / "CURRENT"
        if pointer.is_dir() and not pointer.is_symlink():
            shutil.rmtree(pointer)      # whatever was there, it is not our pointer
        tmp = root / f"CURRENT.{uuid.uuid4().hex}"
        tmp.write_text(folder.name, encoding="ascii")
        os.replace(tmp, pointer)
        apply_locked(folder)          # catch up with saves made during the rebuild
    keep = {folder.name, previous.name if previous else ""}
    for old in root.glob("gen-*"):
        if old.name not in keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
