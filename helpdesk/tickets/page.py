"""The ticket page: everything one ticket shows, computed once for the template."""
from __future__ import annotations

from types import SimpleNamespace

from flask import render_template
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from helpdesk import registry
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.text_input import whole_number
from helpdesk.tickets import knowledge_decision as knowledge
from helpdesk.tickets import links, merge, sla
from helpdesk.tickets import permissions as perms
from helpdesk.tickets.access import assignable_agents
from helpdesk.tickets.categories import category_choices
from helpdesk.tickets.forms import (
    ActionForm,
    AssignForm,
    CustomerCloseForm,
    LinkForm,
    MessageForm,
    UpdateTicketForm,
)
from helpdesk.tickets.merge import visible_messages
from helpdesk.tickets.models import Ticket


def _versioned(form, ticket: Ticket, last_event_id: int):
    """Point a form at the ticket's current version, keeping what the user typed."""
    form.version.data = str(ticket.version)
    if whole_number(form.seen_event.data) is None:
        form.seen_event.data = str(last_event_id)
    return form


def render_ticket(ticket: Ticket, *, message_form=None, update_form=None, status=200,
                  conflict_after: int | None = None, ask_confirmation: bool = False):
    """Render the ticket page for the current user."""
    user = current_user
    staff = perms.can_see_internals(user)
    events = list(ticket.events)
    last_event_id = max((e.id for e in events), default=0)
    messages = visible_messages(ticket, user)
    visible_events = events if staff else [e for e in events if e.is_public]
    if message_form is not None and conflict_after is not None:
        message_form.seen_event.data = str(last_event_id)
    message_form = _versioned(message_form or MessageForm(formdata=None), ticket, last_event_id)
    may = _abilities(user, ticket)
    # The update and assignment panels (their forms, categories and agents) only for
    # who sees them: a customer's page skips two forms and two queries.
    if may.update:
        update_form = update_form or UpdateTicketForm(
            formdata=None, status=ticket.status.value, priority=ticket.priority.value,
            category=ticket.category_id)
        update_form.category.choices = category_choices()
        _versioned(update_form, ticket, last_event_id)
    assign_form = None
    if may.assign:
        assign_form = _versioned(AssignForm(formdata=None, assignee=ticket.assignee_id),
                                 ticket, last_event_id)
        assign_form.assignee.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(a.id), a.name) for a in assignable_agents(ticket.level)]
    context = dict(
        ticket=ticket, messages=messages, staff=staff,
        events=visible_events,
        handoffs=list(ticket.handoffs) if staff else [],
        message_form=message_form, update_form=update_form, assign_form=assign_form,
        action_form=_versioned(ActionForm(formdata=None), ticket, last_event_id),
        close_form=CustomerCloseForm(formdata=None),
        conflict_events=[e for e in visible_events if conflict_after is not None
                         and e.id > conflict_after],
        ask_confirmation=ask_confirmation,
        next_update=sla.customer_next_update(ticket.status, ticket.update_due_at, utcnow()),
        promise=None if staff else sla.customer_promise(ticket, utcnow()),
        may=may,
        return_levels=perms.return_targets(user, ticket),
        panels=([panel(ticket) for panel in registry.entries(registry.STAFF_PANELS)]
                if staff else []),
        related=links.related_tickets(ticket, user) if staff else [],
        link_form=LinkForm(formdata=None) if may.link else None,
        merged_into=(db.session.get(Ticket, ticket.merged_into_id)
                     if staff and ticket.merged_into_id else None),
    )
    return render_template("tickets/ticket.html", **context), status


def _abilities(user, ticket: Ticket) -> SimpleNamespace:
    # A namespace, not a dict: in Jinja `may.update` would find dict.update.
    return SimpleNamespace(**{
        "reply": perms.can_reply(user, ticket),
        "note": perms.can_add_note(user, ticket),
        "update": perms.can_update_ticket(user, ticket),
        "take": perms.can_take(user, ticket),
        "assign": perms.can_assign(user, ticket),
        "escalate": perms.can_escalate(user, ticket),
        "return": perms.can_return(user, ticket),
        "close": user.is_customer and perms.can_customer_close(user, ticket),
        "resolve": knowledge.can_resolve(user, ticket),
        "merge": merge.can_merge(user, ticket),
        "link": links.can_link(user, ticket),
    })
