"""Merging a duplicate ticket into another, and linking related tickets (both ways).

What moves (text, messages, attachments, history), where the old address leads, what the
duplicate's customer is told, and that a merge never shows one customer another's words.
"""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.models import EventKind, Message, Status, Ticket, TicketEvent
from tests.factories import fresh, text_of, ticket_state


def _merge(client, duplicate, target, **extra):
    return client.post(f"/tickets/{duplicate.ref}/merge", data={
        "target": target.ref, "version": str(duplicate.version), **extra})


def _page(client, ticket) -> str:
    response = client.get(f"/tickets/{ticket.ref}")
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


def test_a_duplicate_moves_into_the_surviving_ticket(app, client, make, login_as, mailbox):
    customer = make.user(name="Dana Duplicate", language="de")
    agent = make.agent(1, name="Merle Merger")
    original = make.ticket(customer, subject="Payout missing", body="Where is my payout?")
    duplicate = make.ticket(customer, subject="Payout still missing",
                            body="I wrote before: **payout** for March.")
    make.message(duplicate, customer, "Here is the statement.",
                 files={"statement.pdf": b"statement-bytes"})
    make.message(duplicate, agent, "Checked the payout log", internal=True)
    mailbox.wait_for(2)
    mailbox.clear()

    login_as(agent)
    response = _merge(client, duplicate, original)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{original.ref}"

    survivor, merged = fresh(Ticket, original.id), fresh(Ticket, duplicate.id)
    assert merged.merged_into_id == original.id and merged.status == Status.closed
    thread = sorted(survivor.messages, key=lambda m: (m.created_at, m.id))
    bodies = [m.body for m in thread]
    # The duplicate's own text comes first (as its customer wrote it), then its messages.
    assert bodies[:3] == ["I wrote before: **payout** for March.", "Here is the statement.",
                          "Checked the payout log"]
    moved = thread[1]
    assert [a.filename for a in moved.attachments] == ["statement.pdf"]
    assert {m.merged_from_id for m in survivor.messages} == {duplicate.id}
    # The history moved too, and each ticket records the merge.
    kinds = [e.kind for e in survivor.events]
    assert EventKind.created in kinds and kinds.count(EventKind.created) == 2
    assert [(e.kind, e.new_value) for e in survivor.events][-1] == (EventKind.merged_in,
                                                                    duplicate.ref)
    assert (EventKind.merged, original.ref) in [(e.kind, e.new_value) for e in merged.events]

    # The duplicate's customer is told, in their language, where the conversation goes on.
    [mail] = mailbox.to(customer.email)
    assert mail["Subject"] == f"[{duplicate.ref}] Neue Antwort auf deine Anfrage"
    assert original.ref in mail.get_content()

    # Staff read the moved messages with where they came from; the customer too, on the
    # surviving ticket (their own words), but not the internal note.
    page = _page(client, survivor)
    assert "Here is the statement." in page and f"from {duplicate.ref}" in page
    login_as(customer)
    page = _page(client, survivor)
    assert "Here is the statement." in page and "statement.pdf" in page
    assert "Checked the payout log" not in page


