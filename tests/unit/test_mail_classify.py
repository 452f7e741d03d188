"""Classifying inbound mail: what may file or reopen a ticket, and the subject's reference.

Auto-replies, bounces, list mail and our own mail must never become tickets (two
autoresponders answering each other would fill the queue); a person's mail always must, even
when it talks about holidays or has a list's headers because support@ is a group.
"""
from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from helpdesk.mail_in.classify import MailKind, classify
from helpdesk.mail_in.parse import parse_mail
from helpdesk.tickets.models import format_ref

CORPUS = Path(__file__).resolve().parent.parent / "mail"
INSTANCE = "hd-test-instance"


def mail(body="Hallo,\n\nmeine Bestellung ist nicht angekommen.\n\nGruß\nKim",
         subject="Frage zu meiner Bestellung", sender="Kim Kunde <kim@example.org>", **headers):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Message-ID"] = "<1@example.org>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return parse_mail(message.as_bytes())


def kind_of(parsed, **options):
    return classify(parsed, instance_id=INSTANCE, **options).kind


# ---- the ticket reference --------------------------------------------------------------
# The reference is read by helpdesk.mail_threading.find_ticket_ref (one reader for what our
# mails write, tested in test_mail_threading.py): only the bracketed "[HD-...]" our subjects
# carry names a ticket; a number typed in a sentence names none.

@pytest.mark.parametrize("subject, ticket_id", [
    (f"[{format_ref(42)}] New reply to your request", 42),
    (f"AW: [{format_ref(42)}] Neue Antwort auf deine Anfrage", 42),
    (f"AW: WG: Re: Fwd: [{format_ref(123456)}] x", 123456),
    (f"RE: [{format_ref(7)}]", 7),
    ("Re: [hd-000009] lower case", 9),
    ("Re: [HD 000016] a space for the hyphen", 16),
    ("Re: [HD-000019] und [HD-000020]", 19),             # the first reference counts
    ("HD-000021 und [HD-000022]", 22),                   # a bracketed one beats a bare one
    ("Rückfrage (HD-000017) in parentheses", None),
    ("Frage zu HD-000018 ohne Klammern", None),
    ("Bestellung 100233", None),
    ("Re: HD-000023abc", None),
    ("Re: XHD-000024", None),
    ("Re: [HD-12345678901]", None),                      # longer than any ticket id
    ("", None),
])
def test_the_classification_names_the_ticket_of_the_subject(subject, ticket_id):
    assert classify(mail(subject=subject), instance_id=INSTANCE).ticket_id == ticket_id
    assert kind_of(mail(subject=subject)) == MailKind.ticket_mail


# ---- headers that mark automatic mail --------------------------------------------------

@pytest.mark.parametrize("headers, kind", [
    ({}, MailKind.ticket_mail),
    ({"Auto-Submitted": "no"}, MailKind.ticket_mail),
    ({"Auto-Submitted": "auto-replied"}, MailKind.auto_reply),
    ({"Auto-Submitted": "auto-generated (vacation)"}, MailKind.auto_reply),
    ({"Auto-Submitted": "auto-notified; owner-email=\"a@example.org\""}, MailKind.auto_reply),
    ({"Precedence": "bulk"}, MailKind.auto_reply),
    ({"Precedence": "junk"}, MailKind.auto_reply),
    ({"Precedence": "list"}, MailKind.auto_reply),
    ({"Precedence": "first-class"}, MailKind.ticket_mail),
    ({"X-Autoreply": "yes"}, MailKind.auto_reply),
    ({"X-Autorespond": "Frage zu meiner Bestellung"}, MailKind.auto_reply),
    ({"X-Autoreply": "no"}, MailKind.ticket_mail),
    ({"Return-Path": "<>"}, MailKind.auto_reply),
    ({"Return-Path": "<kim@example.org>"}, MailKind.ticket_mail),
    ({"List-Id": "Shop news <news.shop.example>"}, MailKind.list_mail),
    ({"List-Unsubscribe": "<mailto:u@x.example>", "Precedence": "bulk"}, MailKind.list_mail),
    ({"List-Unsubscribe": "<mailto:u@x.example>"}, MailKind.ticket_mail),
    ({"X-Failed-Recipients": "gone@example.net"}, MailKind.bounce),
    ({"X-Helpdesk-Origin": INSTANCE}, MailKind.own_mail),
    ({"X-Helpdesk-Origin": "another-instance"}, MailKind.ticket_mail),
    ({"X-Helpdesk-Origin": INSTANCE, "Auto-Submitted": "auto-generated"}, MailKind.own_mail),
])
def test_headers_decide(headers, kind):
    assert kind_of(mail(**{k.replace("-", "_"): v for k, v in headers.items()})) == kind


def test_our_marker_needs_our_instance_id():
    parsed = mail(X_Helpdesk_Origin=INSTANCE)
    assert classify(parsed, instance_id=None).kind == MailKind.ticket_mail
    assert classify(parsed, instance_id=INSTANCE).reason.startswith("X-Helpdesk-Origin")


