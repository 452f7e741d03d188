"""Problem pages: the list, a problem, creating and editing, its status and owner, linking
tickets, answering all its tickets, and the known error's article.

Staff only: a customer (or anyone not staff) gets 404 for every page, as for every page
that is not for them; staff who may read a problem but not do this to it get 403.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from helpdesk.accounts.decorators import require
from helpdesk.accounts.models import User
from helpdesk.actions import ButtonForm, VersionedForm, run_action
from helpdesk.extensions import db
from helpdesk.problems import bp, bulk, queries
from helpdesk.problems import permissions as perms
from helpdesk.problems.forms import (
    AnswerAllForm,
    DocumentForm,
    LinkTicketForm,
    NewProblemForm,
    ProblemForm,
    StatusForm,
)
from helpdesk.problems.models import BulkReply, Problem, ProblemStatus
from helpdesk.problems.operations import (
    ProblemInput,
    ProblemRefused,
    change_status,
    create_problem,
    document_known_error,
    edit_problem,
    link_ticket,
    problem_of,
    set_owner,
    unlink_ticket,
)
from helpdesk.stale_forms import shows_form_on_stale_token
from helpdesk.tickets.access import get_visible_ticket_or_404
from helpdesk.tickets.models import Ticket, parse_ref
from helpdesk.tickets.permissions import visible_tickets

problems_required = require(perms.can_see_problems)


def get_problem_or_404(problem_id: int) -> Problem:
    """The problem, for staff; 404 for everyone else and for a problem that is not there."""
    if not perms.can_see_problems(current_user):
        abort(404)
    problem = db.session.get(Problem, problem_id)
    if problem is None:
        abort(404)
    return problem


def _to_problem(message, category="success"):
    def done(problem, _result=None):
        if message:
            flash(message(problem) if callable(message) else message, category)
        return redirect(url_for("problems.show_problem", problem_id=problem.id))
    return done


def _refused_on_problem_page(problem, _form, exc):
    flash(exc.reason, "error")
    return redirect(url_for("problems.show_problem", problem_id=problem.id))


def _refused_on_problem_page_invalid(problem, _form):
    flash(_("Please check the form."), "error")
    return redirect(url_for("problems.show_problem", problem_id=problem.id))


def _changed_meanwhile(problem, _form):
    flash(_("Someone else changed this problem in the meantime. Nothing was saved; check "
            "it and try again."), "warning")
    return redirect(url_for("problems.show_problem", problem_id=problem.id)), 409


# -- the list and the page ------------------------------------------------------------

@bp.get("/")
@problems_required
def problem_list():
    view = request.args.get("view", "")
    view = queries.ProblemView(view) if view in queries.ProblemView.__members__ \
        else queries.ProblemView.open
    component = request.args.get("component", "")[:80] or None
    text = request.args.get("q", "")[:100]
    return render_template(
        "problems/list.html", rows=queries.problem_list(current_user, view,
                                                        component=component, text=text),
        view=view, views=queries.ProblemView, component=component, q=text,
        components=queries.components())


def _article_url(problem: Problem) -> str | None:
    if problem.article_id is None or "kb.show_article" not in current_app.view_functions:
        return None
    return url_for("kb.show_article", article_id=problem.article_id)


@bp.get("/<int:problem_id>")
@problems_required
def show_problem(problem_id):
    problem = get_problem_or_404(problem_id)
    tickets = queries.tickets_of(problem, current_user)
    version = str(problem.version)
    unfinished = [(item, *bulk.progress(item)) for item in bulk.unfinished(problem)]
    return render_template(
        "problems/problem.html", problem=problem, tickets=tickets,
        hidden_tickets=queries.hidden_ticket_count(problem, current_user, len(tickets)),
        status_form=StatusForm(formdata=None, status=problem.status.value, version=version),
        statuses=[s for s in ProblemStatus],
        document_form=DocumentForm(formdata=None, version=version,
                                   language=current_user.language or "en"),
        take_form=VersionedForm(formdata=None, version=version),
        button_form=ButtonForm(formdata=None), link_form=LinkTicketForm(formdata=None),
        article_url=_article_url(problem), unfinished=unfinished,
        may={"edit": perms.can_edit(current_user, problem),
             "take": perms.can_take(current_user, problem),
             "answer": perms.can_answer_all(current_user, problem),
             "document": perms.can_document(current_user, problem)})


# -- create, edit, status, owner ------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@shows_form_on_stale_token
@problems_required
def new_problem():
    form = NewProblemForm()
    ref = (form.ticket.data if request.method == "POST" else request.args.get("ticket")) or ""
    ticket = get_visible_ticket_or_404(ref, current_user) if ref else None
    if ticket is not None and not form.ticket.data:
        form.ticket.data = ticket.ref

    def page(_nothing, form):
        return render_template("problems/new.html", form=form, ticket=ticket,
                               specialist=perms.is_specialist(current_user)), \
            400 if form.errors else 200

    def act(_nothing, form):
        return create_problem(ProblemInput(title=form.title.data,
                                           description=form.description.data or "",
                                           component=form.component.data or ""),
                              by=current_user, ticket=ticket)

    def done(_nothing, problem):
        flash(_("Problem %(ref)s has been created.", ref=problem.ref)
              if perms.is_specialist(current_user) else
              _("Problem %(ref)s has been proposed to level 3.", ref=problem.ref), "success")
        if ticket is not None:
            return redirect(url_for("tickets.show_ticket", ref=ticket.ref))
        return redirect(url_for("problems.show_problem", problem_id=problem.id))

    def refused(_nothing, form, exc):
        getattr(form, exc.field or "title").errors = [exc.reason]
        return page(None, form)

    return run_action(lambda: None, act, form=form, invalid=page, done=done,
                      rejected={ProblemRefused: refused})


def _owner_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(str(a.id), a.name)
                                      for a in queries.possible_owners()]


@bp.route("/<int:problem_id>/edit", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def edit(problem_id):
    def make_form(problem):
        if request.method == "POST":
            form = ProblemForm()
        else:
            form = ProblemForm(formdata=None, obj=problem)
            form.owner.data = problem.owner_id      # (the id, not the User of `obj`)
            form.version.data = str(problem.version)
        form.owner.choices = _owner_choices()
        return form

    def page(problem, form, conflict=False):
        if conflict:
            flash(_("Someone else changed this problem in the meantime. Check their "
                    "changes; your text is still here."), "warning")
        form.version.data = str(problem.version)
        return render_template("problems/edit.html", problem=problem, form=form), \
            409 if conflict else (400 if form.errors else 200)

    def act(problem, form):
        owner = db.session.get(User, form.owner.data) if form.owner.data else None
        changed = edit_problem(problem, ProblemInput(
            title=form.title.data, description=form.description.data or "",
            component=form.component.data or "", cause=form.cause.data or ""),
            by=current_user,
            workaround=form.workaround.data or "", fix_note=form.fix_note.data or "",
            seen_version=form.seen_version())
        if (owner.id if owner else None) != problem.owner_id:
            set_owner(problem, owner, by=current_user)
            changed.append("owner")
        return changed

    def refused(problem, form, exc):
        getattr(form, exc.field or "title").errors = [exc.reason]
        return page(problem, form)

    return run_action(lambda: get_problem_or_404(problem_id), act,
                      may=lambda problem: perms.can_edit(current_user, problem),
                      form=make_form, invalid=page, check_version_of_form=False,
                      done=_to_problem(lambda p: _("The problem has been saved.")),
                      stale=lambda problem, form: page(problem, form, conflict=True),
                      rejected={ProblemRefused: refused})


@bp.post("/<int:problem_id>/status")
@login_required
def set_status(problem_id):
    return run_action(
        lambda: get_problem_or_404(problem_id),
        lambda problem, form: change_status(problem, ProblemStatus(form.status.data),
                                            by=current_user),
        may=lambda problem: perms.can_edit(current_user, problem), form=StatusForm(),
        done=_to_problem(lambda p: _("The problem is now “%(status)s”.",
                                     status=p.status.label)),
        invalid=_refused_on_problem_page_invalid, stale=_changed_meanwhile,
        rejected={ProblemRefused: _refused_on_problem_page})


@bp.post("/<int:problem_id>/take")
@login_required
def take(problem_id):
    return run_action(
        lambda: get_problem_or_404(problem_id),
        lambda problem, _form: set_owner(problem, current_user, by=current_user),
        may=lambda problem: perms.can_take(current_user, problem), form=VersionedForm(),
        done=_to_problem(lambda p: _("The problem is now yours.")),
        invalid=_refused_on_problem_page_invalid, stale=_changed_meanwhile,
        rejected={ProblemRefused: _refused_on_problem_page})


# -- the known error's article --------------------------------------------------------

@bp.post("/<int:problem_id>/known-error-article")
@login_required
def document(problem_id):
    def done(problem, article_id):
        flash(_("A draft article (#%(id)d) has been written from the known error and "
                "submitted for level 2's review.", id=article_id), "success")
        return redirect(url_for("problems.show_problem", problem_id=problem.id))

    return run_action(
        lambda: get_problem_or_404(problem_id),
        lambda problem, form: document_known_error(problem, by=current_user,
                                                   language=form.language.data),
        may=lambda problem: perms.can_document(current_user, problem), form=DocumentForm(),
        done=done, invalid=_refused_on_problem_page_invalid, stale=_changed_meanwhile,
        rejected={ProblemRefused: _refused_on_problem_page})


# -- answering all tickets ------------------------------------------------------------

def _delivered(problem, bulk_id):
    """After the bulk reply is recorded: answer the tickets (a transaction each)."""
    outcome = bulk.deliver(bulk_id, by_id=current_user.id)
    if outcome.answered:
        flash(ngettext("The reply has gone to %(num)d ticket: %(refs)s.",
                       "The reply has gone to %(num)d tickets: %(refs)s.",
                       len(outcome.answered), refs=", ".join(outcome.answered)), "success")
    if outcome.already:
        flash(ngettext("%(num)d ticket already had this reply and did not get it again.",
                       "%(num)d tickets already had this reply and did not get it again.",
                       len(outcome.already)), "info")
    if outcome.refused:
        flash(_("These tickets could not be answered: %(refs)s.",
                refs=", ".join(outcome.refused)), "error")
    if not (outcome.answered or outcome.already or outcome.refused):
        flash(_("The problem has no open tickets to answer."), "info")
    return redirect(url_for("problems.show_problem", problem_id=problem.id))


@bp.route("/<int:problem_id>/answer", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def answer_all(problem_id):
    def page(problem, form):
        return render_template("problems/answer.html", problem=problem, form=form,
                               open_count=len(bulk.open_ticket_ids(problem.id))), \
            400 if form.errors else 200

    def refused(problem, form, exc):
        form.text_en.errors = [exc.reason]
        return page(problem, form)

    return run_action(
        lambda: get_problem_or_404(problem_id),
        lambda problem, form: bulk.start(problem, by=current_user, text_en=form.text_en.data,
                                         text_de=form.text_de.data,
                                         resolve=bool(form.resolve.data)).id,
        may=lambda problem: perms.can_answer_all(current_user, problem), form=AnswerAllForm(),
        invalid=page, done=_delivered, rejected={ProblemRefused: refused})


@bp.post("/<int:problem_id>/answers/<int:bulk_id>/resume")
@login_required
def resume_answer(problem_id, bulk_id):
    def load():
        problem = get_problem_or_404(problem_id)
        item = db.session.get(BulkReply, bulk_id)
        if item is None or item.problem_id != problem.id:
            abort(404)
        return problem

    return run_action(load, lambda problem, _form: bulk_id,
                      may=lambda problem: perms.can_answer_all(current_user, problem),
                      form=ButtonForm(), done=_delivered)


# -- linking tickets ------------------------------------------------------------------

@bp.get("/link/<ref>")
@problems_required
def link_page(ref):
    """Link a ticket: search open problems by title, or propose a new one."""
    ticket = get_visible_ticket_or_404(ref, current_user)
    if not perms.can_link_ticket(current_user, ticket):
        abort(403)
    text = request.args.get("q", "")[:100]
    return render_template(
        "problems/link.html", ticket=ticket, q=text, results=queries.search_open(text),
        current=problem_of(ticket), link_form=LinkTicketForm(formdata=None, ticket=ticket.ref),
        new_form=NewProblemForm(formdata=None, ticket=ticket.ref,
                                title=ticket.subject[:200]))


class NoSuchTicket(Exception):
    """The reference names no ticket the user may see."""


@bp.post("/<int:problem_id>/tickets")
@login_required
def link(problem_id):
    form = LinkTicketForm()
    back_to_ticket = request.form.get("back") == "ticket"

    def act(problem, form):
        ticket_id = parse_ref(form.ticket.data.strip().lstrip("#"))
        ticket = None if ticket_id is None else db.session.scalar(
            visible_tickets(current_user).where(Ticket.id == ticket_id))
        if ticket is None:
            raise NoSuchTicket()
        return ticket, link_ticket(problem, ticket, by=current_user)

    def done(problem, result):
        ticket, made = result
        flash(_("%(ticket)s is linked to problem %(problem)s.", ticket=ticket.ref,
                problem=problem.ref) if made else
              _("%(ticket)s was already linked to problem %(problem)s.", ticket=ticket.ref,
                problem=problem.ref), "success" if made else "info")
        if back_to_ticket:
            return redirect(url_for("tickets.show_ticket", ref=ticket.ref))
        return redirect(url_for("problems.show_problem", problem_id=problem.id))

    def no_ticket(problem, form, _exc):
        flash(_("There is no ticket %(ref)s that you can see.", ref=form.ticket.data), "error")
        return redirect(url_for("problems.show_problem", problem_id=problem.id))

    return run_action(lambda: get_problem_or_404(problem_id), act, form=form, done=done,
                      invalid=_refused_on_problem_page_invalid,
                      rejected={NoSuchTicket: no_ticket, ProblemRefused: _refused_on_problem_page})


@bp.post("/tickets/<ref>/unlink")
@login_required
def unlink(ref):
    def load():
        if not perms.can_see_problems(current_user):
            abort(404)
        return get_visible_ticket_or_404(ref, current_user)

    def done(ticket, removed):
        flash(_("The ticket is no longer linked to a problem.") if removed else
              _("The ticket was not linked to a problem."), "success" if removed else "info")
        return redirect(url_for("tickets.show_ticket", ref=ticket.ref))

    return run_action(load, lambda ticket, _form: unlink_ticket(ticket, by=current_user),
                      may=lambda ticket: perms.can_link_ticket(current_user, ticket),
                      form=ButtonForm(), done=done)
