"""Reader ratings: "helpful" / "not helpful" with an optional comment, one vote per reader
and revision of the text (a second vote replaces the first), anonymous visitors told
apart by a browser cookie (never the address) and throttled; editors see the ratio and
the comments, and poorly rated articles are on the curation list until the text changes.
Separate from "this answered my question"."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from kb import curation, ratings, readers
from kb.models import Article, ArticleAnswerEvent, ArticleRating
from tests.factories import text_of
from tests.html_forms import form_fields


def _fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def _votes(article_id: int) -> list[tuple]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(sa.select(
        ArticleRating.revision_number, ArticleRating.reader_key, ArticleRating.helpful,
        ArticleRating.comment).where(ArticleRating.article_id == article_id)
        .order_by(ArticleRating.id))]


def _rate(client, article_id, helpful, comment=""):
    return client.post(f"/kb/articles/{article_id}/rating",
                       data={"helpful": helpful, "comment": comment})


def _new_text(article: Article, body: str) -> None:
    article = _fresh(article.id)
    curation.revise_article(article, curation.ArticleInput(
        title=article.title, body=body, language=article.language,
        visibility=article.visibility), by=article.author)
    db.session.commit()


def test_a_second_vote_of_a_reader_replaces_the_first(client, make, login_as, make_article):
    article = make_article("Payout days", body="Payouts go out on Mondays.")
    customer = make.user()
    login_as(customer)
    page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    fields = form_fields(page, "rating")
    assert "comment" in fields
    assert 'name="helpful" value="yes"' in page and 'name="helpful" value="no"' in page
    response = _rate(client, article.id, "yes")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kb/articles/{article.id}#rating")
    _rate(client, article.id, "no", "  Which  Monday?  ")
    revision = _fresh(article.id).content_revision
    assert _votes(article.id) == [(revision, f"user:{customer.id}", False, "Which Monday?")]
    page = text_of(client.get(f"/kb/articles/{article.id}").get_data(as_text=True))
    assert "You said it was not helpful." in page


def test_a_new_text_opens_a_new_round_and_the_ratio_is_of_the_current_text(
        client, make, login_as, make_article):
    article = make_article("Payout days", body="Payouts go out on Mondays.")
    customer = make.user()
    login_as(customer)
    _rate(client, article.id, "no", "Which Monday?")
    _new_text(article, "Payouts go out every Monday at 10:00.")
    _rate(client, article.id, "yes")
    first, second = _votes(article.id)
    assert first[2] is False and second[2] is True and second[0] > first[0]
    summary = ratings.summary(_fresh(article.id))
    assert (summary.helpful, summary.not_helpful, summary.revision) == (1, 0, second[0])
    # A settings change (tags) is the same text: no new round.
    article = _fresh(article.id)
    curation.revise_article(article, curation.ArticleInput(
        title=article.title, body=article.body, tags=["payout"], language="en",
        visibility=article.visibility), by=article.author)
    db.session.commit()
    _rate(client, article.id, "no")
    assert len(_votes(article.id)) == 2


def test_anonymous_visitors_are_counted_per_browser(client, app, make_article):
    article = make_article("Shop set-up checklist")
    responses = [_rate(client, article.id, "yes") for _ in range(3)]
    assert {r.status_code for r in responses} == {302}
    other_browser = app.test_client()
    _rate(other_browser, article.id, "no")
    votes = _votes(article.id)
    assert len(votes) == 2 and all(key.startswith("browser:") for _r, key, _h, _c in votes)
    assert "127.0.0.1" not in " ".join(key for _r, key, _h, _c in votes)
    [cookie] = [c for c in responses[0].headers.getlist("Set-Cookie")
                if c.startswith(f"{readers.COOKIE}=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_rating_is_not_answering(client, make, login_as, make_article):
    article = make_article("Where is my payout?")
    login_as(make.user())
    _rate(client, article.id, "yes")
    assert _fresh(article.id).answered_count == 0
    assert db.session.scalar(sa.select(sa.func.count(ArticleAnswerEvent.id))) == 0
    page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    assert 'id="answered-form"' in page and 'id="rating"' in page


def test_editors_see_the_ratio_and_the_comments(client, make, login_as, make_article):
    article = make_article("Payout days")
    for helpful, comment in (("yes", ""), ("yes", "Clear, thanks"), ("no", "Which bank?"),
                             ("yes", "")):
        login_as(make.user())
        _rate(client, article.id, helpful, comment)
    login_as(make.user())
    page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    assert 'id="rating-summary"' not in page and "Which bank?" not in page
    login_as(make.agent(1))
    assert "Which bank?" not in client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    login_as(make.agent(2))
    page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    summary = text_of(page.split('id="rating-summary"')[1].split("</dd>")[0])
    assert "3 of 4 found it helpful (75 %)" in summary
    comments = text_of(page.split('id="rating-comments"')[1].split("</ul>")[0])
    assert "Which bank?" in comments and "Clear, thanks" in comments
    assert comments.index("Which bank?") < comments.index("Clear, thanks")    # newest first


class TestPoorRatings:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "KB_RATING_MIN_VOTES": 3, "KB_RATING_MAX_RATIO": 0.34}

    def test_poorly_rated_articles_are_listed_until_the_text_changes(self, client, make,
                                                                    login_as, make_article):
        poor = make_article("Payout days")
        mixed = make_article("Return window")
        few = make_article("Shipping labels")
        for article, votes in ((poor, ("no", "no", "yes")), (mixed, ("no", "yes", "yes")),
                               (few, ("no", "no"))):
            for helpful in votes:
                login_as(make.user())
                _rate(client, article.id, helpful, "Missing the bank holidays")
        login_as(make.agent(2))
        review = client.get("/kb/review").get_data(as_text=True)
        rows = review.split('id="poorly-rated"')[1].split("</table>")[0]
        assert poor.title in rows and mixed.title not in rows and few.title not in rows
        assert "1 of 3 (33 %)" in text_of(rows)
        assert ratings.poorly_rated_count() == 1
        assert f"/kb/articles/{poor.id}#curation" in rows
        page = client.get(f"/kb/articles/{poor.id}").get_data(as_text=True)
        assert "Poorly rated" in text_of(page.split('id="rating-summary"')[1].split("</dd>")[0])
        _new_text(poor, "Payouts go out on Mondays, except on bank holidays.")
        assert 'id="poorly-rated"' not in client.get("/kb/review").get_data(as_text=True)
        assert ratings.poorly_rated_count() == 0
        # The old votes and their comments stay readable for editors.
        page = client.get(f"/kb/articles/{poor.id}").get_data(as_text=True)
        assert "Missing the bank holidays" in page and "No ratings yet" in page


class TestThrottle:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "KB_RATING_RATE_LIMIT": "5 per hour"}

    def test_ballot_stuffing_by_one_anonymous_client_is_throttled(self, app, make, login_as,
                                                                 client, make_article):
        article = make_article("Shop set-up checklist")
        cookieless = app.test_client(use_cookies=False)    # a new "browser" every time
        statuses = [_rate(cookieless, article.id, "no").status_code for _ in range(30)]
        assert statuses == [302] * 5 + [429] * 25
        assert len(_votes(article.id)) == 5
        # Logged-in readers vote once per text anyway: they are not throttled.
        login_as(make.user())
        assert {_rate(client, article.id, "yes").status_code for _ in range(8)} == {302}
        assert len(_votes(article.id)) == 6


def test_who_may_rate_what(client, make, login_as, make_article):
    public = make_article("Payout days")
    internal = make_article("Internal escalation list", visibility="internal")
    draft = make_article("Draft about payouts", status="draft", visibility="internal")
    login_as(make.user())
    assert _rate(client, internal.id, "no").status_code == 404
    assert _rate(client, draft.id, "no").status_code == 404
    assert _rate(client, public.id, "maybe").status_code == 302     # no choice: asked again
    login_as(make.agent(1))
    assert _rate(client, internal.id, "yes").status_code == 302
    login_as(make.agent(3))
    assert _rate(client, draft.id, "yes").status_code == 403        # read, but not published
    assert 'id="rating"' not in client.get(f"/kb/articles/{draft.id}").get_data(as_text=True)
    assert [len(_votes(a.id)) for a in (public, internal, draft)] == [0, 1, 0]
