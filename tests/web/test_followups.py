"""Behaviour added after the first review: regional languages, notes that set a status,
hand-off kinds stored by value, literal admin search, registration errors."""
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tickets.escalation import HandoffInput, return_to_level
from helpdesk.tickets.models import Status


def test_regional_browser_language_picks_german(client):
    page = client.get("/login", headers={"Accept-Language": "de-CH, en;q=0.5"})
    assert 'lang="de"' in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "fr-FR, en-GB;q=0.8, de;q=0.5"})
    assert 'lang="en"' in page.get_data(as_text=True)


def test_internal_note_can_set_the_status_without_answering_the_customer(
        client, make, login_as, mailbox):
    customer = make.user()
    ticket = make.ticket(customer)
    agent = make.agent(1)
    login_as(agent)
    response = client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "internal", "body": "Waiting for the payment provider", "version": ticket.version,
        "status_after": "waiting_on_customer"})
    assert response.status_code == 302
    db.session.expire_all()
    assert ticket.status == Status.waiting_on_customer
    assert ticket.first_responded_at is None
    assert [m.is_internal for m in ticket.messages] == [True]
    assert not any("Waiting for the payment provider" in str(m) for _, m in mailbox.messages)


def test_returned_hand_off_is_stored_as_return(make):
    ticket = make.ticket(level=2)
    return_to_level(ticket, to_level=1, by=make.agent(2), handoff=HandoffInput("Ask for the id"))
    db.session.commit()
    kinds = db.session.execute(sa.text("SELECT kind FROM handoff ORDER BY id")).scalars().all()
    assert kinds == ["escalation", "return"]


def test_admin_user_search_treats_wildcards_literally(client, make, login_as):
    make.user(name="Percent 100%")
    make.user(name="Someone Else")
    login_as(make.user("admin"))
    page = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "Percent 100%" in page and "Someone Else" not in page


def test_registration_errors_answer_400_and_keep_the_input(client):
    response = client.post("/register", data={"name": "Ada", "email": "ada@example.com",
                                              "password": "short", "confirm": "short",
                                              "language": "en"})
    assert response.status_code == 400
    assert 'value="ada@example.com"' in response.get_data(as_text=True)
