"""Staff pages to merge a duplicate ticket into another and to link related tickets.

Routes on the tickets blueprint (imported by the factory with the other views modules).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.accounts.models import User
from helpdesk.actions import ButtonForm, run_action
from helpdesk.extensions import db
from helpdesk.stale_forms import shows_form_on_stale_token
from helpdesk.tickets import bp
from helpdesk.tickets.access import get_visible_ticket_or_404
from helpdesk.tickets.forms import LinkForm, MergeForm
from helpdesk.tickets.links import LinkRefused, can_link, link, unlink
from helpdesk.tickets.merge import MergeRefused, OtherCustomer, can_merge, merge
from helpdesk.tickets.models import KnowledgeDecision, Ticket, parse_ref
from helpdesk.tickets.permissions import visible_tickets


class NoSuchTicket(Exception):
    """The reference names no ticket the user may see."""


def _visible_ticket(ref: str | None, user: User) -> Ticket:
    """The ticket `ref` ("HD-000012", "12", "#12") if `user` may see it."""
    ticket_id = parse_ref((ref or "").strip().lstrip("#"))
    ticket = None if ticket_id is None else db.session.scalar(
        visible_tickets(user).where(Ticket.id == ticket_id))
    if ticket is None:
        raise NoSuchTicket()
    return ticket


def _merge_page(ticket, form, *, other=None, status=None, conflict=False):
    events = list(ticket.events)
    last_event_id = max((e.id for e in events), default=0)
    seen = form.seen_event_id() or last_event_id
    form.version.data = str(ticket.version)
    form.seen_event.data = str(last_event_id)
    status = status or (409 if conflict else (400 if form.errors else 200))
    return render_template("tickets/merge.html", ticket=ticket, form=form, other=other,
                           conflict=conflict, staff=True,
                           conflict_events=[e for e in events if e.id > seen] if conflict
                           else []), status


@bp.route("/tickets/<ref>/merge", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def merge_ticket(ref):
    form = MergeForm()
    found = {}

    def target(form):
        if "ticket" not in found:
            found["ticket"] = _visible_ticket(form.target.data, current_user)
        return found["ticket"]

    def ask_first(ticket, form):
        try:
            other = target(form)
        except NoSuchTicket:
            return None         # act raises it again: the form says so
        if other.requester_id != ticket.requester_id and not form.confirm_other_customer.data:
            return _merge_page(ticket, form, other=other, status=409)
        return None

    def act(ticket, form):
        return merge(ticket, into=target(form), by=current_user,
                     other_customer_confirmed=bool(form.confirm_other_customer.data))

    def done(ticket, _notice):
        flash(_("%(ref)s has been merged into this ticket.", ref=ticket.ref), "success")
        return redirect(url_for("tickets.show_ticket", ref=found["ticket"].ref))

    def refused(ticket, form, exc):
        form.target.errors = [exc.reason]
        return _merge_page(ticket, form)

    def not_found(ticket, form, _exc):
        form.target.errors = [_("There is no ticket %(ref)s that you can see.",
                                ref=form.target.data)]
        return _merge_page(ticket, form)

    def other_customer(ticket, form, _exc):
        return _merge_page(ticket, form, other=found.get("ticket"), status=409)

    def changed(ticket, form):
        flash(_("Someone else changed this ticket in the meantime. Nothing was saved; "
                "check the ticket and try again."), "warning")
        return _merge_page(ticket, form, conflict=True)

    return run_action(lambda: get_visible_ticket_or_404(ref, current_user), act,
                      may=lambda ticket: can_merge(current_user, ticket), form=form,
                      done=done, invalid=_merge_page, ask_first=ask_first, stale=changed,
                      rejected={MergeRefused: refused, NoSuchTicket: not_found,
                                OtherCustomer: other_customer})


def _back(ticket, message, category="success"):
    flash(message, category)
    return redirect(url_for("tickets.show_ticket", ref=ticket.ref) + "#related")


@bp.post("/tickets/<ref>/links")
@login_required
def link_ticket(ref):
    form = LinkForm()

    def act(ticket, form):
        other = _visible_ticket(form.other.data, current_user)
        return other, link(ticket, other, by=current_user)

    def done(ticket, result):
        other, made = result
        return _back(ticket, _("%(ref)s is linked as a related ticket.", ref=other.ref)
                     if made else _("%(ref)s was already linked.", ref=other.ref),
                     "success" if made else "info")

    return run_action(
        lambda: get_visible_ticket_or_404(ref, current_user), act,
        may=lambda ticket: can_link(current_user, ticket), form=form, done=done,
        invalid=lambda ticket, _form: _back(ticket, _("Give the number of the related "
                                                      "ticket."), "error"),
        rejected={
            NoSuchTicket: lambda ticket, form, _exc: _back(
                ticket, _("There is no ticket %(ref)s that you can see.",
                          ref=form.other.data), "error"),
            LinkRefused: lambda ticket, _form, exc: _back(ticket, exc.reason, "error")})


@bp.post("/tickets/<ref>/links/<other_ref>/remove")
@login_required
def unlink_ticket(ref, other_ref):
    def load():
        ticket = get_visible_ticket_or_404(ref, current_user)
        other_id = parse_ref(other_ref)
        other = None if other_id is None else db.session.get(Ticket, other_id)
        if other is None:
            abort(404)
        return ticket, other

    def done(pair, removed):
        ticket, other = pair
        return _back(ticket, _("%(ref)s is no longer linked.", ref=other.ref)
                     if removed else _("%(ref)s was not linked.", ref=other.ref),
                     "success" if removed else "info")

    return run_action(load, lambda pair, _form: unlink(pair[0], pair[1], by=current_user),
                      may=lambda pair: can_link(current_user, pair[0]), form=ButtonForm(),
                      done=done)



@bp.app_template_global("knowledge_decision_label")
def knowledge_decision_label(value: str | None) -> str:
    """The label of a stored knowledge decision (for the ticket history)."""
    if value in KnowledgeDecision._value2member_map_:
        return str(KnowledgeDecision(value).label)
    return value or "—"
