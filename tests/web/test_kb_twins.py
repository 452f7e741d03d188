"""Translation twins: level 2 links a German and an English article (by number or by
search), readers switch language on the article page, search shows one hit per pair in
the reader's language, and a newer published text on one side marks the other "out of
date" until it is updated or an editor confirms it still matches."""
from __future__ import annotations

import sqlalchemy as sa
import yaml

from helpdesk.extensions import db
from kb import curation, transfer, twins
from kb.models import Article, ArticleStatus, CurationEvent
from tests.factories import flashes, text_of
from tests.html_forms import form_fields


def _fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def _pair(make_article, *, german_visibility="public", german_status="published"):
    english = make_article("Klarna invoice refunds", body="Klarna reduces the invoice.",
                           summary="How a Klarna invoice is reduced.")
    german = make_article("Klarna Rechnung erstatten", body="Klarna kürzt die Rechnung.",
                          language="de", visibility=german_visibility, status=german_status,
                          summary="So wird die Klarna Rechnung gekürzt.")
    return english, german


def _link(client, article, other):
    return client.post(f"/kb/articles/{article.id}/translation",
                       data={"twin": str(other), "version": _fresh(article.id).version})


def _linked(make_article, **kwargs):
    english, german = _pair(make_article, **kwargs)
    assert curation.link_translation(english, german, by=make_article.editor)
    db.session.commit()
    return english, german


def _edit(client, article_id, **changes):
    page = client.get(f"/kb/articles/{article_id}/edit").get_data(as_text=True)
    fields = form_fields(page)
    fields.update(changes)
    return client.post(f"/kb/articles/{article_id}/edit", data=fields)


# -- linking and unlinking ---------------------------------------------------------------

