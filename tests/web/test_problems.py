"""Problems: proposing and creating, linking tickets, the problem page and list, the
status flow and who may do what."""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.problems.models import Problem, ProblemEventKind, ProblemStatus, ProblemTicket
from helpdesk.problems.operations import ProblemInput, create_problem, edit_problem, link_ticket
from helpdesk.tickets.models import EventKind, Ticket
from tests.factories import flashes, fresh, text_of


def _text(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return text_of(response.get_data(as_text=True))


def _link_of(ticket_id):
    db.session.expire_all()
    return ProblemTicket.of(ticket_id)


def _problem(by, title="Checkout rejects PayPal", component="Checkout", **kwargs) -> Problem:
    problem = create_problem(ProblemInput(title=title, component=component,
                                          description="Customers see 10486."), by=by, **kwargs)
    db.session.commit()
    return problem


def test_level_1_proposes_a_problem_from_a_ticket(app, client, make, login_as):
    l1 = make.agent(1, name="Lea One")
    ticket = make.ticket(subject="PayPal declined at checkout")
    login_as(l1)
    page = _text(client, f"/tickets/{ticket.ref}")
    assert "Not linked to a problem." in page and "Link to a problem" in page
    page = _text(client, f"/problems/link/{ticket.ref}")
    assert "None of them? Propose a new one" in page

    response = client.post("/problems/new", data={
        "title": "PayPal declines payments", "component": "Checkout",
        "description": "Error 10486 after the PayPal login.", "ticket": ticket.ref})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.ref}"
    [problem] = db.session.scalars(sa.select(Problem)).all()
    assert problem.owner_id is None and problem.proposed_by_id == l1.id
    assert [e.kind for e in problem.events] == [ProblemEventKind.proposed,
                                                ProblemEventKind.ticket_linked]
    # The ticket page shows its problem and the problem's status; the history says so.
    page = _text(client, f"/tickets/{ticket.ref}")
    assert f"#{problem.id} PayPal declines payments" in page and "Investigating" in page
    assert f"linked the ticket to problem #{problem.id} PayPal declines payments" in page
    # Level 3 sees it among the proposals, and takes it.
    l3 = make.agent(3, name="Theo Three")
    login_as(l3)
    assert "PayPal declines payments" in _text(client, "/problems/?view=proposed")
    response = client.post(f"/problems/{problem.id}/take",
                           data={"version": str(problem.version)})
    assert response.status_code == 302
    assert fresh(Problem, problem.id).owner_id == l3.id
    assert "PayPal declines payments" in _text(client, "/problems/?view=mine")
    assert "PayPal declines payments" not in _text(client, "/problems/?view=proposed")


