"""Required reading on the KB blueprint: level 2's assignment page with the progress
table, an agent's reading list, one article's reading page (what changed since they
confirmed), the confirmation; and the queue page's reading panel (registry.QUEUE_PANELS).

Level 2 and admins assign (everyone else: 404, like the review list); an agent sees and
confirms only their own reading (an article not on their list: 404).
"""
from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from helpdesk import registry
from helpdesk.accounts.models import Level, User
from helpdesk.actions import ButtonForm, optional_id, run_action
from helpdesk.extensions import db
from helpdesk.tickets.categories import category_choices
from helpdesk.tickets.models import Category
from kb import bp, training
from kb.models import Article
from kb.training_models import ReadingAssignment

QUEUE_PANEL_ROWS = 8


def init_app(app: Flask) -> None:
    registry.add(app, registry.NAV_ITEMS, nav_items)
    registry.add(app, registry.QUEUE_PANELS, queue_panel)
    registry.add(app, registry.DEMO_SEEDERS, seed_demo)


def seed_demo(*, users: dict, categories: dict) -> None:
    from kb import demo_training

    demo_training.seed(users=users, categories=categories)


def nav_items(user) -> list[dict]:
    if training.can_assign(user):
        return [{"url": url_for("kb.training"), "label": _("Training"),
                 "prefix": "kb.training"}]
    return []


def queue_panel(user) -> dict | None:
    """The queue page: the agent's open required reading (nothing when there is none)."""
    if not training.has_reading(user):
        return None
    readings = training.open_reading(user)
    if not readings:
        return None
    return {"template": "kb/_training_panel.html", "readings": readings[:QUEUE_PANEL_ROWS],
            "more": max(len(readings) - QUEUE_PANEL_ROWS, 0),
            "overdue": sum(1 for r in readings if r.overdue)}


# -- level 2: assigning and progress -------------------------------------------------------

class AssignForm(FlaskForm):
    what = SelectField(_l("What"), default="article", validators=[InputRequired()], choices=[
        SelectChoice("article", _l("One article")), SelectChoice("category", _l("A category")),
        SelectChoice("tag", _l("A tag"))])
    article = StringField(_l("Article number"), validators=[Optional(), Length(max=300)],
                          description=_l("The number in the article's address, e.g. 42 "
                                         "in /kb/articles/42."))
    category = SelectField(_l("Category"), coerce=optional_id, validators=[Optional()])
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=40)])
    whom = SelectField(_l("Who"), default="level", validators=[InputRequired()], choices=[
        SelectChoice("level", _l("A level")), SelectChoice("agent", _l("One agent"))])
    level = SelectField(_l("Level"), coerce=optional_id, default=1, validators=[Optional()])
    agent = SelectField(_l("Agent"), coerce=optional_id, validators=[Optional()])
    due_on = DateField(_l("Due by (optional)"), validators=[Optional()])


def _assign_form(form: AssignForm | None = None) -> AssignForm:
    form = form or AssignForm(formdata=None)
    form.category.choices = [SelectChoice("", "—"), *category_choices()]
    form.agent.choices = [SelectChoice("", "—"), *(
        SelectChoice(str(user.id), f"{user.name} (L{user.level})")
        for user in training.agents_choices())]
    form.level.choices = [SelectChoice(str(lvl.value), _("Level %(level)d", level=lvl.value))
                          for lvl in Level]
    return form


def _editors_only() -> None:
    if not training.can_assign(current_user):
        abort(404)


def _training_page(form: AssignForm, status: int = 200):
    return render_template("kb/training.html", form=form, assignments=training.assignments(),
                           describe_what=training.describe_what,
                           describe_whom=training.describe_whom,
                           articles_of=training.articles_of, progress=training.progress(),
                           button=ButtonForm(formdata=None), today=_today()), status


def _today():
    from helpdesk.clock import utcnow

    return utcnow().date()


