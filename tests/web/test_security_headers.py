"""Every response carries the security headers: a strict Content-Security-Policy (no inline
code, never framed), X-Frame-Options, X-Content-Type-Options and Referrer-Policy; HSTS only
over HTTPS. Attachments keep their stricter sandbox policy. Pages hold no inline script,
style or event handler, which the policy would block."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from helpdesk import create_app
from tests.factories import fresh

PAGE_POLICY = {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
    "img-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'self'"],
    "form-action": ["'self'"], "frame-ancestors": ["'none'"],
}


@pytest.fixture
def database_url(tmp_path):
    """Headers do not depend on the database: SQLite only."""
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


def policy(response) -> dict[str, list[str]]:
    """Parse the Content-Security-Policy header into {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy", "")
    parts = (p.split() for p in header.split(";") if p.strip())
    return {words[0]: words[1:] for words in parts}


def assert_protected(response, *, https: bool = False) -> None:
    assert policy(response) == PAGE_POLICY, response.request.path
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert ("Strict-Transport-Security" in response.headers) is https


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: inline scripts, style attributes and elements,
    event-handler attributes and javascript: links."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{tag}[{name}]" for name in names
                       if name == "style" or name.startswith("on")]
        self.found += [f"{tag}[{name}=javascript:]" for name, value in attrs
                       if (value or "").strip().lower().startswith("javascript:")]


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.get_data(as_text=True))
    return parser.found


def test_pages_of_every_role_carry_the_headers_and_no_inline_code(
        client, make, login_as, make_article):
    customer = make.user()
    ticket = make.ticket(customer, subject="Payout missing")
    article = make_article("Payouts", visibility="public")
    pages = {
        None: ["/login", "/register", "/password/forgot", "/kb/",
               f"/kb/articles/{article.id}"],
        customer: ["/tickets", "/tickets/new", f"/tickets/{ticket.ref}", "/profile"],
        make.agent(1): ["/queue", f"/tickets/{ticket.ref}", "/kb/?q=payouts"],
        make.agent(2): [f"/kb/articles/{article.id}/edit", "/kb/articles/new", "/kb/review",
                        f"/kb/articles/{article.id}/history"],
        make.user("admin"): ["/admin/users", "/admin/users/new", "/admin/categories"],
    }
    for user, urls in pages.items():
        if user is not None:
            login_as(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert_protected(response)
            assert inline_code(response) == [], url


def test_error_pages_json_and_static_files_carry_the_headers(client, make, login_as):
    assert_protected(missing := client.get("/no-such-page"))
    assert missing.status_code == 404 and inline_code(missing) == []
    json_error = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert json_error.status_code == 404 and json_error.is_json
    assert_protected(json_error)
    for url in ("/static/app.css", "/static/app.js", "/static/kb.js", "/healthz",
                "/kb/?format=json&q=payout"):
        assert_protected(client.get(url))
    login_as(make.agent(1))
    preview = client.post("/preview", data={"body": "**bold**"})
    assert preview.is_json and "<strong>bold</strong>" in preview.json["html"]
    assert_protected(preview)


def test_server_error_page_carries_the_headers(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/test-boom", "test_boom", lambda: 1 / 0)
    response = client.get("/test-boom")
    assert response.status_code == 500
    assert_protected(response)
    assert inline_code(response) == []


def test_expired_form_answer_carries_the_headers(app_config, app):
    guarded = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    response = guarded.test_client().post("/login", data={"email": "a@example.com",
                                                          "password": "x"})
    assert response.status_code == 400
    assert_protected(response)


def test_admin_page_may_not_be_framed_by_another_site(client, make, login_as):
    login_as(make.user("admin"))
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert policy(response)["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_over_https_and_plain_http_is_not_redirected(client):
    plain = client.get("/login")
    assert plain.status_code == 200
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/login", base_url="https://helpdesk.test")
    assert secure.status_code == 200
    assert_protected(secure, https=True)
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_force_https_setting_redirects_plain_http(app_config, app):
    forced = create_app({**app_config, "FORCE_HTTPS": True}).test_client()
    response = forced.get("/login?next=/queue")
    assert response.status_code in (301, 302)
    assert response.headers["Location"] == "https://localhost/login?next=/queue"
    assert forced.get("/login", base_url="https://localhost").status_code == 200


def test_attachment_download_keeps_its_stricter_sandbox_policy(client, make, login_as):
    customer = make.user()
    ticket = make.ticket(customer)
    message = make.message(ticket, customer, "See the file", files={"page.html":
                                                                    b"<script>alert(1)</script>"})
    attachment = fresh(type(message), message.id).attachments[0]
    login_as(customer)
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200
    assert policy(response) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"],
                                "sandbox": []}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Type"] == "application/octet-stream"
