"""Required reading: level 2 assigns an article, a category or a tag to an agent, a level
or all of level 1, optionally by a date; agents see their open reading on the queue page
and confirm each article; level 2 sees the progress table; a new text makes an article
unread again, with what changed since the agent confirmed it."""
from datetime import timedelta

import pytest

from helpdesk.clock import utcnow
from helpdesk.extensions import db
from kb import curation, training
from kb.models import Visibility
from kb.training_models import ReadingAssignment, ReadingConfirmation
from tests.factories import text_of


@pytest.fixture
def people(make):
    return {"l2": make.agent(2, name="Lea Lead"), "anna": make.agent(1, name="Anna One"),
            "ben": make.agent(1, name="Ben One"), "l3": make.agent(3, name="Cem Three")}


def _assign(client, **data):
    form = {"what": "article", "whom": "level", "level": "1", **data}
    return client.post("/kb/training/assign", data=form)


def _progress(client) -> dict:
    """The progress table as {agent name: {article title: state}}; overdue cells end in !"""
    html = client.get("/kb/training").get_data(as_text=True)
    table = html.split('id="reading-progress"', 1)[1].split("</table>", 1)[0]
    titles = [text_of(th.split("</a>")[0])
              for th in table.split("<tbody>")[0].split("<th scope=\"col\">")[2:]]
    result = {}
    for row in table.split("<tbody>")[1].split('<tr data-agent=')[1:]:
        name = text_of(row.split("<th scope=\"row\">")[1].split("<span")[0])
        cells = row.split("<td ")[1:]
        result[name] = {}
        for title, cell in zip(titles, cells, strict=True):
            if 'data-state="' in cell:
                state = cell.split('data-state="')[1].split('"')[0]
                result[name][title] = state + ("!" if "data-overdue" in cell else "")
    return result


def test_one_article_to_one_agent_shows_on_their_queue_until_confirmed(
        app, login_as, people, make_article):
    article = make_article("Refunds by card")
    lead = login_as(people["l2"])
    response = _assign(lead, article=str(article.id), whom="agent",
                       agent=str(people["anna"].id))
    assert response.status_code == 302
    assert _progress(lead) == {"Anna One": {"Refunds by card": "unread"}}
    anna = login_as(people["anna"])
    queue = anna.get("/queue").get_data(as_text=True)
    assert "Required reading" in queue and "Refunds by card" in queue
    assert "Refunds by card" not in login_as(people["ben"]).get("/queue").get_data(as_text=True)
    anna = login_as(people["anna"])
    assert anna.post(f"/kb/reading/{article.id}/confirm").status_code == 302
    assert "Required reading" not in anna.get("/queue").get_data(as_text=True)
    assert _progress(login_as(people["l2"])) == {"Anna One": {"Refunds by card": "read"}}


def test_a_category_to_all_of_level_one_with_a_due_date(app, login_as, people, make,
                                                        make_article):
    orders = make.category("orders")
    make_article("Returns portal", category=orders)
    make_article("Refund timeline", category=orders)
    make_article("Payouts", category=make.category("payouts"))
    make_article("Draft in orders", category=orders, status="draft")
    lead = login_as(people["l2"])
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    _assign(lead, what="category", category=str(orders.id), due_on=yesterday)
    table = _progress(lead)
    assert set(table) == {"Anna One", "Ben One"}          # level 1 only, not Cem (L3)
    assert table["Anna One"] == {"Refund timeline": "unread!", "Returns portal": "unread!"}
    panel = login_as(people["ben"]).get("/queue").get_data(as_text=True)
    assert "2 overdue" in text_of(panel)
    # An article published in the category later is required reading too.
    make_article("Exchanges", category=orders)
    assert "Exchanges" in _progress(login_as(people["l2"]))["Ben One"]


