"""The inbound pipeline (helpdesk/mail_in/pipeline.py): real messages in, tickets, replies,
refusals and the quarantine out, on SQLite and PostgreSQL, with the mail the app sends back
caught by the SMTP server in the test process."""
from __future__ import annotations

import base64
import re
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from flask_babel import force_locale, gettext

from helpdesk import mail_threading
from helpdesk.accounts.models import User
from helpdesk.extensions import db
from helpdesk.mail_in import pipeline
from helpdesk.mail_in.models import BouncingAddress, ReceivedMail, ReceivedStatus
from helpdesk.mail_in.parse import parse_mail
from helpdesk.notifications.models import MailStatus, OutboxMail
from helpdesk.tickets.attachments import path_of
from helpdesk.tickets.models import Channel, Message, Status, Ticket
from helpdesk.tickets.operations import customer_close
from tests.factories import fresh, text_of

CORPUS = Path(__file__).resolve().parent.parent / "mail"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
OUTCOMES = yaml.safe_load((CORPUS / "pipeline.yaml").read_text(encoding="utf-8"))
INSTANCE = "hd-test-instance"      # the X-Helpdesk-Origin of the corpus's own_mail_loop.eml


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MAIL_INSTANCE_ID": INSTANCE,
            "MAIL_IN_OWN_LIST_IDS": "support.example.com"}


def folded(text: str) -> str:
    return " ".join((text or "").split())


