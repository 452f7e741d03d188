"""Administration: users (role, support level, active) and categories."""
from __future__ import annotations

import sqlalchemy as sa

from helpdesk.accounts.models import Role, User
from helpdesk.extensions import db
from helpdesk.tickets.models import Category
from tests.factories import PASSWORD, flashes, fresh


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_admin_creates_an_agent_who_can_log_in_and_work_the_queue(app, client, make,
                                                                  login_as):
    login_as(make.user("admin"))
    response = client.post("/admin/users/new", data={
        "email": "New.Agent@Example.com", "name": "New Agent", "role": "agent", "level": "2",
        "is_active": "y", "password": "initial-pw-1"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert ("success", "The user has been created.") in flashes(client)
    agent = db.session.scalar(sa.select(User).where(User.email == "new.agent@example.com"))
    assert (agent.role, agent.level, agent.is_active_account) == (Role.agent, 2, True)
    assert "new.agent@example.com" in client.get("/admin/users").get_data(as_text=True)

    other = app.test_client()
    response = other.post("/login", data={"email": agent.email, "password": "initial-pw-1"})
    assert response.headers["Location"] == "/"
    assert other.get("/").headers["Location"] == "/queue"
    assert "Level 2 queue" in other.get("/queue").get_data(as_text=True)


def test_an_agent_needs_a_level(client, make, login_as):
    login_as(make.user("admin"))
    users = _count(User)
    response = client.post("/admin/users/new", data={
        "email": "nolevel@example.com", "name": "No Level", "role": "agent", "level": "",
        "is_active": "y"})
    assert "An agent needs a support level." in response.get_data(as_text=True)
    assert _count(User) == users


def test_admin_changes_role_and_level(client, make, login_as):
    customer = make.user()
    login_as(make.user("admin"))
    response = client.post(f"/admin/users/{customer.id}", data={
        "name": "Now An Agent", "role": "agent", "level": "3", "is_active": "y"})
    assert response.status_code == 302
    user = fresh(User, customer.id)
    assert (user.role, user.level, user.name) == (Role.agent, 3, "Now An Agent")
    # And back to customer: the level goes.
    client.post(f"/admin/users/{customer.id}", data={
        "name": "Customer Again", "role": "customer", "level": "3", "is_active": "y"})
    user = fresh(User, customer.id)
    assert (user.role, user.level) == (Role.customer, None)


def test_admin_cannot_remove_their_own_admin_access(client, make, login_as):
    admin = make.user("admin")
    login_as(admin)
    for data in ({"role": "agent", "level": "1", "is_active": "y"},
                 {"role": "admin", "level": ""}):
        response = client.post(f"/admin/users/{admin.id}", data={"name": "Me", **data})
        assert "You cannot remove your own administrator access." in response.get_data(
            as_text=True)
        user = fresh(User, admin.id)
        assert (user.role, user.is_active_account) == (Role.admin, True)
    assert client.get("/admin/users").status_code == 200


def test_categories_are_created_edited_and_unique(client, make, login_as):
    login_as(make.user("admin"))
    response = client.post("/admin/categories/new", data={
        "slug": "shipping", "name_en": "Shipping", "name_de": "Versand", "is_active": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/categories"
    category = db.session.scalar(sa.select(Category).where(Category.slug == "shipping"))
    assert (category.name_en, category.name_de, category.is_active) == (
        "Shipping", "Versand", True)
    response = client.post("/admin/categories/new", data={
        "slug": "shipping", "name_en": "Again", "name_de": "Nochmal", "is_active": "y"})
    assert "This short name is taken." in response.get_data(as_text=True)
    response = client.post("/admin/categories/new", data={
        "slug": "Not A Slug", "name_en": "x", "name_de": "x"})
    assert "Lower-case letters, digits and dashes only." in response.get_data(as_text=True)
    assert _count(Category) == 1

    response = client.post(f"/admin/categories/{category.id}", data={
        "slug": "shipping", "name_en": "Shipping & returns", "name_de": "Versand"})
    assert response.status_code == 302
    category = fresh(Category, category.id)
    assert (category.name_en, category.is_active) == ("Shipping & returns", False)


def test_only_active_categories_are_offered_when_filing(client, make, login_as):
    active, retired = make.category("active"), make.category("retired")
    retired.is_active = False
    db.session.commit()
    login_as(make.user())
    page = client.get("/tickets/new").get_data(as_text=True)
    assert f'value="{active.id}"' in page and f'value="{retired.id}"' not in page
    response = client.post("/tickets/new", data={
        "subject": "s", "priority": "normal", "body": "b", "category": str(retired.id)})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(app, client, make, login_as):
    user = make.user()
    login_as(make.user("admin"))
    client.post(f"/admin/users/{user.id}", data={"name": user.name, "role": "customer"})
    assert fresh(User, user.id).is_active_account is False
    other = app.test_client()
    response = other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "E-mail or password is wrong." in response.get_data(as_text=True)
