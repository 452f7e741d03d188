"""Attachment storage: random names under the instance folder, never the uploaded name."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from helpdesk.tickets.models import Attachment


class UploadRejected(ValueError):
    """An upload broke a limit; the message says which, for the user."""


def _folder() -> Path:
    return Path(current_app.config["ATTACHMENT_PATH"])


def path_of(attachment: Attachment) -> Path:
    return _folder() / attachment.stored_name[:2] / attachment.stored_name


def store_uploads(files: list[FileStorage]) -> list[Attachment]:
    """Save uploaded files and return unsaved Attachment rows for them.

    Raises UploadRejected when there are too many files or one is too large; then
    nothing is kept.
    """
    files = [f for f in files if f and f.filename]
    limit = int(current_app.config["MAX_ATTACHMENTS_PER_MESSAGE"])
    max_bytes = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    if len(files) > limit:
        raise UploadRejected(_("At most %(n)d files per message.", n=limit))
    saved: list[tuple[Path, Attachment]] = []
    try:
        for upload in files:
            saved.append(_store_one(upload, max_bytes))
    except UploadRejected:
        for path, _attachment in saved:
            path.unlink(missing_ok=True)
        raise
    return [attachment for _path, attachment in saved]


def _store_one(upload: FileStorage, max_bytes: int) -> tuple[Path, Attachment]:
    stored_name = secrets.token_hex(16)
    path = _folder() / stored_name[:2] / stored_name
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with open(path, "wb") as handle:
        while chunk := upload.stream.read(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                handle.close()
                path.unlink(missing_ok=True)
                raise UploadRejected(_("%(name)s is larger than %(mb)d MB.",
                                       name=upload.filename, mb=max_bytes // (1024 * 1024)))
            handle.write(chunk)
    display = _display_name(upload.filename)
    attachment = Attachment(filename=display[:255], stored_name=stored_name, size=size,
                            content_type=(upload.mimetype or "application/octet-stream")[:127])
    return path, attachment


def _display_name(filename: str) -> str:
    """Return the uploaded name without folders or control characters (shown, never a path)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip(" .")
    return name or "attachment"