def test_a_support_group_alias_is_not_a_list():
    group = parse_mail((CORPUS / "google_group_support_alias.eml").read_bytes())
    assert kind_of(group) == MailKind.list_mail
    assert kind_of(group, own_list_ids=("support.example.com",)) == MailKind.ticket_mail
    assert kind_of(group, own_list_ids=("Support <SUPPORT.example.com>",)) == \
        MailKind.ticket_mail
    # through the group, an out-of-office reply is still one
    vacation = mail(List_Id="<support.example.com>", Precedence="list",
                    Auto_Submitted="auto-replied")
    assert kind_of(vacation, own_list_ids=("support.example.com",)) == MailKind.auto_reply


# ---- out-of-office wording -------------------------------------------------------------

@pytest.mark.parametrize("subject", [
    "Automatische Antwort: [HD-000001] Deine Anfrage wurde gelöst",
    "Automatic reply: [HD-000001] Your request has been resolved",
    "Abwesenheitsnotiz: Re: Bestellung",
    "Out of Office: Bestellung",
    "Out of the office AutoReply: x",
    "Autoreply: Ihre Anfrage",
    "Auto-Reply: your message",
])
def test_out_of_office_subjects(subject):
    assert kind_of(mail(subject=subject)) == MailKind.auto_reply


@pytest.mark.parametrize("subject", [
    "Re: Out of office hours support?",      # a person replying, not an autoresponder
    "Frage zur Abwesenheit meines Pakets",
    "Automatic reply missing from your shop",
])
def test_subjects_that_only_mention_it(subject):
    assert kind_of(mail(subject=subject)) == MailKind.ticket_mail


@pytest.mark.parametrize("body", [
    "Dies ist eine automatische Antwort. Ihre Nachricht wird nicht weitergeleitet.",
    "Ich bin bis einschließlich 21.03. nicht im Büro. In dringenden Fällen wende dich an "
    "Frau Roth.",
    "Wir sind vom 1. bis 14. August im Urlaub und ab dem 15. wieder für dich da.",
    "I am out of the office until Monday with no access to e-mail.",
    "I'm currently on annual leave, back on 3 March. For urgent matters please contact "
    "orders@example.org.",
    "This is an automated response: we received your message.",
])
def test_out_of_office_bodies(body):
    assert kind_of(mail(body=body, subject="Re: [HD-000005] Neue Antwort")) == \
        MailKind.auto_reply


@pytest.mark.parametrize("body", [
    "Hallo, ich bin im Urlaub gewesen und das Paket wurde zurückgeschickt. Bitte noch "
    "einmal senden.",
    "I'm on holiday next week, so please deliver the parcel to my neighbour.",
    "Hello, your out of office message is what I got from your shop, but I need an answer.",
])
def test_a_person_writing_about_absence_files_a_ticket(body):
    assert kind_of(mail(body=body)) == MailKind.ticket_mail


def test_only_the_start_of_a_short_text_is_read_for_absence():
    long_mail = ("Hallo,\n\n" + "Details zur Bestellung. " * 120
                 + "\n\nIch bin bis Freitag nicht im Büro, in dringenden Fällen anrufen.")
    assert kind_of(mail(body=long_mail)) == MailKind.ticket_mail


# ---- bounces ---------------------------------------------------------------------------

def test_a_delivery_report_names_the_failed_recipients():
    verdict = classify(parse_mail((CORPUS / "bounce_exchange_de.eml").read_bytes()))
    assert verdict.kind == MailKind.bounce
    assert verdict.failed_recipients == ("m.keller@kanzlei-keller.example.de",)
    assert verdict.ticket_id == 58


def test_a_delay_report_is_a_bounce_without_failures():
    verdict = classify(parse_mail((CORPUS / "bounce_delayed_dsn.eml").read_bytes()))
    assert (verdict.kind, verdict.failed_recipients) == (MailKind.bounce, ())


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.net",
                                    "Mail Delivery System <Mailer-Daemon@mx.example.net>",
                                    "postmaster@example.net"])
def test_mail_from_a_mailer_daemon_is_a_bounce(sender):
    body = ("This message was created automatically by mail delivery software.\n\n"
            "The following address(es) failed:\n\n  alt@example.net\n    550 unknown user")
    verdict = classify(mail(body=body, sender=sender, subject="Mail delivery failed"))
    assert verdict.kind == MailKind.bounce
    assert verdict.failed_recipients == ("alt@example.net",)


def test_a_bounce_outranks_its_auto_submitted_header():
    """Bounces carry Auto-Submitted too; they must still be seen as bounces, so the address
    can be marked as bouncing."""
    parsed = parse_mail((CORPUS / "bounce_postfix.eml").read_bytes())
    assert parsed.header("Auto-Submitted") == "auto-replied"
    assert kind_of(parsed) == MailKind.bounce