def test_editor_links_a_twin_by_its_number_and_both_articles_record_it(client, make, login_as,
                                                                       make_article):
    english, german = _pair(make_article)
    login_as(make.agent(2))
    editor = client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True)
    assert 'id="twin-form"' in editor and "data-kb-twin-search" in editor
    assert "language=de" in editor.split("data-kb-twin-search")[1].split(">")[0]
    response = _link(client, english, german.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kb/articles/{english.id}/edit")
    english, german = _fresh(english.id), _fresh(german.id)
    assert english.translation_key and english.translation_key == german.translation_key
    assert twins.twin_of(english).id == german.id and twins.twin_of(german).id == english.id
    for article, other in ((english, german), (german, english)):
        newest = article.revisions[-1]
        assert newest.translation_key == english.translation_key
        assert f"Linked as translation of “{other.title}”" in newest.comment
    assert twins.out_of_date(english) is None and twins.out_of_date(german) is None
    editor = client.get(f"/kb/articles/{english.id}/edit").get_data(as_text=True)
    assert 'id="linked-twin"' in editor and 'id="unlink-form"' in editor
    assert 'id="twin-form"' not in editor


def test_the_number_may_be_the_twins_address(client, make, login_as, make_article):
    english, german = _pair(make_article)
    login_as(make.agent(2))
    _link(client, german, f"http://helpdesk.test/kb/articles/{english.id}/klarna-invoice")
    assert twins.twin_of(_fresh(german.id)).id == english.id


def test_links_that_make_no_pair_are_refused_and_change_nothing(client, make, login_as,
                                                                make_article):
    english, german = _linked(make_article)
    other_english = make_article("Klarna payment plans", body="Pay in 3.")
    other_german = make_article("Klarna Ratenkauf", body="In 3 Raten.", language="de")
    login_as(make.agent(2))
    before = {a.id: (a.version, a.translation_key) for a in db.session.scalars(
        sa.select(Article))}
    cases = [(other_english, english.id, "must be an article in another language"),
             (other_english, german.id, "already the translation of"),
             (english, other_german.id, "already linked to"),
             (other_english, 999999, "There is no article 999999"),
             (other_english, "not a number", "Enter the number of an article")]
    for article, twin, reason in cases:
        response = _link(client, article, twin)
        assert response.status_code == 302
        assert reason in flashes(client)[-1][1]
    db.session.expire_all()
    assert before == {a.id: (a.version, a.translation_key) for a in db.session.scalars(
        sa.select(Article))}


def test_unlinking_leaves_neither_article_a_translation(client, make, login_as, make_article):
    english, german = _linked(make_article)
    login_as(make.agent(2))
    response = client.post(f"/kb/articles/{german.id}/translation/unlink",
                           data={"version": _fresh(german.id).version, "next_page": "edit"})
    assert response.headers["Location"].endswith(f"/kb/articles/{german.id}/edit")
    english, german = _fresh(english.id), _fresh(german.id)
    assert english.translation_key is None and german.translation_key is None
    assert "No longer linked" in english.revisions[-1].comment
    page = client.get(f"/kb/articles/{english.id}").get_data(as_text=True)
    assert 'id="language-switch"' not in page and german.title not in page


def test_a_key_another_article_of_that_language_has_is_refused_in_the_editor(
        client, make, login_as, make_article):
    english, german = _linked(make_article)
    other = make_article("Klarna basics", body="About Klarna.")
    login_as(make.agent(2))
    response = _edit(client, other.id, translation_key=english.translation_key)
    assert response.status_code == 400
    assert "already the English article with this translation key" in text_of(
        response.get_data(as_text=True))
    assert _fresh(other.id).translation_key is None
    # The German side may take a free key, and the pair's key stays the pair's.
    response = _edit(client, other.id, translation_key="klarna-basics")
    assert response.status_code == 302


# -- reading ---------------------------------------------------------------------------

def test_readers_switch_language_on_the_article_page(client, make, login_as, make_article):
    english, german = _linked(make_article)
    login_as(make.user(language="de"))
    page = client.get(f"/kb/articles/{english.id}").get_data(as_text=True)
    switch = page.split('id="language-switch"')[1].split("</p>")[0]
    assert f'href="/kb/articles/{german.id}"' in switch and 'hreflang="de"' in switch
    assert "Deutsch" in switch
    back = client.get(f"/kb/articles/{german.id}").get_data(as_text=True)
    assert f'href="/kb/articles/{english.id}"' in back.split('id="language-switch"')[1]


def test_customers_never_see_an_internal_or_unpublished_twin(client, make, login_as,
                                                            make_article):
    english, internal = _linked(make_article, german_visibility="internal")
    draft_english = make_article("Klarna disputes", body="Disputes at Klarna.")
    draft = make_article("Klarna Streitfall", body="Streitfall.", language="de",
                         status="draft")
    curation.link_translation(draft_english, draft, by=make_article.editor)
    db.session.commit()
    for user in (None, make.user(language="de")):
        if user:
            login_as(user)
        for article, twin in ((english, internal), (draft_english, draft)):
            page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
            assert 'id="language-switch"' not in page and twin.title not in page
        assert client.get(f"/kb/articles/{internal.id}").status_code == 404
    login_as(make.agent(1))
    page = client.get(f"/kb/articles/{english.id}").get_data(as_text=True)
    assert f'href="/kb/articles/{internal.id}"' in page.split('id="language-switch"')[1]
    page = client.get(f"/kb/articles/{draft_english.id}").get_data(as_text=True)
    assert 'id="language-switch"' not in page             # level 1 reads no drafts


# -- search ------------------------------------------------------------------------------

def _search(client, query, **headers):
    data = client.get(f"/kb/search?q={query}&format=json", headers=headers).get_json()
    return [(hit["id"], hit["language"]) for hit in data["results"]]


def test_search_shows_one_hit_per_pair_in_the_readers_language(client, make, login_as,
                                                               make_article):
    english, german = _linked(make_article)
    alone = make_article("Klarna checkout", body="Klarna at checkout.")
    assert sorted(_search(client, "klarna", **{"Accept-Language": "de"})) == sorted(
        [(german.id, "de"), (alone.id, "en")])
    assert sorted(_search(client, "klarna", **{"Accept-Language": "en"})) == sorted(
        [(english.id, "en"), (alone.id, "en")])
    login_as(make.user(language="de"))
    assert (german.id, "de") in _search(client, "klarna")
    assert (english.id, "en") not in _search(client, "klarna")
    login_as(make.agent(1, language="en"))
    assert (english.id, "en") in _search(client, "klarna")
    assert (german.id, "de") not in _search(client, "klarna")
    # The search page (not only its JSON) shows the pair once.
    html = client.get("/kb/search?q=klarna").get_data(as_text=True)
    assert english.title in html and german.title not in html
    # Unlinked, both come back.
    curation.unlink_translation(_fresh(english.id), by=make_article.editor)
    db.session.commit()
    assert {(english.id, "en"), (german.id, "de")} <= set(_search(client, "klarna"))


def test_search_shows_the_other_twin_when_the_readers_own_is_not_readable(
        client, make, login_as, make_article):
    english, internal = _linked(make_article, german_visibility="internal")
    login_as(make.user(language="de"))
    assert _search(client, "klarna") == [(english.id, "en")]
    draft_english = make_article("Ratenzahlung plans", body="Ratenzahlung explained.")
    draft = make_article("Ratenzahlung", body="Ratenzahlung erklärt.", language="de",
                         status="draft")
    curation.link_translation(draft_english, draft, by=make_article.editor)
    db.session.commit()
    login_as(make.agent(1, language="de"))
    assert _search(client, "ratenzahlung") == [(draft_english.id, "en")]
    assert (internal.id, "de") in _search(client, "klarna")      # agents read internal ones


def test_ticket_suggestions_offer_the_twin_in_the_customers_language(client, make, login_as,
                                                                     make_article):
    english, german = _linked(make_article)
    ticket = make.ticket(make.user(language="de"), subject="Klarna Rechnung",
                         body="Wann wird die Klarna Rechnung gekürzt?")
    login_as(make.agent(1, language="en"))
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    panel = page.split('id="kb-panel"')[1]
    assert german.title in panel and english.title not in panel


# -- out of date ---------------------------------------------------------------------------

def test_a_new_published_text_marks_the_twin_out_of_date_until_it_is_updated(
        client, make, login_as, make_article):
    english, german = _linked(make_article)
    editor = make.agent(2)
    login_as(editor)
    assert _edit(client, english.id, body="Klarna reduces the invoice within a day."
                 ).status_code == 302
    assert twins.out_of_date(_fresh(german.id)).id == english.id
    assert twins.out_of_date(_fresh(english.id)) is None
    assert twins.outdated_count() == 1
    page = client.get(f"/kb/articles/{german.id}").get_data(as_text=True)
    assert 'id="translation-outdated"' in page and english.title in page.split(
        'id="translation-outdated"')[1].split("</div>")[0]
    assert 'id="translation-outdated"' not in client.get(
        f"/kb/articles/{english.id}").get_data(as_text=True)
    review = client.get("/kb/review").get_data(as_text=True)
    rows = review.split('id="outdated-translations"')[1].split("</table>")[0]
    assert f"/kb/articles/{german.id}/edit" in rows and f"/kb/articles/{english.id}/edit" \
        not in rows
    # Readers are not told.
    login_as(make.user(language="de"))
    assert "translation-outdated" not in client.get(
        f"/kb/articles/{german.id}").get_data(as_text=True)
    # The translator updates the German text: the flag goes, and the update does not
    # mark the English side in turn.
    login_as(editor)
    assert _edit(client, german.id, body="Klarna kürzt die Rechnung innerhalb eines Tages."
                 ).status_code == 302
    assert twins.out_of_date(_fresh(german.id)) is None
    assert twins.out_of_date(_fresh(english.id)) is None
    assert 'id="outdated-translations"' not in client.get("/kb/review").get_data(as_text=True)
    assert twins.outdated_count() == 0
    # A later change of the German text is news for the English side.
    assert _edit(client, german.id, body="Klarna kürzt die Rechnung sofort.").status_code == 302
    assert twins.out_of_date(_fresh(english.id)).id == german.id


def test_settings_and_status_changes_mark_nothing_out_of_date(client, make, login_as,
                                                             make_article):
    english, german = _linked(make_article)
    login_as(make.agent(2))
    assert _edit(client, english.id, tags="klarna, invoice").status_code == 302
    client.post(f"/kb/articles/{english.id}/send-back", data={"version": _fresh(
        english.id).version})
    client.post(f"/kb/articles/{english.id}/publish", data={"version": _fresh(
        english.id).version})
    assert twins.out_of_date(_fresh(german.id)) is None


def test_only_a_published_text_counts(client, make, login_as, make_article):
    english, german = _linked(make_article, german_status="draft")
    login_as(make.agent(2))
    assert _edit(client, german.id, body="Klarna kürzt die Rechnung, neu.").status_code == 302
    assert twins.out_of_date(_fresh(english.id)) is None          # the German side is a draft
    client.post(f"/kb/articles/{german.id}/publish",
                data={"version": _fresh(german.id).version})
    assert _fresh(german.id).status == ArticleStatus.published
    assert twins.out_of_date(_fresh(english.id)).id == german.id


def test_confirming_it_still_matches_clears_the_flag_and_is_in_the_history(
        client, make, login_as, make_article):
    english, german = _linked(make_article)
    editor = make.agent(2, name="Rita Reviewer")
    login_as(editor)
    _edit(client, english.id, summary="Klarna reduces the invoice at once.")
    review = client.get("/kb/review").get_data(as_text=True)
    row_form = review.split('id="outdated-translations"')[1].split("</table>")[0]
    assert f'action="/kb/articles/{german.id}/translation/confirm"' in row_form
    response = client.post(f"/kb/articles/{german.id}/translation/confirm",
                           data={"version": _fresh(german.id).version, "next_page": "review"})
    assert response.headers["Location"].endswith("/kb/review")
    assert twins.out_of_date(_fresh(german.id)) is None
    assert 'id="outdated-translations"' not in client.get("/kb/review").get_data(as_text=True)
    event = db.session.scalar(sa.select(CurationEvent).where(
        CurationEvent.article_id == german.id))
    assert event.by_id == editor.id and english.title in event.detail
    history = text_of(client.get(f"/kb/articles/{german.id}/history").get_data(as_text=True))
    assert "Checked: still matches its translation" in history and "Rita Reviewer" in history
    # Confirming again changes nothing.
    version = _fresh(german.id).version
    client.post(f"/kb/articles/{german.id}/translation/confirm", data={"version": version})
    assert _fresh(german.id).version == version
    assert db.session.scalar(sa.select(sa.func.count(CurationEvent.id))) == 1


def test_level_1_and_customers_cannot_confirm_or_link(client, make, login_as, make_article):
    english, german = _linked(make_article)
    curation.revise_article(english, curation.ArticleInput(
        title=english.title, body="New text.", language="en", visibility=english.visibility,
        translation_key=english.translation_key), by=make_article.editor)
    db.session.commit()
    for user in (make.user(), make.agent(1), make.agent(3)):
        login_as(user)
        version = _fresh(german.id).version
        assert client.post(f"/kb/articles/{german.id}/translation/confirm",
                           data={"version": version}).status_code == 403
        assert client.post(f"/kb/articles/{german.id}/translation/unlink",
                           data={"version": version}).status_code == 403
        assert twins.out_of_date(_fresh(german.id)) is not None


# -- export and import ------------------------------------------------------------------------

def test_twins_travel_through_export_and_import(client, make, login_as, make_article,
                                                tmp_path):
    english, german = _linked(make_article)
    assert transfer.export_folder(tmp_path) >= 2
    fronts = {path.stem: yaml.safe_load(path.read_text().split("---")[1])
              for path in tmp_path.glob("*.md")}
    assert fronts[english.slug]["translation"] == fronts[german.slug]["translation"] \
        == english.translation_key
    # Again into the same database: nothing changes.
    report = transfer.import_folder(tmp_path)
    assert (report.created, report.updated, report.errors) == (0, 0, [])
    # Into a database without them: the pair comes back, matching.
    for article in (english, german):
        db.session.delete(_fresh(article.id))
    db.session.commit()
    report = transfer.import_folder(tmp_path)
    assert report.created == 2 and report.errors == []
    english = db.session.scalar(sa.select(Article).where(Article.slug == english.slug))
    german = db.session.scalar(sa.select(Article).where(Article.slug == german.slug))
    assert twins.twin_of(english).id == german.id
    assert twins.out_of_date(english) is None and twins.out_of_date(german) is None
    # An import that changes the English text marks the German one out of date.
    path = tmp_path / f"{english.slug}.md"
    path.write_text(path.read_text().replace("reduces the invoice", "cuts the invoice"))
    transfer.import_folder(tmp_path)
    assert twins.out_of_date(_fresh(german.id)).id == english.id


def test_an_import_file_with_a_taken_key_is_reported_and_skipped(make_article, tmp_path):
    english, _german = _linked(make_article)
    (tmp_path / "second-english.md").write_text(
        f"---\ntitle: Another one\nlanguage: en\ntranslation: {english.translation_key}\n"
        "---\nText.\n")
    report = transfer.import_folder(tmp_path)
    assert report.created == 0
    [(name, reason)] = report.errors
    assert name == "second-english.md" and "already the English article" in reason