def compose(sender="Kim Kunde <kim@example.org>", subject="Meine Bestellung 4711 fehlt",
            body="Hallo,\n\nmeine Bestellung 4711 ist nicht angekommen.\n\nGruß\nKim", *,
            message_id=None, in_reply_to=None, references=None, files=(), **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.org")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    for name, data, content_type in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Ticket).order_by(Ticket.id)))


def received(outcome) -> ReceivedMail:
    return fresh(ReceivedMail, outcome.received_id)


def public_messages(ticket) -> list[Message]:
    return [m for m in fresh(Ticket, ticket.id).messages if not m.is_internal]


# -- the corpus ------------------------------------------------------------------------

def _corpus(outcome=None):
    return sorted(name for name, want in OUTCOMES.items()
                  if outcome is None or want["outcome"] == outcome)


@pytest.mark.parametrize("name", _corpus())
def test_every_corpus_message_gives_its_ticket_or_none(app, name):
    app.config["MAIL_SUPPRESS"] = True          # the acknowledgements are tested below
    want, parsed = OUTCOMES[name], EXPECTED[name]
    raw = (CORPUS / name).read_bytes()
    outcome = pipeline.receive(raw, mailbox="support")
    row = received(outcome)
    assert row.sender == parsed["sender"].lower()
    assert pipeline.read_raw(row) == raw                          # kept as it came

    if want["outcome"] != "ticket":
        assert outcome.status == (ReceivedStatus.bounce if want["outcome"] == "bounce"
                                  else ReceivedStatus.ignored), outcome.reason
        assert tickets() == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        marked = set(db.session.scalars(sa.select(BouncingAddress.address)))
        assert marked == set(parsed.get("failed_recipients") or [])
        return

    assert outcome.status == ReceivedStatus.processed, outcome.reason
    [ticket] = tickets()
    assert ticket.channel == Channel.email and outcome.ticket_id == ticket.id
    requester = ticket.requester
    assert requester.email == parsed["sender"].lower() and requester.is_customer
    assert requester.password_hash is None and requester.language == want["language"]
    if parsed.get("sender_name"):
        assert requester.name == parsed["sender_name"]
    # The subject without reply prefixes or a reference; the text as the sender wrote it now.
    assert "[HD-" not in ticket.subject and ticket.subject in parsed["subject"]
    assert folded(ticket.body).startswith(folded(parsed["new_text_starts"]))
    for lacking in parsed.get("new_text_lacks", ()):
        if not parsed.get("forwarded"):
            assert lacking not in ticket.body
    if parsed.get("quoted_starts") and not parsed.get("forwarded"):
        assert folded(row.quoted_text).startswith(folded(parsed["quoted_starts"]))
    elif parsed.get("forwarded"):                # what is forwarded is what it is about
        assert folded(parsed["quoted_starts"]) in folded(ticket.body) and not row.quoted_text
    else:
        assert row.quoted_text is None
    files = [a for m in ticket.messages for a in m.attachments]
    assert [a.filename for a in files] == parsed["attachments"]
    for attachment, original in zip(files, parse_mail(raw).attachments, strict=True):
        assert path_of(attachment).read_bytes() == original.data


def _aimed_at(raw: bytes, old_id: int, new_id: int) -> bytes:
    """The message with its [HD-...] reference pointing at another ticket (also inside an
    encoded subject, quoted-printable or base64)."""
    old, new = b"%06d" % old_id, b"%06d" % new_id

    def base64_word(match):
        text = base64.b64decode(match.group(2)).replace(b"HD-" + old, b"HD-" + new)
        return b"=?" + match.group(1) + b"?B?" + base64.b64encode(text) + b"?="
    raw = re.sub(rb"=\?([\w-]+)\?[bB]\?([A-Za-z0-9+/=]+)\?=", base64_word, raw)
    for prefix in (b"HD-", b"HD=2D"):
        raw = raw.replace(prefix + old, prefix + new)
    return raw


@pytest.mark.parametrize("name", sorted(n for n in OUTCOMES if EXPECTED[n]["ticket_ref"]))
def test_a_corpus_message_with_a_reference_reaches_only_the_senders_ticket(app, make, name):
    app.config["MAIL_SUPPRESS"] = True
    parsed = EXPECTED[name]
    customer = make.user(email=parsed["sender"])
    ticket = make.ticket(customer, subject="Earlier request")
    raw = _aimed_at((CORPUS / name).read_bytes(), parsed["ticket_ref"], ticket.id)
    assert mail_threading.find_ticket_ref(parse_mail(raw).subject) == ticket.id

    outcome = pipeline.receive(raw, mailbox="support")
    assert [t.id for t in tickets()] == [ticket.id]              # never a ticket of its own
    messages = public_messages(ticket)
    if OUTCOMES[name]["outcome"] == "ticket":
        assert outcome.status == ReceivedStatus.processed and outcome.ticket_id == ticket.id
        [message] = messages
        assert message.author_id == customer.id and message.id == outcome.message_id
        assert folded(message.body).startswith(folded(parsed["new_text_starts"]))
    else:                                           # auto-replies and bounces add nothing
        assert outcome.status != ReceivedStatus.processed and messages == []


# -- threading and who may write into a ticket --------------------------------------------

def test_a_reply_to_our_mail_threads_by_its_headers_without_a_reference(app, make, mailbox):
    first = pipeline.receive(compose(sender="Kim Kunde <KIM@example.org>"))
    [ticket] = tickets()
    mailbox.wait_for(1)
    [ack] = mailbox.to("kim@example.org")
    # The reply names our acknowledgement only in its headers; the subject has no reference.
    reply = compose(sender="kim@EXAMPLE.org", subject="Re: your mail", body="The number is 4711.",
                    in_reply_to=ack["Message-ID"],
                    references=f"{ack['References']} {ack['Message-ID']}")
    outcome = pipeline.receive(reply)
    assert outcome.status == ReceivedStatus.processed and outcome.ticket_id == ticket.id
    assert first.created_ticket and not outcome.created_ticket
    assert [m.body for m in public_messages(ticket)] == ["The number is 4711."]
    assert len(tickets()) == 1


def _mails_split(text: str, mails):
    """The one mail of `mails` that carries `text`, and the others."""
    [found] = [m for m in mails if text in m.get_content()]
    return found, [m for m in mails if m is not found]


def test_our_mails_answer_the_customers_own_mails_in_their_thread(app, make, mailbox):
    first_id = make_msgid(domain="mail.example.org")
    outcome = pipeline.receive(compose(message_id=first_id))
    ticket = fresh(Ticket, outcome.ticket_id)
    root = mail_threading.thread_root_id(ticket.id)
    # The acknowledgement answers the customer's mail, under the ticket's thread root.
    mailbox.wait_for(1)
    [ack] = mailbox.to("kim@example.org")
    assert ack["In-Reply-To"] == first_id
    assert ack["References"].split() == [root, first_id]

    # Level 1 answers in the app: the answer follows the acknowledgement, our latest mail.
    agent = make.agent(1)
    make.message(ticket, agent, "Welche Paketnummer steht auf dem Beleg?")
    mailbox.wait_for(2)
    answer, [_ack] = _mails_split("Paketnummer", mailbox.to("kim@example.org"))
    assert answer["In-Reply-To"] == ack["Message-ID"]
    assert answer["References"].split() == [root, first_id, ack["Message-ID"]]

    # The customer answers by mail; the next mails answer that mail, then each other.
    second_id = make_msgid(domain="mail.example.org")
    reply = pipeline.receive(compose(
        subject=f"AW: {answer['Subject']}", body="Die Nummer ist 0815.", message_id=second_id,
        in_reply_to=answer["Message-ID"],
        references=f"{answer['References']} {answer['Message-ID']}"))
    assert reply.ticket_id == ticket.id
    mailbox.clear()
    make.message(ticket, agent, "Danke, das Paket ist unterwegs.", status_after=Status.resolved)
    mailbox.wait_for(2)
    resolved_reply, [notice] = _mails_split("Paket ist unterwegs", mailbox.to("kim@example.org"))
    # The resolution notice and the reply: the first queued answers the customer's mail,
    # the other follows it.
    first, then = sorted([resolved_reply, notice], key=lambda m: m["In-Reply-To"] != second_id)
    assert first["In-Reply-To"] == second_id
    references = first["References"].split()
    assert references[0] == root and references[-1] == second_id
    assert first_id in references and answer["Message-ID"] in references
    assert then["In-Reply-To"] == first["Message-ID"]
    assert then["References"].split()[0] == root and second_id in then["References"]


def test_only_the_recipients_own_mails_are_answered(app, make, mailbox):
    """Mail to someone else about the ticket (the assigned agent) never names the
    customer's mails; a mail without a Message-ID is not named at all."""
    customer, agent = make.user(email="owner@example.org"), make.agent(1)
    ticket = make.ticket(customer, subject="Gutschein")
    ticket.assignee = agent
    db.session.commit()
    mailbox.wait_for(1)
    [ack] = mailbox.to(customer.email)
    mailbox.clear()
    bare = compose(sender=customer.email, subject=f"Re: [{ticket.ref}] x",
                   body="Noch eine Frage.", message_id="<x@y>").replace(
                       b"Message-ID: <x@y>\n", b"")
    pipeline.receive(bare)
    customer_id = make_msgid(domain="mail.example.org")
    pipeline.receive(compose(sender=customer.email, subject=f"Re: [{ticket.ref}] x",
                             body="Und noch eine.", message_id=customer_id))
    mailbox.wait_for(2)
    notices = mailbox.to(agent.email)
    assert len(notices) == 2
    for notice in notices:
        assert customer_id not in notice["References"]
    mailbox.clear()
    make.message(ticket, agent, "Beides beantwortet.")
    mailbox.wait_for(1)
    [answer] = mailbox.to(customer.email)
    assert answer["In-Reply-To"] == customer_id
    assert answer["References"].split() == [mail_threading.thread_root_id(ticket.id),
                                             ack["Message-ID"], customer_id]


def test_a_reply_to_a_mail_we_received_threads_into_its_ticket(app, make):
    first_id = make_msgid(domain="mail.example.org")
    pipeline.receive(compose(message_id=first_id))
    [ticket] = tickets()
    # The customer answers their own sent mail to add something (Reply-All in the Sent folder).
    outcome = pipeline.receive(compose(subject="Re: Meine Bestellung 4711 fehlt",
                                       body="Ach ja: es war Paket 2 von 2.",
                                       in_reply_to=first_id, references=first_id))
    assert outcome.ticket_id == ticket.id and len(tickets()) == 1


def test_another_customer_replying_into_the_thread_files_a_ticket_of_their_own(app, make,
                                                                            mailbox):
    owner = make.user(email="owner@example.org")
    ticket = make.ticket(owner, subject="Refund for order 88")
    mailbox.wait_for(1)
    [ack] = mailbox.to(owner.email)
    # A colleague the owner forwarded our mail to answers it: valid headers, the reference.
    raw = compose(sender="Colleague <colleague@example.org>",
                  subject=f"Re: [{ticket.ref}] We have received your request",
                  body="Please send the refund to my account instead.",
                  in_reply_to=ack["Message-ID"], references=ack["References"])
    outcome = pipeline.receive(raw)
    assert outcome.status == ReceivedStatus.processed and outcome.ticket_id != ticket.id
    assert public_messages(ticket) == []
    other = fresh(Ticket, outcome.ticket_id)
    assert other.requester.email == "colleague@example.org"
    assert "refund to my account" in other.body
    # And the owner's own reply with the same headers still lands in the owner's ticket.
    assert pipeline.receive(compose(sender=owner.email, subject="Re: x", body="Still waiting.",
                                    in_reply_to=ack["Message-ID"])).ticket_id == ticket.id


@pytest.mark.parametrize("forged", ["root", "mail"])
def test_a_forged_in_reply_to_names_no_ticket(app, make, forged):
    owner = make.user(email="owner@example.org")
    ticket = make.ticket(owner)
    real = (mail_threading.thread_root_id(ticket.id) if forged == "root"
            else mail_threading.new_message_id(ticket.id))
    # The same shape as our ids, with a made-up code: the HMAC check refuses it.
    fake = re.sub(r"\.([0-9a-f]+)@", lambda m: "." + "0" * len(m.group(1)) + "@", real)
    assert fake != real and mail_threading.ticket_id_from_headers(fake) is None
    for sender in ("attacker@example.net", owner.email):
        outcome = pipeline.receive(compose(sender=sender, subject="Re: your request",
                                           body="Change the delivery address, please.",
                                           in_reply_to=fake, references=fake))
        assert outcome.ticket_id != ticket.id and outcome.created_ticket
    assert public_messages(ticket) == []


def test_the_same_message_delivered_twice_is_taken_once(app, make):
    raw = compose(message_id="<once-1@mail.example.org>")
    first = pipeline.receive(raw, mailbox="support")
    again = pipeline.receive(raw, mailbox="support")
    # The same Message-ID from the same sender through another route (other Received lines).
    relayed = pipeline.receive(b"Received: from relay.example.org by mx.example.com;\r\n"
                               + raw, mailbox="billing")
    assert not first.duplicate and again.duplicate and relayed.duplicate
    assert first.received_id == again.received_id == relayed.received_id
    assert again.ticket_id == first.ticket_id and len(tickets()) == 1
    # Somebody else's mail with that Message-ID is a message of its own (a forged id cannot
    # swallow a real mail).
    spoof = pipeline.receive(compose(sender="someone@example.net",
                                     message_id="<once-1@mail.example.org>"))
    assert not spoof.duplicate and spoof.ticket_id != first.ticket_id
    # Without a Message-ID the bytes decide.
    bare = compose(body="Hallo, ohne Kennung.", message_id="<x@y>").replace(
        b"Message-ID: <x@y>\n", b"")
    assert b"Message-ID" not in bare
    assert not pipeline.receive(bare).duplicate and pipeline.receive(bare).duplicate
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ReceivedMail))
    assert count == 3


