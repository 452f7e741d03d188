"""Known error -> knowledge base: one action writes a draft article from the problem
(symptoms, cause, workaround, in the chosen language) for level 2's review, linked both
ways; when the problem is fixed, the article is flagged for level 2 until it is updated
or archived."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.problems.models import Problem, ProblemEventKind, ProblemStatus
from helpdesk.problems.operations import (
    ProblemInput,
    change_status,
    create_problem,
    edit_problem,
)
from kb import curation
from kb.models import Article, ArticleStatus, Visibility
from tests.factories import flashes, fresh, text_of


def _known_error(owner, **texts) -> Problem:
    problem = create_problem(ProblemInput(
        title="TikTok orders stuck in sync", component="TikTok sync",
        description="Orders stay in *sync pending*."), by=owner)
    edit_problem(problem, ProblemInput(title=problem.title, description=problem.description,
                                       component=problem.component,
                                       cause=texts.get("cause", "A changed webhook header.")),
                 by=owner, workaround=texts.get("workaround", "Import the orders by hand."),
                 fix_note="")
    change_status(problem, ProblemStatus.known_error, by=owner)
    db.session.commit()
    return problem


def _document(client, problem, language="en"):
    return client.post(f"/problems/{problem.id}/known-error-article", data={
        "language": language, "version": str(fresh(Problem, problem.id).version)})


def test_the_known_error_becomes_a_draft_for_level_2(app, client, make, login_as):
    owner = make.agent(3, name="Kai Three")
    problem = _known_error(owner)
    login_as(owner)
    response = _document(client, problem, language="de")
    assert response.status_code == 302

    problem = fresh(Problem, problem.id)
    article = db.session.get(Article, problem.article_id)
    assert article.status == ArticleStatus.in_review and article.is_known_error
    assert article.language == "de" and article.visibility == Visibility.public
    assert article.title == "TikTok orders stuck in sync"
    for text in ("Orders stay in *sync pending*.", "A changed webhook header.",
                 "Import the orders by hand.", "TikTok sync"):
        assert text in article.body
    assert article.summary == "Import the orders by hand."
    assert article.author_id == owner.id
    assert [e.kind for e in problem.events][-1] == ProblemEventKind.article
    # The problem links to the article, and the article to the problem.
    page = text_of(client.get(f"/problems/{problem.id}").get_data(as_text=True))
    assert f"Article #{article.id} describes this known error." in page
    page = text_of(client.get(f"/kb/articles/{article.id}").get_data(as_text=True))
    assert f"Known error of problem #{problem.id} TikTok orders stuck in sync" in page
    # Level 2 finds it waiting for review.
    login_as(make.agent(2))
    page = text_of(client.get("/kb/review").get_data(as_text=True))
    assert "TikTok orders stuck in sync" in page.split("Waiting for review")[1]
    # Once is enough.
    login_as(owner)
    assert _document(client, problem).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1


def test_only_a_known_error_with_a_workaround_goes_and_only_by_level_3(app, client, make,
                                                                       login_as):
    owner = make.agent(3)
    investigating = create_problem(ProblemInput(title="Unclear yet"), by=owner)
    db.session.commit()
    login_as(owner)
    assert _document(client, investigating).status_code == 403
    problem = _known_error(owner)
    for agent in (make.agent(1), make.agent(2)):
        login_as(agent)
        assert _document(client, problem).status_code == 403
    login_as(make.user())
    assert _document(client, problem).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_a_fixed_problem_flags_its_article_until_level_2_updates_or_archives_it(
        app, client, make, login_as):
    owner, editor = make.agent(3), make.agent(2, name="Eda Editor")
    problem = _known_error(owner)
    login_as(owner)
    _document(client, problem)
    article = db.session.get(Article, fresh(Problem, problem.id).article_id)
    curation.publish(article, by=editor)
    db.session.commit()

    login_as(editor)
    assert "No fixed known errors waiting." in text_of(
        client.get("/kb/review").get_data(as_text=True))
    edit_problem(fresh(Problem, problem.id), ProblemInput(title=problem.title), by=owner,
                 workaround="Import the orders by hand.", fix_note="Fixed in 4.13")
    change_status(fresh(Problem, problem.id), ProblemStatus.fixed, by=owner)
    db.session.commit()

    page = text_of(client.get("/kb/review").get_data(as_text=True))
    flagged = page.split("Known errors that are fixed")[1]
    assert "TikTok orders stuck in sync" in flagged and "Update the article or archive it." \
        in flagged
    page = text_of(client.get(f"/kb/articles/{article.id}").get_data(as_text=True))
    assert "Problem fixed Update this article or archive it." in page

    # An editor updates the article: the flag is gone.
    curation.revise_article(fresh(Article, article.id), curation.ArticleInput(
        title=article.title, body=article.body + "\n\nFixed in release 4.13.",
        summary=article.summary, language=article.language, visibility=Visibility.public,
        is_known_error=True), by=editor)
    db.session.commit()
    assert "No fixed known errors waiting." in text_of(
        client.get("/kb/review").get_data(as_text=True))


def test_archiving_the_article_clears_the_flag_too(app, client, make, login_as):
    owner, editor = make.agent(3), make.agent(2)
    problem = _known_error(owner)
    login_as(owner)
    _document(client, problem)
    edit_problem(fresh(Problem, problem.id), ProblemInput(title=problem.title), by=owner,
                 workaround="Import the orders by hand.", fix_note="Fixed")
    change_status(fresh(Problem, problem.id), ProblemStatus.fixed, by=owner)
    db.session.commit()
    login_as(editor)
    assert "TikTok orders stuck in sync" in text_of(
        client.get("/kb/review").get_data(as_text=True)).split("Known errors that are fixed")[1]
    article = db.session.get(Article, fresh(Problem, problem.id).article_id)
    curation.archive(article, by=editor)
    db.session.commit()
    assert "No fixed known errors waiting." in text_of(
        client.get("/kb/review").get_data(as_text=True))


def test_customers_never_see_which_problem_an_article_belongs_to(app, client, make, login_as):
    owner, editor = make.agent(3), make.agent(2)
    problem = _known_error(owner)
    login_as(owner)
    _document(client, problem)
    article = db.session.get(Article, fresh(Problem, problem.id).article_id)
    curation.publish(article, by=editor)
    db.session.commit()
    login_as(make.user())
    page = text_of(client.get(f"/kb/articles/{article.id}").get_data(as_text=True))
    assert "Import the orders by hand." in page
    assert "problem" not in page.lower().replace("problems", "")


class TestWithoutTheKnowledgeBase:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "FEATURES": "notifications,problems"}

    def test_the_problem_says_there_is_no_knowledge_base(self, app, client, make, login_as):
        owner = make.agent(3)
        problem = _known_error(owner)
        login_as(owner)
        assert client.get(f"/problems/{problem.id}").status_code == 200
        response = _document(client, problem)
        assert response.status_code == 302
        assert ("error", "There is no knowledge base to send it to.") in flashes(client)
        assert fresh(Problem, problem.id).article_id is None
