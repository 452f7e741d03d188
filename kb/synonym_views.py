"""Synonym groups on the KB blueprint: level 2's page to add, change and delete them.
Level 2 and admins only (everyone else: 404, like the review list)."""
from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from helpdesk import registry
from helpdesk.actions import VersionedForm, run_action
from helpdesk.extensions import db
from kb import bp, crosslang, synonyms
from kb import permissions as perms
from kb.synonym_models import SynonymGroup


def init_app(app: Flask) -> None:
    # Query expansion (kb.search_expansion, kb.crosslang). KB_DICTIONARY: the de-en file
    # (unset: Debian's trans-de-en if installed; "": none).
    app.config.setdefault("KB_SYNONYM_WEIGHT", 0.8)
    app.config.setdefault("KB_TRANSLATION_WEIGHT", 0.4)
    app.config.setdefault("KB_TRANSLATIONS_PER_WORD", 3)
    app.config.setdefault("KB_TRANSLATE_QUERIES", True)
    registry.add(app, registry.NAV_ITEMS, nav_items)
    registry.add(app, registry.HEALTH_CHECKS, crosslang.health_check)


def nav_items(user) -> list[dict]:
    if perms.can_review(user):
        return [{"url": url_for("kb.synonyms"), "label": _("Synonyms"),
                 "prefix": "kb.synonyms"}]
    return []


class SynonymForm(VersionedForm):
    terms = StringField(_l("Terms that mean the same"),
                        validators=[DataRequired(), Length(max=1000)],
                        description=_l("Separated by commas, in any language, e.g. "
                                       "Retoure, Rücksendung, return"))


def _editors_only() -> None:
    if not perms.can_review(current_user):
        abort(404)


def _page(form: SynonymForm | None = None, editing: int | None = None, status: int = 200):
    groups = synonyms.all_groups()
    forms = {group.id: SynonymForm(formdata=None, terms=group.terms, version=group.version)
             for group in groups}
    if form is not None and editing is not None:
        forms[editing] = form
    return render_template("kb/synonyms.html", groups=groups, forms=forms,
                           new_form=form if editing is None and form is not None
                           else SynonymForm(formdata=None),
                           editing=editing, dictionary=crosslang.configured_path(
                               _app())), status


def _app():
    from flask import current_app

    return current_app._get_current_object()


@bp.get("/synonyms", endpoint="synonyms")
@login_required
def synonyms_page():
    _editors_only()
    return _page()


def _refused(editing=None):
    def answer(_group, form, exc):
        form.terms.errors = [*form.terms.errors, str(exc)]
        return _page(form, editing, 400)
    return answer


@bp.post("/synonyms/new")
@login_required
def add_synonyms():
    def done(_nothing, group):
        flash(_("Saved: %(terms)s find each other now.", terms=group.terms), "success")
        return redirect(url_for("kb.synonyms"))
    return run_action(_editors_only, lambda _nothing, form: synonyms.create_group(
        form.terms.data, by=current_user), form=SynonymForm(), done=done,
        invalid=lambda _nothing, form: _page(form, None, 400),
        rejected={synonyms.SynonymRefused: _refused()})


def _group(group_id: int):
    def load():
        _editors_only()
        return db.session.get(SynonymGroup, group_id) or abort(404)
    return load


def _changed_meanwhile(_group, _form):
    flash(_("Someone else changed this group just now. Please check it and try again."),
          "warning")
    return redirect(url_for("kb.synonyms"))


@bp.post("/synonyms/<int:group_id>")
@login_required
def edit_synonyms(group_id):
    def done(_group, changed):
        flash(_("Synonyms saved.") if changed else _("No changes to save."),
              "success" if changed else "info")
        return redirect(url_for("kb.synonyms"))
    return run_action(_group(group_id), lambda group, form: synonyms.update_group(
        group, form.terms.data, by=current_user, seen_version=form.seen_version()),
        form=SynonymForm(), done=done, check_version_of_form=False,
        invalid=lambda _g, form: _page(form, group_id, 400), stale=_changed_meanwhile,
        rejected={synonyms.SynonymRefused: _refused(group_id)})


@bp.post("/synonyms/<int:group_id>/delete")
@login_required
def delete_synonyms(group_id):
    def done(_group, _result):
        flash(_("The synonym group was deleted."), "success")
        return redirect(url_for("kb.synonyms"))
    return run_action(_group(group_id), lambda group, form: synonyms.delete_group(
        group, by=current_user, seen_version=form.seen_version()),
        form=VersionedForm(), done=done, check_version_of_form=False,
        stale=_changed_meanwhile)