def test_a_reply_to_a_resolved_ticket_reopens_it(app, make):
    customer, agent = make.user(), make.agent(1)
    ticket = make.ticket(customer)
    make.message(ticket, agent, "Fixed, the parcel is on its way.", status_after=Status.resolved)
    assert fresh(Ticket, ticket.id).status == Status.resolved
    outcome = pipeline.receive(compose(sender=customer.email,
                                       subject=f"AW: [{ticket.ref}] Deine Anfrage wurde gelöst",
                                       body="Nein, es ist immer noch nicht da."))
    assert outcome.ticket_id == ticket.id
    assert fresh(Ticket, ticket.id).status == Status.open
    assert public_messages(ticket)[-1].body == "Nein, es ist immer noch nicht da."


def test_a_reply_to_a_closed_ticket_files_a_follow_up_that_names_it(app, make):
    customer = make.user()
    ticket = make.ticket(customer, subject="Voucher not accepted")
    customer_close(ticket, by=customer)
    db.session.commit()
    outcome = pipeline.receive(compose(sender=customer.email,
                                       subject=f"Re: [{ticket.ref}] Voucher not accepted",
                                       body="It happens again with a new voucher."))
    assert outcome.created_ticket and outcome.ticket_id != ticket.id
    follow_up = fresh(Ticket, outcome.ticket_id)
    assert follow_up.requester_id == customer.id and follow_up.subject == "Voucher not accepted"
    assert follow_up.body.startswith(f"Follow-up to {ticket.ref}\n\n")
    assert "new voucher" in follow_up.body
    assert fresh(Ticket, ticket.id).status == Status.closed and public_messages(ticket) == []


