"""Text as it enters the helpdesk: one cleaning rule for every way in.

Forms, query strings, uploaded file names and JSON bodies are cleaned by the request class
the factory installs (`init_app`); URL path values with control characters answer 404.
Imports, the CLI and mail-in call `clean_text` / `clean_data` themselves. Clean text is
NFC-normalised (so a decomposed "u" + combining diaeresis is the same "ü" everywhere),
has LF line ends, and holds no control characters but tab and newline: PostgreSQL refuses
NUL in text, and the others only ever arrive by mistake or malice.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask import Flask, abort, request
from flask.wrappers import Request
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

# The largest id an INTEGER column holds (PostgreSQL's is 32 bits); larger numbers name nothing.
MAX_ID = 2**31 - 1
# Blueprints whose views read JSON bodies themselves; the others take forms only
# (Flask-WTF would feed any JSON value to a form, and a list or a number breaks it).
JSON_BLUEPRINTS: set[str] = {"api"}

# C0 controls but tab and LF (CR is turned into LF first), DEL, and the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Lone surrogates cannot be encoded as UTF-8 (they come from JSON "\ud800" escapes).
_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything of the above, CR included: one scan tells whether there is work to do.
_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Return `text` NFC-normalised, with LF line ends, without control characters
    (tab and newline stay) and with lone surrogates replaced by U+FFFD."""
    if text.isascii() and text.isprintable():       # the common case, untouched
        return text
    if _UNCLEAN.search(text):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def has_control_characters(text: str) -> bool:
    """Whether `text` holds any control character, tab and line breaks included."""
    return _ANY_CONTROL.search(text) is not None


def whole_number(value: Any, default: int | None = None) -> int | None:
    """Return `value` (ASCII digits) as an int a database id can be, else `default`.

    Use it where `str.isdigit()` would be tempting: that admits "²", which int() refuses.
    """
    text = str(value if value is not None else "")
    if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID:
        return int(text)
    return default


def clean_data(value: Any) -> Any:
    """Return `value` with every string in it cleaned, keys too (for JSON, YAML, mail)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(item) for item in value]
    return value


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, FileStorage) and value.filename:
        value.filename = clean_text(value.filename)
    return value


class CleanMultiDict(ImmutableMultiDict):
    """The parsed query string, form or files of a request, every text cleaned."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, Mapping):        # a list value means several values
            pairs = [(key, value) for key, values in mapping.items()
                     for value in (values if isinstance(values, list | tuple) else [values])]
        else:
            pairs = mapping
        super().__init__([(clean_text(key), _clean_value(value)) for key, value in pairs])


class CleanRequest(Request):
    """A request whose query string, form, file names and JSON body arrive cleaned."""

    parameter_storage_class = CleanMultiDict

    def _load_form_data(self) -> None:
        # Multipart fields over MAX_FORM_MEMORY_SIZE are refused by Werkzeug; url-encoded
        # ones are not, and a megabyte "e-mail address" takes seconds to validate.
        super()._load_form_data()
        limit = self.max_form_memory_size
        if limit and any(isinstance(value, str) and len(value) > limit
                         for _key, value in self.form.items(multi=True)):
            raise RequestEntityTooLarge()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        """Return the parsed JSON body with every string cleaned (see `clean_data`)."""
        return clean_data(super().get_json(force=force, silent=silent, cache=cache))


def _check_path_values(endpoint: str | None, values: dict | None) -> None:
    """NFC-normalise text taken from the URL path; with control characters it names nothing."""
    for name, value in (values or {}).items():
        if isinstance(value, str):
            if has_control_characters(value):
                abort(404)
            values[name] = clean_text(value)


def _forms_only() -> None:
    """Refuse a JSON body sent to a page that takes forms (400, not a server error)."""
    if (request.is_json and request.method in ("POST", "PUT", "PATCH", "DELETE")
            and request.blueprint not in JSON_BLUEPRINTS):
        abort(400)


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in a route: an id a database column can hold (longer ones are 404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (Werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Clean every text a request brings into `app`; call before routes are registered."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = DatabaseIntConverter
    app.url_value_preprocessor(_check_path_values)
    app.before_request(_forms_only)
