"""One way to run an action on an object: load -> check -> act -> commit -> answer.

Views of every package run their actions through `run_action`: it loads the object for
the current user, checks that they may act on it, validates the form, compares the
version the user saw, calls the domain function, commits once and answers. The domain
function raises `NotAllowed` (the user may not do this) or `Stale` (someone else changed
the object first) and never commits.

**The refusal rule**, the same in tickets, the knowledge base and every feature package:

* **404 Not Found**: the user may not see the object, or there is no such object. Both
  look the same, so nobody learns what exists by trying numbers. Pages that belong to no
  object and are not for the user at all (administration, the staff queue, the review
  list, writing a new article) answer 404 too.
* **403 Forbidden**: the user may see the object but may not do this to it: a customer
  who posts to the "escalate" address of their own ticket, an agent taking a ticket of
  another level they may read, level 3 publishing an article. They know the object
  exists; 404 would tell them something false.
* A refusal comes first: form errors, a confirmation prompt or a conflict page are only
  shown to someone who may act.

**Versions** (optimistic locking): a form that changes an existing object carries the
version of the object the user saw (`VersionedForm`, a hidden ``version`` field). Its one
parser, `VersionedForm.seen_version`, reads ASCII digits as that version; a missing, empty
or unreadable value is version 0. No saved object has version 0 (versions start at 1), so
such a form is stale: the action never runs unchecked because of what a form sent. Domain
functions take ``seen_version=None`` only from code that checks nothing on purpose
(imports, the demo, system changes).

This module is core: it imports only core modules.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any, Protocol, TypeVar

from flask import abort, request
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from helpdesk.database import READ_METHODS, writing
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.text_input import whole_number

T = TypeVar("T")
F = TypeVar("F", bound=FlaskForm)


class Versioned(Protocol):
    version: int


class Stale(Exception):
    """The object changed since the user loaded it: they saw `seen_version`."""

    def __init__(self, obj: Versioned, seen_version: int):
        name = f"{type(obj).__name__} {getattr(obj, 'id', '')}".strip()
        super().__init__(f"{name} is at version {obj.version}, not {seen_version}")
        self.obj = obj
        self.seen_version = seen_version


def check_version(obj: Versioned, seen_version: int | None) -> None:
    """Raise `Stale` unless the user saw `obj`'s current version.

    `seen_version=None` checks nothing: for code that acts as the system, never for a
    version a form sent (see `VersionedForm.seen_version`).
    """
    if seen_version is not None and seen_version != obj.version:
        raise Stale(obj, seen_version)


def optional_id(value: Any) -> int | None:
    """Coerce a select's value to an id: empty (or "None") is None, ASCII digits an int.

    Anything else raises ValueError, which WTForms reports as an invalid choice.
    """
    if value in (None, "", "None"):
        return None
    number = whole_number(value)
    if number is None:
        raise ValueError(value)
    return number


class ButtonForm(FlaskForm):
    """A form with only its CSRF field: POST buttons that need nothing else."""


class VersionedForm(ButtonForm):
    """A form that changes an existing object: it carries the version the user saw."""

    version = HiddenField()

    def seen_version(self) -> int:
        """The version the user saw; 0 (stale for every saved object) when the form
        sent none or an unreadable one."""
        return whole_number(self.version.data, 0)


def run_action(load: Callable[[], T], act: Callable[[T, F | None], Any], *,
               done: Callable[[T, Any], ResponseReturnValue],
               may: Callable[[T], bool] | None = None,
               form: F | Callable[[T], F] | None = None,
               check_version_of_form: bool = True,
               invalid: Callable[[T, F], ResponseReturnValue] | None = None,
               ask_first: Callable[[T, F], ResponseReturnValue | None] | None = None,
               stale: Callable[[T, F | None], ResponseReturnValue] | None = None,
               rejected: Mapping[type[Exception], Callable[[T, F | None, Exception],
                                                       ResponseReturnValue]] | None = None,
               ) -> ResponseReturnValue:
    """Load the object, check, act, commit once and answer.

    * `load()` returns the object or aborts with 404 (the user may not see it).
    * `may(obj)` false: 403 (see the refusal rule above), before the form is looked at.
    * `form` (an instance, or a factory taking the object) not validated, which is also
      the case of a GET that shows it: `invalid(obj, form)` answers (default: 400).
    * `ask_first(obj, form)` may answer instead of acting (a confirmation prompt).
    * The form's version is compared with the object's (a `VersionedForm`, unless
      `check_version_of_form` is false or `load` returned None: a new object), then
      `act(obj, form)` runs, the session commits, and `done(obj, result)` answers.
    * `Stale` (or SQLAlchemy's `StaleDataError`): rolled back, the object loaded again,
      and `stale(obj, form)` answers (default: 409).
    * `NotAllowed` from the domain: rolled back, 403.
    * An exception in `rejected` (input the domain refused): rolled back, and its
      callable answers with `(obj, form, exc)`.

    A submission declares that it writes before anything is loaded (`writing()`); a GET
    that shows the form stays a read.
    """
    with writing() if request.method not in READ_METHODS else nullcontext():
        obj = load()
        if may is not None and not may(obj):
            abort(403)
        if form is not None and not isinstance(form, FlaskForm):
            form = form(obj)
        if form is not None and not form.validate_on_submit():
            return invalid(obj, form) if invalid is not None else abort(400)
        if ask_first is not None and (question := ask_first(obj, form)) is not None:
            return question
        rejected = rejected or {}
        try:
            if check_version_of_form and obj is not None and isinstance(form, VersionedForm):
                check_version(obj, form.seen_version())
            result = act(obj, form)
            db.session.commit()
        except (Stale, StaleDataError):
            db.session.rollback()
            obj = load()
            return stale(obj, form) if stale is not None else abort(409)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except tuple(rejected) as exc:
            db.session.rollback()
            return next(answer for kind, answer in rejected.items()
                        if isinstance(exc, kind))(obj, form, exc)
        return done(obj, result)
