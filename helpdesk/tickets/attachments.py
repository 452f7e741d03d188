"""Attachment storage: random names under the instance folder, never the uploaded name."""
from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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

    Raises UploadRejected when there are too many files, one is too large or of a type
    ALLOWED_ATTACHMENT_TYPES does not list; then nothing is kept.
    """
    files = [f for f in files if f and f.filename]
    limit = int(current_app.config["MAX_ATTACHMENTS_PER_MESSAGE"])
    max_bytes = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    if len(files) > limit:
        raise UploadRejected(_("At most %(n)d files per message.", n=limit))
    accepted = allowed_types()
    for upload in files:
        if not is_allowed_type(upload.filename, upload.mimetype, accepted):
            raise UploadRejected(_("%(name)s is not an accepted file type (accepted: "
                                   "%(types)s).", name=_display_name(upload.filename),
                                   types=", ".join(accepted)))
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


@dataclass(frozen=True)
class LeftOut:
    """A file `store_files` did not keep: `reason` is "type" (not an accepted type),
    "too_large" (over `limit` bytes) or "count" (more than `limit` files)."""

    name: str
    reason: str
    limit: int | None = None


def store_files(files: Iterable[tuple[str, str | None, bytes]]
                ) -> tuple[list[Attachment], list[LeftOut]]:
    """Save files that came as bytes (name, content type, data), e.g. from a mail, under the
    limits of uploads, and return unsaved Attachment rows and the files left out.

    Unlike `store_uploads`, a file that breaks a limit does not stop the others: it is left
    out and reported (a file of a type ALLOWED_ATTACHMENT_TYPES does not list, one over
    MAX_ATTACHMENT_BYTES, and those past MAX_ATTACHMENTS_PER_MESSAGE, in order).
    """
    limit = int(current_app.config["MAX_ATTACHMENTS_PER_MESSAGE"])
    max_bytes = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    accepted = allowed_types()
    kept: list[Attachment] = []
    left_out: list[LeftOut] = []
    for filename, content_type, data in files:
        name = _display_name(filename or "")
        if not is_allowed_type(name, content_type, accepted):
            left_out.append(LeftOut(name, "type"))
        elif len(data) > max_bytes:
            left_out.append(LeftOut(name, "too_large", max_bytes))
        elif len(kept) >= limit:
            left_out.append(LeftOut(name, "count", limit))
        else:
            kept.append(_store_bytes(name, content_type, data))
    return kept, left_out


def _store_bytes(name: str, content_type: str | None, data: bytes) -> Attachment:
    stored_name = secrets.token_hex(16)
    path = _folder() / stored_name[:2] / stored_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Attachment(filename=name[:255], stored_name=stored_name, size=len(data),
                      content_type=(content_type or "application/octet-stream")[:127])


def _display_name(filename: str) -> str:
    """Return the uploaded name without folders or control characters (shown, never a path)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip(" .")
    return name or "attachment"


def allowed_types() -> list[str]:
    """The accepted file types from ALLOWED_ATTACHMENT_TYPES, lower case: extensions with
    their dot (".pdf") and MIME types ("image/png", "image/*"). Empty: any type."""
    entries = []
    for item in str(current_app.config.get("ALLOWED_ATTACHMENT_TYPES") or "").split(","):
        item = item.strip().lower()
        if item:
            entries.append(item if "/" in item or item.startswith(".") else f".{item}")
    return entries


def is_allowed_type(filename: str, declared_type: str | None, accepted: list[str]) -> bool:
    """Whether a file is of an accepted type: its extension is listed, or the MIME type
    its extension stands for (the browser's word only for names without one) is."""
    if not accepted:
        return True
    suffix = PurePosixPath(_display_name(filename)).suffix.lower()
    mime = (mimetypes.guess_type(f"x{suffix}")[0] if suffix else None) or \
        (declared_type or "").split(";")[0].strip().lower()
    for entry in accepted:
        if entry.startswith("."):
            if suffix == entry:
                return True
        elif (entry.endswith("/*") and mime.startswith(entry[:-1])) or mime == entry:
            return True
    return False


def upload_field_attrs() -> dict:
    """Attributes for a file input: the accepted types and the limits, with the messages
    static/app.js shows when a chosen file breaks one (before anything is uploaded)."""
    config = current_app.config
    max_bytes = int(config["MAX_ATTACHMENT_BYTES"])
    limit = int(config["MAX_ATTACHMENTS_PER_MESSAGE"])
    attrs = {
        "data_max_bytes": max_bytes, "data_max_files": limit,
        "data_too_large": _("%(name)s is larger than %(mb)d MB.", name="{name}",
                            mb=max_bytes // (1024 * 1024)),
        "data_too_many": _("At most %(n)d files per message.", n=limit),
    }
    accepted = allowed_types()
    if accepted:
        attrs["accept"] = ",".join(accepted)
        attrs["data_bad_type"] = _("%(name)s is not an accepted file type (accepted: "
                                   "%(types)s).", name="{name}", types=", ".join(accepted))
    return attrs


def upload_hint() -> str:
    """The limits of an upload field, for the people choosing files."""
    config = current_app.config
    hint = _("Up to %(n)d files, %(mb)d MB each.", n=int(config["MAX_ATTACHMENTS_PER_MESSAGE"]),
             mb=int(config["MAX_ATTACHMENT_BYTES"]) // (1024 * 1024))
    accepted = allowed_types()
    if accepted:
        hint += " " + _("Accepted types: %(types)s.", types=", ".join(accepted))
    return hint
