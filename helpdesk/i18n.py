"""Language choice: the user's profile, else the browser, else the default."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

from helpdesk.config import LANGUAGES


def select_locale() -> str:
    """Return the language for this request (the default outside a request)."""
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    # "de-CH, en;q=0.5" means German: match on the language, in the browser's order.
    for tag, _quality in request.accept_languages:
        language = tag.split("-")[0].split("_")[0].lower()
        if language in LANGUAGES:
            return language
    return current_app.config["DEFAULT_LOCALE"]
