"""A customer never sees another customer's ticket, an internal note or a hand-off:
not on any page, not in any mail, not as an attachment."""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, escalate, return_to_level
from helpdesk.tickets.models import Attachment, Message, Status
from helpdesk.tickets.operations import TicketChanges, update_ticket
from tests.factories import fresh

SECRETS = ("SECRET-NOTE", "SECRET-SUMMARY", "SECRET-TRIED", "SECRET-ARTICLES",
           "SECRET-RETURN", "SECRET-L2-NOTE", "internal-log.txt", "OTHER-CUSTOMER",
           "Lena Level1", "Leo Level2")


def _story(make):
    """A ticket's whole way through the tiers, with internals at every step."""
    customer = make.user(name="Cleo Customer")
    other = make.user(name="OTHER-CUSTOMER Otto")
    make.ticket(other, subject="OTHER-CUSTOMER subject", shop_ref="OTHER-CUSTOMER-shop")
    l1, l2 = make.agent(1, name="Lena Level1"), make.agent(2, name="Leo Level2")
    ticket = make.ticket(customer, subject="Payout missing")
    make.message(ticket, l1, "SECRET-NOTE: the IBAN belongs to someone else", internal=True,
                 files={"internal-log.txt": b"SECRET-LOG"})
    public = make.message(ticket, l1, "We are looking into it.",
                          files={"public-info.txt": b"PUBLIC"})
    escalate(ticket, by=l1, handoff=HandoffInput(
        summary="SECRET-SUMMARY", tried="SECRET-TRIED", articles_checked="SECRET-ARTICLES"))
    db.session.commit()
    make.message(ticket, l2, "SECRET-L2-NOTE", internal=True)
    return_to_level(ticket, to_level=1, by=l2, handoff=HandoffInput("SECRET-RETURN"))
    update_ticket(ticket, by=l1, changes=TicketChanges(status=Status.resolved))
    db.session.commit()
    internal = db.session.scalar(sa.select(Attachment).join(Message).where(
        Message.is_internal.is_(True)))
    return customer, ticket, internal.id, public.attachments[0].id, l1


def test_customer_sees_no_internals_on_pages_in_mail_or_attachments(client, make, login_as,
                                                                    mailbox):
    customer, ticket, internal_id, public_id, l1 = _story(make)
    login_as(customer)
    for url in (f"/tickets/{ticket.ref}", "/tickets"):
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Payout missing" in page
        for secret in SECRETS:
            assert secret not in page, (url, secret)
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "We are looking into it." in page and "public-info.txt" in page
    assert f"/attachments/{internal_id}" not in page

    assert client.get(f"/attachments/{internal_id}").status_code == 404
    response = client.get(f"/attachments/{public_id}")
    assert response.status_code == 200 and response.data == b"PUBLIC"

    mailbox.wait_for(4)
    mails = mailbox.to(customer.email)
    # filed, the public reply, passed on to level 2, resolved
    assert len(mails) == 4, [m["Subject"] for m in mails]
    for mail in mails:
        content = mail["Subject"] + mail.get_content()
        for secret in SECRETS:
            assert secret not in content, (mail["Subject"], secret)

    # Staff download the internal attachment, as a download that is never rendered.
    login_as(l1)
    response = client.get(f"/attachments/{internal_id}")
    assert response.status_code == 200 and response.data == b"SECRET-LOG"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "internal-log.txt" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_html_upload_is_served_as_a_download(client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer)
    message = make.message(ticket, customer, "see file",
                           files={"../../evil.html": b"<script>alert(1)</script>",
                                  "pic.svg": b"<svg onload=alert(1)></svg>"})
    login_as(customer)
    for attachment in message.attachments:
        assert "/" not in attachment.filename
        response = client.get(f"/attachments/{attachment.id}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_other_customer_gets_404_everywhere(client, make, login_as):
    owner, other = make.user(), make.user()
    ticket = make.ticket(owner, subject="Owner's secret subject")
    message = make.message(ticket, owner, "with a file", files={"a.txt": b"A"})
    login_as(other)
    for url in (f"/tickets/{ticket.ref}", f"/attachments/{message.attachments[0].id}",
                f"/tickets/{ticket.ref.lower()}", f"/tickets/{ticket.id}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/tickets/{ticket.ref}/close").status_code == 404
    assert fresh(type(ticket), ticket.id).status == Status.new
    assert "Owner's secret subject" not in client.get("/tickets").get_data(as_text=True)