# -- new senders ------------------------------------------------------------------------

def test_an_unknown_sender_gets_an_account_a_ticket_and_a_link_to_choose_a_password(
        app, client, mailbox):
    raw = compose(sender="Jana Becker <jana.becker@example.net>",
                  subject="Tasse kam zerbrochen an",
                  body="Hallo,\n\ndie Tasse war kaputt. Könnt ihr mir bitte eine neue schicken?"
                       "\n\nViele Grüße\nJana")
    outcome = pipeline.receive(raw, mailbox="support")
    user = db.session.scalar(sa.select(User).where(User.email == "jana.becker@example.net"))
    assert user.is_customer and user.name == "Jana Becker" and user.language == "de"
    assert user.password_hash is None and user.is_email_confirmed
    ticket = fresh(Ticket, outcome.ticket_id)
    assert ticket.requester_id == user.id and ticket.channel == Channel.email
    mailbox.wait_for(1)
    [ack] = mailbox.to(user.email)
    with force_locale("de"):
        assert ack["Subject"] == gettext("[%(ref)s] We have received your request",
                                         ref=ticket.ref)
    assert ack["Auto-Submitted"] == "auto-generated"
    link = re.search(r"http://helpdesk\.test(/password/reset/[\w.\-]+)", ack.get_content())
    page = client.get(link.group(1))
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)


