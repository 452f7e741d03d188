"""Demo: synonym groups, articles in one language only, and required reading with
progress for several agents (an overdue assignment, one article changed after an agent
confirmed it). Called through registry.DEMO_SEEDERS after the KB's articles exist;
flushes, `helpdesk demo` commits."""
from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from helpdesk.accounts.models import Role
from helpdesk.accounts.operations import create_user, find_user
from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb import curation, synonyms, training
from kb.demo_content import ONE_LANGUAGE
from kb.models import Article, ArticleStatus, Visibility

# What level 2 would declare: the words customers and agents use for the same thing.
SYNONYMS = [
    "Retoure, Rücksendung, return",
    "Auszahlung, payout",
    "Provision, commission",
    "Rückerstattung, Erstattung, refund",
    "Versandkosten, shipping rates, shipping costs",
    "Rabattcode, Gutscheincode, discount code, coupon",
    "Zwei-Faktor, 2FA, two-factor",
    "Umsatzsteuer, Mehrwertsteuer, VAT",
]

# More level-1 agents, so that the progress table has several rows.
AGENTS = [("emma.l1@example.com", "Emma Schulz", "de"), ("tom.l1@example.com", "Tom Becker", "en")]


def seed(*, users: dict, categories: dict) -> None:
    for terms in SYNONYMS:
        synonyms.create_group(terms, by=None, check=False)
    _one_language_articles(users, categories)
    _reading(users, categories)
    db.session.flush()


def _one_language_articles(users: dict, categories: dict) -> None:
    for category, visibility, language, (title, summary, tags, body) in ONE_LANGUAGE:
        curation.create_article(curation.ArticleInput(
            title=title, summary=summary, body=body, language=language,
            category=categories.get(category), tags=tags,
            visibility=Visibility(visibility)), by=users["l2"],
            status=ArticleStatus.published, check=False, comment="First version")


def _agents(users: dict) -> list:
    agents = [users["l1"]]
    for email, name, language in AGENTS:
        agents.append(find_user(email) or create_user(
            email=email, name=name, password=secrets.token_urlsafe(16), role=Role.agent,
            level=1, language=language))
    db.session.flush()
    return agents


def _by_key(key: str, language: str) -> Article | None:
    return db.session.scalar(sa.select(Article).where(Article.translation_key == key,
                                                      Article.language == language))


def _reading(users: dict, categories: dict) -> None:
    """Account articles for all of level 1 (due in a week); the refund article for Jonas
    (due yesterday: overdue); Emma read everything, Tom some; then the English
    "account locked" article gets a new text, so Emma sees what changed."""
    jonas, emma, tom = _agents(users)
    lead, today = users["l2"], utcnow().date()
    if categories.get("account") is not None:
        training.assign(by=lead, category=categories["account"], level=1,
                        due_on=today + timedelta(days=7))
    refund = _by_key("refund-timeline", "de")
    if refund is not None:
        training.assign(by=lead, article=refund, agent=jonas, due_on=today - timedelta(days=1))
    training.assign(by=lead, tag="retoure", agent=tom)
    for reading in training.reading_for(emma):
        training.confirm(reading, by=emma)
    for reading in training.reading_for(tom)[:2]:
        training.confirm(reading, by=tom)
    locked = _by_key("account-locked", "en")
    if locked is not None:
        curation.revise_article(locked, curation.ArticleInput(
            title=locked.title, summary=locked.summary, language=locked.language,
            body=locked.body.rstrip() + "\n\nTip: a password reset also unlocks the account "
            "at once.", category=locked.category, tags=locked.tags,
            visibility=locked.visibility, is_known_error=locked.is_known_error,
            translation_key=locked.translation_key), by=lead,
            comment="A password reset unlocks the account")
