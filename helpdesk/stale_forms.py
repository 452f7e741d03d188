"""A form sent with an expired or missing CSRF token comes back with the user's text.

Flask-WTF's automatic check answers every such POST with a bare 400 page, and whatever
was typed is lost. Here the check runs in our own hook instead: views marked with
`@shows_form_on_stale_token` validate a FlaskForm before they act, and that form carries
its own CSRF field, so their request goes on, fails validation on that field and shows
the form again (with a fresh token) and a message to send it again. Every other POST
with a bad token still gets the 400 from `helpdesk.errors` (JSON for clients that ask).
"""
from __future__ import annotations

from flask import Flask, current_app, flash, g, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from helpdesk.extensions import csrf


def shows_form_on_stale_token(view):
    """Mark `view` as one that shows its form again when the CSRF token is stale.

    Only for views that validate a FlaskForm (``validate_on_submit``) before they change
    anything: the request reaches them with an invalid token.
    """
    view.shows_form_on_stale_token = True
    return view


def init_app(app: Flask) -> None:
    """Replace Flask-WTF's automatic check with `_check_csrf` (same rules, same order)."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(_check_csrf)


def _check_csrf() -> None:
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    try:
        csrf.protect(apply_exemptions=True)
    except CSRFError:
        view = current_app.view_functions.get(request.endpoint)
        if not getattr(view, "shows_form_on_stale_token", False):
            raise
        g.csrf_failed = True       # nothing acts on this request (see helpdesk.submissions)
        flash(_("Your session expired; please check and send again."), "warning")
