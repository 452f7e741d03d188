"""Accounts: registration, login and its throttling, password reset by mail, sessions
that end with a password change or deactivation, and the interface language."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import get_locale
from itsdangerous import TimestampSigner

from helpdesk import create_app
from helpdesk.accounts.models import LoginAttempt, User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from tests.factories import PASSWORD, flashes, fresh, login_session_id, text_of


def _login(client, email, password, next_=None):
    url = "/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"email": email, "password": password})


def _link_in_mail(mailbox, email, path) -> str:
    """Return the path of the link to `path` in the newest mail to `email`."""
    mailbox.wait_for(1)
    body = mailbox.to(email)[-1].get_content()
    match = re.search(rf"http://helpdesk\.test({path}\S+)", body)
    assert match, body
    return match.group(1)


def test_register_creates_customer_who_confirms_by_mail_and_is_logged_in(client, mailbox):
    response = client.post("/register", data={
        "name": "Ada Shop", "email": "Ada@Example.com", "shop_name": "Ada's Yarn",
        "password": "long-enough-1", "confirm": "long-enough-1", "language": "de"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    [(category, message)] = flashes(client)
    assert category == "info" and "sent an e-mail to ada@example.com" in message
    user = db.session.scalar(sa.select(User).where(User.email == "ada@example.com"))
    assert (user.name, user.role.value, user.language, user.shop_name) == (
        "Ada Shop", "customer", "de", "Ada's Yarn")
    assert user.check_password("long-enough-1") and not user.is_email_confirmed
    assert client.get("/tickets").status_code == 302             # not logged in yet
    path = _link_in_mail(mailbox, "ada@example.com", "/confirm/")

    # Opening the link (a mail scanner does too) changes nothing; the button confirms.
    assert client.get(path).status_code == 200
    assert not fresh(User, user.id).is_email_confirmed
    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert fresh(User, user.id).is_email_confirmed
    assert client.get("/tickets").status_code == 200
    # The link works once.
    client.post("/logout")
    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/tickets").status_code == 302


def test_unconfirmed_account_cannot_log_in_and_gets_a_new_link(client, mailbox):
    client.post("/register", data={
        "name": "Bo", "email": "bo@example.com", "password": "long-enough-1",
        "confirm": "long-enough-1", "language": "en"})
    mailbox.wait_for(1)
    response = _login(client, "bo@example.com", "long-enough-1")
    assert response.status_code == 200
    assert "Please confirm your e-mail address first" in text_of(response.get_data(as_text=True))
    assert client.get("/tickets").status_code == 302
    mailbox.wait_for(2)
    assert len(mailbox.to("bo@example.com")) == 2
    # A wrong password says nothing about the account.
    response = _login(client, "bo@example.com", "wrong-password")
    assert "E-mail or password is wrong." in response.get_data(as_text=True)
    path = _link_in_mail(mailbox, "bo@example.com", "/confirm/")
    assert client.post(path).status_code == 302
    client.post("/logout")
    assert _login(client, "bo@example.com", "long-enough-1").status_code == 302


def test_register_with_short_password_keeps_the_form(client):
    response = client.post("/register", data={
        "name": "Kept Name", "email": "new@example.com", "password": "short",
        "confirm": "short", "language": "en"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="Kept Name"' in page and "Use at least 8 characters." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_login_and_logout(client, make):
    user = make.user()
    response = _login(client, user.email.upper(), PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/tickets").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert ("info", "You are logged out.") in flashes(client)
    response = client.get("/tickets")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("password, active", [("wrong-password", True), (PASSWORD, False)])
def test_wrong_password_or_inactive_account_is_refused_alike(client, make, password, active):
    user = make.user(active=active)
    response = _login(client, user.email, password)
    assert response.status_code == 200
    assert "E-mail or password is wrong." in response.get_data(as_text=True)
    assert client.get("/tickets").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1


@pytest.fixture
def app_config(app_config):
    return {**app_config, "LOGIN_MAX_FAILURES_PER_ACCOUNT": 3}


def test_login_throttled_per_account_across_app_instances(app, app_config, client, make):
    user = make.user()
    for _ in range(3):
        assert _login(client, user.email, "wrong").status_code == 200
    # Even the right password is refused now, with a message saying why.
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert client.get("/tickets").status_code == 302

    # The count lives in the database: another worker or host sees it too.
    email = user.email
    db.session.commit()     # the test's own transaction would hold SQLite's write lock
    other = create_app(app_config)
    response = _login(other.test_client(), email, PASSWORD)
    assert response.status_code == 429
    with other.app_context():
        db.engine.dispose()
    # Another account is not affected.
    someone = make.user()
    assert _login(app.test_client(), someone.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com",
                                    "\\\\evil.com", "http:/evil.com", "///evil.com",
                                    "/%5Cevil.com", "%2F%2Fevil.com"])
def test_login_next_must_stay_on_the_site(client, make, target):
    user = make.user()
    response = _login(client, user.email, PASSWORD, next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_to_a_local_page(client, make):
    user = make.user()
    response = _login(client, user.email, PASSWORD, next_="/tickets/new?x=1")
    assert response.headers["Location"] == "/tickets/new?x=1"


def _reset_link(mailbox, email) -> str:
    mailbox.wait_for(1)
    [message] = mailbox.to(email)
    body = message.get_content()
    match = re.search(r"(\S+/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def test_password_reset_by_mail_works_once(client, make, mailbox):
    user = make.user(name="Rita")
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    link = _reset_link(mailbox, user.email)
    assert mailbox.to(user.email)[0]["Subject"] == "Reset your password"
    assert link.startswith("http://helpdesk.test/password/reset/")
    path = link.removeprefix("http://helpdesk.test")

    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "brand-new-pw", "confirm": "brand-new-pw"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert fresh(User, user.id).check_password("brand-new-pw")
    assert _login(client, user.email, PASSWORD).status_code == 200      # old one is gone
    assert _login(client, user.email, "brand-new-pw").status_code == 302
    client.post("/logout")

    # Second use of the same link: refused, password unchanged.
    response = client.post(path, data={"password": "another-pw-1-x",
                                       "confirm": "another-pw-1-x"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/password/forgot"
    assert ("error", "This link has expired or was already used. Please ask for a new one."
            ) in flashes(client)
    assert fresh(User, user.id).check_password("brand-new-pw")


def test_password_reset_link_expires(app, client, make, mailbox, monkeypatch):
    user = make.user()
    client.post("/password/forgot", data={"email": user.email})
    path = _reset_link(mailbox, user.email).removeprefix("http://helpdesk.test")
    issued = TimestampSigner.get_timestamp
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: issued(self) + max_age + 5)
    response = client.post(path, data={"password": "brand-new-pw", "confirm": "brand-new-pw"})
    assert response.status_code == 302 and response.headers["Location"] == "/password/forgot"
    assert fresh(User, user.id).check_password(PASSWORD)


def test_forgot_password_does_not_reveal_who_has_an_account(client, make, mailbox):
    make.user(email="known@example.com")
    for email in ("known@example.com", "nobody@example.com"):
        response = client.post("/password/forgot", data={"email": email})
        assert response.status_code == 302 and response.headers["Location"] == "/login"
    mailbox.wait_for(1)
    assert [rcpt for rcpt, _m in mailbox.messages] == [["known@example.com"]]


def test_change_password_ends_other_sessions_but_keeps_this_one(app, make):
    user = make.user()
    here, elsewhere = app.test_client(), app.test_client()
    for client in (here, elsewhere):
        assert _login(client, user.email, PASSWORD).status_code == 302
    response = here.post("/profile/password", data={
        "pw-current": PASSWORD, "pw-password": "brand-new-pw", "pw-confirm": "brand-new-pw"})
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    assert here.get("/profile").status_code == 200
    response = elsewhere.get("/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert fresh(User, user.id).check_password("brand-new-pw")


def test_change_password_needs_the_current_one(client, make, login_as):
    user = make.user()
    login_as(user)
    response = client.post("/profile/password", data={
        "pw-current": "not-it", "pw-password": "brand-new-pw", "pw-confirm": "brand-new-pw"})
    assert response.status_code == 400
    assert "That is not your current password." in response.get_data(as_text=True)
    assert fresh(User, user.id).check_password(PASSWORD)


def test_deactivated_user_is_logged_out(app, make, login_as, client):
    user = make.user()
    admin = make.user("admin")
    assert _login(client, user.email, PASSWORD).status_code == 302
    admin_client = app.test_client()
    with admin_client.session_transaction() as session:
        session["_user_id"] = login_session_id(admin)
    response = admin_client.post(f"/admin/users/{user.id}", data={
        "name": user.name, "role": "customer", "level": ""})      # "active" unticked
    assert response.status_code == 302
    assert fresh(User, user.id).is_active_account is False
    response = client.get("/tickets")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_language_from_profile(client, make, login_as):
    user = make.user(language="en")
    login_as(user)
    assert 'lang="en"' in client.get("/tickets").get_data(as_text=True)
    response = client.post("/profile", data={"name": user.name, "language": "de"})
    assert response.status_code == 302
    assert fresh(User, user.id).language == "de"
    page = client.get("/tickets", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="de"' in page and "Meine Tickets" in page


def test_language_from_accept_language_header(app, client, make, login_as):
    page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert "Anmelden" in text_of(page.get_data(as_text=True))
    page = client.get("/login", headers={"Accept-Language": "fr, en;q=0.5"})
    assert "Log in" in text_of(page.get_data(as_text=True))
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert str(get_locale()) == "de"
    # A profile language beats the browser's.
    login_as(make.user(language="en"))
    page = client.get("/tickets", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "My tickets" in page and "Meine Tickets" not in page


def test_login_throttled_per_client_address(app, client, make):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    for n in range(3):
        assert _login(client, f"guess-{n}@example.com", "wrong").status_code == 200
    user = make.user()
    assert _login(client, user.email, PASSWORD).status_code == 429
    # Another address is not affected.
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 302


def test_logged_out_visitor_chooses_a_language(client):
    response = client.post("/language/de", data={"next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="de"' in page and "Anmelden" in page
    response = client.post("/language/xx", data={"next": "//evil.com"})
    assert response.headers["Location"] == "/"
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)


def test_old_failures_and_a_good_login_reset_the_count(client, make):
    user = make.user()
    stale = utcnow() - timedelta(seconds=client.application.config[
        "LOGIN_FAILURE_WINDOW_SECONDS"] + 1)
    db.session.add_all([LoginAttempt(email=user.email, ip="127.0.0.1", attempted_at=stale)
                        for _ in range(5)])
    db.session.commit()
    for _round in range(2):
        for _ in range(2):       # the limit in this module is 3
            assert _login(client, user.email, "wrong").status_code == 200
        assert _login(client, user.email, PASSWORD).status_code == 302
        client.post("/logout")


def test_session_cookie_is_http_only_and_same_site(client, make):
    user = make.user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=", 1)[0] for c in cookies} >= {"session", "remember_token"}
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
