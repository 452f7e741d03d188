"""Demo curation: something on every curation list, in both languages.

An English text revised after its German translation (so the German one is out of
date), articles past their review date, reader ratings (one English and one German
article rated poorly, others well, with comments) and a "still accurate" check in a
history. Called by kb.demo after the articles exist; flushes, `helpdesk demo` commits.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb import curation, reviews
from kb.models import Article, ArticleRating

# (topic, language, votes: "+" helpful, "-" not, comments)
RATINGS = [
    ("influencer-attribution", "en", "+-+-----", [
        (False, "It doesn't say what happens when an order has a code and a link."),
        (False, "Still no idea why my TikTok clicks are lost. Is there a fix coming?"),
        (True, "The 30-day rule was what I needed, thanks."),
    ]),
    ("commission-calculation", "de", "--+---", [
        (False, "Mir fehlt ein Beispiel mit Rabattcode und Teilerstattung."),
        (False, "Wird die Provision vom Brutto- oder Nettobetrag berechnet?"),
    ]),
    ("refund-timeline", "de", "+++++++-+", [
        (True, "Die Tabelle mit den Zahlungsarten ist super."),
    ]),
    ("refund-timeline", "en", "++++-+", []),
    ("two-factor", "en", "+++", [(True, "Worked after syncing the phone's clock.")]),
]

# (topic, language, days past due)
PAST_DUE = [("connect-instagram", "en", 21), ("account-locked", "de", 4),
            ("custom-domain", "en", 9)]


def seed_curation(users: dict) -> None:
    """Fill the curation lists of the demo (see the module docstring)."""
    by_key = {(a.translation_key, a.language): a for a in db.session.scalars(
        sa.select(Article).where(Article.translation_key.is_not(None)))}
    _outdated_translation(by_key, users)
    for key, language, days in PAST_DUE:
        article = by_key.get((key, language))
        if article is not None:
            article.review_by = reviews.today() - timedelta(days=days)
    if ("two-factor", "de") in by_key:
        by_key[("two-factor", "de")].owner = users["admin"]
    _ratings(by_key, users)
    refund = by_key.get(("refund-timeline", "en"))
    if refund is not None:
        curation.confirm_review(refund, by=users["l2"])
    db.session.flush()


def _outdated_translation(by_key: dict, users: dict) -> None:
    """Level 2 adds rates by order value to the English shipping article; the German
    one still has the old text."""
    english = by_key.get(("shipping-rates", "en"))
    if english is None:
        return
    curation.revise_article(english, curation.ArticleInput(
        title=english.title, summary=english.summary, language=english.language,
        body=english.body.replace(
            "flat (e.g. €6.90), by weight or free above an order value.",
            "flat (e.g. €6.90), by weight, by order value (e.g. €4.90 below €50) or free "
            "above an order value."),
        category=english.category, tags=english.tags, visibility=english.visibility,
        is_known_error=english.is_known_error, translation_key=english.translation_key),
        by=users["l2"], comment="Rates by order value are new")


def _ratings(by_key: dict, users: dict) -> None:
    now = utcnow()
    for number, (key, language, votes, comments) in enumerate(RATINGS):
        article = by_key.get((key, language))
        if article is None:
            continue
        texts = {helpful: [c for h, c in comments if h is helpful] for helpful in (True, False)}
        for index, vote in enumerate(votes):
            helpful = vote == "+"
            reader = (f"user:{users['customer'].id}" if index == 0 else
                      f"user:{users['customer2'].id}" if index == 1 else
                      f"browser:demo-reader-{number}-{index:02d}")
            comment = texts[helpful].pop(0) if texts[helpful] else ""
            when = now - timedelta(days=len(votes) - index, hours=number)
            db.session.add(ArticleRating(
                article_id=article.id, revision_number=article.content_revision or 1,
                reader_key=reader, helpful=helpful, comment=comment, created_at=when,
                updated_at=when))

