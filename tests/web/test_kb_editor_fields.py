"""Editing an article keeps every field it does not change (category, translation key,
visibility, tags, known error), the history shows every field that did change, and
saving the form unchanged changes nothing."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from helpdesk import create_app
from helpdesk.extensions import db
from kb import curation
from kb.models import Article, ArticleRevision, OutboxEntry, Visibility
from tests.html_forms import form_fields
from tests.unit.test_migrations import empty_database  # noqa: F401 (fixture: an empty database)


@pytest.fixture
def twins(make, make_article):
    """A categorised, tagged, public known-error article and its German translation."""
    orders = make.category("orders")
    english = make_article("Cancel an order", body="Open the order.\nClick Cancel.",
                           summary="How to cancel.", category=orders, tags=["order", "cancel"])
    german = make_article("Bestellung stornieren", body="Bestellung öffnen.", language="de",
                          category=orders)
    editor = make_article.editor
    for article in (english, german):
        curation.revise_article(article, curation.ArticleInput(
            title=article.title, body=article.body, summary=article.summary,
            language=article.language, category=orders, tags=article.tags,
            visibility=article.visibility, is_known_error=article is english,
            translation_key="cancel-order"), by=editor, comment="linked")
    db.session.commit()
    return english, german


def _counts(article_id: int) -> tuple[int, int, int]:
    db.session.expire_all()
    article = db.session.get(Article, article_id)
    revisions = db.session.scalar(sa.select(sa.func.count(ArticleRevision.id)).where(
        ArticleRevision.article_id == article_id))
    outbox = db.session.scalar(sa.select(sa.func.count(OutboxEntry.id)))
    return article.version, revisions, outbox


def test_edit_form_preselects_category_and_keeps_translation_key(client, login_as, twins,
                                                                 make):
    english, german = twins
    login_as(make.agent(2))
    html = client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True)
    fields = form_fields(html)
    assert fields["category"] == str(english.category_id)
    assert fields["translation_key"] == "cancel-order"
    assert fields["visibility"] == "public" and fields["tags"] == "order, cancel"
    assert fields["is_known_error"] == "y" and fields["language"] == "en"
    twin_link = html.split('id="translation-of"')[1].split("</p>")[0]
    assert f'/kb/articles/{german.id}"' in twin_link and "Bestellung stornieren" in twin_link


def test_saving_the_unchanged_form_changes_nothing(client, login_as, twins, make):
    english, _german = twins
    login_as(make.agent(2))
    before = _counts(english.id)
    fields = form_fields(client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True))
    response = client.post(f"/kb/articles/{english.id}/edit", data=fields,
                           follow_redirects=True)
    assert response.status_code == 200
    assert "No changes to save" in response.get_data(as_text=True)
    assert _counts(english.id) == before          # same version, no revision, no outbox row


def test_browser_line_ends_are_not_a_change(client, login_as, twins, make):
    english, _german = twins
    login_as(make.agent(2))
    before = _counts(english.id)
    fields = form_fields(client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True))
    fields["body"] = fields["body"].replace("\n", "\r\n")     # what a browser sends
    response = client.post(f"/kb/articles/{english.id}/edit", data=fields,
                           follow_redirects=True)
    assert "No changes to save" in response.get_data(as_text=True)
    assert _counts(english.id) == before


def test_editing_one_sentence_keeps_category_translation_and_the_twins_link(client, login_as,
                                                                           twins, make):
    english, german = twins
    login_as(make.agent(2))
    fields = form_fields(client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True))
    fields["body"] += "\nThe refund follows in 3 days."
    response = client.post(f"/kb/articles/{english.id}/edit", data=fields)
    assert response.status_code == 302
    db.session.expire_all()
    article = db.session.get(Article, english.id)
    assert article.body.endswith("The refund follows in 3 days.")
    assert (article.category.name_en, article.translation_key, article.visibility,
            article.tags, article.is_known_error) == (
        "Orders", "cancel-order", Visibility.public, "order, cancel", True)
    newest = article.revisions[-1]
    assert (newest.category_id, newest.translation_key, newest.is_known_error) == (
        article.category_id, "cancel-order", True)
    twin_page = client.get(f"/kb/articles/{german.id}").get_data(as_text=True)
    also = twin_page.split("Also available in")[1].split("</ul>")[0]
    assert f'/kb/articles/{english.id}"' in also
    history = client.get(f"/kb/articles/{english.id}/history").get_data(as_text=True)
    labels = re.findall(r'class="kb-diff-field">([^<]+)<', history)
    assert labels == ["Article"]                  # the only field that changed


def test_history_diff_shows_every_field_that_changed(client, login_as, twins, make):
    english, _german = twins
    login_as(make.agent(2))
    fields = form_fields(client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True))
    payouts = make.category("payouts")
    fields.update(category=str(payouts.id), visibility="internal", tags="order, refund",
                  translation_key="cancel-order-v2", language="de")
    del fields["is_known_error"]
    assert client.post(f"/kb/articles/{english.id}/edit", data=fields).status_code == 302
    html = client.get(f"/kb/articles/{english.id}/history").get_data(as_text=True)
    diffs = dict(re.findall(r'class="kb-diff-field">([^<]+)</div>\s*<pre[^>]*>(.*?)</pre>',
                            html, re.S))
    assert set(diffs) == {"Category", "Tags", "Language", "Visibility", "Known error",
                          "Translation key"}
    assert "<del>Orders</del>" in diffs["Category"] and "<ins>Payouts</ins>" in diffs["Category"]
    assert "Internal" in diffs["Visibility"] and "Public" in diffs["Visibility"]
    assert "<del>cancel-order</del>" in diffs["Translation key"]
    assert "<ins>cancel-order-v2</ins>" in diffs["Translation key"]
    assert "<ins>refund</ins>" in diffs["Tags"] and "Deutsch" in diffs["Language"]


def test_restoring_a_revision_brings_back_its_translation_key(client, login_as, twins, make):
    english, german = twins
    login_as(make.agent(2))
    fields = form_fields(client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True))
    fields["translation_key"] = ""
    client.post(f"/kb/articles/{english.id}/edit", data=fields)
    db.session.expire_all()
    article = db.session.get(Article, english.id)
    assert article.translation_key is None
    linked = article.revisions[-2]
    client.post(f"/kb/articles/{english.id}/revisions/{linked.number}/restore",
                data={"version": article.version})
    db.session.expire_all()
    assert db.session.get(Article, english.id).translation_key == "cancel-order"
    assert f'/kb/articles/{english.id}"' in client.get(
        f"/kb/articles/{german.id}").get_data(as_text=True).split("Also available in")[1]


def test_a_deactivated_category_survives_an_edit(client, login_as, twins, make):
    english, _german = twins
    english.category.is_active = False
    db.session.commit()
    login_as(make.agent(2))
    fields = form_fields(client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True))
    assert fields["category"] == str(english.category_id)
    fields["summary"] = "How to cancel an order."
    assert client.post(f"/kb/articles/{english.id}/edit", data=fields).status_code == 302
    db.session.expire_all()
    assert db.session.get(Article, english.id).category.name_en == "Orders"


def test_new_article_can_be_linked_to_its_translation(client, login_as, twins, make):
    english, german = twins
    german.translation_key = None          # the English article waits for its translation
    db.session.commit()
    login_as(make.agent(2))
    response = client.post("/kb/articles/new", data={
        "title": "Eine Bestellung stornieren", "body": "Öffne die Bestellung.", "language": "de",
        "visibility": "public", "category": "None", "translation_key": " cancel-order ",
        "version": "0", "base_revision": "0"})
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Article).where(
        Article.title == "Eine Bestellung stornieren"))
    assert created.translation_key == "cancel-order"
    assert created.revisions[0].translation_key == "cancel-order"
    assert f'/kb/articles/{created.id}"' in client.get(
        f"/kb/articles/{english.id}").get_data(as_text=True).split("Also available in")[1]


def test_migration_fills_older_revisions_from_their_article(empty_database, tmp_path):  # noqa: F811
    """Revisions saved before 0005 get the article's known-error flag and translation key,
    so the history shows no change that did not happen; a downgrade goes back cleanly."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": empty_database,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0004")
        now = datetime(2026, 11, 1, 12, 0)
        with db.engine.begin() as conn:
            for article_id, known, key in ((1, True, "cancel-order"), (2, False, None)):
                conn.execute(sa.text(
                    "INSERT INTO kb_article (id, slug, title, summary, body, language, tags, "
                    "visibility, status, is_known_error, translation_key, created_at, "
                    "updated_at, answered_count, version) VALUES (:id, :slug, 'T', '', 'B', "
                    "'en', '', 'public', 'published', :known, :key, :now, :now, 3, 2)"),
                    {"id": article_id, "slug": f"a-{article_id}", "known": known, "key": key,
                     "now": now})
                for number in (1, 2):
                    conn.execute(sa.text(
                        "INSERT INTO kb_article_revision (article_id, number, title, summary, "
                        "body, language, tags, visibility, status, comment, created_at) "
                        "VALUES (:id, :number, 'T', '', 'B', 'en', '', 'public', 'draft', "
                        "'', :now)"), {"id": article_id, "number": number, "now": now})
        upgrade(directory=directory, revision="0005")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT article_id, number, is_known_error, translation_key "
                "FROM kb_article_revision ORDER BY article_id, number")).all()
            counts = conn.execute(sa.text("SELECT answered_count FROM kb_article")).scalars()
            assert list(counts) == [3, 3]                        # older counts are kept
        assert [tuple(r) for r in rows] == [(1, 1, True, "cancel-order"),
                                            (1, 2, True, "cancel-order"),
                                            (2, 1, False, None), (2, 2, False, None)]
        downgrade(directory=directory, revision="0004")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("kb_article_revision")}
            assert "translation_key" not in columns
            assert "kb_article_answer" not in sa.inspect(conn).get_table_names()
        db.engine.dispose()
