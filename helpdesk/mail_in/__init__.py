"""Mail in: customers write in by mail (a feature package on the tickets layer).

`parse.parse_mail` turns raw RFC 5322 bytes into an `InboundMail` (clean text, the reply split
from its quotes, attachments); `classify.classify` tells a customer's mail from auto-replies,
bounces, list mail and our own mail. Both are pure: no database, no app. `pipeline.receive`
files and threads tickets from them (one transaction per message, exactly once, a quarantine
for what cannot be taken); `mailbox` reads IMAP mailboxes for `helpdesk mail fetch`.

`init_app` wires it in: the `helpdesk mail receive` and `fetch` commands, the
administration's Incoming mail tab (the quarantine), the original message and quoted text on
the ticket page, no mail to bouncing addresses, mail back that answers the customer's own
mail (thread references), and demo tickets that came by mail.
"""
from __future__ import annotations

from flask import Blueprint, Flask

from helpdesk.mail_in.classify import Classification, MailKind, classify
from helpdesk.mail_in.parse import Attachment, InboundMail, MailRejected, parse_mail

bp = Blueprint("mail_in", __name__)

__all__ = ["Attachment", "Classification", "InboundMail", "MailKind", "MailRejected",
           "classify", "init_app", "parse_mail"]


def init_app(app: Flask) -> None:
    """Attach mail in to `app`."""
    from helpdesk import registry
    from helpdesk.mail_in import cli, demo, hooks, models, pipeline, views  # noqa: F401

    app.register_blueprint(bp, url_prefix="/admin/mail-in")
    cli.attach(app)
    registry.add(app, registry.ADMIN_TABS, hooks.admin_tabs)
    registry.add(app, registry.MESSAGE_EXTRAS, pipeline.message_extras)
    registry.add(app, registry.MAIL_RECIPIENT_CHECKS, pipeline.bouncing_reason)
    registry.add(app, registry.THREAD_REFERENCES, pipeline.thread_references)
    registry.add(app, registry.HEALTH_CHECKS, hooks.health_check)
    registry.add(app, registry.DEMO_SEEDERS, demo.seed_demo_mail)
