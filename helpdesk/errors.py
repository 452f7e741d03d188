"""Error pages in HTML, or JSON for clients that ask for it; the domain's shared errors."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from helpdesk.extensions import db


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and (
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"])


def _messages():
    return {
        400: _("The request could not be understood."),
        403: _("You are not allowed to do that."),
        404: _("This page does not exist, or you cannot see it."),
        405: _("That is not possible here."),
        409: _("Someone else changed this in the meantime. Please reload the page to see "
               "the change, then try again."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again."),
    }


def _render(code: int, message: str | None = None):
    message = message or _messages().get(code, _messages()[500])
    if wants_json():
        return jsonify(error=message, status=code), code
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("Your form expired or came from elsewhere. Please reload the "
                              "page and try again; your text was not saved."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        return _render(error.code or 500)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(500)


class NotAllowed(Exception):
    """Raised by a domain function when the acting user may not do this."""
