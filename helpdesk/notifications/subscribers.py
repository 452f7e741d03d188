"""Turn domain signals into mail, in each recipient's language."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale, format_datetime, ngettext
from flask_babel import gettext as _

from helpdesk import notice_bundle, registry, signals
from helpdesk.accounts.models import Level, Role, User
from helpdesk.accounts.tokens import make_confirm_token, make_reset_token
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from helpdesk.notifications import bodies, mail
from helpdesk.tickets import sla
from helpdesk.tickets.models import Status, Ticket

# A digest lists this many tickets; the rest are counted, with a link to the queue.
DIGEST_MAX_LISTED = 50


def connect(app: Flask) -> None:
    """Subscribe the mail handlers to the domain signals, for `app` only (an app
    started without this feature queues no mail)."""
    for signal, receiver in (
            (signals.ticket_created, on_ticket_created),
            (signals.ticket_replied, on_ticket_replied),
            (signals.ticket_status_changed, on_status_changed),
            (signals.ticket_escalated, on_escalated),
            (signals.ticket_returned, on_returned),
            (signals.password_reset_requested, on_password_reset),
            (signals.email_confirmation_requested, on_confirmation_requested),
            (signals.registration_for_existing_account, on_registration_for_existing),
            (signals.unknown_sender_refused, on_unknown_sender_refused),
            (signals.sla_breached, on_sla_breached)):
        registry.connect(app, signal, receiver)


def _link(endpoint: str, **values) -> bodies.MailLink:
    """Build an absolute link from the configured base URL, never the Host header."""
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme or "https")
    return bodies.MailLink(adapter.build(endpoint, values, force_external=True))


def _language(user: User) -> str:
    return user.language or current_app.config["DEFAULT_LOCALE"]


def _send(user: User, template: str, subject, *, automatic: bool, **context) -> None:
    """Queue the mail `template` for `user`, rendered in their language (plain text and
    HTML), in the outbox of the current transaction. A ticket in `context` threads the
    mail with the ticket's others, links it to its history, and puts the reply marker
    on top. `automatic`: a notice no person wrote (see mail.queue).

    `subject` is a callable so it is translated inside the recipient's locale.
    """
    if not user.is_active or current_app.config.get("MAIL_SUPPRESS"):
        return
    ticket = context.get("ticket")
    with force_locale(_language(user)):
        title = subject()
        parts = bodies.render(template, subject=title, invites_reply=ticket is not None,
                              user=user, site_name=current_app.config["SITE_NAME"],
                              **context)
    mail.queue(to=user.email, to_name=user.name, subject=title, body=parts.text,
               body_html=parts.html, ticket=ticket, automatic=automatic)


def _ticket_link(ticket: Ticket) -> str:
    return _link("tickets.show_ticket", ref=ticket.ref)


def on_ticket_created(ticket: Ticket, *, by: User, **_extra) -> None:
    requester = ticket.requester
    set_password_link = None
    if not requester.password_hash:
        set_password_link = _link("accounts.reset_password", token=make_reset_token(requester))
    _send(requester, "ticket_created",
          lambda: _("[%(ref)s] We have received your request", ref=ticket.ref),
          automatic=True, ticket=ticket, link=_ticket_link(ticket),
          set_password_link=set_password_link)


def on_ticket_replied(ticket: Ticket, *, message, by: User, **_extra) -> None:
    if message.is_internal:
        return
    if by.id != ticket.requester_id:
        # Written by a person: auto-responders may answer it.
        _send(ticket.requester, "reply_to_customer",
              lambda: _("[%(ref)s] New reply to your request", ref=ticket.ref),
              automatic=False, ticket=ticket, message=message, link=_ticket_link(ticket))
    elif ticket.assignee is not None:
        # A notice to the agent (their out-of-office reply must not come back).
        _send(ticket.assignee, "reply_from_customer",
              lambda: _("[%(ref)s] The customer replied", ref=ticket.ref),
              automatic=True, ticket=ticket, message=message, link=_ticket_link(ticket))


def on_status_changed(ticket: Ticket, *, old, new, by: User, **_extra) -> None:
    if new == Status.resolved and by.id != ticket.requester_id:
        _send(ticket.requester, "ticket_resolved",
              lambda: _("[%(ref)s] Your request has been resolved", ref=ticket.ref),
              automatic=True, ticket=ticket, link=_ticket_link(ticket))


def _level_recipients(ticket: Ticket) -> list[User]:
    if ticket.assignee is not None:
        return [ticket.assignee]
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.agent, User.level == ticket.level,
        User.is_active_account.is_(True))))


def on_escalated(ticket: Ticket, *, handoff, by: User, **_extra) -> None:
    _send(ticket.requester, "escalated_customer",
          lambda: _("[%(ref)s] Your request is with our specialists now", ref=ticket.ref)
          if ticket.level == Level.l3 else
          _("[%(ref)s] Your request has been passed on", ref=ticket.ref),
          automatic=True, ticket=ticket, link=_ticket_link(ticket),
          # None once the promised time has passed (a late first response escalated).
          next_update=sla.customer_next_update(ticket.status, ticket.update_due_at,
                                               utcnow()))
    for agent in _level_recipients(ticket):
        _notify_staff(agent, "escalated_staff",
                      lambda: _("[%(ref)s] Escalated to level %(level)d", ref=ticket.ref,
                                level=ticket.level),
                      ticket=ticket, handoff=handoff, by=by,
                      what=_escalated_line(ticket.level, by))


def on_returned(ticket: Ticket, *, handoff, by: User, **_extra) -> None:
    for agent in _level_recipients(ticket):
        _notify_staff(agent, "returned_staff",
                      lambda: _("[%(ref)s] Returned to level %(level)d", ref=ticket.ref,
                                level=ticket.level),
                      ticket=ticket, handoff=handoff, by=by,
                      what=lambda level=ticket.level, name=by.name: _(
                          "returned to level %(level)d by %(agent)s", level=level,
                          agent=name))


def on_sla_breached(ticket: Ticket, *, breach, recipients, **_extra) -> None:
    """A service-level deadline passed: tell whom the service levels name (once: the
    breach is recorded once)."""
    for agent in recipients:
        _notify_staff(agent, "sla_breached",
                      lambda: _("[%(ref)s] Missed: %(target)s", ref=ticket.ref,
                                target=breach.target_label),
                      ticket=ticket, breach=breach,
                      what=lambda: _("missed at level %(level)d: %(target)s, due %(when)s",
                                     level=breach.level, target=breach.target_label,
                                     when=format_datetime(breach.due_at, "short")))


def _escalated_line(level: int, by: User | None) -> Callable[[], str]:
    if by is None:
        return lambda: _("escalated to level %(level)d automatically (service-level rules)",
                         level=level)
    name = by.name
    return lambda: _("escalated to level %(level)d by %(agent)s", level=level, agent=name)


# -- staff notices: one mail each, or one digest per recipient inside a bundle -------------

@dataclass
class _Notice:
    """A notice to a member of staff about one ticket, kept until the bundle is sent."""

    user: User
    template: str
    subject: Callable[[], str]
    ticket: Ticket
    what: Callable[[], str]          # the digest's line for it, in the reader's language
    context: dict = field(default_factory=dict)
    link: str = ""


def _notify_staff(user: User, template: str, subject: Callable[[], str], *,
                  ticket: Ticket, what: Callable[[], str], **context) -> None:
    """Tell `user` about `ticket`: a mail of its own, or, while a bundle is open (work over
    many tickets such as `sla tick`), a line in the one digest `user` gets at its end."""
    notice = _Notice(user, template, subject, ticket, what, context, _ticket_link(ticket))
    bundle = notice_bundle.current()
    if bundle is None:
        _send_notice(notice)
    else:
        bundle.add(_send_bundled, user.id, notice)


def _send_notice(notice: _Notice) -> None:
    _send(notice.user, notice.template, notice.subject, automatic=True,
          ticket=notice.ticket, link=notice.link, **notice.context)


def _send_bundled(_user_id: int, notices: list[_Notice]) -> None:
    """A recipient's notices from one bundle: the usual mail when there is one, else one
    digest listing the tickets (the first DIGEST_MAX_LISTED, then how many more)."""
    if len(notices) == 1:
        _send_notice(notices[0])
        return
    tickets = {n.ticket.id for n in notices}
    listed = notices[:DIGEST_MAX_LISTED]
    _send(notices[0].user, "staff_digest",
          lambda: ngettext("%(num)d ticket needs attention",
                           "%(num)d tickets need attention", len(tickets)),
          automatic=True, notices=listed, more=len(notices) - len(listed),
          tickets=len(tickets), queue_link=_link("tickets.queue"))


def on_password_reset(user: User, **_extra) -> None:
    _send(user, "password_reset", lambda: _("Reset your password"), automatic=True,
          link=_link("accounts.reset_password", token=make_reset_token(user)),
          hours=int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 3600)


def on_confirmation_requested(user: User, **_extra) -> None:
    _send(user, "confirm_email", lambda: _("Confirm your e-mail address"), automatic=True,
          link=_link("accounts.confirm_email", token=make_confirm_token(user)),
          days=int(current_app.config["CONFIRM_EMAIL_MAX_AGE"]) // 86400)


def on_registration_for_existing(user: User, **_extra) -> None:
    _send(user, "registration_for_existing_account",
          lambda: _("Someone tried to create an account with your address"), automatic=True,
          login_link=_link("accounts.login"), reset_link=_link("accounts.forgot_password"))


def on_unknown_sender_refused(_received, *, address: str, name: str, language: str | None,
                              subject: str, in_reply_to: str | None = None, **_extra) -> None:
    """A mailbox that takes mail only from customers with an account refused a mail: one
    polite automatic answer (Auto-Submitted, so no auto-responder answers it), in the
    language the mail was written in."""
    if current_app.config.get("MAIL_SUPPRESS"):
        return
    site = current_app.config["SITE_NAME"]
    with force_locale(language or current_app.config["DEFAULT_LOCALE"]):
        title = _("Automatic reply: %(subject)s", subject=subject) if subject else \
            _("Automatic reply from %(site)s", site=site)
        parts = bodies.render(
            "unknown_sender_refused", subject=title, name=name, original_subject=subject,
            site_name=site, register_link=_link("accounts.register"),
            footer=_("You receive this automatic answer because you wrote to %(site)s.",
                     site=site))
    mail.queue(to=address, to_name=name, subject=title, body=parts.text,
               body_html=parts.html, automatic=True, in_reply_to=in_reply_to)
