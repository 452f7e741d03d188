"""What problems add to other pages: the ticket page's problem panel, navigation."""
from __future__ import annotations

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.actions import ButtonForm
from helpdesk.problems import permissions as perms
from helpdesk.problems.models import STATUS_LABELS, ProblemStatus
from helpdesk.problems.operations import problem_of
from helpdesk.tickets.models import Ticket


def ticket_panel(ticket: Ticket) -> dict:
    """Staff ticket page, sidebar: the ticket's problem and its status, or how to link one."""
    return {"side": "problems/_ticket_panel.html", "problem": problem_of(ticket),
            "may_link": perms.can_link_ticket(current_user, ticket),
            "button_form": ButtonForm(formdata=None)}


def nav_items(user) -> list[dict]:
    """Level 3 (and admins) have the problems list in the main navigation."""
    if not perms.is_specialist(user):
        return []
    return [{"url": url_for("problems.problem_list"), "label": _("Problems"),
             "prefix": "problems."}]


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["problem_status_label"] = lambda value: (
        STATUS_LABELS[ProblemStatus(value)] if value in ProblemStatus._value2member_map_
        else value)
