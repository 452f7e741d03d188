"""helpdesk.actions: the versioned form's one parser, the stale rule, and run_action's order
(load -> refuse -> validate -> compare the version -> act -> commit -> answer)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.exceptions import HTTPException
from wtforms import StringField
from wtforms.validators import DataRequired

from helpdesk.actions import (
    Stale,
    VersionedForm,
    check_version,
    optional_id,
    run_action,
)
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.tickets.models import Category

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def form_app():
    """A bare Flask app: forms need a request, not a database."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    return app


def _seen(form_app, data) -> int:
    with form_app.test_request_context("/", method="POST", data=data):
        return VersionedForm().seen_version()


@pytest.mark.parametrize("sent, seen", [
    ({"version": "7"}, 7),
    ({"version": "1"}, 1),
    ({"version": "0"}, 0),
    ({"version": ""}, 0),             # empty
    ({}, 0),                          # missing
    ({"version": "seven"}, 0),        # unreadable
    ({"version": "-1"}, 0),
    ({"version": "1.0"}, 0),
    ({"version": "²"}, 0),            # a digit to str.isdigit(), not to int()
    ({"version": "99999999999"}, 0),  # larger than any INTEGER
])
def test_one_parser_for_the_version_a_form_sent(form_app, sent, seen):
    assert _seen(form_app, sent) == seen


@pytest.mark.parametrize("sent", [{}, {"version": ""}, {"version": "0"}, {"version": "x"}])
def test_a_form_without_a_readable_version_is_stale_for_every_saved_object(form_app, sent):
    saved = SimpleNamespace(id=5, version=1)      # versions start at 1
    with pytest.raises(Stale) as caught:
        check_version(saved, _seen(form_app, sent))
    assert caught.value.obj is saved and caught.value.seen_version == 0


def test_the_current_version_passes_and_any_other_is_stale(form_app):
    article = SimpleNamespace(id=3, version=4)
    check_version(article, _seen(form_app, {"version": "4"}))
    for other in ("3", "5"):
        with pytest.raises(Stale):
            check_version(article, _seen(form_app, {"version": other}))


def test_only_code_that_passes_none_checks_nothing():
    check_version(SimpleNamespace(id=1, version=9), None)


@pytest.mark.parametrize("value, expected", [
    ("", None), (None, None), ("None", None), ("12", 12), (12, 12), ("0", 0)])
def test_optional_id_reads_empty_as_none_and_digits_as_an_id(value, expected):
    assert optional_id(value) == expected


@pytest.mark.parametrize("value", ["x", "-1", "1.5", "²", " 3", "99999999999"])
def test_optional_id_refuses_anything_else(value):
    with pytest.raises(ValueError):
        optional_id(value)


# -- run_action ----------------------------------------------------------------------

class _NamedForm(VersionedForm):
    name = StringField(validators=[DataRequired()])


class _Calls:
    """Records which callbacks ran; answers are tagged strings."""

    def __init__(self, obj):
        self.obj, self.ran, self.loads = obj, [], 0

    def load(self):
        self.loads += 1
        return self.obj

    def answer(self, name):
        def callback(*args):
            self.ran.append(name)
            return name
        return callback


def _run(app, calls, data, act, **kwargs):
    with app.test_request_context("/", method="POST", data=data):
        form = _NamedForm()
        kwargs.setdefault("may", lambda _obj: True)
        return run_action(calls.load, act, form=form, done=calls.answer("done"),
                          invalid=calls.answer("invalid"), stale=calls.answer("stale"),
                          **kwargs)


def _category_names() -> list[str]:
    return list(db.session.scalars(sa.select(Category.slug)))


def _add_category(slug):
    db.session.add(Category(slug=slug, name_en=slug, name_de=slug))
    db.session.flush()


@SQLITE_ONLY
def test_a_refusal_comes_before_the_form_and_the_version(app):
    calls = _Calls(SimpleNamespace(id=1, version=2))
    for data in ({}, {"name": "x", "version": "1"}, {"name": "x", "version": "2"}):
        with pytest.raises(HTTPException) as refused:
            _run(app, calls, data, lambda *_: calls.ran.append("act"), may=lambda _obj: False)
        assert refused.value.code == 403
    assert calls.ran == []


@SQLITE_ONLY
def test_form_errors_are_answered_before_the_version_is_compared(app):
    calls = _Calls(SimpleNamespace(id=1, version=2))
    assert _run(app, calls, {"version": "1"}, lambda *_: calls.ran.append("act")) == "invalid"
    assert calls.ran == ["invalid"]


@SQLITE_ONLY
def test_a_stale_form_changes_nothing_and_gets_the_object_loaded_again(app):
    calls = _Calls(SimpleNamespace(id=1, version=2))
    for version in ("1", "", "0", "x"):
        answer = _run(app, calls, {"name": "x", "version": version},
                      lambda *_, v=version: _add_category(f"never-{v or 'empty'}"))
        assert answer == "stale"
    assert calls.loads == 8            # once to act, once more for the conflict page
    assert not [slug for slug in _category_names() if slug.startswith("never")]


@SQLITE_ONLY
def test_stale_from_the_domain_is_rolled_back(app):
    obj = SimpleNamespace(id=1, version=2)
    calls = _Calls(obj)

    def act(obj, _form):
        _add_category("half-done")
        raise Stale(obj, 1)
    assert _run(app, calls, {"name": "x", "version": "2"}, act) == "stale"
    assert "half-done" not in _category_names()


@SQLITE_ONLY
def test_not_allowed_from_the_domain_is_a_403_and_rolled_back(app):
    calls = _Calls(SimpleNamespace(id=1, version=2))

    def act(_obj, _form):
        _add_category("not-allowed")
        raise NotAllowed("no")
    with pytest.raises(HTTPException) as refused:
        _run(app, calls, {"name": "x", "version": "2"}, act)
    assert refused.value.code == 403
    assert "not-allowed" not in _category_names()


@SQLITE_ONLY
def test_the_current_version_acts_commits_once_and_answers_with_the_result(app):
    calls = _Calls(SimpleNamespace(id=1, version=2))
    results = []

    def act(obj, form):
        _add_category(f"done-{form.name.data}")
        return obj.id

    with app.test_request_context("/", method="POST", data={"name": "x", "version": "2"}):
        answer = run_action(calls.load, act, form=_NamedForm(),
                            done=lambda obj, result: results.append(result) or "done")
    db.session.rollback()          # only what was committed is still there
    assert answer == "done" and results == [1]
    assert "done-x" in _category_names()


@SQLITE_ONLY
def test_input_the_domain_rejects_is_rolled_back_and_answered(app):
    calls = _Calls(SimpleNamespace(id=1, version=2))

    def act(_obj, _form):
        _add_category("rejected")
        raise ValueError("bad file")
    answer = _run(app, calls, {"name": "x", "version": "2"}, act,
                  rejected={ValueError: lambda obj, form, exc: f"rejected: {exc}"})
    assert answer == "rejected: bad file"
    assert "rejected" not in _category_names()


@SQLITE_ONLY
def test_a_new_object_has_no_version_to_compare(app):
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        assert run_action(lambda: None, lambda _none, form: form.name.data,
                          form=_NamedForm(), done=lambda _none, name: name) == "x"
