"""One-time form submissions: a form sent twice acts once, and the repeat shows the result.

Every POST form carries a hidden ``submit_token`` (``{{ submit_token() }}`` in templates,
a fresh random value for each rendered form). A POST that carries one claims it before
the view runs by inserting a `SubmitToken` row into the request's own transaction, so
the claim commits together with what the view does:

* A repeat of the same form with the same content by the same person (a double click,
  a reload, the Back button) finds the row and is redirected to the first result; two
  POSTs at the same time serialize on the row's unique key (PostgreSQL) or on SQLite's
  write lock, so the second one waits for the first and then finds it.
* If the view does not commit (the form had errors), the claim is rolled back with it,
  and the form can be sent again.
* After the view, a redirect stores its location on the row (in a small transaction of
  its own: views commit before they build the redirect). A repeat that arrives between
  the first request's commit and that update waits a moment for it. Any other answer
  but a server error (the form came back) gives the token up again.

Forms that log in or out or set the language carry no token: sent twice they act twice,
which is harmless, whereas a repeat answered with a redirect would lack the cookie the
first answer set, and the browser may have dropped that first answer.

The key is a hash of the person (user, or an anonymous session id), the token and the
content of the form, so a token sent by someone else is not taken as theirs, and a form
changed after it was sent (Back, edit, send) is a new submission.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.clock import utcnow
from helpdesk.extensions import db

FIELD = "submit_token"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_ANON_KEY = "_submitter"
_SENT_KEY = "_sent_tokens"        # for app.js: drafts of these forms can be forgotten
_POLL_SECONDS = 0.05


class SubmitToken(db.Model):
    """A form submission that went through, and where its answer led."""

    __tablename__ = "submit_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of owner, token and form content (see _claim_key)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    owner: Mapped[str] = mapped_column(sa.String(40))
    endpoint: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    result_url: Mapped[str | None] = mapped_column(sa.String(2000))


def init_app(app: Flask) -> None:
    """Render tokens in templates and claim them on POST (after the CSRF check)."""
    app.config.setdefault("SUBMIT_TOKEN_MAX_AGE", 24 * 3600)     # seconds a repeat is caught
    app.config.setdefault("SUBMIT_TOKEN_WAIT", 5.0)   # seconds a repeat waits for the first
    app.jinja_env.globals["submit_token"] = submit_token_input
    app.jinja_env.globals["sent_submit_tokens"] = sent_submit_tokens
    app.before_request(_claim)
    app.after_request(_record_result)


def submit_token_input() -> Markup:
    """Return the hidden input that makes the enclosing POST form a one-time submission."""
    if not current_user.is_authenticated and _ANON_KEY not in session:
        session[_ANON_KEY] = secrets.token_hex(8)
    return Markup('<input type="hidden" name="%s" value="%s" autocomplete="off">') % (
        FIELD, secrets.token_urlsafe(16))


def sent_submit_tokens() -> str:
    """Return (and forget) the tokens of forms that went through since the last page."""
    return " ".join(session.pop(_SENT_KEY)) if _SENT_KEY in session else ""


def prune_submit_tokens(older_than: timedelta) -> int:
    """Delete claims older than `older_than`; return how many. The caller commits."""
    result = db.session.execute(sa.delete(SubmitToken).where(
        SubmitToken.created_at < utcnow() - older_than))
    return result.rowcount or 0


def _owner() -> str | None:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    anonymous = session.get(_ANON_KEY)
    return f"anon:{anonymous}" if anonymous else None


def _claim_key(owner: str, token: str) -> str:
    """Hash who sends, the token and what the form holds (tokens themselves aside)."""
    digest = hashlib.sha256(f"{owner}\0{token}\0{request.endpoint}".encode())
    for name, value in sorted(request.form.items(multi=True)):
        if name != FIELD and not name.endswith("csrf_token"):
            digest.update(f"\0{name}\0{value}".encode())
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        upload.stream.seek(0, 2)
        size = upload.stream.tell()
        upload.stream.seek(0)
        digest.update(f"\0{name}\0{upload.filename}\0{size}".encode())
    return digest.hexdigest()


def _claim():
    """Before a POST view: claim its token, or answer a repeat with the first result."""
    if request.method != "POST" or g.get("csrf_failed"):
        return None
    token = request.form.get(FIELD, "")
    owner = _owner() if _TOKEN.fullmatch(token) else None
    if owner is None:
        return None
    key = _claim_key(owner, token)
    deadline = time.monotonic() + float(current_app.config["SUBMIT_TOKEN_WAIT"])
    while True:
        claimed = db.session.scalar(sa.select(SubmitToken).where(SubmitToken.key == key))
        if claimed is None:
            db.session.add(SubmitToken(key=key, owner=owner, endpoint=request.endpoint or "",
                                       created_at=utcnow()))
            try:
                db.session.flush()      # waits here while a twin request holds the key
            except IntegrityError:
                db.session.rollback()   # the twin committed first: look again
                continue
            g.submit_claim = (key, token)
            return None
        if claimed.result_url:
            return _show_first_result(claimed.result_url, token)
        # The first request has committed but not yet recorded where it led; let it.
        db.session.rollback()
        if time.monotonic() > deadline:
            return _show_first_result(_form_page(), token)
        time.sleep(_POLL_SECONDS)


def _show_first_result(url: str, token: str):
    _remember_sent(token)
    flash(_("This was already sent; it was not done a second time."), "info")
    return redirect(url, 303)


def _form_page() -> str:
    """The page the form was on, if it was this site; else the start page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("tickets.home")


def _remember_sent(token: str) -> None:
    session[_SENT_KEY] = (session.get(_SENT_KEY, []) + [token])[-5:]


def _record_result(response):
    """After a POST view: keep the claim with the redirect it led to, or give it up."""
    claim = g.pop("submit_claim", None)
    if claim is None:
        return response
    key, token = claim
    # What the view left uncommitted is dropped here, as the request teardown would; the
    # claim survives only if the view committed it.
    db.session.rollback()
    if response.status_code in (301, 302, 303, 307, 308) and response.location:
        recorded = db.session.execute(sa.update(SubmitToken).where(
            SubmitToken.key == key).values(result_url=response.location[:2000]))
        if recorded.rowcount:
            _remember_sent(token)
    elif response.status_code < 500:
        # The form came back (errors, conflict, refusal): sending it again must work. (After
        # a server error the claim stays: what the view committed must not happen twice.)
        db.session.execute(sa.delete(SubmitToken).where(SubmitToken.key == key))
    _prune_now_and_then()
    db.session.commit()
    return response


_last_prune = [0.0]
_PRUNE_EVERY_SECONDS = 600


def _prune_now_and_then() -> None:
    """Drop old claims, at most every ten minutes per process (one indexed DELETE)."""
    now = time.monotonic()
    if now - _last_prune[0] >= _PRUNE_EVERY_SECONDS:
        _last_prune[0] = now
        prune_submit_tokens(timedelta(seconds=int(current_app.config["SUBMIT_TOKEN_MAX_AGE"])))
