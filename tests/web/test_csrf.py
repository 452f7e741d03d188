"""CSRF: every POST route refuses a request without a token; with one, a POST works.

The routes are read from the URL map, so a route added later is covered without
touching this file.
"""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.factories import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _post_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        values = {}
        for name in rule.arguments - set(rule.defaults or {}):
            converter = rule._converters[name]
            values[name] = 1 if isinstance(converter, IntegerConverter) else "HD-000001"
        if rule.endpoint == "accounts.set_language":
            values["code"] = "de"
        urls.append(rule.build(values)[1])
    return sorted(set(urls))


def test_every_post_route_needs_a_csrf_token(app, client, make, login_as):
    agent = make.agent(2)
    make.ticket(make.user())        # HD-000001 exists, so refusals are not 404s
    login_as(agent)
    urls = _post_urls(app)
    assert {"/login", "/logout", "/tickets/HD-000001/messages",
            "/tickets/HD-000001/escalate"} <= set(urls)
    adapter = app.url_map.bind("localhost")
    for url in urls:
        response = client.post(url, data={"body": "x", "version": "1"})
        view = app.view_functions[adapter.match(url, method="POST")[0]]
        if getattr(view, "shows_form_on_stale_token", False):
            # Its form comes back with the text (tests/web/test_stale_csrf.py), or the page
            # is refused as it would be without a form (403/404); either way nothing is done.
            assert response.status_code in (400, 403, 404), url
            continue
        assert response.status_code == 400, url
        assert "Your form expired or came from elsewhere" in response.get_data(as_text=True)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_post_with_token_works(client, make):
    user = make.user()
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/tickets").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": _token(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_state_changing_routes_do_not_answer_get(app, client, make, login_as):
    login_as(make.agent(2))
    make.ticket(make.user())
    post_only = [url for url in _post_urls(app)
                 if "GET" not in app.url_map.bind("localhost").match(
                     url, method="POST", return_rule=True)[0].methods]
    assert "/tickets/HD-000001/take" in post_only and "/logout" in post_only
    for url in post_only:
        # 405, or 404 where a page route with a wider pattern answers the GET instead
        assert client.get(url).status_code in (404, 405), url
    assert client.get("/tickets/HD-000001/take").status_code == 405