@pytest.mark.parametrize("language, body", [
    ("de", "Hallo,\n\nich möchte wissen, wann meine Bestellung kommt.\n\nGrüße\nUdo"),
    ("en", "Hello,\n\nI would like to know when my order will arrive.\n\nThanks,\nUdo"),
])
def test_a_mailbox_that_refuses_unknown_senders_answers_them_politely_once(app, make, mailbox,
                                                                           language, body):
    sender = "Udo Unbekannt <udo@example.net>"
    raw = compose(sender=sender, subject="Lieferzeit", body=body,
                  message_id="<ask-1@example.net>")
    outcome = pipeline.receive(raw, mailbox="partners", refuse_unknown=True)
    assert outcome.status == ReceivedStatus.refused and outcome.ticket_id is None
    assert tickets() == [] and db.session.scalar(
        sa.select(User).where(User.email == "udo@example.net")) is None
    mailbox.wait_for(1)
    [answer] = mailbox.to("udo@example.net")
    with force_locale(language):
        assert answer["Subject"] == gettext("Automatic reply: %(subject)s",
                                            subject="Lieferzeit")
        assert gettext("This address only takes requests from customers with an account, "
                       "so your e-mail was not filed as a request.") in folded(
                           answer.get_content())
    assert answer["Auto-Submitted"] == "auto-generated"
    assert answer["X-Helpdesk-Origin"] == INSTANCE
    assert answer["In-Reply-To"] == "<ask-1@example.net>"
    assert "http://helpdesk.test/register" in answer.get_content()
    # A second mail the same day: refused again, but no second answer (no mail ping-pong).
    mailbox.clear()
    again = pipeline.receive(compose(sender=sender, body=body), mailbox="partners",
                             refuse_unknown=True)
    assert again.status == ReceivedStatus.refused
    mailbox.wait_for(1, timeout=0.5)
    assert mailbox.to("udo@example.net") == []
    # A customer with an account is served at that mailbox as anywhere.
    customer = make.user(email="known@example.net")
    served = pipeline.receive(compose(sender=customer.email), mailbox="partners",
                              refuse_unknown=True)
    assert served.status == ReceivedStatus.processed
    assert fresh(Ticket, served.ticket_id).requester_id == customer.id


def test_mail_from_a_staff_address_files_nothing(app, make):
    agent = make.agent(1)
    outcome = pipeline.receive(compose(sender=agent.email, subject="Re: [HD-000001] x"))
    assert outcome.status == ReceivedStatus.quarantined and "staff" in outcome.reason
    assert tickets() == []


# -- loops, bounces, auto-replies ------------------------------------------------------------

def test_our_own_mail_coming_back_is_ignored(app, make, mailbox):
    customer = make.user()
    ticket = make.ticket(customer)
    mailbox.wait_for(1)
    [ack] = mailbox.to(customer.email)
    mailbox.clear()
    outcome = pipeline.receive(ack.as_bytes())
    assert outcome.status == ReceivedStatus.ignored and "own mail" in outcome.reason
    assert public_messages(ticket) == [] and len(tickets()) == 1
    mailbox.wait_for(1, timeout=0.5)
    assert mailbox.messages == []


def test_an_out_of_office_reply_to_a_ticket_mail_changes_nothing(app, make, mailbox):
    customer = make.user()
    ticket = make.ticket(customer)
    mailbox.wait_for(1)
    mailbox.clear()
    before = fresh(Ticket, ticket.id).version
    outcome = pipeline.receive(compose(
        sender=customer.email, subject=f"Automatic reply: [{ticket.ref}] We have received it",
        body="I am out of the office until Monday.", Auto_Submitted="auto-replied"))
    assert outcome.status == ReceivedStatus.ignored
    assert public_messages(ticket) == [] and fresh(Ticket, ticket.id).version == before
    mailbox.wait_for(1, timeout=0.5)
    assert mailbox.messages == []


