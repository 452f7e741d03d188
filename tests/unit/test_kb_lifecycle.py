"""The article life cycle: revisions, state machine, restore, optimistic locking."""
import pytest
import sqlalchemy as sa

from helpdesk.actions import Stale
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from kb import answers, curation
from kb.diff import diff_revisions
from kb.models import (
    AnswerSource,
    Article,
    ArticleRevision,
    ArticleStatus,
    OutboxEntry,
    Visibility,
)


def _input(**changes):
    data = dict(title="Refund for a returned order", body="Refunds take 3-5 days.",
                summary="How refunds work", language="en", tags=["refund", "Return"],
                visibility=Visibility.public)
    data.update(changes)
    return curation.ArticleInput(**data)


def test_l2_creates_a_draft_with_a_first_revision_and_an_outbox_row(make):
    l2 = make.agent(2)
    article = curation.create_article(_input(), by=l2, comment="first go")
    db.session.commit()
    assert article.status == ArticleStatus.draft
    assert article.slug == "refund-for-a-returned-order"
    assert article.tags == "refund, return"
    [rev] = article.revisions
    assert (rev.number, rev.author_id, rev.comment, rev.title) == (1, l2.id, "first go",
                                                                   article.title)
    assert db.session.scalar(sa.select(OutboxEntry.article_id)) == article.id


def test_draft_goes_through_review_to_published_and_archived(make):
    l2, l3 = make.agent(2), make.agent(3)
    article = curation.create_article(_input(), by=l3)
    curation.submit_for_review(article, by=l3)
    assert article.status == ArticleStatus.in_review
    curation.publish(article, by=l2)
    assert article.status == ArticleStatus.published and article.published_at
    curation.archive(article, by=l2)
    db.session.commit()
    assert [r.status for r in article.revisions] == [
        ArticleStatus.draft, ArticleStatus.in_review, ArticleStatus.published,
        ArticleStatus.archived]
    assert [r.number for r in article.revisions] == [1, 2, 3, 4]


@pytest.mark.parametrize("role, level", [("customer", None), ("agent", 1)])
def test_customers_and_level_1_cannot_write_articles(make, role, level):
    with pytest.raises(NotAllowed):
        curation.create_article(_input(), by=make.user(role, level))


def test_level_3_drafts_but_cannot_publish_or_edit_published(make):
    l3 = make.agent(3)
    article = curation.create_article(_input(is_known_error=True), by=l3)
    with pytest.raises(NotAllowed):
        curation.publish(article, by=l3)
    curation.publish(article, by=make.agent(2))
    with pytest.raises(NotAllowed):
        curation.revise_article(article, _input(title="Changed"), by=l3)


def test_same_slug_gets_a_number(make):
    l2 = make.agent(2)
    first = curation.create_article(_input(), by=l2)
    second = curation.create_article(_input(), by=l2)
    assert (first.slug, second.slug) == ("refund-for-a-returned-order",
                                         "refund-for-a-returned-order-2")


def test_restore_brings_back_old_content_as_a_new_revision(make):
    l2 = make.agent(2)
    article = curation.create_article(_input(), by=l2)
    db.session.commit()
    curation.revise_article(article, _input(title="Refunds (new policy)",
                                            body="Refunds now take 10 days."), by=l2)
    db.session.commit()
    first = article.revisions[0]
    curation.restore_revision(article, first, by=l2)
    db.session.commit()
    assert article.title == "Refund for a returned order"
    assert article.body == "Refunds take 3-5 days."
    assert [r.number for r in article.revisions] == [1, 2, 3]
    assert "1" in article.revisions[-1].comment


def test_stale_version_raises_and_keeps_the_first_save(make):
    l2 = make.agent(2)
    article = curation.create_article(_input(), by=l2)
    db.session.commit()
    seen = article.version
    curation.revise_article(article, _input(body="Editor A"), by=l2, seen_version=seen)
    db.session.commit()
    with pytest.raises(Stale):
        curation.revise_article(article, _input(body="Editor B"), by=l2, seen_version=seen)
    db.session.rollback()
    assert db.session.get(Article, article.id).body == "Editor A"


def test_diff_shows_changed_fields_and_words(make):
    l2 = make.agent(2)
    article = curation.create_article(_input(body="Line one\nRefunds take 3-5 days.\nEnd"),
                                      by=l2)
    curation.revise_article(article, _input(body="Line one\nRefunds take 10 days.\nEnd",
                                            tags=["refund"]), by=l2)
    db.session.commit()
    old, new = db.session.scalars(sa.select(ArticleRevision).order_by(ArticleRevision.number))
    changes = {c.name: c for c in diff_revisions(old, new)}
    assert set(changes) == {"tags", "body"}
    html = "".join(str(h) for _k, h in changes["body"].lines)
    assert "<del>3-5</del>" in html and "<ins>10</ins>" in html


def test_answered_counts_once_per_reader_without_a_revision(make, make_article):
    article = make_article()
    before = len(article.revisions)
    assert answers.record_answer(article, reader_key="user:1", source=AnswerSource.kb_page)
    assert not answers.record_answer(article, reader_key="user:1",
                                     source=AnswerSource.new_ticket)
    assert answers.record_answer(article, reader_key="browser:abc", source=AnswerSource.kb_page)
    db.session.commit()
    db.session.refresh(article)
    assert article.answered_count == 2
    assert len(article.revisions) == before


def test_an_unchanged_edit_is_no_revision_and_no_outbox_row(make):
    l2 = make.agent(2)
    article = curation.create_article(_input(category=make.category(), body="One.\nTwo.",
                                             translation_key="refunds"), by=l2)
    db.session.commit()
    version, outbox = article.version, db.session.scalar(sa.select(sa.func.count(OutboxEntry.id)))
    same = _input(category=article.category, translation_key=" refunds ",
                  body="One.\r\nTwo.", tags="Refund, return")
    assert curation.revise_article(article, same, by=l2, seen_version=version) is None
    db.session.commit()
    assert (article.version, len(article.revisions)) == (version, 1)
    assert db.session.scalar(sa.select(sa.func.count(OutboxEntry.id))) == outbox
    changed = _input(category=None, body="One.\nTwo.", translation_key="refunds")
    revision = curation.revise_article(article, changed, by=l2, seen_version=version)
    db.session.commit()
    assert revision.category_id is None and revision.translation_key == "refunds"
    assert {c.name for c in diff_revisions(article.revisions[0], revision)} == {"category"}
