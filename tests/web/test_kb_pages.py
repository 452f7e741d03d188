"""KB pages: writing, conflicts, history, the ticket panel, suggestions, import/export."""
import re

import sqlalchemy as sa

from helpdesk.extensions import db
from kb.models import Article, ArticleFeedback, ArticleStatus, TicketArticle


def _form(**changes):
    data = {"title": "Connect your TikTok shop", "summary": "Link the shop in three steps.",
            "body": "1. Open **Settings**\n2. Click *Connect*\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            "language": "en", "visibility": "public", "tags": "tiktok, connect",
            "category": "", "comment": "", "version": "0", "base_revision": "0"}
    data.update(changes)
    return data


def test_l2_writes_publishes_and_customer_reads_rendered_markdown(client, make, login_as):
    login_as(make.agent(2))
    response = client.post("/kb/articles/new", data=_form())
    assert response.status_code == 302
    article = db.session.scalar(sa.select(Article))
    assert article.status == ArticleStatus.draft
    client.post(f"/kb/articles/{article.id}/publish", data={"version": article.version})
    login_as(make.user())
    html = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    assert "<strong>Settings</strong>" in html and "<table>" in html
    assert "Edit" not in re.sub(r"<[^>]+>", " ", html).split()


def test_script_in_markdown_is_removed(client, make, login_as, make_article):
    article = make_article("XSS", body='<script>alert(1)</script>[x](javascript:alert(1)) '
                                       '<img src=x onerror=alert(1)>')
    html = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    body = html.split('class="kb-body"')[1].split("</div>")[0]
    assert "<script" not in body and "javascript:" not in body and "onerror" not in body


def test_second_editor_is_told_and_keeps_their_text(client, make, login_as, make_article):
    article = make_article("Payout dates", body="Payouts on Monday.")
    login_as(make.agent(2))
    page = client.get(f"/kb/articles/{article.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', page).group(1)
    first = client.post(f"/kb/articles/{article.id}/edit", data=_form(
        title="Payout dates", body="Payouts on Tuesday.", version=version, base_revision=base))
    assert first.status_code == 302
    second = client.post(f"/kb/articles/{article.id}/edit", data=_form(
        title="Payout dates", body="Payouts on Friday, my text.", version=version,
        base_revision=base))
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Payouts on Friday, my text." in html                 # their text is kept
    assert "<ins>Tuesday.</ins>" in html                         # and what changed is shown
    db.session.expire_all()
    assert db.session.get(Article, article.id).body == "Payouts on Tuesday."
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    third = client.post(f"/kb/articles/{article.id}/edit", data=_form(
        title="Payout dates", body="Payouts on Friday, my text.", version=new_version))
    assert third.status_code == 302


def test_history_diff_and_restore(client, make, login_as, make_article):
    article = make_article("Return window", body="You have 14 days.")
    login_as(make.agent(2))
    client.post(f"/kb/articles/{article.id}/edit", data=_form(
        title="Return window", body="You have 30 days.", version=article.version,
        comment="new policy"))
    db.session.expire_all()
    article = db.session.get(Article, article.id)
    numbers = [r.number for r in article.revisions]
    page = client.get(f"/kb/articles/{article.id}/history?a={numbers[0]}&b={numbers[-1]}")
    html = page.get_data(as_text=True)
    assert "new policy" in html and "<del>14</del>" in html and "<ins>30</ins>" in html
    restored = client.post(f"/kb/articles/{article.id}/revisions/1/restore",
                           data={"version": article.version})
    assert restored.status_code == 302
    db.session.expire_all()
    assert db.session.get(Article, article.id).body == "You have 14 days."


def test_l1_flags_outdated_and_it_lands_in_l2_review(client, make, login_as, make_article):
    article = make_article("Instagram sync", visibility="internal")
    login_as(make.agent(1))
    client.post(f"/kb/articles/{article.id}/feedback",
                data={"kind": "outdated", "text": "Meta renamed the button."})
    assert db.session.scalar(sa.select(ArticleFeedback.text)) == "Meta renamed the button."
    login_as(make.agent(2))
    html = client.get("/kb/review").get_data(as_text=True)
    assert "Meta renamed the button." in html and "Instagram sync" in html
    feedback = db.session.scalar(sa.select(ArticleFeedback))
    client.post(f"/kb/feedback/{feedback.id}/resolve")
    assert "Meta renamed the button." not in client.get("/kb/review").get_data(as_text=True)


def test_ticket_page_suggests_articles_and_records_the_one_used(client, make, login_as,
                                                                 make_article):
    article = make_article("Refund to a customer", body="Refunds take 3-5 days.",
                           summary="When refunds arrive.")
    make_article("Unrelated topic", body="Shipping labels.")
    ticket = make.ticket(subject="Refund not received", body="The refund never arrived")
    login_as(make.agent(1))
    html = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    panel = html.split('id="kb-panel"')[1]
    assert "Refund to a customer" in panel and "Unrelated topic" not in panel
    assert "data-kb-insert" in panel
    reply = client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "public", "body": f"See [Refund](http://helpdesk.test/kb/articles/{article.id})",
        "version": ticket.version, "seen_event": "0", "confirmed_public": "y",
        "article_ids": f"{article.id},999999"})
    assert reply.status_code == 302
    links = db.session.scalars(sa.select(TicketArticle)).all()
    assert [(link.ticket_id, link.article_id) for link in links] == [(ticket.id, article.id)]
    assert "Used on this ticket" in client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)


