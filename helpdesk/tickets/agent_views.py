"""Staff pages: the queues and the actions that move a ticket along."""
from __future__ import annotations

import functools

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from helpdesk import registry
from helpdesk.accounts.decorators import staff_required
from helpdesk.accounts.models import Level, User
from helpdesk.actions import run_action
from helpdesk.extensions import db
from helpdesk.stale_forms import shows_form_on_stale_token
from helpdesk.text_input import whole_number
from helpdesk.tickets import bp
from helpdesk.tickets import knowledge_decision as knowledge
from helpdesk.tickets.access import get_visible_ticket_or_404
from helpdesk.tickets.categories import category_choices
from helpdesk.tickets.escalation import HandoffInput, escalate, return_to_level
from helpdesk.tickets.forms import (
    ActionForm,
    AssignForm,
    EscalateForm,
    ResolveForm,
    ReturnForm,
    UpdateTicketForm,
    channel_choices,
    priority_choices,
    status_choices,
)
from helpdesk.tickets.models import (
    ACTIVE_STATUSES,
    Category,
    Channel,
    KnowledgeDecision,
    Priority,
    Status,
)
from helpdesk.tickets.operations import MessageRefused, TicketChanges, assign, update_ticket
from helpdesk.tickets.page import render_ticket
from helpdesk.tickets.permissions import (
    can_escalate,
    can_take,
    can_update_ticket,
    return_targets,
)
from helpdesk.tickets.queues import QueueFilter, QueueView, queue_counts, queue_page


def _enum_arg(name, enum_cls):
    value = request.args.get(name, "")
    return enum_cls(value) if value in enum_cls.__members__ else None


def _queue_filter() -> QueueFilter:
    view = _enum_arg("view", QueueView) or QueueView.level
    level = request.args.get("level", type=whole_number)
    if not current_user.is_admin or level not in tuple(Level):
        level = current_user.level or level or 1
    status = _enum_arg("status", Status)
    statuses = (status,) if status else ACTIVE_STATUSES
    if request.args.get("status") == "all":
        statuses = ()
    return QueueFilter(view=view, level=level, statuses=statuses,
                       priority=_enum_arg("priority", Priority),
                       category_id=request.args.get("category", type=whole_number),
                       channel=_enum_arg("channel", Channel),
                       text=request.args.get("q", "")[:100])


@bp.get("/queue")
@staff_required
def queue():
    flt = _queue_filter()
    page = queue_page(current_user, flt, cursor=request.args.get("after"),
                      size=int(current_app.config["QUEUE_PAGE_SIZE"]))
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "tickets/queue.html", page=page, flt=flt, args=args,
        counts=queue_counts(current_user, flt.level),
        status_choices=status_choices(), priority_choices=priority_choices(),
        channel_choices=channel_choices(), category_choices=category_choices()[1:])


def _on_ticket(predicate):
    """`predicate(current_user, ticket)` as the check of `run_action`."""
    return lambda ticket: predicate(current_user, ticket)


def _back_to_ticket(message):
    """The answer after an action: the ticket page, with `message` (a text, or a
    function of the ticket)."""
    def done(ticket, _result):
        flash(message(ticket) if callable(message) else message, "success")
        return redirect(url_for("tickets.show_ticket", ref=ticket.ref))
    return done


def _check_the_form(ticket, _form):
    flash(_("Please check the form."), "error")
    return redirect(url_for("tickets.show_ticket", ref=ticket.ref))


def _changed_meanwhile() -> None:
    flash(_("Someone else changed this ticket in the meantime. Nothing was saved; "
            "check the changes below and try again."), "warning")


def _conflict_on_ticket_page(ticket, form):
    """The ticket page with what changed; an update keeps what the agent chose, for
    them to send again after checking."""
    _changed_meanwhile()
    return render_ticket(ticket, conflict_after=form.seen_event_id(), status=409,
                         update_form=form if isinstance(form, UpdateTicketForm) else None)


def _ticket_action(ref, form, act, *, may, success, page=None, rejected=None):
    """Run a staff action on ticket `ref` (see helpdesk.actions.run_action).

    Form errors and conflicts are answered by `page(ticket, form, conflict=False)` (a
    hand-off form), or on the ticket page; `rejected` as in run_action.
    """
    def conflict(ticket, form):
        _changed_meanwhile()
        return page(ticket, form, conflict=True)
    return run_action(lambda: get_visible_ticket_or_404(ref, current_user), act,
                      may=_on_ticket(may), form=form, done=_back_to_ticket(success),
                      invalid=page or _check_the_form,
                      stale=conflict if page else _conflict_on_ticket_page,
                      rejected=rejected)


