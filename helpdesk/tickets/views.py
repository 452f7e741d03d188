"""Ticket pages shared by customers and staff: file, list, read, reply, close, download."""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.accounts.operations import customer_for
from helpdesk.actions import run_action
from helpdesk.extensions import db
from helpdesk.rendering import render_markdown
from helpdesk.security_headers import download_policy
from helpdesk.stale_forms import shows_form_on_stale_token
from helpdesk.tickets import bp
from helpdesk.tickets.access import get_visible_attachment_or_404, get_visible_ticket_or_404
from helpdesk.tickets.agent_views import to_resolve_form
from helpdesk.tickets.attachments import UploadRejected, path_of, store_uploads
from helpdesk.tickets.categories import category_choices
from helpdesk.tickets.forms import (
    CustomerCloseForm,
    MessageForm,
    NewTicketForm,
    StaffNewTicketForm,
)
from helpdesk.tickets.knowledge_decision import needs_decision
from helpdesk.tickets.merge import surviving_ticket
from helpdesk.tickets.models import Category, Channel, Priority, Status
from helpdesk.tickets.operations import (
    MessageRefused,
    NewTicket,
    add_message,
    customer_close,
    file_ticket,
)
from helpdesk.tickets.page import render_ticket
from helpdesk.tickets.permissions import (
    can_add_note,
    can_customer_close,
    can_reply,
    can_see_internals,
)
from helpdesk.tickets.queues import my_tickets_page


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    if current_user.is_staff:
        return redirect(url_for("tickets.queue"))
    return redirect(url_for("tickets.my_tickets"))