def test_a_bounce_marks_the_address_and_mail_to_it_waits_until_it_writes_again(
        app, make, mailbox):
    customer, agent = make.user(email="gone@example.org"), make.agent(1)
    ticket = make.ticket(customer)
    mailbox.wait_for(1)
    mailbox.clear()
    bounce = (CORPUS / "bounce_postfix.eml").read_bytes().replace(
        b"kunde.alt@example.org", customer.email.encode())
    outcome = pipeline.receive(bounce)
    assert outcome.status == ReceivedStatus.bounce and customer.email in outcome.reason
    assert db.session.scalar(sa.select(BouncingAddress.address)) == customer.email
    assert public_messages(ticket) == [] and len(tickets()) == 1

    make.message(ticket, agent, "We have sent a new parcel.")
    mailbox.wait_for(1, timeout=0.5)
    assert mailbox.to(customer.email) == []
    held = db.session.scalars(sa.select(OutboxMail).where(
        OutboxMail.recipient == customer.email).order_by(OutboxMail.id.desc())).first()
    assert held.status == MailStatus.failed and "bounces" in held.last_error

    # The customer writes again: the address works, mail goes out again.
    pipeline.receive(compose(sender=customer.email, subject=f"Re: [{ticket.ref}] x",
                             body="My mailbox was full, sorry."))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BouncingAddress)) == 0
    make.message(ticket, agent, "No problem, the parcel arrives tomorrow.")
    mailbox.wait_for(1)
    assert [m["Subject"] for m in mailbox.to(customer.email)] == [
        f"[{ticket.ref}] New reply to your request"]


def test_a_bouncing_address_that_writes_a_new_mail_gets_its_acknowledgement(app, make, mailbox):
    customer = make.user(email="back@example.org")
    bounce = (CORPUS / "bounce_postfix.eml").read_bytes().replace(
        b"kunde.alt@example.org", customer.email.encode())
    assert pipeline.receive(bounce).status == ReceivedStatus.bounce
    mailbox.clear()

    outcome = pipeline.receive(compose(sender=customer.email, subject="Neue Bestellung"))
    assert outcome.created_ticket
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BouncingAddress)) == 0
    mailbox.wait_for(1)
    [ack] = mailbox.to(customer.email)
    assert fresh(Ticket, outcome.ticket_id).ref in ack["Subject"]


# -- the text, the quote, the files, the original ---------------------------------------

def test_the_quoted_part_is_kept_collapsed_and_the_original_is_for_staff_only(
        app, make, client, login_as):
    customer, agent = make.user(email="lena@example.org"), make.agent(1)
    ticket = make.ticket(customer)
    make.message(ticket, agent, "Please send the order number.")
    with force_locale("de"):
        marker = mail_threading.reply_marker()
    raw = compose(sender=customer.email, subject=f"AW: [{ticket.ref}] Neue Antwort",
                  body="Die Nummer ist 4711.\n\nViele Grüße\nLena\n\n"
                       "Am 01.04.2025 schrieb Tiered Helpdesk:\n"
                       f"> {marker}\n>\n> Please send the order number.")
    outcome = pipeline.receive(raw)
    message = fresh(Message, outcome.message_id)
    assert message.body == "Die Nummer ist 4711."
    quoted = received(outcome).quoted_text
    assert quoted.startswith("Viele Grüße\nLena") and "Please send the order number." in quoted

    login_as(customer)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "<details" in page and "Viele Grüße" in page and "Original e-mail" not in page
    raw_url = f"/admin/mail-in/{outcome.received_id}/raw"
    assert client.get(raw_url).status_code == 404
    login_as(agent)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "<details" in page and raw_url in page
    response = client.get(raw_url)
    assert response.status_code == 200 and response.data == raw
    assert response.mimetype == "message/rfc822"


def test_files_over_the_limits_are_left_out_with_a_note_and_the_mail_is_kept(
        app, make, client, login_as):
    app.config.update(MAX_ATTACHMENTS_PER_MESSAGE=2, MAX_ATTACHMENT_BYTES=1024 * 1024,
                      ALLOWED_ATTACHMENT_TYPES="pdf,png")
    raw = compose(body="Hello, the invoice and a photo are attached.", files=[
                         ("invoice.pdf", b"%PDF-1.4 small", "application/pdf"),
                         ("huge.pdf", b"%PDF-1.4" + b"x" * 1024 * 1024, "application/pdf"),
                         ("tool.exe", b"MZ", "application/octet-stream"),
                         ("photo.png", b"\x89PNG small", "image/png"),
                         ("third.pdf", b"%PDF-1.4 3", "application/pdf")])
    outcome = pipeline.receive(raw)
    assert outcome.status == ReceivedStatus.processed
    ticket = fresh(Ticket, outcome.ticket_id)
    assert [a.filename for m in ticket.messages for a in m.attachments] == [
        "invoice.pdf", "photo.png"]
    assert [(f["name"], f["reason"]) for f in received(outcome).dropped] == [
        ("huge.pdf", "too_large"), ("tool.exe", "type"), ("third.pdf", "count")]
    login_as(ticket.requester)
    page = text_of(client.get(f"/tickets/{ticket.ref}").get_data(as_text=True))
    assert ("Not kept from the e-mail: huge.pdf (larger than 1 MB), tool.exe (not an "
            "accepted file type), third.pdf (more than 2 files)") in page


