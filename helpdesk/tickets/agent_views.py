"""Staff pages: the queues and the actions that move a ticket along."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from helpdesk.accounts.decorators import staff_required
from helpdesk.accounts.models import Level, User
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from helpdesk.stale_forms import shows_form_on_stale_token
from helpdesk.text_input import whole_number
from helpdesk.tickets import bp
from helpdesk.tickets.access import get_visible_ticket_or_404
from helpdesk.tickets.categories import category_choices
from helpdesk.tickets.escalation import HandoffInput, escalate, return_to_level
from helpdesk.tickets.forms import (
    ActionForm,
    AssignForm,
    EscalateForm,
    ReturnForm,
    UpdateTicketForm,
    channel_choices,
    priority_choices,
    status_choices,
)
from helpdesk.tickets.models import ACTIVE_STATUSES, Category, Channel, Priority, Status
from helpdesk.tickets.operations import (
    StaleTicket,
    TicketChanges,
    assign,
    check_version,
    update_ticket,
)
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


def _act(ref, form, action, *, success, template_on_error=None, allowed=None):
    """Run a versioned ticket action: check the permission, validate, check the version,
    act, commit.

    Someone who may not act gets 404 before any form error or conflict page. On a
    concurrent change the ticket page explains what changed instead.
    """
    ticket = get_visible_ticket_or_404(ref, current_user)
    if allowed is not None and not allowed(current_user, ticket):
        abort(404)
    if not form.validate_on_submit():
        if template_on_error:
            return template_on_error(ticket, form)
        flash(_("Please check the form."), "error")
        return redirect(url_for("tickets.show_ticket", ref=ticket.ref))
    try:
        check_version(ticket, form.seen_version())
        action(ticket)
        db.session.commit()
    except (StaleTicket, StaleDataError):
        db.session.rollback()
        ticket = get_visible_ticket_or_404(ref, current_user)
        flash(_("Someone else changed this ticket in the meantime. Nothing was saved; "
                "check the changes below and try again."), "warning")
        if template_on_error:
            return template_on_error(ticket, form, conflict=True)
        # An update keeps what the agent chose, for them to send again after checking.
        return render_ticket(ticket, conflict_after=form.seen_event_id(), status=409,
                             update_form=form if isinstance(form, UpdateTicketForm) else None)
    except NotAllowed:
        abort(404)
    flash(success, "success")
    return redirect(url_for("tickets.show_ticket", ref=ticket.ref))


@bp.post("/tickets/<ref>/update")
@staff_required
def update(ref):
    form = UpdateTicketForm()
    form.category.choices = category_choices()

    def action(ticket):
        category = db.session.get(Category, form.category.data) if form.category.data else None
        update_ticket(ticket, by=current_user, changes=TicketChanges(
            status=Status(form.status.data), priority=Priority(form.priority.data),
            category=category))
    return _act(ref, form, action, success=_("The ticket has been updated."),
                allowed=can_update_ticket)


@bp.post("/tickets/<ref>/take")
@staff_required
def take(ref):
    form = ActionForm()
    return _act(ref, form, lambda t: assign(t, by=current_user, assignee=current_user),
                success=_("The ticket is now yours."), allowed=can_take)


@bp.post("/tickets/<ref>/assign")
@staff_required
def assign_ticket(ref):
    form = AssignForm()
    form.assignee.choices = None   # validated against the permission rule instead

    def action(ticket):
        assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
        assign(ticket, by=current_user, assignee=assignee)
    form.assignee.pre_validate = lambda _form: None
    return _act(ref, form, action, success=_("The assignment has been saved."),
                allowed=can_update_ticket)


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
@staff_required
def escalate_ticket(ref):
    ticket = get_visible_ticket_or_404(ref, current_user)
    if not can_escalate(current_user, ticket):
        abort(404)
    form = EscalateForm()
    if request.method == "GET":
        return _handoff_page("tickets/escalate.html", ticket, form)

    def action(t):
        escalate(t, by=current_user, handoff=HandoffInput(
            summary=form.summary.data, tried=form.tried.data,
            articles_checked=form.articles_checked.data))
    return _act(ref, form, action,
                success=_("Escalated to level %(level)d with your hand-off.",
                          level=ticket.level + 1),
                template_on_error=lambda t, f, conflict=False: _handoff_page(
                    "tickets/escalate.html", t, f, conflict))


@bp.route("/tickets/<ref>/return", methods=["GET", "POST"])
@shows_form_on_stale_token
@staff_required
def return_ticket(ref):
    ticket = get_visible_ticket_or_404(ref, current_user)
    targets = return_targets(current_user, ticket)
    if not targets:
        abort(404)
    form = ReturnForm()
    form.to_level.choices = [(lvl, _("Level %(level)d", level=lvl)) for lvl in targets]
    if request.method == "GET":
        return _handoff_page("tickets/return.html", ticket, form)

    def action(t):
        return_to_level(t, to_level=form.to_level.data, by=current_user,
                        handoff=HandoffInput(summary=form.summary.data))
    return _act(ref, form, action, success=_("The ticket has been returned."),
                template_on_error=lambda t, f, conflict=False: _handoff_page(
                    "tickets/return.html", t, f, conflict))