@bp.post("/tickets/<ref>/update")
@login_required
def update(ref):
    form = UpdateTicketForm()
    form.category.choices = category_choices()

    def act(ticket, form):
        category = db.session.get(Category, form.category.data) if form.category.data else None
        if knowledge.needs_decision(current_user, ticket, Status(form.status.data)):
            raise DecisionNeeded()
        update_ticket(ticket, by=current_user, changes=TicketChanges(
            status=Status(form.status.data), priority=Priority(form.priority.data),
            category=category))
    return _ticket_action(ref, form, act, may=can_update_ticket,
                          success=_("The ticket has been updated."),
                          rejected={DecisionNeeded: to_resolve_form})


class DecisionNeeded(Exception):
    """Level 2 or 3 resolves through the resolve form, with the knowledge decision."""


def to_resolve_form(ticket, _form=None, _exc=None):
    """Send a level-2 or level-3 agent who resolves to the resolve form (nothing saved)."""
    flash(_("Before the ticket is resolved: record what it means for the knowledge base."),
          "info")
    return redirect(url_for("tickets.resolve_ticket", ref=ticket.ref))


@bp.post("/tickets/<ref>/take")
@login_required
def take(ref):
    return _ticket_action(ref, ActionForm(),
                          lambda ticket, _form: assign(ticket, by=current_user,
                                                       assignee=current_user),
                          may=can_take, success=_("The ticket is now yours."))


@bp.post("/tickets/<ref>/assign")
@login_required
def assign_ticket(ref):
    def act(ticket, form):
        assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
        assign(ticket, by=current_user, assignee=assignee)
    return _ticket_action(ref, AssignForm(), act, may=can_update_ticket,
                          success=_("The assignment has been saved."))


def _handoff_page(template, ticket, form, conflict=False):
    """Render the hand-off form; after a concurrent change, with what changed."""
    status = 409 if conflict else (400 if form.errors else 200)
    events = list(ticket.events)
    last_event_id = max((e.id for e in events), default=0)
    seen = form.seen_event_id() or last_event_id
    conflict_events = [e for e in events if e.id > seen] if conflict else []
    form.version.data = str(ticket.version)
    form.seen_event.data = str(last_event_id)
    return render_template(template, ticket=ticket, form=form, conflict=conflict,
                           conflict_events=conflict_events, staff=True), status


@bp.route("/tickets/<ref>/escalate", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def escalate_ticket(ref):
    def act(ticket, form):
        escalate(ticket, by=current_user, handoff=HandoffInput(
            summary=form.summary.data, tried=form.tried.data,
            articles_checked=form.articles_checked.data))
    return _ticket_action(
        ref, EscalateForm(), act, may=can_escalate,
        success=lambda ticket: _("Escalated to level %(level)d with your hand-off.",
                                 level=ticket.level),
        page=functools.partial(_handoff_page, "tickets/escalate.html"))


def _return_form(ticket) -> ReturnForm:
    form = ReturnForm()
    form.to_level.choices = [SelectChoice(str(level), _("Level %(level)d", level=level))
                             for level in return_targets(current_user, ticket)]
    return form


@bp.route("/tickets/<ref>/return", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def return_ticket(ref):
    def act(ticket, form):
        return_to_level(ticket, to_level=form.to_level.data, by=current_user,
                        handoff=HandoffInput(summary=form.summary.data))
    return _ticket_action(
        ref, _return_form, act, may=lambda user, ticket: bool(return_targets(user, ticket)),
        success=_("The ticket has been returned."),
        page=functools.partial(_handoff_page, "tickets/return.html"))


def _resolve_page(ticket, form, conflict=False):
    """The resolve form, with the knowledge decision for levels 2 and 3."""
    status = 409 if conflict else (400 if form.errors else 200)
    events = list(ticket.events)
    last_event_id = max((e.id for e in events), default=0)
    seen = form.seen_event_id() or last_event_id
    form.version.data = str(ticket.version)
    form.seen_event.data = str(last_event_id)
    return render_template(
        "tickets/resolve.html", ticket=ticket, form=form, conflict=conflict, staff=True,
        conflict_events=[e for e in events if e.id > seen] if conflict else [],
        asks_decision=knowledge.is_asked(current_user),
        pickers=registry.entries(registry.RESOLVE_FORM)), status


@bp.route("/tickets/<ref>/resolve", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def resolve_ticket(ref):
    """Resolve a ticket; levels 2 and 3 say what it means for the knowledge base."""
    def act(ticket, form):
        decision = KnowledgeDecision(form.decision.data) if form.decision.data else None
        knowledge.resolve(ticket, by=current_user, resolution=knowledge.Resolution(
            decision=decision, article_id=knowledge.article_id_from(form.article.data),
            note=form.note.data or "", reply=form.reply.data or ""))

    def refused(ticket, form, exc):
        errors = exc.reasons if isinstance(exc, MessageRefused) else [exc.reason]
        (form.reply if isinstance(exc, MessageRefused) else form.decision).errors = errors
        return _resolve_page(ticket, form)

    return _ticket_action(
        ref, ResolveForm(), act, may=knowledge.can_resolve,
        success=_("The ticket is resolved."), page=_resolve_page,
        rejected={knowledge.DecisionRefused: refused, MessageRefused: refused})
