"""Login sessions live on the server: logging out, "log out other sessions", a password
change or reset and deactivation end them, whatever copies of the cookies exist; the
remember cookie lasts 30 days unless configured otherwise."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from helpdesk import create_app
from helpdesk.accounts.models import LoginSession, User
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from tests.factories import PASSWORD, flashes, fresh, login_session_id, text_of

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
              "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")


def _log_in(client, user, *, remember=False, user_agent=FIREFOX):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, headers={"User-Agent": user_agent})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    return client


def _cookies(client, *names) -> dict[str, str]:
    found = {name: client.get_cookie(name) for name in names}
    assert all(found.values()), found
    return {name: cookie.value for name, cookie in found.items()}


def _client_with(app, cookies: dict[str, str]):
    """A fresh browser that presents copies of `cookies` (a replay)."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _is_logged_in(client) -> bool:
    response = client.get("/tickets")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _sessions_of(user) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)
                             .where(LoginSession.user_id == user.id))


def test_a_strange_user_agent_is_shown_as_text(app, make):
    user = make.user()
    odd = _log_in(app.test_client(), user, user_agent="<script>alert(1)</script> x")
    _log_in(app.test_client(), user, user_agent="")
    page = odd.get("/profile").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <strong>(this session)</strong>" in page
    assert "<script>alert" not in page


def test_replayed_session_and_remember_cookies_are_logged_out_after_logout(app, client, make):
    user = make.user()
    _log_in(client, user, remember=True)
    both = _cookies(client, "session", "remember_token")
    # Before the logout a copy works (that is what makes the replay below meaningful).
    assert _is_logged_in(_client_with(app, both))
    assert _is_logged_in(_client_with(app, {"remember_token": both["remember_token"]}))

    assert client.post("/logout").status_code == 302
    assert not _is_logged_in(client)
    assert not _is_logged_in(_client_with(app, both))
    assert not _is_logged_in(_client_with(app, {"session": both["session"]}))
    assert not _is_logged_in(_client_with(app, {"remember_token": both["remember_token"]}))
    assert _sessions_of(user) == 0


def test_logout_ends_only_this_session(app, make):
    user = make.user()
    here, there = _log_in(app.test_client(), user), _log_in(app.test_client(), user)
    here.post("/logout")
    assert not _is_logged_in(here) and _is_logged_in(there)


def test_profile_lists_sessions_and_logs_out_all_others(app, make):
    user = make.user()
    laptop = _log_in(app.test_client(), user, user_agent=FIREFOX)
    phone = _log_in(app.test_client(), user, remember=True, user_agent=CHROME_MAC)
    phone_cookies = _cookies(phone, "session", "remember_token")

    page = text_of(laptop.get("/profile").get_data(as_text=True))
    assert "Firefox on Linux (this session)" in page
    assert "Chrome on Mac OS X" in page and "Chrome on Mac OS X (this session)" not in page
    assert page.count("(this session)") == 1

    response = laptop.post("/profile/sessions/end-others")
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    assert ("success", "You have been logged out on every other device.") in flashes(laptop)
    assert _is_logged_in(laptop)
    assert not _is_logged_in(phone)
    assert not _is_logged_in(_client_with(app, {"remember_token":
                                                phone_cookies["remember_token"]}))
    page = text_of(laptop.get("/profile").get_data(as_text=True))
    assert "Chrome on Mac OS X" not in page and "Log out all other sessions" not in page
    assert _sessions_of(user) == 1


