"""Nobody can tell from the answers (or their time) which addresses have an account:
registration answers alike and mails the owner instead, and every failed login costs
one password-hash check."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.accounts import passwords
from helpdesk.accounts.models import User
from helpdesk.extensions import db
from tests.factories import PASSWORD, flashes, fresh, text_of


def _register(client, email):
    return client.post("/register", data={
        "name": "Visitor", "email": email, "password": "lilac-tram-orbit-7",
        "confirm": "lilac-tram-orbit-7", "language": "en"})


def _answer(client, email):
    """What a visitor sees after registering `email`, with the address itself blanked."""
    response = _register(client, email)
    shown = [(category, message.replace(email, "ADDRESS")) for category, message in
             flashes(client)]
    page = text_of(client.get(response.headers.get("Location", "/register"))
                   .get_data(as_text=True)).replace(email, "ADDRESS")
    return response.status_code, response.headers.get("Location"), shown, page


def test_registering_a_taken_address_looks_exactly_like_a_new_one(app, make, mailbox):
    owner = make.user(email="owner@example.com", name="Olga Owner")
    new_answer = _answer(app.test_client(), "newcomer@example.com")
    taken_answer = _answer(app.test_client(), "owner@example.com")
    assert new_answer == taken_answer
    status, location, shown, page = taken_answer
    assert (status, location) == (302, "/login")
    assert "already" not in page.lower() and "sent an e-mail to ADDRESS" in page

    # The owner's account is untouched and gets a notice; the newcomer a confirmation link.
    assert fresh(User, owner.id).check_password(PASSWORD)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)
                             .where(User.email == "owner@example.com")) == 1
    mailbox.wait_for(2)
    [notice] = mailbox.to("owner@example.com")
    assert notice["Subject"] == "Someone tried to create an account with your address"
    body = notice.get_content()
    assert "Hello Olga Owner," in body
    assert "http://helpdesk.test/login" in body and "http://helpdesk.test/password/forgot" in body
    [confirmation] = mailbox.to("newcomer@example.com")
    assert "http://helpdesk.test/confirm/" in confirmation.get_content()


def test_a_taken_address_costs_the_same_password_hashing_as_a_new_one(app, make, monkeypatch):
    make.user(email="owner@example.com")
    calls = []
    real = passwords.generate_password_hash
    monkeypatch.setattr(passwords, "generate_password_hash",
                        lambda password, *a, **kw: calls.append(password) or real(password))
    passwords._dummy_hash()         # made once per process; not part of either request
    counts = {}
    for email in ("newcomer@example.com", "owner@example.com"):
        calls.clear()
        assert _register(app.test_client(), email).status_code == 302
        counts[email] = list(calls)
    assert counts == {"newcomer@example.com": ["lilac-tram-orbit-7"],
                      "owner@example.com": ["lilac-tram-orbit-7"]}


@pytest.fixture
def hash_checks(monkeypatch):
    """Record every password-hash check (the work that takes time)."""
    calls = []
    real = passwords.check_password_hash

    def counting(password_hash, password):
        calls.append(password_hash)
        return real(password_hash, password)
    monkeypatch.setattr(passwords, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize("case", ["wrong password", "unknown address", "deactivated",
                                  "no password yet", "unconfirmed"])
def test_every_failed_login_checks_one_password_hash(client, make, hash_checks, case):
    email = "someone@example.com"
    if case != "unknown address":
        user = make.user(email=email, active=case != "deactivated",
                         password=None if case == "no password yet" else PASSWORD)
        if case == "unconfirmed":
            user.email_confirmed_at = None
            db.session.commit()
    password = "wrong-password" if case in ("wrong password", "unconfirmed") else PASSWORD
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert "E-mail or password is wrong." in response.get_data(as_text=True)
    assert len(hash_checks) == 1
    assert hash_checks[0]      # a real hash (the dummy one when there is none), never empty


def test_unknown_address_and_wrong_password_check_a_hash_made_the_same_way(
        client, make, hash_checks):
    make.user(email="known@example.com")
    client.post("/login", data={"email": "known@example.com", "password": "wrong-password"})
    client.post("/login", data={"email": "nobody@example.com", "password": "wrong-password"})
    real, dummy = hash_checks
    assert real != dummy
    # Same method and cost parameters, so the check takes as long.
    assert real.split("$")[0] == dummy.split("$")[0]