def test_linking_searches_open_problems_by_title(app, client, make, login_as):
    l3 = make.agent(3)
    wanted = _problem(l3, title="TikTok orders stuck in sync", component="TikTok sync")
    _problem(l3, title="Invoices without VAT ID", component="Billing")
    closed = _problem(l3, title="TikTok login loop", component="TikTok sync")
    closed.status = ProblemStatus.closed
    db.session.commit()
    ticket = make.ticket(subject="My TikTok orders do not arrive")
    login_as(make.agent(2))
    page = _text(client, f"/problems/link/{ticket.ref}?q=tiktok")
    assert "TikTok orders stuck in sync" in page
    assert "Invoices without VAT ID" not in page and "TikTok login loop" not in page

    response = client.post(f"/problems/{wanted.id}/tickets",
                           data={"ticket": ticket.ref, "back": "ticket"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.ref}"
    assert ProblemTicket.of(ticket.id).problem_id == wanted.id
    # A ticket has one problem: linking it to another moves it.
    other = _problem(l3, title="Another cause")
    client.post(f"/problems/{other.id}/tickets", data={"ticket": ticket.ref})
    assert _link_of(ticket.id).problem_id == other.id
    assert ProblemEventKind.ticket_unlinked in [e.kind for e in fresh(Problem, wanted.id).events]


def test_the_problem_page_lists_its_tickets_with_status_and_level(app, client, make, login_as):
    l3 = make.agent(3)
    problem = _problem(l3)
    at_1 = make.ticket(subject="PayPal broken (level 1)")
    at_3 = make.ticket(subject="PayPal broken (level 3)", level=3)
    for ticket in (at_1, at_3):
        link_ticket(problem, ticket, by=l3)
    db.session.commit()
    login_as(l3)
    page = _text(client, f"/problems/{problem.id}")
    assert f"{at_1.ref} PayPal broken (level 1) New L1" in page
    assert f"{at_3.ref} PayPal broken (level 3) Open L3" in page
    # Level 1 reads the problem, but only the tickets it may open; the others are a count.
    login_as(make.agent(1))
    page = _text(client, f"/problems/{problem.id}")
    listed = page.split(" Tickets ")[1].split("Link a ticket")[0]
    assert at_1.ref in listed and at_3.ref not in listed and "level 3" not in listed
    assert "1 more at a level you do not work at." in listed


def test_the_problems_list_open_mine_and_by_component(app, client, make, login_as):
    me, colleague = make.agent(3, name="Me Three"), make.agent(3, name="Col Three")
    mine = _problem(me, title="Mine in checkout", component="Checkout")
    theirs = _problem(colleague, title="Theirs in sync", component="Instagram sync")
    fixed = _problem(me, title="Fixed long ago", component="Checkout")
    fixed.status = ProblemStatus.fixed
    db.session.commit()
    link_ticket(theirs, make.ticket(), by=colleague)
    db.session.commit()
    login_as(me)
    page = _text(client, "/problems/")
    assert mine.title in page and theirs.title in page and fixed.title not in page
    assert "Problems" in _text(client, "/queue")          # in level 3's navigation
    page = _text(client, "/problems/?view=mine")
    assert mine.title in page and theirs.title not in page
    page = _text(client, "/problems/?component=Checkout")
    assert mine.title in page and theirs.title not in page
    assert fixed.title in _text(client, "/problems/?view=closed")
    # The open tickets are counted.
    assert "Theirs in sync Instagram sync Investigating Col Three 1 of 1" in \
        _text(client, "/problems/")


def test_a_known_error_needs_its_workaround_and_a_fix_its_note(app, client, make, login_as):
    l3 = make.agent(3)
    problem = _problem(l3)
    login_as(l3)

    def set_status(status):
        return client.post(f"/problems/{problem.id}/status", data={
            "status": status, "version": str(fresh(Problem, problem.id).version)})

    set_status("known_error")
    assert ("error", "Write down the workaround first: a known error has one.") in \
        flashes(client)
    assert fresh(Problem, problem.id).status == ProblemStatus.investigating
    response = client.post(f"/problems/{problem.id}/edit", data={
        "title": problem.title, "component": "Checkout", "description": "10486",
        "cause": "PayPal changed a header", "workaround": "Pay by card meanwhile.",
        "fix_note": "", "owner": str(l3.id), "version": str(problem.version)})
    assert response.status_code == 302
    set_status("known_error")
    assert fresh(Problem, problem.id).status == ProblemStatus.known_error
    set_status("fixed")
    assert ("error", "Write down the fix first: what was changed, and when.") in flashes(client)
    edit_problem(fresh(Problem, problem.id), ProblemInput(title=problem.title), by=l3,
                 workaround="Pay by card meanwhile.", fix_note="Header fixed in 4.2")
    db.session.commit()
    set_status("fixed")
    set_status("closed")
    problem = fresh(Problem, problem.id)
    assert problem.status == ProblemStatus.closed
    assert [(e.old_value, e.new_value) for e in problem.events
            if e.kind == ProblemEventKind.status] == [
        ("investigating", "known_error"), ("known_error", "fixed"), ("fixed", "closed")]
    page = _text(client, f"/problems/{problem.id}")
    assert "Pay by card meanwhile." in page and "Header fixed in 4.2" in page
    assert "changed the status: Known error → Fixed" in page


def test_only_level_3_and_admins_own_edit_and_close_problems(app, client, make, login_as):
    l3 = make.agent(3)
    problem = _problem(l3)
    for agent in (make.agent(1), make.agent(2)):
        login_as(agent)
        assert _text(client, f"/problems/{problem.id}")          # they read it
        assert client.get(f"/problems/{problem.id}/edit").status_code == 403
        assert client.post(f"/problems/{problem.id}/status", data={
            "status": "closed", "version": str(problem.version)}).status_code == 403
        assert client.post(f"/problems/{problem.id}/take", data={
            "version": str(problem.version)}).status_code == 403
    admin = make.user("admin")
    other_l3 = make.agent(3, name="Other Three")
    login_as(admin)
    response = client.post(f"/problems/{problem.id}/edit", data={
        "title": problem.title, "component": "Checkout", "description": "", "cause": "",
        "workaround": "", "fix_note": "", "owner": str(other_l3.id),
        "version": str(problem.version)})
    assert response.status_code == 302
    assert fresh(Problem, problem.id).owner_id == other_l3.id
    # The owner is a level-3 agent.
    response = client.post(f"/problems/{problem.id}/edit", data={
        "title": problem.title, "component": "Checkout", "description": "", "cause": "",
        "workaround": "", "fix_note": "", "owner": str(make.agent(2).id),
        "version": str(fresh(Problem, problem.id).version)})
    assert response.status_code == 400
    assert "The owner of a problem is a level-3 agent." in text_of(
        response.get_data(as_text=True))
    assert fresh(Problem, problem.id).owner_id == other_l3.id


def test_customers_see_nothing_of_problems(app, client, make, login_as):
    l3 = make.agent(3)
    customer = make.user()
    ticket = make.ticket(customer)
    problem = _problem(l3, title="Secret cause 7d1e")
    link_ticket(problem, ticket, by=l3)
    db.session.commit()
    login_as(customer)
    page = _text(client, f"/tickets/{ticket.ref}")
    assert "Secret cause 7d1e" not in page and "problem" not in page.lower()
    for url in ("/problems/", f"/problems/{problem.id}", f"/problems/link/{ticket.ref}",
                "/problems/new"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/problems/tickets/{ticket.ref}/unlink").status_code == 404
    assert ProblemTicket.of(ticket.id) is not None


def test_unlinking_and_a_merged_ticket_keeps_its_problem(app, client, make, login_as):
    l3 = make.agent(3)
    customer = make.user()
    problem = _problem(l3)
    duplicate, original = make.ticket(customer), make.ticket(customer)
    link_ticket(problem, duplicate, by=l3)
    db.session.commit()
    login_as(l3)
    response = client.post(f"/tickets/{duplicate.ref}/merge", data={
        "target": original.ref, "version": str(duplicate.version)})
    assert response.status_code == 302
    assert ProblemTicket.of(duplicate.id) is None
    assert _link_of(original.id).problem_id == problem.id

    response = client.post(f"/problems/tickets/{original.ref}/unlink")
    assert response.status_code == 302
    assert _link_of(original.id) is None
    events = [(e.kind, e.old_value) for e in fresh(Ticket, original.id).events]
    assert (EventKind.problem, f"#{problem.id} {problem.title}") in events



def test_the_edit_form_keeps_the_owner(app, client, make, login_as):
    l3 = make.agent(3, name="Owen Owner")
    problem = _problem(l3)
    login_as(l3)
    page = client.get(f"/problems/{problem.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{l3.id}">Owen Owner</option>' in page