def test_customer_gets_no_kb_panel_on_their_ticket(client, make, login_as, make_article):
    make_article("Refund to a customer")
    customer = make.user()
    ticket = make.ticket(customer, subject="Refund")
    login_as(customer)
    assert 'id="kb-panel"' not in client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)


def test_new_ticket_form_offers_suggestions_and_counts_answers(client, make, login_as,
                                                               make_article):
    article = make_article("Where is my payout?", body="Payouts are sent on Mondays.")
    login_as(make.user())
    html = client.get("/tickets/new").get_data(as_text=True)
    assert 'id="subject-suggestions"' in html and "kb.js" in html
    body = client.get("/kb/?q=payout+missing&format=json&limit=4").get_json()
    assert body["results"][0]["id"] == article.id
    client.post(f"/kb/articles/{article.id}/answered", data={"source": "new_ticket"})
    client.post(f"/kb/articles/{article.id}/answered", data={"source": "new_ticket"})
    db.session.expire_all()
    assert db.session.get(Article, article.id).answered_count == 1     # one reader, once


def test_anonymous_reads_public_article_and_searches(client, make_article):
    article = make_article("Shop set-up checklist", body="Add a logo.")
    assert client.get(f"/kb/articles/{article.id}").status_code == 200
    assert "Shop set-up checklist" in client.get("/kb/?q=logo").get_data(as_text=True)


def test_nav_shows_knowledge_base_to_everyone_and_review_to_l2(client, make, login_as):
    assert ">Knowledge base<" in client.get("/kb/").get_data(as_text=True)
    login_as(make.agent(1))
    assert ">Review<" not in client.get("/kb/").get_data(as_text=True)
    login_as(make.agent(2))
    assert ">Review<" in client.get("/kb/").get_data(as_text=True)


def test_import_twice_updates_and_reports_bad_files(app, runner, make, tmp_path):
    category = make.category("orders")
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "refund-basics.md").write_text(
        f"---\ntitle: Refund basics\nlanguage: en\ncategory: {category.slug}\n"
        "tags: [refund]\nvisibility: public\nstatus: published\n---\nRefunds take days.\n",
        encoding="utf-8")
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\nx", encoding="utf-8")
    (folder / "no-title.md").write_text("---\nlanguage: de\n---\nText", encoding="utf-8")
    first = runner.invoke(args=["kb", "import", str(folder)])
    assert "1 created" in first.output and "2 skipped" in first.output
    assert "broken.md" in first.output and "no-title.md: title is missing" in first.output
    (folder / "refund-basics.md").write_text(
        (folder / "refund-basics.md").read_text().replace("Refunds take days.",
                                                          "Refunds take 3 days."))
    second = runner.invoke(args=["kb", "import", str(folder)])
    assert "0 created, 1 updated" in second.output
    [article] = db.session.scalars(sa.select(Article)).all()
    assert article.body.strip() == "Refunds take 3 days."
    assert article.status == ArticleStatus.published
    out = tmp_path / "out"
    assert "Exported 1" in runner.invoke(args=["kb", "export", str(out)]).output
    exported = (out / "refund-basics.md").read_text()
    assert exported.startswith("---\ntitle: Refund basics\n") and "status: published" in exported
    again = runner.invoke(args=["kb", "import", str(out)])
    assert "0 created, 0 updated, 1 unchanged" in again.output      # a round trip changes nothing


def test_demo_seeds_forty_articles_in_both_languages_and_links_tickets(app):
    from helpdesk.demo import seed_demo

    app.config["MAIL_SUPPRESS"] = True
    assert seed_demo()
    db.session.commit()
    articles = db.session.scalars(sa.select(Article)).all()
    assert len(articles) >= 40
    assert {a.language for a in articles} == {"en", "de"}
    assert {a.status for a in articles} >= {ArticleStatus.published, ArticleStatus.in_review}
    assert {a.visibility.value for a in articles} == {"internal", "public"}
    assert db.session.scalar(sa.select(sa.func.count(TicketArticle.id))) >= 10
    from kb import index
    assert index.status(app).documents == len(articles)