@bp.get("/training", endpoint="training")
@login_required
def training_page():
    _editors_only()
    return _training_page(_assign_form())


def _article_number(text: str | None) -> int | None:
    from kb.forms import TwinForm

    form = TwinForm(formdata=None, twin=text or "")
    return form.twin_id()


@bp.post("/training/assign")
@login_required
def assign_reading():
    def load():
        _editors_only()

    def act(_nothing, form):
        what, whom = form.what.data, form.whom.data
        article = category = tag = agent = level = None
        if what == "article":
            number = _article_number(form.article.data)
            article = db.session.get(Article, number) if number else None
            if article is None:
                raise training.AssignmentRefused(_("There is no published article with "
                                                   "this number."))
        elif what == "category":
            category = db.session.get(Category, form.category.data) \
                if form.category.data else None
            if category is None:
                raise training.AssignmentRefused(_("Choose a category."))
        else:
            tag = form.tag.data
        if whom == "agent":
            agent = db.session.get(User, form.agent.data) if form.agent.data else None
            if agent is None:
                raise training.AssignmentRefused(_("Choose an agent."))
        else:
            level = form.level.data
        return training.assign(by=current_user, article=article, category=category, tag=tag,
                               agent=agent, level=level, due_on=form.due_on.data)

    def done(_nothing, result):
        assignment, new = result
        flash(_("Assigned: %(what)s to %(whom)s.", what=training.describe_what(assignment),
                whom=training.describe_whom(assignment)) if new
              else _("This was assigned already; its due date is updated."), "success")
        return redirect(url_for("kb.training"))

    def invalid(_nothing, form):
        return _training_page(_assign_form(form), 400)

    def refused(_nothing, form, exc):
        flash(str(exc), "error")
        return _training_page(_assign_form(form), 400)
    return run_action(load, act, form=lambda _nothing: _assign_form(AssignForm()), done=done,
                      invalid=invalid,
                      rejected={training.AssignmentRefused: refused})


@bp.post("/training/<int:assignment_id>/remove")
@login_required
def remove_reading(assignment_id):
    def load():
        _editors_only()
        return db.session.get(ReadingAssignment, assignment_id) or abort(404)

    def done(_assignment, _result):
        flash(_("The assignment was withdrawn."), "success")
        return redirect(url_for("kb.training"))
    return run_action(load, lambda assignment, _form: training.remove(assignment,
                                                                       by=current_user),
                      form=ButtonForm(), done=done)


# -- agents: their reading ---------------------------------------------------------------------

def _readers_only() -> None:
    if not training.has_reading(current_user):
        abort(404)


@bp.get("/reading", endpoint="my_reading")
@login_required
def my_reading():
    _readers_only()
    return render_template("kb/training_list.html", readings=training.reading_for(current_user),
                           button=ButtonForm(formdata=None))


def _my_reading(article_id: int) -> training.Reading:
    _readers_only()
    reading = training.reading_of(current_user, article_id)
    if reading is None:
        abort(404)          # not on their list: nothing of theirs to see or confirm
    return reading


@bp.get("/reading/<int:article_id>", endpoint="reading_article")
@login_required
def reading_article(article_id):
    reading = _my_reading(article_id)
    return render_template("kb/training_article.html", reading=reading,
                           changes=training.changes_since(reading),
                           button=ButtonForm(formdata=None))


@bp.post("/reading/<int:article_id>/confirm")
@login_required
def confirm_reading(article_id):
    def done(reading, confirmed):
        flash(_("Noted: you read “%(title)s”.", title=reading.article.title) if confirmed
              else _("You had confirmed this article already."), "success")
        target = request.form.get("next_page")
        return redirect(url_for("tickets.queue") if target == "queue"
                        else url_for("kb.my_reading"))
    return run_action(lambda: _my_reading(article_id),
                      lambda reading, _form: training.confirm(reading, by=current_user),
                      form=ButtonForm(), done=done)
