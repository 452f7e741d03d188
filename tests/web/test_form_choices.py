"""Every select offers its choices as WTForms expects them (SelectChoice, WTForms 3.3+):
tuples are deprecated and go away in WTForms 3.4, whether given to the field or set on it
later by a view. Each page with a select is rendered, and a form posted back, while any
other kind of choice (and any DeprecationWarning from WTForms) fails the request."""
from __future__ import annotations

import warnings

import pytest
from wtforms.fields.choices import SelectChoice

from helpdesk.extensions import db
from helpdesk.tickets.models import Ticket
from tests.factories import fresh


@pytest.fixture
def only_select_choices(monkeypatch):
    original = SelectChoice.from_input.__func__

    def strict(cls, value, optgroup=None):
        assert isinstance(value, SelectChoice), f"a choice that is not a SelectChoice: {value!r}"
        return original(cls, value, optgroup)
    monkeypatch.setattr(SelectChoice, "from_input", classmethod(strict))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=DeprecationWarning, module="wtforms")
        yield


def test_every_select_renders_and_validates_with_select_choices(client, make, login_as,
                                                                make_article,
                                                                only_select_choices):
    category = make.category()
    customer, l1, l2, admin = make.user(), make.agent(1), make.agent(2), make.user("admin")
    ticket, escalated = make.ticket(customer, category=category), make.ticket(level=2)
    article = make_article("Refunds", category=category)
    db.session.commit()
    pages = {
        customer: ["/tickets/new", "/profile"],
        l1: ["/tickets/new", f"/tickets/{ticket.ref}", "/queue", f"/kb/articles/{article.id}"],
        l2: [f"/tickets/{escalated.ref}/return", "/kb/articles/new",
             f"/kb/articles/{article.id}/edit"],
        admin: ["/admin/users/new", f"/admin/users/{l1.id}"],
        None: ["/register"],
    }
    for user, urls in pages.items():
        if user is None:
            client.post("/logout")
            with client.session_transaction() as session:
                session.clear()
        else:
            login_as(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "<option" in response.get_data(as_text=True), url

    login_as(l1)
    response = client.post(f"/tickets/{ticket.ref}/update", data={
        "status": "open", "priority": "high", "category": str(category.id),
        "version": str(ticket.version)})
    assert response.status_code == 302
    response = client.post(f"/tickets/{ticket.ref}/messages", data={
        "kind": "internal", "body": "Checked", "status_after": "",
        "version": str(fresh(Ticket, ticket.id).version)})
    assert response.status_code == 302