# -- the quarantine ----------------------------------------------------------------------

def test_a_crash_while_filing_keeps_the_mail_in_quarantine_and_a_retry_files_it(
        app, make, client, login_as, mailbox, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")
    monkeypatch.setattr(pipeline, "file_ticket", broken)
    raw = compose(sender="Quinn <quinn@example.org>", subject="Where is my parcel?")
    outcome = pipeline.receive(raw)
    assert outcome.status == ReceivedStatus.quarantined
    assert outcome.reason == "RuntimeError: the disk is full"
    # Nothing of the failed attempt stays: no ticket, no half-made account, no mail.
    assert tickets() == [] and db.session.scalar(
        sa.select(User).where(User.email == "quinn@example.org")) is None
    assert pipeline.receive(raw).duplicate            # delivered again: still one, waiting
    mailbox.wait_for(1, timeout=0.5)
    assert mailbox.messages == []

    monkeypatch.undo()
    login_as(make.user("admin"))
    page = text_of(client.get("/admin/mail-in/").get_data(as_text=True))
    assert "quinn@example.org" in page and "Where is my parcel?" in page
    assert "RuntimeError: the disk is full" in page
    response = client.post(f"/admin/mail-in/{outcome.received_id}/retry")
    assert response.status_code == 302
    row = received(outcome)
    assert row.status == ReceivedStatus.processed and row.attempts == 2
    [ticket] = tickets()
    assert ticket.requester.email == "quinn@example.org"
    mailbox.wait_for(1)
    assert len(mailbox.to("quinn@example.org")) == 1
    assert "Where is my parcel?" not in text_of(client.get("/admin/mail-in/").get_data(
        as_text=True)).split("Recently received")[0]


def test_a_crash_after_the_ticket_and_its_acknowledgement_were_written_undoes_all_of_it(
        app, make, mailbox, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(pipeline, "_processed", broken)     # after file_ticket returned
    raw = compose(sender="Quinn <quinn@example.org>", subject="Where is my parcel?")
    outcome = pipeline.receive(raw)
    assert outcome.status == ReceivedStatus.quarantined and outcome.ticket_id is None
    assert outcome.reason == "RuntimeError: the database went away"
    row = received(outcome)
    assert (row.kind, row.attempts, row.ticket_id) == ("ticket_mail", 1, None)
    # The ticket, the new account and the queued acknowledgement are gone with it.
    assert tickets() == [] and db.session.scalar(
        sa.select(User).where(User.email == "quinn@example.org")) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0
    mailbox.wait_for(1, timeout=0.5)
    assert mailbox.messages == []

    monkeypatch.undo()
    again = pipeline.retry(received(outcome))
    db.session.commit()
    assert again.status == ReceivedStatus.processed and received(outcome).attempts == 2
    [ticket] = tickets()
    assert ticket.requester.email == "quinn@example.org"
    mailbox.wait_for(1)
    assert len(mailbox.to("quinn@example.org")) == 1


def test_a_message_another_process_took_meanwhile_leaves_no_second_ticket(
        app, make, mailbox, monkeypatch):
    raw = compose(message_id="<twice@mail.example.org>")
    first = pipeline.receive(raw)
    mailbox.wait_for(1)
    mailbox.clear()
    raw_files = {path.name for path in pipeline._raw_folder().rglob("*") if path.is_file()}
    # The second delivery looks before the first one's commit is visible (another process):
    # it files, and finds the message taken only when it records it.
    taken = pipeline._taken
    looks = []

    def not_yet(key):
        looks.append(key)
        return None if len(looks) == 1 else taken(key)
    monkeypatch.setattr(pipeline, "_taken", not_yet)

    second = pipeline.receive(raw)
    assert len(looks) == 2                      # it did look again, after its INSERT failed
    assert second.duplicate and second.received_id == first.received_id
    assert second.ticket_id == first.ticket_id and len(tickets()) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReceivedMail)) == 1
    assert {path.name for path in pipeline._raw_folder().rglob("*")
            if path.is_file()} == raw_files     # its copy of the message is removed
    mailbox.wait_for(1, timeout=0.5)
    assert mailbox.messages == []               # and no second acknowledgement


def test_a_failure_outside_the_processing_step_is_quarantined_in_a_transaction_of_its_own(
        app, monkeypatch):
    def broken(row, mail, **kwargs):
        raise ConnectionError("database went away")
    monkeypatch.setattr(pipeline, "_process_safely", broken)
    outcome = pipeline.receive(compose())
    assert outcome.status == ReceivedStatus.quarantined
    assert outcome.reason == "ConnectionError: database went away"
    assert received(outcome).attempts == 1 and tickets() == []


