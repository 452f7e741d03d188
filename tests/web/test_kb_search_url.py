"""The knowledge-base search answers at /kb/search (page and JSON) as it does at /kb/."""
from __future__ import annotations

from tests.factories import text_of


def _titles(body: dict) -> list[str]:
    return [hit["title"] for hit in body["results"]]


def test_json_search_at_kb_search(client, make_article):
    article = make_article("Connect your TikTok shop", body="Open Settings and click Connect.")
    make_article("Shipping labels", body="Print a label.")
    response = client.get("/kb/search?q=tiktok&format=json")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert _titles(body) == ["Connect your TikTok shop"]
    assert body["results"][0]["url"] == f"/kb/articles/{article.id}"
    assert _without_log_refs(body) == _without_log_refs(
        client.get("/kb/?q=tiktok&format=json").get_json())              # same search


def _without_log_refs(body: dict) -> dict:
    """The answer without what names its search-log row (each search has its own)."""
    return {**{k: v for k, v in body.items() if k != "search_ref"},
            "results": [{k: v for k, v in hit.items() if k != "open_url"}
                        for hit in body["results"]]}


def test_json_by_accept_header_at_kb_search(client, make_article):
    make_article("Connect your TikTok shop")
    response = client.get("/kb/search?q=tiktok", headers={"Accept": "application/json"})
    assert response.is_json and _titles(response.get_json()) == ["Connect your TikTok shop"]


def test_search_page_at_kb_search(client, make_article):
    make_article("Connect your TikTok shop", body="Open Settings and click Connect.")
    make_article("Shipping labels", body="Print a label.")
    page = client.get("/kb/search?q=tiktok")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = text_of(page.get_data(as_text=True))
    assert "Connect your TikTok shop" in text and "Shipping labels" not in text
    empty = text_of(client.get("/kb/search?q=zzzzqqq").get_data(as_text=True))
    assert "No articles match your search" in empty


def test_search_filters_and_the_landing_page_work_at_both_urls(client, make, make_article):
    make_article("Refund basics", body="Refunds take days.", language="en")
    make_article("Rückerstattung", body="Refunds dauern Tage.", language="de")
    for url in ("/kb/search", "/kb/"):
        german = client.get(f"{url}?q=refunds&language=de&format=json").get_json()
        assert _titles(german) == ["Rückerstattung"]
        landing = client.get(url)
        assert landing.status_code == 200
        assert "Refund basics" in text_of(landing.get_data(as_text=True))


def test_internal_articles_stay_hidden_at_kb_search(client, make, login_as, make_article):
    make_article("Payout checklist", visibility="internal", body="Internal payout steps.")
    assert _titles(client.get("/kb/search?q=payout&format=json").get_json()) == []
    login_as(make.agent(1))
    assert _titles(client.get("/kb/search?q=payout&format=json").get_json()) == [
        "Payout checklist"]