@bp.route("/tickets/new", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def new_ticket():
    form = (StaffNewTicketForm if current_user.is_staff else NewTicketForm)()
    form.category.choices = category_choices()

    def page(_nothing, form):
        return render_template("tickets/new.html", form=form), 400 if form.errors else 200

    def upload_rejected(_nothing, form, exc):
        form.attachments.errors = [str(exc)]
        return page(None, form)

    def staff_address(_nothing, form, _exc):
        form.customer_email.errors.append(_("That address belongs to a staff account."))
        return page(None, form)

    def done(_nothing, ref):
        flash(_("Ticket %(ref)s has been filed.", ref=ref), "success")
        return redirect(url_for("tickets.show_ticket", ref=ref))

    return run_action(lambda: None, lambda _nothing, form: _file_from_form(form).ref,
                      form=form, invalid=page, done=done,
                      rejected={UploadRejected: upload_rejected, StaffAddress: staff_address})


class StaffAddress(Exception):
    """An agent tried to file a ticket for a staff account."""


def _file_from_form(form):
    if current_user.is_staff:
        try:
            requester, _created = customer_for(form.customer_email.data,
                                               form.customer_name.data or "")
        except ValueError:
            raise StaffAddress() from None
        channel = Channel(form.channel.data)
    else:
        requester, channel = current_user, Channel.web
    attachments = store_uploads(form.attachments.data or [])
    category = db.session.get(Category, form.category.data) if form.category.data else None
    data = NewTicket(subject=form.subject.data, body=form.body.data, category=category,
                     priority=Priority(form.priority.data), channel=channel,
                     shop_ref=form.shop_ref.data, order_ref=form.order_ref.data,
                     product_ref=form.product_ref.data)
    return file_ticket(data, requester=requester, by=current_user, attachments=attachments)


@bp.get("/tickets")
@login_required
def my_tickets():
    if current_user.is_staff:
        return redirect(url_for("tickets.queue"))
    page = my_tickets_page(current_user, cursor=request.args.get("after"),
                           size=int(current_app.config["QUEUE_PAGE_SIZE"]))
    return render_template("tickets/my_tickets.html", page=page)


@bp.get("/tickets/<ref>")
@login_required
def show_ticket(ref):
    ticket = get_visible_ticket_or_404(ref, current_user)
    survivor = surviving_ticket(ticket, current_user)
    if survivor is not None:        # merged: its old address leads on, for who may follow
        flash(_("%(old)s was merged into %(new)s.", old=ticket.ref, new=survivor.ref), "info")
        return redirect(url_for("tickets.show_ticket", ref=survivor.ref))
    return render_ticket(ticket)


@bp.post("/tickets/<ref>/messages")
@shows_form_on_stale_token
@login_required
def add_reply(ref):
    form = MessageForm()
    internal = form.kind.data == "internal" and can_see_internals(current_user)
    resolve_later = {}

    def act(ticket, form):
        attachments = store_uploads(form.attachments.data or [])
        status_after = Status(form.status_after.data) if form.status_after.data else None
        if needs_decision(current_user, ticket, status_after):
            status_after = resolve_later["yes"] = None     # through the resolve form
        return add_message(ticket, author=current_user, body=form.body.data,
                           internal=internal, attachments=attachments,
                           status_after=status_after if current_user.is_staff else None,
                           article_ids=form.article_id_list())

    def done(ticket, _message):
        flash(_("Your note has been added.") if internal else _("Your reply has been sent."),
              "success")
        if resolve_later:
            return to_resolve_form(ticket)
        return redirect(url_for("tickets.show_ticket", ref=ticket.ref) + "#latest")

    return run_action(
        lambda: get_visible_ticket_or_404(ref, current_user), act, done=done,
        may=lambda ticket: (can_add_note if internal else can_reply)(current_user, ticket),
        form=form,
        check_version_of_form=current_user.is_staff,   # agents see each other's replies first
        invalid=lambda ticket, form: render_ticket(ticket, message_form=form, status=400),
        ask_first=lambda ticket, form: _confirm_first_public_reply(ticket, form, internal),
        stale=_conflict,
        rejected={UploadRejected: _upload_rejected, MessageRefused: _message_refused})


def _confirm_first_public_reply(ticket, form, internal):
    """The first public reply of staff to a customer is confirmed before it goes out."""
    if internal or not current_user.is_staff or form.confirmed_public.data:
        return None
    if any(not m.is_internal and m.author_id != ticket.requester_id and m.body
           for m in ticket.messages):
        return None
    return render_ticket(ticket, message_form=form, ask_confirmation=True, status=409)


def _conflict(ticket, form):
    """Tell the user someone else changed the ticket, show what, and keep their text."""
    flash(_("Someone else changed this ticket while you were writing. Check the changes "
            "below; your text is still here."), "warning")
    return render_ticket(ticket, message_form=form, conflict_after=form.seen_event_id(),
                         status=409)


def _upload_rejected(ticket, form, exc):
    form.attachments.errors = [str(exc)]
    return render_ticket(ticket, message_form=form, status=400)


def _message_refused(ticket, form, exc):
    """Nothing was changed or sent; the text stays, with the reasons."""
    form.body.errors = list(exc.reasons)
    return render_ticket(ticket, message_form=form, status=400)


@bp.post("/tickets/<ref>/close")
@login_required
def close_ticket(ref):
    def done(ticket, _result):
        flash(_("Thank you! The ticket is closed. Reply to it any time if you need more "
                "help."), "success")
        return redirect(url_for("tickets.show_ticket", ref=ticket.ref))
    return run_action(lambda: get_visible_ticket_or_404(ref, current_user),
                      lambda ticket, _form: customer_close(ticket, by=current_user),
                      may=lambda ticket: can_customer_close(current_user, ticket),
                      form=CustomerCloseForm(), done=done)


@bp.get("/attachments/<int:attachment_id>")
@download_policy
@login_required
def download_attachment(attachment_id):
    attachment = get_visible_attachment_or_404(attachment_id, current_user)
    path = path_of(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="application/octet-stream", as_attachment=True,
                         download_name=attachment.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/preview")
@login_required
def preview():
    """Render Markdown for the preview tab (same renderer as the thread)."""
    source = request.form.get("body", "")[:50_000]
    return jsonify(html=str(render_markdown(source)))
