"""Every role against every KB route (DESIGN section 3, knowledge-base rows)."""
import pytest

from helpdesk.extensions import db
from kb.models import Article, ArticleStatus

ROLES = ["anonymous", "customer", "l1", "l2", "l3", "admin"]


def _user(make, role):
    if role == "anonymous":
        return None
    if role in ("customer", "admin"):
        return make.user(role)
    return make.agent(int(role[1]))


# (method, route, article, expected per role in ROLES order). "login" = redirect to login.
MATRIX = [
    ("GET", "/kb/", None, [200, 200, 200, 200, 200, 200]),
    ("GET", "/kb/articles/{id}", "public", [200, 200, 200, 200, 200, 200]),
    ("GET", "/kb/articles/{id}", "internal", [404, 404, 200, 200, 200, 200]),
    ("GET", "/kb/articles/{id}", "draft", [404, 404, 404, 200, 200, 200]),
    ("GET", "/kb/articles/{id}", "in_review", [404, 404, 404, 200, 200, 200]),
    ("GET", "/kb/articles/{id}", "archived", [404, 404, 404, 200, 200, 200]),
    ("GET", "/kb/articles/new", None, ["login", 404, 404, 200, 200, 200]),
    ("GET", "/kb/articles/{id}/edit", "public", ["login", 403, 403, 200, 403, 200]),
    ("GET", "/kb/articles/{id}/edit", "draft", ["login", 404, 404, 200, 200, 200]),
    ("GET", "/kb/articles/{id}/history", "public", ["login", 404, 404, 200, 200, 200]),
    ("GET", "/kb/articles/{id}/history", "draft", ["login", 404, 404, 200, 200, 200]),
    ("POST", "/kb/articles/{id}/submit", "draft", ["login", 404, 404, 302, 302, 302]),
    ("POST", "/kb/articles/{id}/publish", "in_review", ["login", 404, 404, 302, 403, 302]),
    ("POST", "/kb/articles/{id}/send-back", "in_review", ["login", 404, 404, 302, 403, 302]),
    ("POST", "/kb/articles/{id}/archive", "public", ["login", 403, 403, 302, 403, 302]),
    ("POST", "/kb/articles/{id}/archive", "internal", ["login", 404, 403, 302, 403, 302]),
    ("POST", "/kb/articles/{id}/revisions/1/restore", "public",
     ["login", 403, 403, 302, 403, 302]),
    ("POST", "/kb/articles/{id}/feedback", "internal", ["login", 404, 302, 302, 302, 302]),
    # A customer reads the public article but may not give feedback: 403 (helpdesk.actions).
    ("POST", "/kb/articles/{id}/feedback", "public", ["login", 403, 302, 302, 302, 302]),
    ("GET", "/kb/review", None, ["login", 404, 404, 200, 404, 200]),
    ("POST", "/kb/articles/{id}/answered", "public", [302, 302, 302, 302, 302, 302]),
    ("POST", "/kb/articles/{id}/answered", "internal", [404, 404, 302, 302, 302, 302]),
]

CASES = [pytest.param(method, route, kind, role, expected,
                      id=f"{method} {route.replace('{id}', kind or '-')} {role}")
         for method, route, kind, row in MATRIX for role, expected in zip(ROLES, row,
                                                                         strict=True)]


@pytest.fixture
def articles(make_article):
    return {
        "public": make_article("Public answer"),
        "internal": make_article("Internal answer", visibility="internal"),
        "draft": make_article("Draft answer", status="draft"),
        "in_review": make_article("Review answer", status="in_review"),
        "archived": make_article("Archived answer", status="archived"),
    }


@pytest.mark.parametrize("method, route, kind, role, expected", CASES)
def test_kb_route_permissions(client, make, login_as, articles, method, route, kind, role,
                              expected):
    user = _user(make, role)
    if user is not None:
        login_as(user)
    url = route.format(id=articles[kind].id if kind else 0)
    data = {"text": "Please update the screenshots", "kind": "change",
            "version": str(articles[kind].version) if kind else ""}
    response = client.open(url, method=method, data=data if method == "POST" else None)
    if expected == "login":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected
        if method == "POST" and expected == 302:
            assert "/login" not in response.headers["Location"]


def test_customer_search_json_has_only_public_published(client, articles):
    body = client.get("/kb/?q=answer&format=json").get_json()
    assert [r["title"] for r in body["results"]] == ["Public answer"]
    assert set(body["results"][0]) >= {"id", "title", "language", "score", "snippet"}


def test_l2_search_json_sees_everything_but_customer_html_does_not(client, make, login_as,
                                                                   articles):
    html = client.get("/kb/?q=answer").get_data(as_text=True)
    assert "Public answer" in html and "Internal answer" not in html
    login_as(make.agent(2))
    titles = {r["title"] for r in client.get("/kb/?q=answer",
                                              headers={"Accept": "application/json"})
              .get_json()["results"]}
    assert titles == {"Public answer", "Internal answer", "Draft answer", "Review answer",
                      "Archived answer"}


def test_failed_l3_publish_changes_nothing(client, make, login_as, articles):
    login_as(make.agent(3))
    client.post(f"/kb/articles/{articles['in_review'].id}/publish")
    db.session.expire_all()
    assert db.session.get(Article, articles["in_review"].id).status == ArticleStatus.in_review
