"""Review dates and owners: publishing gives an article an owner (who published it) and a
review-by date (KB_REVIEW_MONTHS later); past-due articles are on the curation list until
an editor says "still accurate", which renews the date and is kept in the history;
editors change the owner and the date."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from helpdesk import create_app
from helpdesk.extensions import db
from kb import reviews, twins
from kb.models import Article, CurationEvent, CurationEventKind
from tests.factories import flashes, text_of
from tests.unit.test_migrations import empty_database  # noqa: F401 (fixture: an empty database)


def _fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def _today() -> date:
    return reviews.today()


def _past_due(article: Article, days: int = 3) -> Article:
    article.review_by = _today() - timedelta(days=days)
    db.session.commit()
    return article


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 15), 6, date(2026, 7, 15)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2026, 12, 1), 1, date(2027, 1, 1)),
    (date(2026, 3, 31), 12, date(2027, 3, 31)),
])
def test_months_are_calendar_months(start, months, expected):
    assert reviews.add_months(start, months) == expected


def test_publishing_makes_the_publisher_owner_and_sets_the_review_date(client, make, login_as,
                                                                       make_article):
    draft = make_article("Known error: sync stalls", status="draft", by=make.agent(3))
    publisher = make.agent(2, name="Paula Publisher")
    login_as(publisher)
    response = client.post(f"/kb/articles/{draft.id}/publish",
                           data={"version": _fresh(draft.id).version})
    assert response.status_code == 302
    article = _fresh(draft.id)
    assert article.owner_id == publisher.id
    assert article.review_by == reviews.add_months(_today(), 6)
    page = text_of(client.get(f"/kb/articles/{draft.id}").get_data(as_text=True))
    assert "Owner Paula Publisher" in page
    # Publishing again (after archiving) keeps the owner and starts a new review period.
    other = make.agent(2)
    article.review_by = _today() - timedelta(days=100)
    db.session.commit()
    login_as(other)
    client.post(f"/kb/articles/{draft.id}/archive", data={"version": _fresh(draft.id).version})
    client.post(f"/kb/articles/{draft.id}/publish", data={"version": _fresh(draft.id).version})
    assert _fresh(draft.id).owner_id == publisher.id
    assert _fresh(draft.id).review_by == reviews.add_months(_today(), 6)


class TestReviewMonths:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "KB_REVIEW_MONTHS": "3"}      # as an environment variable gives it

    def test_the_period_is_a_setting(self, make_article):
        article = make_article("Payout days")
        assert article.review_by == reviews.add_months(_today(), 3)


def test_past_due_articles_are_listed_until_an_editor_says_still_accurate(
        client, make, login_as, make_article):
    due = _past_due(make_article("Shipping labels", body="Print labels."), days=10)
    fresh = make_article("Return window", body="30 days.")
    draft = make_article("Draft about payouts", status="draft")
    draft.review_by = _today() - timedelta(days=10)          # only published ones are due
    db.session.commit()
    editor = make.agent(2, name="Rita Reviewer")
    login_as(editor)
    review = client.get("/kb/review").get_data(as_text=True)
    rows = review.split('id="past-due"')[1].split("</table>")[0]
    assert due.title in rows and fresh.title not in rows and draft.title not in rows
    assert f'action="/kb/articles/{due.id}/review/confirm"' in rows
    assert reviews.past_due_count() == 1
    page = client.get(f"/kb/articles/{due.id}").get_data(as_text=True)
    assert 'id="review-past-due"' in page
    assert 'id="review-past-due"' not in client.get(
        f"/kb/articles/{fresh.id}").get_data(as_text=True)

    response = client.post(f"/kb/articles/{due.id}/review/confirm",
                           data={"version": _fresh(due.id).version, "next_page": "review"})
    assert response.headers["Location"].endswith("/kb/review")
    assert _fresh(due.id).review_by == reviews.add_months(_today(), 6)
    assert 'id="past-due"' not in client.get("/kb/review").get_data(as_text=True)
    assert reviews.past_due_count() == 0
    event = db.session.scalar(sa.select(CurationEvent))
    assert (event.article_id, event.kind, event.by_id) == (
        due.id, CurationEventKind.review_confirmed, editor.id)
    assert event.detail == reviews.add_months(_today(), 6).isoformat()
    history = text_of(client.get(f"/kb/articles/{due.id}/history").get_data(as_text=True))
    assert "Checked: still accurate" in history and "Rita Reviewer" in history
    revisions = len(_fresh(due.id).revisions)
    assert revisions == 2          # the check is no revision (created, published)


def test_a_new_publication_takes_an_article_off_the_past_due_list(client, make, login_as,
                                                                 make_article):
    due = _past_due(make_article("Shipping labels"))
    login_as(make.agent(2))
    client.post(f"/kb/articles/{due.id}/send-back", data={"version": _fresh(due.id).version})
    assert due.title not in client.get("/kb/review").get_data(as_text=True).split(
        "Review past due")[1].split("</h2>")[1].split("<h2>")[0]
    client.post(f"/kb/articles/{due.id}/publish", data={"version": _fresh(due.id).version})
    assert not reviews.is_past_due(_fresh(due.id))


def test_editors_change_the_owner_and_the_date_and_the_history_says_so(
        client, make, login_as, make_article):
    article = make_article("Payout days", by=make.agent(2, name="Anna Author"))
    successor = make.agent(2, name="Max Successor")
    login_as(make.agent(2))
    page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    form = page.split('id="owner-form"')[1].split("</form>")[0]
    assert f'value="{successor.id}"' in form and "Max Successor" in form
    customer = make.user(name="Carl Customer")
    assert f'value="{customer.id}"' not in form and make.agent(1).name not in form
    new_date = _today() + timedelta(days=30)
    response = client.post(f"/kb/articles/{article.id}/owner", data={
        "owner": str(successor.id), "review_by": new_date.isoformat(),
        "version": _fresh(article.id).version})
    assert response.status_code == 302
    article = _fresh(article.id)
    assert (article.owner_id, article.review_by) == (successor.id, new_date)
    events = {e.kind: e.detail for e in db.session.scalars(sa.select(CurationEvent))}
    assert events[CurationEventKind.owner_changed] == "Anna Author → Max Successor"
    assert events[CurationEventKind.review_date_changed].endswith(new_date.isoformat())
    history = text_of(client.get(f"/kb/articles/{article.id}/history").get_data(as_text=True))
    assert "New owner Anna Author → Max Successor" in history and "New review date" in history
    # A customer is no choice; the same values again change nothing.
    version = _fresh(article.id).version
    client.post(f"/kb/articles/{article.id}/owner", data={
        "owner": str(customer.id), "review_by": new_date.isoformat(), "version": version})
    assert flashes(client)[-1][0] == "error"
    client.post(f"/kb/articles/{article.id}/owner", data={
        "owner": str(successor.id), "review_by": new_date.isoformat(), "version": version})
    assert (_fresh(article.id).owner_id, _fresh(article.id).version) == (successor.id, version)
    assert db.session.scalar(sa.select(sa.func.count(CurationEvent.id))) == 2


def test_a_stale_owner_form_changes_nothing(client, make, login_as, make_article):
    article = make_article("Payout days")
    login_as(make.agent(2))
    response = client.post(f"/kb/articles/{article.id}/owner", data={
        "owner": str(make.agent(2).id), "version": str(_fresh(article.id).version - 1)})
    assert response.status_code == 302 and "changed this article" in flashes(client)[-1][1]
    assert _fresh(article.id).owner_id == make_article.editor.id


def test_only_editors_renew_reviews_or_change_owners(client, make, login_as, make_article):
    public = _past_due(make_article("Shipping labels"))
    internal = _past_due(make_article("Internal escalation list", visibility="internal"))
    for user, public_answer, internal_answer in ((make.user(), 403, 404),
                                                 (make.agent(1), 403, 403),
                                                 (make.agent(3), 403, 403)):
        login_as(user)
        for article, answer in ((public, public_answer), (internal, internal_answer)):
            version = _fresh(article.id).version
            assert client.post(f"/kb/articles/{article.id}/review/confirm",
                               data={"version": version}).status_code == answer
            assert client.post(f"/kb/articles/{article.id}/owner", data={
                "owner": str(user.id), "version": version}).status_code == answer
        assert 'id="curation"' not in client.get(
            f"/kb/articles/{public.id}").get_data(as_text=True)
        assert client.get("/kb/review").status_code == 404
    assert reviews.is_past_due(_fresh(public.id)) and reviews.is_past_due(_fresh(internal.id))
    assert db.session.scalar(sa.select(sa.func.count(CurationEvent.id))) == 0


def test_migration_gives_published_articles_an_owner_and_a_date(
        empty_database, tmp_path):  # noqa: F811
    """Articles from before 0012: published ones are owned by their author and due six
    months after they were published; existing translation pairs are not out of date."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": empty_database,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0011")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO \"user\" (id, email, name, role, level, is_active_account, "
                "created_at) VALUES (1, 'l2@example.com', 'L2', 'agent', 2, :t, :now)"),
                {"t": True, "now": datetime(2026, 1, 1)})
            for article_id, status, language, key, updated in (
                    (1, "published", "en", "refunds", datetime(2026, 3, 1)),
                    (2, "published", "de", "refunds", datetime(2026, 4, 30)),
                    (3, "draft", "en", None, datetime(2026, 5, 1))):
                conn.execute(sa.text(
                    "INSERT INTO kb_article (id, slug, title, summary, body, language, tags, "
                    "visibility, status, is_known_error, translation_key, author_id, "
                    "created_at, updated_at, published_at, answered_count, version) VALUES "
                    "(:id, :slug, 'T', '', 'B', :language, '', 'public', :status, :f, :key, "
                    "1, :now, :now, :published, 0, 1)"),
                    {"id": article_id, "slug": f"a-{article_id}", "language": language,
                     "status": status, "key": key, "now": updated, "f": False,
                     "published": updated if status == "published" else None})
        upgrade(directory=directory, revision="0012")
        db.session.expire_all()
        english, german, draft = (db.session.get(Article, i) for i in (1, 2, 3))
        assert (english.owner_id, english.review_by) == (1, date(2026, 9, 1))
        assert (german.owner_id, german.review_by) == (1, date(2026, 10, 30))
        assert (draft.owner_id, draft.review_by) == (None, None)
        assert draft.content_changed_at == datetime(2026, 5, 1)
        assert twins.out_of_date(english) is None and twins.out_of_date(german) is None
        db.session.remove()
        db.engine.dispose()
