"""What service levels add to other pages: the ticket page's deadlines panel, the queue's
notice of missed deadlines, navigation, the administration tab, template helpers."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.service_levels import permissions
from helpdesk.service_levels.models import SlaBreach, Target
from helpdesk.service_levels.provider import ticket_timeline, working_time_left
from helpdesk.tickets.models import ACTIVE_STATUSES, Ticket

NOTICE_DAYS = 7
NOTICE_LIMIT = 5


def ticket_panel(ticket: Ticket) -> dict:
    """Staff ticket page: each deadline, when it was met or how much working time is left."""
    now = utcnow()
    line = ticket_timeline(ticket, now)
    rows = []
    for deadline in (line.first_response, line.next_update, line.resolution,
                     *line.level_targets):
        if deadline is None:
            continue
        if deadline.met_at is not None:
            state = "met" if deadline.met_at <= deadline.due_at else "missed"
        elif not deadline.owed:
            state = "none"
        elif line.paused:
            state = "paused"
        elif deadline.due_at <= now:
            state = "breached"
        else:
            state = "open"
        left = working_time_left(deadline.due_at, now) if state in ("open", "paused") else None
        rows.append({"target": deadline.target, "label": deadline.target.label,
                     "level": deadline.level, "due_at": deadline.due_at,
                     "met_at": deadline.met_at, "state": state, "left": left})
    return {"side": "service_levels/_ticket_panel.html", "rows": rows, "paused": line.paused}


def queue_notice(level: int) -> dict:
    """The queue page's notice: deadlines missed lately by open tickets at `level`."""
    since = utcnow() - timedelta(days=NOTICE_DAYS)
    query = (sa.select(SlaBreach).join(Ticket, Ticket.id == SlaBreach.ticket_id)
             .where(SlaBreach.recorded_at >= since, Ticket.level == level,
                    Ticket.status.in_(ACTIVE_STATUSES)))
    # One pass over the week's breaches gives the count and the ids of the latest few;
    # only those are then read with their tickets (reading the breach with its ticket, the
    # ticket's category and people joined, for every breach before sorting costs more).
    latest = (SlaBreach.recorded_at.desc(), SlaBreach.id.desc())
    rows = db.session.execute(query.with_only_columns(SlaBreach.id, sa.func.count().over())
                              .order_by(*latest).limit(NOTICE_LIMIT)).all()
    if not rows:
        return {"count": 0, "breaches": []}
    breaches = db.session.scalars(sa.select(SlaBreach).where(
        SlaBreach.id.in_([row[0] for row in rows])).order_by(*latest)).all()
    return {"count": rows[0][1], "breaches": breaches}


def nav_items(user) -> list[dict]:
    if not permissions.can_see_report(user):
        return []
    return [{"url": url_for("service_levels.report"), "label": _("SLA report"),
             "prefix": "service_levels.report"}]


def admin_tabs(user) -> list[dict]:
    return [{"url": url_for("service_levels.settings"), "label": _("Service levels"),
             "prefix": "service_levels.settings"}]


def working_time(value: timedelta | None) -> str:
    """A stretch of working time as hours and minutes ("3 h 05 min")."""
    if value is None:
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min", minutes=minutes)
    return _("%(hours)d h %(minutes)02d min", hours=hours, minutes=minutes)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["working_time"] = working_time
    app.jinja_env.globals["sla_target_label"] = lambda value: (
        Target(value).label if value in Target._value2member_map_ else value)
    app.jinja_env.globals["sla_queue_notice"] = lambda level: (
        queue_notice(level) if getattr(current_user, "is_staff", False) else None)