def test_the_old_address_leads_to_the_survivor_for_those_who_may_see_it(app, client, make,
                                                                         login_as):
    customer, stranger = make.user(), make.user()
    agent = make.agent(1)
    original = make.ticket(customer, subject="Order missing")
    duplicate = make.ticket(customer, subject="Order still missing")
    login_as(agent)
    assert _merge(client, duplicate, original).status_code == 302

    for user in (agent, customer):
        login_as(user)
        response = client.get(f"/tickets/{duplicate.ref}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/tickets/{original.ref}"
    login_as(stranger)
    assert client.get(f"/tickets/{duplicate.ref}").status_code == 404
    assert client.get(f"/tickets/{original.ref}").status_code == 404


def test_merging_two_customers_tickets_asks_first(app, client, make, login_as):
    anna, ben = make.user(name="Anna A"), make.user(name="Ben B")
    agent = make.agent(1)
    original = make.ticket(anna, subject="Checkout broken")
    duplicate = make.ticket(ben, subject="Checkout broken too")
    before = ticket_state(duplicate.id), ticket_state(original.id)

    login_as(agent)
    response = _merge(client, duplicate, original)
    assert response.status_code == 409
    page = text_of(response.get_data(as_text=True))
    assert "These tickets belong to two different customers." in page
    assert (ticket_state(duplicate.id), ticket_state(original.id)) == before

    response = _merge(client, duplicate, original, confirm_other_customer="y")
    assert response.status_code == 302
    assert fresh(Ticket, duplicate.id).merged_into_id == original.id


def test_a_cross_customer_merge_keeps_each_customers_words_to_them(app, client, make,
                                                                    login_as):
    anna, ben = make.user(name="Anna A"), make.user(name="Ben B")
    agent = make.agent(1, name="Ada Agent")
    original = make.ticket(anna, subject="Checkout broken", body="Anna's secret order 111")
    make.message(original, agent, "Anna, we are on it.")
    duplicate = make.ticket(ben, subject="Checkout broken too", body="Ben's secret order 222")
    ben_message = make.message(duplicate, ben, "Ben's IBAN is DE00 1234",
                               files={"ben-invoice.pdf": b"ben-bytes"})
    make.message(duplicate, agent, "Ben, we are on it.")
    ben_file = ben_message.attachments[0].id

    login_as(agent)
    assert _merge(client, duplicate, original, confirm_other_customer="y").status_code == 302
    staff_page = _page(client, original)
    assert "Ben's IBAN is DE00 1234" in staff_page and "only for Ben B" in staff_page

    # Anna reads her ticket: nothing of Ben's, not even his file.
    login_as(anna)
    page = _page(client, original)
    assert "Anna's secret order 111" in page and "Anna, we are on it." in page
    for secret in ("Ben's secret order 222", "Ben's IBAN", "ben-invoice.pdf", "Ben, we are on it"):
        assert secret not in page
    assert client.get(f"/attachments/{ben_file}").status_code == 404
    assert client.get(f"/tickets/{duplicate.ref}").status_code == 404

    # Ben never gets Anna's ticket; his old address shows his own conversation, closed.
    login_as(ben)
    assert client.get(f"/tickets/{original.ref}").status_code == 404
    page = _page(client, duplicate)
    assert "Ben's IBAN is DE00 1234" in page and "Ben, we are on it." in page
    assert "We have merged your request with another request" in page
    for secret in ("Anna's secret order 111", "Anna, we are on it", original.ref):
        assert secret not in page
    assert client.get(f"/attachments/{ben_file}").status_code == 200
    # (Nor does the merge notice name the other ticket.)
    notice = db.session.scalars(sa.select(Message).where(
        Message.ticket_id == duplicate.id)).all()[-1]
    assert original.ref not in notice.body


def test_moved_history_stays_with_staff(app, client, make, login_as):
    customer = make.user()
    original = make.ticket(customer, subject="First")
    duplicate = make.ticket(customer, subject="Second", level=2)
    login_as(make.agent(2))
    assert _merge(client, duplicate, original).status_code == 302
    moved = db.session.scalars(sa.select(TicketEvent).where(
        TicketEvent.ticket_id == original.id, TicketEvent.merged_from_id == duplicate.id)).all()
    assert moved and not any(e.is_public for e in moved)
    login_as(customer)
    page = _page(client, original)
    assert page.count("filed the ticket") == 1          # only the survivor's own


def test_a_merge_is_refused_into_itself_a_closed_or_an_unseen_ticket(app, client, make,
                                                                    login_as):
    customer = make.user()
    agent = make.agent(1)
    ticket = make.ticket(customer)
    closed = make.ticket(customer, subject="Old one")
    closed.status = Status.closed
    higher = make.ticket(customer, subject="At level 3", level=3)
    db.session.commit()
    login_as(agent)
    for target, says in ((ticket, "cannot be merged into itself"),
                         (closed, "is closed"),
                         (higher, f"There is no ticket {higher.ref} that you can see")):
        before = ticket_state(ticket.id)
        response = _merge(client, fresh(Ticket, ticket.id), target)
        assert response.status_code == 400
        assert says in text_of(response.get_data(as_text=True))
        assert ticket_state(ticket.id) == before


def test_related_tickets_are_linked_both_ways(app, client, make, login_as):
    customer = make.user()
    agent = make.agent(1)
    one = make.ticket(customer, subject="Webhook fires twice")
    two = make.ticket(make.user(), subject="Orders duplicated")
    login_as(agent)
    response = client.post(f"/tickets/{one.ref}/links", data={"other": two.ref})
    assert response.status_code == 302
    assert two.ref in _page(client, one) and one.ref in _page(client, two)
    # Linking again, or the other way round, is the same link.
    client.post(f"/tickets/{two.ref}/links", data={"other": one.ref})
    assert ("info", f"{one.ref} was already linked.") in _flashes(client)
    assert db.session.scalar(sa.text("SELECT count(*) FROM ticket_link")) == 1
    # Customers never see links (the other ticket is someone else's).
    login_as(customer)
    assert two.ref not in _page(client, one)
    login_as(agent)
    response = client.post(f"/tickets/{two.ref}/links/{one.ref}/remove")
    assert response.status_code == 302
    assert db.session.scalar(sa.text("SELECT count(*) FROM ticket_link")) == 0
    assert one.ref not in _page(client, two).split("Related tickets")[1].split("History")[0]
    history = [(e.kind, e.old_value, e.new_value) for e in fresh(Ticket, one.id).events]
    assert (EventKind.link, None, two.ref) in history and (EventKind.link, two.ref, None) \
        in history


def test_a_ticket_cannot_be_linked_to_itself_or_an_unseen_one(app, client, make, login_as):
    ticket = make.ticket()
    hidden = make.ticket(level=2)
    login_as(make.agent(1))
    client.post(f"/tickets/{ticket.ref}/links", data={"other": ticket.ref})
    assert ("error", "A ticket cannot be linked to itself.") in _flashes(client)
    client.post(f"/tickets/{ticket.ref}/links", data={"other": hidden.ref})
    assert ("error", f"There is no ticket {hidden.ref} that you can see.") in _flashes(client)
    assert db.session.scalar(sa.text("SELECT count(*) FROM ticket_link")) == 0


def _flashes(client):
    from tests.factories import flashes

    return flashes(client)
