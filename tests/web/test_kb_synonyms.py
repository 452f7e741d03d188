"""Synonym groups: level 2's words that mean the same, applied to every search at query
time (no reindex), carried by `kb export` / `kb import`, changed only by level 2."""
import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from kb import index, search, synonyms
from kb.synonym_models import SynonymGroup, SynonymState
from tests.factories import fresh


@pytest.fixture
def app_config(app_config):
    # Only the synonyms: the dictionary would find "return" for "Retoure" by itself.
    return {**app_config, "KB_DICTIONARY": ""}


@pytest.fixture
def returns_article(make_article):
    return make_article("Sending goods back", body="Customers return items in the portal.",
                        tags=["return"])


def _titles(client, query, **args):
    response = client.get("/kb/search", query_string={"q": query, "format": "json", **args})
    assert response.status_code == 200
    return [hit["title"] for hit in response.get_json()["results"]]


def test_a_group_makes_retoure_find_the_return_article_without_reindexing(
        app, client, login_as, make, returns_article):
    assert _titles(client, "Rücksendung") == []
    before = index.status(app)
    editor = login_as(make.agent(2))
    response = editor.post("/kb/synonyms/new", data={"terms": "Retoure, Rücksendung, return"})
    assert response.status_code == 302
    editor.post("/logout")
    # A customer (not logged in) searching the German word finds the English article.
    assert _titles(client, "Rücksendung") == ["Sending goods back"]
    assert _titles(client, "Rücksendungen") == ["Sending goods back"]     # an inflection
    after = index.status(app)
    assert (after.applied, after.documents) == (before.applied, before.documents)


def test_deleting_the_group_removes_the_match(app, client, login_as, make, returns_article):
    group = synonyms.create_group("Rücksendung, return", by=make.agent(2))
    db.session.commit()
    assert _titles(client, "Rücksendung") == ["Sending goods back"]
    editor = login_as(make.agent(2))
    editor.post(f"/kb/synonyms/{group.id}/delete", data={"version": str(group.version)})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SynonymGroup)) == 0
    editor.post("/logout")
    assert _titles(client, "Rücksendung") == []


def test_ticket_suggestions_use_the_groups(app, make, returns_article):
    agent = make.agent(1)
    ticket = make.ticket(subject="Rücksendung", body="Kundin will eine Rücksendung anmelden")
    assert "Sending goods back" not in [h.title for h in search.suggest_for_ticket(ticket, agent)]
    synonyms.create_group("Rücksendung, return", by=make.agent(2))
    db.session.commit()
    assert "Sending goods back" in [h.title for h in search.suggest_for_ticket(ticket, agent)]


def test_a_change_by_another_process_is_seen_at_the_next_search(app, client, make,
                                                                 returns_article):
    assert _titles(client, "Rückgabe") == []
    # Another process writes a group and raises the generation; this one's copy is old.
    db.session.add(SynonymGroup(terms="Rückgabe, return"))
    db.session.merge(SynonymState(id=1, generation=synonyms.generation() + 1))
    db.session.commit()
    assert _titles(client, "Rückgabe") == ["Sending goods back"]


def test_export_and_import_carry_the_groups(app, runner, make, tmp_path):
    synonyms.create_group("Auszahlung, payout", by=make.agent(2))
    synonyms.create_group("Provision, commission", by=make.agent(2))
    db.session.commit()
    result = runner.invoke(args=["kb", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Auszahlung" in (tmp_path / "synonyms.yaml").read_text(encoding="utf-8")
    db.session.execute(sa.delete(SynonymGroup))
    db.session.commit()
    result = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "2 synonym groups added." in result.output
    assert sorted(g.terms for g in synonyms.all_groups()) == [
        "Auszahlung, payout", "Provision, commission"]
    again = runner.invoke(args=["kb", "import", str(tmp_path)])
    assert "synonym groups added" not in again.output
    assert len(synonyms.all_groups()) == 2


def test_level_two_edits_a_group_and_others_cannot(app, client, login_as, make,
                                                   returns_article):
    group = synonyms.create_group("Retoure, return", by=make.agent(2))
    db.session.commit()
    for user in (make.agent(1), make.agent(3), make.user()):
        response = login_as(user).post(f"/kb/synonyms/{group.id}",
                                       data={"terms": "Retoure, nothing",
                                             "version": str(group.version)})
        assert response.status_code == 404
        assert login_as(user).get("/kb/synonyms").status_code == 404
    assert fresh(SynonymGroup, group.id).terms == "Retoure, return"
    seen = str(group.version)
    editor = login_as(make.agent(2))
    response = editor.post(f"/kb/synonyms/{group.id}",
                           data={"terms": "Retoure, Rücksendung, return", "version": seen})
    assert response.status_code == 302
    assert fresh(SynonymGroup, group.id).terms == "Retoure, Rücksendung, return"
    # A stale form changes nothing.
    editor.post(f"/kb/synonyms/{group.id}", data={"terms": "Retoure, x", "version": seen})
    assert fresh(SynonymGroup, group.id).terms == "Retoure, Rücksendung, return"


def test_a_group_needs_two_terms_and_says_why(app, login_as, make):
    response = login_as(make.agent(2)).post("/kb/synonyms/new", data={"terms": "Retoure"})
    assert response.status_code == 400
    assert "at least two terms" in response.get_data(as_text=True)
    assert synonyms.all_groups() == []