def test_a_tag_to_a_level_and_to_one_agent_of_another_level(app, login_as, people,
                                                           make_article):
    make_article("Two-factor codes", tags=["security", "login"])
    make_article("Locked accounts", tags=["security"])
    make_article("Shipping rates", tags=["shipping"])
    lead = login_as(people["l2"])
    _assign(lead, what="tag", tag="Security")
    _assign(lead, what="tag", tag="security", whom="agent", agent=str(people["l3"].id))
    table = _progress(lead)
    assert table["Cem Three"] == {"Locked accounts": "unread", "Two-factor codes": "unread"}
    assert table["Anna One"] == table["Cem Three"]


def test_a_new_text_makes_it_unread_again_with_the_changes_since_confirming(
        app, login_as, people, make_article):
    article = make_article("Refunds by card", body="Refunds take 3 days.\nAsk for the IBAN.")
    training.assign(by=people["l2"], article=article, agent=people["anna"])
    db.session.commit()
    anna = login_as(people["anna"])
    anna.post(f"/kb/reading/{article.id}/confirm")
    page = anna.get(f"/kb/reading/{article.id}").get_data(as_text=True)
    assert 'id="reading-confirmed"' in page and "changes-since-read" not in page
    curation.revise_article(article, curation.ArticleInput(
        title=article.title, body="Refunds take 5 days.\nAsk for the IBAN.",
        visibility=Visibility.public), by=people["l2"])
    db.session.commit()
    anna = login_as(people["anna"])
    assert "Refunds by card" in anna.get("/queue").get_data(as_text=True)
    page = anna.get(f"/kb/reading/{article.id}").get_data(as_text=True)
    changes = page.split('id="changes-since-read"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "<del>3</del>" in changes and "<ins>5</ins>" in changes
    assert _progress(login_as(people["l2"])) == {"Anna One": {"Refunds by card": "changed"}}
    anna = login_as(people["anna"])
    anna.post(f"/kb/reading/{article.id}/confirm")
    assert _progress(login_as(people["l2"])) == {"Anna One": {"Refunds by card": "read"}}


def test_only_level_two_and_admins_assign(app, login_as, people, make, make_article):
    article = make_article("Refunds by card")
    for user in (people["anna"], people["l3"], make.user()):
        assert _assign(login_as(user), article=str(article.id)).status_code == 404
        assert login_as(user).get("/kb/training").status_code == 404
    assert db.session.query(ReadingAssignment).count() == 0
    assert _assign(login_as(make.user("admin")), article=str(article.id)).status_code == 302
    assert db.session.query(ReadingAssignment).count() == 1


def test_agents_confirm_only_their_own_reading(app, login_as, people, make, make_article):
    article = make_article("Refunds by card")
    training.assign(by=people["l2"], article=article, agent=people["anna"])
    db.session.commit()
    assert login_as(people["ben"]).post(f"/kb/reading/{article.id}/confirm").status_code == 404
    assert login_as(people["ben"]).get(f"/kb/reading/{article.id}").status_code == 404
    assert login_as(make.user()).get("/kb/reading").status_code == 404
    assert db.session.query(ReadingConfirmation).count() == 0
    login_as(people["anna"]).post(f"/kb/reading/{article.id}/confirm")
    assert [(c.user_id, c.article_id) for c in db.session.query(ReadingConfirmation)] == [
        (people["anna"].id, article.id)]


def test_assigning_again_changes_the_date_and_a_draft_is_refused(app, login_as, people,
                                                               make_article):
    article = make_article("Refunds by card")
    draft = make_article("Draft", status="draft")
    lead = login_as(people["l2"])
    _assign(lead, article=str(article.id))
    _assign(lead, article=str(article.id), due_on="2031-01-31")
    assignments = db.session.query(ReadingAssignment).all()
    assert [a.due_on.isoformat() for a in assignments] == ["2031-01-31"]
    response = _assign(lead, article=str(draft.id))
    assert response.status_code == 400
    assert "Only published articles" in response.get_data(as_text=True)
