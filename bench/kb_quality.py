"""Search quality on the demo articles: does the effectiveness boost hurt the suggestions?

    .venv/bin/python bench/kb_quality.py [--seeds 20]

Builds the demo (`helpdesk demo`: German and English articles, tickets, the articles used
on them) in a temporary instance, then runs a labelled set of queries, written as
customers and agents word their tickets, through the real search:

* the staff ticket page's suggestions (`kb.search.suggest_for_text`, ten candidates,
  re-ranked by `kb.ranking.rerank`, the top five shown): without the boost, with the boost
  from the demo's own record (`kb.effectiveness.boost_factors`), with random records
  (effectiveness unrelated to the query: the worst case; mean and worst over --seeds);
* the knowledge-base search a level-1 agent types into (`kb.search.search`), for reference
  (the boost does not touch it).

A query's answer is its topic (the demo's translation key): either language's article
counts. Prints recall@1, recall@5 and MRR (over the first five) per path and per
language; asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (query, language, the topic that answers it). Written before looking at any result.
QUERIES = [
    ("My customer says she never got her refund", "en", "refund-timeline"),
    ("How long does a refund take to show on the card?", "en", "refund-timeline"),
    ("customer wants to send the sneakers back, how does a return work", "en",
     "register-return"),
    ("Order is paid but I can't print a shipping label", "en", "order-stuck-paid"),
    ("A buyer was charged twice for the same order", "en", "double-payment"),
    ("When do I get paid? payout dates", "en", "payout-schedule"),
    ("Payout says sent but nothing arrived in my bank account", "en", "payout-missing"),
    ("How is the commission on my sales calculated", "en", "commission-calculation"),
    ("payouts are on hold, it asks for additional verification", "en",
     "payout-verification"),
    ("what do I need to do before my shop goes live", "en", "shop-setup-checklist"),
    ("connect my own domain name, SSL certificate pending", "en", "custom-domain"),
    ("how do I charge shipping to Switzerland", "en", "shipping-rates"),
    ("link my Instagram shop to my store", "en", "connect-instagram"),
    ("Facebook catalogue disconnected after I changed my password", "en",
     "connect-facebook"),
    ("set up TikTok Shop for my brand", "en", "connect-tiktok"),
    ("product feed sync error: price must be a positive number", "en", "feed-sync-errors"),
    ("Instagram shows my prices without VAT", "en", "instagram-prices-without-vat"),
    ("create a discount code for an influencer", "en", "influencer-codes"),
    ("influencer code not accepted at checkout", "en", "influencer-code-rejected"),
    ("sales from the influencer's TikTok link are not credited to her", "en",
     "influencer-attribution"),
    ("two-factor code does not work", "en", "two-factor"),
    ("locked out after too many wrong passwords", "en", "account-locked"),
    ("add an account for my employee who packs orders", "en", "staff-accounts"),
    ("Kundin wartet seit zwei Wochen auf ihr Geld zurück", "de", "refund-timeline"),
    ("Wie melde ich eine Retoure an?", "de", "register-return"),
    ("Kunde hat doppelt bezahlt", "de", "double-payment"),
    ("Wann kommt meine Auszahlung?", "de", "payout-schedule"),
    ("Auszahlung wurde gesendet, ist aber nicht auf meinem Konto", "de", "payout-missing"),
    ("Wie wird meine Provision berechnet?", "de", "commission-calculation"),
    ("Versandkosten nach Österreich einstellen", "de", "shipping-rates"),
    ("Instagram Shop verknüpfen", "de", "connect-instagram"),
    ("Rabattcode für Influencerin wird abgelehnt", "de", "influencer-code-rejected"),
    ("Bestätigungscode bei der Anmeldung funktioniert nicht", "de", "two-factor"),
    ("Mein Konto ist gesperrt", "de", "account-locked"),
    ("Zugang für meine Mitarbeiterin einrichten", "de", "staff-accounts"),
    ("eigene Domain einrichten, Zertifikat hängt", "de", "custom-domain"),
]

CANDIDATES, SHOWN = 10, 5


def metrics(ranked: list[list[str]], answers: list[str]) -> dict[str, float]:
    """recall@1, recall@5 and MRR (first five) of ranked topic lists against answers."""
    r1 = r5 = rr = 0.0
    for topics, answer in zip(ranked, answers, strict=True):
        top = topics[:SHOWN]
        if top[:1] == [answer]:
            r1 += 1
        if answer in top:
            r5 += 1
            rr += 1 / (top.index(answer) + 1)
    n = len(answers) or 1
    return {"recall@1": r1 / n, "recall@5": r5 / n, "MRR": rr / n}


def build_demo(instance: Path):
    from helpdesk import create_app
    from helpdesk.database import writing
    from helpdesk.demo import seed_demo
    from helpdesk.extensions import db
    from kb import index

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "kb-quality",
                      "DATABASE_URL": f"sqlite:///{instance / 'demo.sqlite3'}",
                      "MAIL_SUPPRESS": True, "MAIL_SEND_IN_BACKGROUND": False,
                      "BASE_URL": "http://bench.invalid"})
    with app.app_context(), writing():
        db.create_all()
        seed_demo()
        db.session.commit()
        index.rebuild(app)
    return app


def random_factors(article_ids, rng: random.Random, weight: float) -> dict[int, float]:
    """A made-up record per article (uses, solved, deflections) as boost factors."""
    from kb.effectiveness import Effectiveness, score

    factors = {}
    for article_id in article_ids:
        uses = rng.randint(0, 20)
        solved = rng.randint(0, uses)
        item = Effectiveness(article_id, uses=uses, solved=solved,
                             deflections=rng.randint(0, 5))
        factors[article_id] = 1.0 + weight * score(item)
    return factors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20,
                        help="random effectiveness records to try (default 20)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kb-quality-") as folder:
        app = build_demo(Path(folder))
        run(app, args.seeds)


def run(app, seeds: int) -> None:
    import sqlalchemy as sa

    from helpdesk.accounts.operations import find_user
    from helpdesk.extensions import db
    from kb.effectiveness import boost_factors
    from kb.models import Article
    from kb.ranking import rerank
    from kb.search import search, suggest_for_text

    weight = float(app.config.get("KB_EFFECTIVENESS_BOOST", 0.15))
    with app.test_request_context():
        agent = find_user("l1@example.com")
        topic_of = {article_id: key for article_id, key in db.session.execute(
            sa.select(Article.id, Article.translation_key))}
        answers = [topic for _q, _lang, topic in QUERIES]
        candidates = [suggest_for_text(q, agent, limit=CANDIDATES) for q, _l, _t in QUERIES]

        def ranked(factors) -> list[list[str]]:
            return [[topic_of[hit.id] for hit in rerank(hits, factors)][:SHOWN]
                    for hits in candidates]

        rows = [("ticket suggestions, no boost", metrics(ranked({}), answers))]
        demo = boost_factors(app)
        rows.append((f"  boost from the demo's record ({len(demo)} articles)",
                     metrics(ranked(demo), answers)))
        rng = random.Random(8)
        trials = [metrics(ranked(random_factors(topic_of, rng, weight)), answers)
                  for _ in range(seeds)]
        rows.append((f"  random records, mean of {seeds}",
                     {k: statistics.mean(t[k] for t in trials) for k in trials[0]}))
        rows.append((f"  random records, worst of {seeds}",
                     {k: min(t[k] for t in trials) for k in trials[0]}))
        typed = [[topic_of[hit.id] for hit in search(q, agent, per_page=SHOWN,
                                                     highlight=False).hits]
                 for q, _l, _t in QUERIES]
        rows.append(("KB search as typed (no boost), for reference", metrics(typed, answers)))

        print(f"{len(QUERIES)} labelled queries "
              f"({sum(lang == 'en' for _q, lang, _t in QUERIES)} English, "
              f"{sum(lang == 'de' for _q, lang, _t in QUERIES)} German); boost weight {weight}")
        print(f"{'':52} {'recall@1':>9} {'recall@5':>9} {'MRR':>7}")
        for name, figures in rows:
            print(f"{name:52} {figures['recall@1']:9.3f} {figures['recall@5']:9.3f} "
                  f"{figures['MRR']:7.3f}")
        for language in ("en", "de"):
            picked = [i for i, (_q, lang, _t) in enumerate(QUERIES) if lang == language]
            plain = metrics([ranked({})[i] for i in picked], [answers[i] for i in picked])
            boosted = metrics([ranked(demo)[i] for i in picked], [answers[i] for i in picked])
            print(f"  {language}: MRR {plain['MRR']:.3f} without, {boosted['MRR']:.3f} with "
                  f"the demo's boost; recall@5 {plain['recall@5']:.3f} / "
                  f"{boosted['recall@5']:.3f}")
        missed = [q for (q, _l, _t), topics, answer in zip(QUERIES, ranked({}), answers,
                                                            strict=True) if answer not in topics]
        if missed:
            print("not in the top five without the boost:", "; ".join(missed))


if __name__ == "__main__":
    main()
