"""Service-level pages: the administration (calendar, policies, level targets) and the
SLA report with its CSV."""
from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from helpdesk.accounts.decorators import admin_required, require
from helpdesk.accounts.models import Role, User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.service_levels import bp, policies
from helpdesk.service_levels import report as reporting
from helpdesk.service_levels.forms import WEEKDAY_LABELS, CalendarForm, LevelForm, PolicyForm
from helpdesk.service_levels.models import (
    DEFAULT_CALENDAR,
    SlaCalendar,
    SlaLevelTarget,
    SlaPolicy,
)
from helpdesk.service_levels.permissions import can_see_report
from helpdesk.service_levels.provider import (
    active_ticket_count,
    cancel_pending_recompute,
    pending_recompute,
    recompute_open_tickets,
    request_recompute,
)
from helpdesk.stale_forms import shows_form_on_stale_token
from helpdesk.text_input import whole_number
from helpdesk.tickets.categories import all_categories, category_choices
from helpdesk.tickets.forms import priority_choices
from helpdesk.tickets.models import Category, Priority

report_required = require(can_see_report)


def _stale_message() -> str:
    return _("Someone else changed these settings meanwhile. Check them and save again.")


def _minutes(hours: Decimal) -> int:
    return max(int(round(float(hours) * 60)), 1)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _saved(message: str) -> None:
    """After a change of the rules: every open ticket's due times follow them, at once
    when there are a few (SLA_RECOMPUTE_INLINE_MAX), else in the background (`sla tick`,
    requested in this transaction). Commits, and tells the admin `message` and how."""
    policies.forget()
    active = active_ticket_count()
    inline = active <= int(current_app.config["SLA_RECOMPUTE_INLINE_MAX"])
    if inline:
        recompute_open_tickets()
        cancel_pending_recompute()
    else:
        request_recompute(active)
    db.session.commit()
    flash(message, "success")
    if not inline:
        flash(_("The open tickets' due times are being recalculated in the background. "
                "This page shows the progress."), "info")


# -- the calendar and the overview ------------------------------------------------------

@bp.route("/admin/service-levels", methods=["GET", "POST"])
@admin_required
@shows_form_on_stale_token
def settings():
    row = db.session.scalar(sa.select(SlaCalendar).where(SlaCalendar.name == DEFAULT_CALENDAR))
    version = row.version if row is not None else 0
    if request.method == "POST":
        form = CalendarForm()
    else:
        form = CalendarForm.initial(policies.current().calendar, version)
    if form.validate_on_submit():
        calendar = form.calendar()
        if calendar is not None and form.seen_version() != version:
            flash(_stale_message(), "error")
        elif calendar is not None:
            if row is None:
                row = SlaCalendar(name=DEFAULT_CALENDAR)
                db.session.add(row)
            row.set_calendar(calendar)
            row.updated_at = utcnow()
            _saved(_("The business calendar has been saved."))
            return redirect(url_for("service_levels.settings"))
    status = 400 if request.method == "POST" else 200
    current = policies.current()
    return render_template(
        "service_levels/settings.html", form=form, weekdays=WEEKDAY_LABELS,
        policies=sorted(current.policies.values(),
                        key=lambda p: (p.category_id is not None, -p.priority.rank,
                                       p.category_id or 0)),
        categories={c.id: c for c in all_categories()},
        levels=[current.levels.get(level) or policies.LevelTargets(level, 0, 0)
                for level in (1, 2, 3)],
        users={u.id: u for u in _staff()},
        priority_choices=priority_choices(), category_choices=category_choices()[1:],
        recompute=pending_recompute(),
    ), status


# -- policies ---------------------------------------------------------------------------

@bp.get("/admin/service-levels/policies/new")
@admin_required
def settings_new_policy():
    """The overview's "add a policy for a category" form: on to that policy's page."""
    priority = request.args.get("priority", "")
    category = db.session.get(Category, whole_number(request.args.get("category"), 0))
    if priority not in Priority.__members__ or category is None:
        flash(_("Choose a priority and a category."), "error")
        return redirect(url_for("service_levels.settings"))
    return redirect(url_for("service_levels.settings_policy", priority=priority,
                            category=str(category.id)))


