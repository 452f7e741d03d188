"""Demo evidence for `helpdesk demo` (registry.DEMO_SEEDERS, after the articles): eight
weeks of searches in German and English (answered ones with the articles opened from them,
deflections and tickets filed anyway on the new-ticket form, and searches nothing answers:
the knowledge gaps), article views per day, and a dismissed gap."""
from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb.evidence_models import (
    ArticleViewDay,
    GapDismissal,
    GapKind,
    ReaderClass,
    SearchLog,
    SearchOpen,
    SearchSource,
)
from kb.models import Article, ArticleStatus
from kb.search_log import normalise, stem_key

WEEKS = 8

# What people searched for and the knowledge base does not answer: several wordings of
# each (they group by stem on the gaps page), with the hits the demo search finds for them
# and how often each was typed.
UNANSWERED = [
    ("de", [("Größentabelle", 0, 4), ("Größentabellen", 0, 2), ("Groessentabelle", 0, 1)]),
    ("de", [("Treuepunkte", 0, 3), ("treuepunkt", 0, 2)]),
    ("de", [("Urlaubsmodus", 0, 3)]),
    ("de", [("Kleinunternehmerregelung", 0, 2)]),
    ("de", [("Warenkorbabbrecher", 0, 2)]),
    ("en", [("abandoned carts", 0, 4), ("abandoned cart", 0, 2)]),
    ("en", [("vacation mode", 1, 3)]),                       # one hit, and not the answer
    ("en", [("loyalty points", 1, 2), ("loyalty point", 1, 1)]),
    ("en", [("dropshipping", 0, 2)]),
    ("en", [("wholesale", 0, 2)]),
    ("en", [("newsletter signup", 0, 1)]),
    ("en", [("test", 1, 3)]),                                # dismissed below
]

# Searches the knowledge base answers: words, language, hits, the article opened (its
# translation key).
ANSWERED = [
    ("refund customer", "en", 3, "refund-timeline"),
    ("Rückerstattung", "de", 2, "refund-timeline"),
    ("Rücksendung anmelden", "de", 1, "register-return"),
    ("return", "en", 4, "register-return"),
    ("Auszahlung", "de", 3, "payout-schedule"),
    ("payout schedule", "en", 1, "payout-schedule"),
    ("Provision berechnen", "de", 1, "commission-calculation"),
    ("commission", "en", 4, "commission-calculation"),
    ("verification required", "en", 1, "payout-verification"),
    ("eigene Domain", "de", 1, "custom-domain"),
    ("custom domain", "en", 5, "custom-domain"),
    ("Versandkosten Schweiz", "de", 1, "shipping-rates"),
    ("Instagram shop", "en", 2, "connect-instagram"),
    ("Instagram verbinden", "de", 2, "connect-instagram"),
    ("TikTok Shop", "en", 2, "connect-tiktok"),
    ("influencer code", "en", 3, "influencer-codes"),
    ("Zwei-Faktor", "de", 1, "two-factor"),
    ("two-factor code", "en", 1, "two-factor"),
    ("Konto gesperrt", "de", 1, "account-locked"),
    ("shop checklist", "en", 1, "shop-setup-checklist"),
]


def seed(*, users: dict, categories: dict) -> None:
    """Add the demo evidence. Flushes; `helpdesk demo` commits."""
    rng = random.Random(8)
    now = utcnow()
    articles = {(a.translation_key, a.language): a for a in db.session.scalars(
        sa.select(Article).where(Article.status == ArticleStatus.published))}
    if not articles:
        return

    def when(week: int):
        return now - timedelta(weeks=week, days=rng.random() * 7, hours=rng.random() * 8)

    def add(query: str, language: str, *, hits: int, source: SearchSource,
            reader: ReaderClass, week: int, filed: bool = False) -> SearchLog:
        row = SearchLog(source=source, query=normalise(query), key=stem_key(normalise(query)),
                        language=language, hits=hits, reader=reader, filed=filed,
                        searched_at=when(week))
        db.session.add(row)
        return row

    for language, wordings in UNANSWERED:
        for query, hits, times in wordings:
            for n in range(times):
                source = (SearchSource.new_ticket, SearchSource.kb, SearchSource.ticket)[n % 3]
                reader = {SearchSource.new_ticket: ReaderClass.customer,
                          SearchSource.kb: (ReaderClass.anonymous, ReaderClass.customer)[n % 2],
                          SearchSource.ticket: ReaderClass.l1}[source]
                add(query, language, hits=hits, source=source, reader=reader,
                    week=rng.randrange(WEEKS), filed=source == SearchSource.new_ticket)

    opens = []
    for week in range(WEEKS):
        # More searches and more of them answered in recent weeks: the loop at work.
        for query, language, hits, key in rng.sample(ANSWERED,
                                                     k=min(len(ANSWERED), 14 - week)):
            article = articles.get((key, language))
            if article is None:
                continue
            source = rng.choice((SearchSource.kb, SearchSource.kb, SearchSource.new_ticket,
                                 SearchSource.ticket))
            reader = (ReaderClass.l1 if source == SearchSource.ticket else
                      rng.choice((ReaderClass.anonymous, ReaderClass.customer)))
            if source == SearchSource.new_ticket:
                reader = ReaderClass.customer
            opened = hits == 1 or rng.random() < 0.7
            row = add(query, language, hits=hits, source=source, reader=reader,
                      week=week, filed=source == SearchSource.new_ticket and (
                          not opened or rng.random() < 0.3))
            if opened:
                opens.append((row, article))
    db.session.flush()
    for row, article in opens:
        db.session.add(SearchOpen(search_id=row.id, article_id=article.id,
                                  opened_at=row.searched_at + timedelta(seconds=20)))

    today = now.date()
    for article in sorted(articles.values(), key=lambda article: article.id):
        popularity = rng.choice((1, 2, 4, 8))
        for day in range(WEEKS * 7):
            views = rng.randint(0, popularity)
            if views:
                db.session.add(ArticleViewDay(article_id=article.id,
                                              day=today - timedelta(days=day), views=views))

    db.session.add(GapDismissal(kind=GapKind.search, key=stem_key("test"), label="test",
                                dismissed_by_id=users["l2"].id,
                                dismissed_at=now - timedelta(days=3)))
    db.session.flush()