def test_password_change_ends_every_other_session_including_remembered_ones(app, make):
    user = make.user()
    here = _log_in(app.test_client(), user, remember=True)
    elsewhere = _log_in(app.test_client(), user, remember=True)
    remembered = _cookies(elsewhere, "remember_token")
    old_here = _cookies(here, "session", "remember_token")
    response = here.post("/profile/password", data={
        "pw-current": PASSWORD, "pw-password": "brand-new-pw-2026",
        "pw-confirm": "brand-new-pw-2026"})
    assert response.status_code == 302
    assert _is_logged_in(here)
    assert not _is_logged_in(elsewhere)
    assert not _is_logged_in(_client_with(app, remembered))
    # This browser got a new session: copies of its cookies from before the change are dead.
    assert not _is_logged_in(_client_with(app, old_here))
    assert not _is_logged_in(_client_with(app, {"remember_token": old_here["remember_token"]}))
    # "Stay logged in" still holds for this browser, with the new session.
    assert _is_logged_in(_client_with(app, _cookies(here, "remember_token")))
    assert _sessions_of(user) == 1


def test_password_reset_ends_every_session(app, client, make, mailbox):
    user = make.user()
    browser = _log_in(app.test_client(), user, remember=True)
    remembered = _cookies(browser, "session", "remember_token")
    client.post("/password/forgot", data={"email": user.email})
    mailbox.wait_for(1)
    path = re.search(r"http://helpdesk\.test(/password/reset/\S+)",
                     mailbox.to(user.email)[0].get_content()).group(1)
    response = client.post(path, data={"password": "brand-new-pw-2026",
                                       "confirm": "brand-new-pw-2026"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not _is_logged_in(browser)
    assert not _is_logged_in(_client_with(app, remembered))
    assert _sessions_of(user) == 0


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(
        app, make, login_as, client):
    user = make.user()
    browser = _log_in(app.test_client(), user, remember=True)
    remembered = _cookies(browser, "session", "remember_token")
    login_as(make.user("admin"))
    form = {"name": user.name, "role": "customer", "level": ""}
    assert client.post(f"/admin/users/{user.id}", data=form).status_code == 302  # not active
    assert not _is_logged_in(browser)
    assert not _is_logged_in(_client_with(app, remembered))
    assert _sessions_of(user) == 0
    assert client.post(f"/admin/users/{user.id}",
                       data={**form, "is_active": "y"}).status_code == 302
    assert fresh(User, user.id).is_active_account
    assert not _is_logged_in(_client_with(app, remembered))
    assert _is_logged_in(_log_in(app.test_client(), fresh(User, user.id)))


def test_a_login_session_past_its_end_is_refused(app, make, login_as, client):
    user = make.user()
    login_as(user)
    assert _is_logged_in(client)
    db.session.execute(sa.update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not _is_logged_in(client)


def test_a_made_up_session_id_is_refused(app, make):
    user = make.user()
    login_session_id(user)          # the user has a live session, but not this one
    for forged in (f"{user.id}:not-the-token", f"{user.id}:", "x:y", f"{user.id + 1}:abc"):
        other = app.test_client()
        with other.session_transaction() as session:
            session["_user_id"] = forged
        assert not _is_logged_in(other), forged


def _remember_expiry(client):
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None
    return cookie.expires.replace(tzinfo=None)


def test_remember_cookie_and_session_last_30_days_by_default(app, client, make):
    user = make.user()
    _log_in(client, user, remember=True)
    expected = utcnow() + timedelta(days=30)
    assert abs(_remember_expiry(client) - expected) < timedelta(minutes=2)
    [login] = db.session.scalars(sa.select(LoginSession)).all()
    assert abs(login.expires_at - expected) < timedelta(minutes=2)


def test_remember_days_come_from_the_environment(app_config, make, monkeypatch):
    email = make.user().email
    db.session.commit()     # the test's own transaction would hold SQLite's write lock
    monkeypatch.setenv("HELPDESK_REMEMBER_DAYS", "7")
    other = create_app({k: v for k, v in app_config.items() if k != "REMEMBER_DAYS"})
    client = other.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "remember": "y"})
    assert response.status_code == 302
    assert abs(_remember_expiry(client) - (utcnow() + timedelta(days=7))) < timedelta(minutes=2)
    with other.app_context():
        db.engine.dispose()