@bp.route("/admin/service-levels/policies/<priority>/<category>", methods=["GET", "POST"])
@admin_required
@shows_form_on_stale_token
def settings_policy(priority, category):
    if priority not in Priority.__members__:
        abort(404)
    priority = Priority(priority)
    category_row = None
    if category != "all":
        category_id = whole_number(category)
        category_row = db.session.get(Category, category_id) if category_id else None
        if category_row is None:
            abort(404)
    scope = SlaPolicy.scope_of(priority, category_row.id if category_row else None)
    row = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.scope == scope))
    shown = policies.current().policy_for(priority, category_row.id if category_row else None)
    version = row.version if row is not None else 0
    if request.method == "POST":
        form = PolicyForm()
    else:
        form = PolicyForm(formdata=None, data={
            "first_response": _hours(int(shown.first_response.total_seconds() // 60)),
            "next_update": _hours(int(shown.next_update.total_seconds() // 60)),
            "resolution": _hours(int(shown.resolution.total_seconds() // 60)),
            "auto_escalate": shown.auto_escalate, "version": str(version)})
    if form.validate_on_submit():
        if form.seen_version() != version:
            flash(_stale_message(), "error")
        else:
            if row is None:
                row = SlaPolicy(scope=scope, priority=priority,
                                category_id=category_row.id if category_row else None)
                db.session.add(row)
            row.first_response_minutes = _minutes(form.first_response.data)
            row.next_update_minutes = _minutes(form.next_update.data)
            row.resolution_minutes = _minutes(form.resolution.data)
            row.auto_escalate = form.auto_escalate.data
            _saved(_("The policy has been saved."))
            return redirect(url_for("service_levels.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("service_levels/policy_form.html", form=form, priority=priority,
                           category=category_row), status


# -- levels -----------------------------------------------------------------------------

def _staff() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.role.in_((Role.agent, Role.admin)), User.is_active_account.is_(True))
        .order_by(User.name)))


@bp.route("/admin/service-levels/levels/<int:level>", methods=["GET", "POST"])
@admin_required
@shows_form_on_stale_token
def settings_level(level):
    if level not in (1, 2, 3):
        abort(404)
    row = db.session.scalar(sa.select(SlaLevelTarget).where(SlaLevelTarget.level == level))
    shown = policies.current().levels.get(level)
    version = row.version if row is not None else 0
    if request.method == "POST":
        form = LevelForm()
    else:
        take, answer = policies.DEFAULT_LEVEL_TARGETS.get(level, (60, 60))
        form = LevelForm(formdata=None, data={
            "take": _hours(int(shown.take.total_seconds() // 60) if shown else take),
            "answer": _hours(int(shown.answer.total_seconds() // 60) if shown else answer),
            "lead": shown.lead_id if shown else None, "version": str(version)})
    form.lead.choices = [SelectChoice("", _("Nobody: tell the level's agents"))] + [
        SelectChoice(str(u.id), u.name) for u in _staff()]
    if form.validate_on_submit():
        if form.seen_version() != version:
            flash(_stale_message(), "error")
        else:
            if row is None:
                row = SlaLevelTarget(level=level)
                db.session.add(row)
            row.take_minutes = _minutes(form.take.data)
            row.answer_minutes = _minutes(form.answer.data)
            row.lead_id = form.lead.data
            _saved(_("The targets of level %(level)d have been saved.", level=level))
            return redirect(url_for("service_levels.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("service_levels/level_form.html", form=form, level=level), status


# -- the report -------------------------------------------------------------------------

def _report_filter() -> reporting.ReportFilter:
    return reporting.ReportFilter.from_args(request.args)


@bp.get("/sla/report")
@report_required
def report():
    flt = _report_filter()
    result = reporting.build(flt)
    # In a <script type="application/json">: no "<" may end it early.
    chart = json.dumps(reporting.chart_data(result), separators=(",", ":")).replace(
        "<", "\\u003c")
    return render_template(
        "service_levels/report.html", result=result, flt=flt, chart=chart,
        priority_choices=priority_choices(), category_choices=category_choices()[1:],
        args={k: v for k, v in request.args.items() if v})


@bp.get("/sla/report.csv")
@report_required
def report_csv():
    result = reporting.build(_report_filter())
    return Response(reporting.to_csv(result), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=sla-report.csv"})
