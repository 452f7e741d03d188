"""Search across languages: what synonyms and the dictionary each add.

    .venv/bin/python bench/kb_crosslang.py

Builds a knowledge base from the demo topics (kb/demo_content.py) in a temporary
instance with each topic in ONE language only (alternately English and German; the
published side where the other is still in review), then runs labelled queries whose
answer exists only in the other language (English queries for German-only topics, German
queries for English-only ones), written as customers and agents type them, through the
real search (`kb.search.search`, as a level-1 agent, who reads internal articles too).

Four runs: baseline (no synonyms, no dictionary), + synonyms (the demo's synonym groups,
kb/demo_training.py), + dictionary (Debian's trans-de-en, kb.crosslang), + both. Prints
recall@1, recall@5 and MRR (first five) overall and per query language; asserts nothing.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (query, its language, the topic that answers it). Written before any run.
QUERIES = [
    # English queries, German-only topics
    ("how do I register a return", "en", "register-return"),
    ("customer wants to send items back", "en", "register-return"),
    ("customer was charged twice", "en", "double-payment"),
    ("double payment for one order", "en", "double-payment"),
    ("payout sent but not received", "en", "payout-missing"),
    ("my payout never arrived", "en", "payout-missing"),
    ("payouts paused verification required", "en", "payout-verification"),
    ("why are my payouts on hold", "en", "payout-verification"),
    ("connect my own domain", "en", "custom-domain"),
    ("SSL certificate for custom domain", "en", "custom-domain"),
    ("connect instagram shop", "en", "connect-instagram"),
    ("link my shop to instagram", "en", "connect-instagram"),
    ("tiktok shop connection", "en", "connect-tiktok"),
    ("connect tiktok", "en", "connect-tiktok"),
    ("influencer code rejected at checkout", "en", "influencer-code-rejected"),
    ("discount code not working", "en", "influencer-code-rejected"),
    ("two-factor code not accepted", "en", "two-factor"),
    ("authenticator code invalid", "en", "two-factor"),
    # German queries, English-only topics
    ("wann kommt die Rückerstattung an", "de", "refund-timeline"),
    ("Erstattung dauert zu lange", "de", "refund-timeline"),
    ("Bestellung hängt auf bezahlt", "de", "order-stuck-paid"),
    ("kein Versandetikett", "de", "order-stuck-paid"),
    ("wann kommt meine Auszahlung", "de", "payout-schedule"),
    ("Auszahlung Zeitplan", "de", "payout-schedule"),
    ("wie wird die Provision berechnet", "de", "commission-calculation"),
    ("Provision Berechnung", "de", "commission-calculation"),
    ("Shop einrichten Checkliste", "de", "shop-setup-checklist"),
    ("was muss ich beim Einrichten des Shops beachten", "de", "shop-setup-checklist"),
    ("Versandkosten Schweiz einrichten", "de", "shipping-rates"),
    ("Versandkosten für Österreich", "de", "shipping-rates"),
    ("Facebook Katalog nach Passwortänderung", "de", "connect-facebook"),
    ("Facebook Katalog getrennt", "de", "connect-facebook"),
    ("Fehler bei der Synchronisierung der Produkte", "de", "feed-sync-errors"),
    ("Produktfeed Fehler", "de", "feed-sync-errors"),
    ("Instagram zeigt Preise ohne Mehrwertsteuer", "de", "instagram-prices-without-vat"),
    ("Preise ohne Umsatzsteuer auf Instagram", "de", "instagram-prices-without-vat"),
    ("Rabattcode für Influencer anlegen", "de", "influencer-codes"),
    ("Influencer Gutscheincode erstellen", "de", "influencer-codes"),
    ("wie werden Verkäufe Influencern zugeordnet", "de", "influencer-attribution"),
    ("Influencer Verkäufe Zuordnung", "de", "influencer-attribution"),
    ("Konto gesperrt zu viele Anmeldeversuche", "de", "account-locked"),
    ("kann mich nicht mehr anmelden gesperrt", "de", "account-locked"),
    ("Mitarbeiter Konto anlegen", "de", "staff-accounts"),
    ("Zugang für Mitarbeiter", "de", "staff-accounts"),
]

SHOWN = 5


def metrics(ranked: list[list[str]], answers: list[str]) -> dict[str, float]:
    n = len(answers) or 1
    r1 = sum(1 for found, want in zip(ranked, answers, strict=True) if found[:1] == [want])
    r5 = sum(1 for found, want in zip(ranked, answers, strict=True) if want in found[:SHOWN])
    mrr = sum(1.0 / (found.index(want) + 1) for found, want in zip(ranked, answers, strict=True)
              if want in found[:SHOWN])
    return {"recall@1": r1 / n, "recall@5": r5 / n, "MRR": mrr / n}


def build(app) -> dict:
    """One language per topic; returns {article id: topic}."""
    from helpdesk.accounts.models import Role, User
    from helpdesk.extensions import db
    from helpdesk.tickets.models import Category
    from kb import curation, index
    from kb.demo_content import TOPICS
    from kb.models import ArticleStatus, Visibility

    editor = User(email="editor@example.com", name="Editor", role=Role.agent, level=2)
    reader = User(email="reader@example.com", name="Reader", role=Role.agent, level=1)
    db.session.add_all([editor, reader])
    categories: dict[str, Category] = {}
    topics = {}
    for number, (key, slug, visibility, status, english, german) in enumerate(TOPICS):
        statuses = dict(zip(("en", "de"), (status.split(":") * 2)[:2], strict=True))
        language = "en" if number % 2 == 0 else "de"
        if statuses[language] != "published":
            language = "de" if language == "en" else "en"
        if slug not in categories:
            categories[slug] = Category(slug=slug, name_en=slug, name_de=slug)
            db.session.add(categories[slug])
        title, summary, tags, body = english if language == "en" else german
        article = curation.create_article(curation.ArticleInput(
            title=title, summary=summary, body=body, language=language,
            category=categories[slug], tags=tags, visibility=Visibility(visibility),
            translation_key=key), by=editor, status=ArticleStatus.published, check=False)
        db.session.flush()
        topics[article.id] = key
    db.session.commit()
    index.rebuild(app)
    return {"topics": topics, "reader": reader}


def run(app, world, *, translate: bool, with_synonyms: bool) -> dict:
    from helpdesk.extensions import db
    from kb import search, synonyms
    from kb.demo_training import SYNONYMS
    from kb.synonym_models import SynonymGroup

    db.session.query(SynonymGroup).delete()
    if with_synonyms:
        for terms in SYNONYMS:
            synonyms.create_group(terms, by=None, check=False)
    else:
        synonyms._bump()
    db.session.commit()
    app.config["KB_TRANSLATE_QUERIES"] = translate
    ranked = []
    with app.test_request_context():
        for query, _language, _topic in QUERIES:
            result = search.search(query, world["reader"], per_page=SHOWN, highlight=False)
            ranked.append([world["topics"].get(hit.id, "?") for hit in result.hits])
    answers = [topic for _q, _l, topic in QUERIES]
    report = {"all": metrics(ranked, answers)}
    for language in ("en", "de"):
        picked = [i for i, (_q, lang, _t) in enumerate(QUERIES) if lang == language]
        report[language] = metrics([ranked[i] for i in picked], [answers[i] for i in picked])
    report["misses"] = [QUERIES[i][0] for i, found in enumerate(ranked)
                        if answers[i] not in found[:SHOWN]]
    return report


def main() -> None:
    import argparse

    from helpdesk import create_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--translation-weight", type=float, default=None,
                        help="KB_TRANSLATION_WEIGHT (default: the app's)")
    parser.add_argument("--per-word", type=int, default=None,
                        help="KB_TRANSLATIONS_PER_WORD (default: the app's)")
    args = parser.parse_args()
    from helpdesk.extensions import db
    from kb import crosslang

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                          "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                          "INSTANCE_PATH": f"{folder}/instance", "MAIL_SUPPRESS": True})
        for name, value in (("KB_TRANSLATION_WEIGHT", args.translation_weight),
                            ("KB_TRANSLATIONS_PER_WORD", args.per_word)):
            if value is not None:
                app.config[name] = value
        with app.app_context():
            db.create_all()
            world = build(app)
            started = time.perf_counter()
            dictionary = crosslang.dictionary(app)
            print(f"{len(QUERIES)} queries ({sum(q[1] == 'en' for q in QUERIES)} English for "
                  f"German-only topics, {sum(q[1] == 'de' for q in QUERIES)} German for "
                  f"English-only ones); dictionary: "
                  f"{dictionary.path if dictionary else 'none'} "
                  f"({time.perf_counter() - started:.1f} s to load); translation weight "
                  f"{app.config['KB_TRANSLATION_WEIGHT']}, "
                  f"{app.config['KB_TRANSLATIONS_PER_WORD']} per word\n")
            print(f"{'run':<16}{'':>4}{'recall@1':>10}{'recall@5':>10}{'MRR':>8}")
            for name, translate, with_synonyms in (
                    ("baseline", False, False), ("+ synonyms", False, True),
                    ("+ dictionary", True, False), ("+ both", True, True)):
                report = run(app, world, translate=translate, with_synonyms=with_synonyms)
                for part in ("all", "en", "de"):
                    m = report[part]
                    label = name if part == "all" else ""
                    print(f"{label:<16}{part:>4}{m['recall@1']:>10.2f}{m['recall@5']:>10.2f}"
                          f"{m['MRR']:>8.2f}")
                print(f"{'':<16}misses: {'; '.join(report['misses']) or '-'}")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