@pytest.mark.parametrize("raw, reason", [
    (b"", "rejected: empty message"),
    (b"From: big@example.org\r\nSubject: logs\r\n\r\n" + b"x" * 3000, "rejected: message of"),
])
def test_a_message_over_the_limits_is_kept_in_quarantine(app, raw, reason):
    app.config["MAIL_IN_MAX_BYTES"] = 2000
    outcome = pipeline.receive(raw)
    row = received(outcome)
    assert outcome.status == ReceivedStatus.quarantined and row.reason.startswith(reason)
    assert pipeline.read_raw(row) == raw


def test_an_admin_discards_a_quarantined_mail(app, make, client, login_as):
    outcome = pipeline.keep_in_quarantine(compose(subject="Spam?"), reason="looked odd")
    login_as(make.user("admin"))
    assert client.post(f"/admin/mail-in/{outcome.received_id}/discard").status_code == 302
    assert received(outcome).status == ReceivedStatus.discarded
    assert "Spam?" not in text_of(client.get("/admin/mail-in/").get_data(
        as_text=True)).split("Recently received")[0]
    # Discarded is final: neither a retry nor another discard.
    client.post(f"/admin/mail-in/{outcome.received_id}/retry")
    assert received(outcome).status == ReceivedStatus.discarded and tickets() == []


def test_more_mails_from_one_sender_than_the_limit_are_quarantined(app, make, client,
                                                                   login_as):
    app.config["MAIL_IN_MAX_PER_SENDER_PER_HOUR"] = 3
    outcomes = [pipeline.receive(compose(subject=f"Frage {n}")) for n in range(5)]
    assert [o.status for o in outcomes] == [ReceivedStatus.processed] * 3 + [
        ReceivedStatus.quarantined] * 2
    assert outcomes[3].reason.startswith("rate limit: 3 mails from kim@example.org")
    assert len(tickets()) == 3
    other = pipeline.receive(compose(sender="other@example.org"))
    assert other.status == ReceivedStatus.processed
    # An admin's retry takes it (their decision, not the storm's).
    login_as(make.user("admin"))
    client.post(f"/admin/mail-in/{outcomes[3].received_id}/retry")
    assert received(outcomes[3]).status == ReceivedStatus.processed and len(tickets()) == 5


# -- the command ----------------------------------------------------------------------------

def test_mail_receive_reads_standard_input_and_fails_only_when_nothing_was_kept(
        app, runner, monkeypatch):
    app.config["MAIL_SUPPRESS"] = True
    result = runner.invoke(args=["mail", "receive", "--mailbox", "support"],
                           input=compose())
    assert result.exit_code == 0 and result.output.startswith("processed"), result.output
    [ticket] = tickets()
    assert db.session.scalar(sa.select(ReceivedMail.mailbox)) == "support"
    result = runner.invoke(args=["mail", "receive"], input=b"")
    assert result.exit_code == 0 and result.output.startswith("quarantined")

    def no_disk(raw):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(pipeline, "_store_raw", no_disk)
    result = runner.invoke(args=["mail", "receive"], input=compose(subject="Another"))
    assert result.exit_code == 75 and len(tickets()) == 1
    # The mail commands of both features are there.
    help_text = runner.invoke(args=["mail", "--help"]).output
    assert all(name in help_text for name in ("send", "receive", "fetch"))


# -- the demo --------------------------------------------------------------------------------

def test_the_demo_shows_tickets_that_came_by_mail_with_their_threads(app, make):
    from helpdesk.mail_in.demo import seed_demo_mail

    app.config["MAIL_SUPPRESS"] = True
    users = {"l1": make.agent(1, name="Jonas Weber"),
             "customer2": make.user(email="customer2@example.com", name="Sam Carter")}
    seed_demo_mail(users=users, categories={})
    by_mail = [t for t in tickets() if t.channel == Channel.email]
    assert [t.requester.email for t in by_mail] == ["jana.becker@example.net",
                                                   "customer2@example.com"]
    for ticket in by_mail:
        authors = [m.author.email for m in public_messages(ticket)]
        assert authors == [users["l1"].email, ticket.requester.email]   # answer, mail reply
        assert fresh(Ticket, ticket.id).status == Status.open
    assert fresh(User, by_mail[0].requester_id).language == "de"
    [photo] = public_messages(by_mail[0])[1].attachments
    assert photo.filename == "karton.png"
    statuses = db.session.scalars(sa.select(ReceivedMail.status).order_by(ReceivedMail.id))
    assert list(statuses) == [ReceivedStatus.processed] * 4 + [ReceivedStatus.ignored,
                                                               ReceivedStatus.bounce]
