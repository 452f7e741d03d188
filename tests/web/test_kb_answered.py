""""This answered my question": one count per reader and article, throttled per client,
kept as events (when, which article and revision, which search, from which page)."""
from __future__ import annotations

import html
import threading
import time

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from kb import answers, readers
from kb.models import AnswerSource, Article, ArticleAnswerEvent
from tests.factories import login_session_id, text_of
from tests.html_forms import form_fields


def _count(article_id: int) -> tuple[int, int]:
    """(the counter editors see, the number of events) for an article."""
    db.session.expire_all()
    events = db.session.scalar(sa.select(sa.func.count(ArticleAnswerEvent.id)).where(
        ArticleAnswerEvent.article_id == article_id))
    return db.session.get(Article, article_id).answered_count, events


def test_150_anonymous_posts_from_one_browser_count_once(client, make_article):
    article = make_article("Shop set-up checklist", body="Add a logo.")
    url = f"/kb/articles/{article.id}/answered"
    responses = [client.post(url) for _ in range(150)]
    assert {r.status_code for r in responses} == {302}
    assert {r.headers["Location"] for r in responses} == {f"/kb/articles/{article.id}"}
    assert _count(article.id) == (1, 1)
    event = db.session.scalar(sa.select(ArticleAnswerEvent))
    assert event.reader_key.startswith("browser:") and "127.0.0.1" not in event.reader_key
    assert event.source == AnswerSource.kb_page
    [cookie] = [c for c in responses[0].headers.getlist("Set-Cookie")
                if c.startswith(f"{readers.COOKIE}=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert not [c for c in responses[1].headers.getlist("Set-Cookie")     # kept, not renewed
                if c.startswith(f"{readers.COOKIE}=")]


def test_a_repeat_gets_the_same_thanks_without_counting(client, make, login_as, make_article):
    article = make_article("Where is my payout?")
    login_as(make.user())
    first = client.post(f"/kb/articles/{article.id}/answered", follow_redirects=True)
    again = client.post(f"/kb/articles/{article.id}/answered", follow_redirects=True)
    for page in (first, again):
        assert page.status_code == 200
        assert "Glad this article helped" in text_of(page.get_data(as_text=True))
    assert _count(article.id) == (1, 1)
    assert "You told us this article answered your question" in text_of(
        again.get_data(as_text=True))
    as_json = client.post(f"/kb/articles/{article.id}/answered",
                          headers={"Accept": "application/json"})
    assert as_json.get_json() == {"ok": True, "counted": False}


def test_different_readers_each_count(client, make, login_as, make_article):
    article = make_article("Where is my payout?")
    for _ in range(3):
        login_as(make.user())
        client.post(f"/kb/articles/{article.id}/answered")
    anonymous = client.application.test_client()        # a browser of its own
    anonymous.post(f"/kb/articles/{article.id}/answered")
    assert _count(article.id) == (4, 4)


def test_the_search_that_led_there_is_recorded(client, make, login_as, make_article):
    article = make_article("Shop set-up checklist", body="Add a logo to your shop.")
    customer = make.user()
    login_as(customer)
    results = client.get("/kb/search?q=logo").get_data(as_text=True)
    # The result links through the logged opening (kb.open_result) to the article.
    link = html.unescape(results.split('class="kb-hit-title" href="')[1].split('"')[0])
    opened = client.get(link)
    assert opened.headers["Location"] == f"/kb/articles/{article.id}?q=logo"
    page = client.get(f"/kb/articles/{article.id}?q=logo").get_data(as_text=True)
    fields = form_fields(page, "answered-form")
    assert fields["q"] == "logo" and fields["source"] == "kb_page"
    client.post(f"/kb/articles/{article.id}/answered", data=fields)
    event = db.session.scalar(sa.select(ArticleAnswerEvent))
    assert (event.article_id, event.reader_key, event.query, event.source) == (
        article.id, f"user:{customer.id}", "logo", AnswerSource.kb_page)
    assert event.revision_number == max(r.number for r in article.revisions)
    assert event.answered_at is not None


def test_the_new_ticket_form_counts_as_a_ticket_avoided(client, make, login_as, make_article):
    article = make_article("Payout returned by the bank")
    login_as(make.user())
    response = client.post(f"/kb/articles/{article.id}/answered",
                           data={"source": "new_ticket", "q": "payout  returned"},
                           follow_redirects=True)
    assert "No ticket was filed" in text_of(response.get_data(as_text=True))
    event = db.session.scalar(sa.select(ArticleAnswerEvent))
    assert (event.source, event.query) == (AnswerSource.new_ticket, "payout returned")


def test_editors_see_the_count_by_source_and_the_searches(client, make, login_as,
                                                          make_article):
    article = make_article("Payout returned by the bank")
    for source, query in (("kb_page", "iban"), ("new_ticket", "payout returned"),
                          ("new_ticket", "payout returned"), ("kb_page", "")):
        login_as(make.user())
        client.post(f"/kb/articles/{article.id}/answered", data={"source": source, "q": query})
    login_as(make.agent(2))
    html = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    sources = text_of(html.split('id="answer-sources"')[1].split("</div>")[0])
    assert "Article page: 2" in sources and "New-ticket form: 2" in sources
    queries = text_of(html.split('id="answer-queries"')[1].split("</ul>")[0])
    assert queries.index("payout returned (2)") < queries.index("iban (1)")
    assert "4 times" in text_of(html)
    assert 'id="answered-form"' not in html                     # staff do not vote


def test_customers_of_an_internal_article_get_404_and_nothing_counts(client, make, login_as,
                                                                     make_article):
    article = make_article("Internal checklist", visibility="internal")
    login_as(make.user())
    assert client.post(f"/kb/articles/{article.id}/answered").status_code == 404
    assert _count(article.id) == (0, 0)


def test_simultaneous_posts_of_one_reader_count_once(app, make, make_article):
    article_id, customer = make_article("Where is my payout?").id, make.user()
    clients, cookie_id = [app.test_client() for _ in range(6)], login_session_id(customer)
    for each in clients:                  # six tabs of one logged-in customer
        with each.session_transaction() as session:
            session["_user_id"] = cookie_id
    db.session.commit()
    statuses, start = [], threading.Barrier(len(clients))

    def click(each):
        with app.app_context():
            start.wait()
            statuses.append(each.post(f"/kb/articles/{article_id}/answered").status_code)

    threads = [threading.Thread(target=click, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [302] * len(clients)
    assert _count(article_id) == (1, 1)


def test_the_database_constraint_decides_between_two_open_transactions(app, make,
                                                                       make_article):
    """The second insert waits for the first transaction and then loses, in both databases."""
    article_id, user_id = make_article("Refund basics").id, make.user().id
    db.session.commit()
    counted, errors, start = [], [], threading.Barrier(2)

    def click():
        try:
            with app.test_request_context(f"/kb/articles/{article_id}/answered",
                                          method="POST"):
                start.wait()
                result = answers.record_answer(db.session.get(Article, article_id),
                                               reader_key=f"user:{user_id}",
                                               source=AnswerSource.kb_page)
                time.sleep(0.3)            # keep the row uncommitted while the other tries
                db.session.commit()
                counted.append(result)
        except Exception as exc:           # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(counted) == [False, True]
    assert _count(article_id) == (1, 1)


class TestThrottle:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "KB_ANSWERED_RATE_LIMIT": "5 per hour"}

    def test_posts_without_cookies_are_throttled_per_client(self, app, make_article):
        article = make_article("Shop set-up checklist")
        cookieless = app.test_client(use_cookies=False)    # a new "browser" every time
        statuses = [cookieless.post(f"/kb/articles/{article.id}/answered").status_code
                    for _ in range(150)]
        assert statuses == [302] * 5 + [429] * 145
        assert _count(article.id) == (5, 5)
        keys = db.session.scalars(sa.select(ArticleAnswerEvent.reader_key)).all()
        assert len(set(keys)) == 5 and all(k.startswith("browser:") for k in keys)
