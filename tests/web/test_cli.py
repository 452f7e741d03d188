"""The `helpdesk` command (on a fresh, empty SQLite database) and /healthz."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk import create_app
from helpdesk.accounts.models import Role, User
from helpdesk.cli import main
from helpdesk.extensions import db
from helpdesk.tickets.models import Status, Ticket

DEMO_LOGINS = ("customer@example.com", "customer2@example.com", "l1@example.com",
               "l2@example.com", "l3@example.com", "admin@example.com")


@pytest.fixture
def empty_app(tmp_path):
    """An app on an SQLite file with no tables at all (the `app` fixture creates them)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "MAIL_SUPPRESS": True,
                      "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables(app) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_init_db_creates_the_schema_and_can_run_again(empty_app):
    runner = empty_app.test_cli_runner()
    assert _tables(empty_app) == set()
    for _ in range(2):
        result = runner.invoke(main, ["init-db"])
        assert result.exit_code == 0, result.output
        assert "Database ready" in result.output
    assert {"user", "ticket", "message", "attachment", "ticket_event", "handoff",
            "alembic_version"} <= _tables(empty_app)


def test_create_user(empty_app):
    runner = empty_app.test_cli_runner()
    runner.invoke(main, ["init-db"])
    result = runner.invoke(main, ["create-user", "--email", "Lea@Example.com", "--name", "Lea",
                                  "--role", "agent", "--level", "2", "--language", "de",
                                  "--password", "lilac-tram-orbit-7"])
    assert result.exit_code == 0, result.output
    assert "Created lea@example.com (agent, level 2)" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "lea@example.com"))
    assert (user.role, user.level, user.language) == (Role.agent, 2, "de")
    assert user.check_password("lilac-tram-orbit-7")

    result = runner.invoke(main, ["create-user", "--email", "lea@example.com",
                                  "--password", "x-password-2"])
    assert result.exit_code != 0 and "already has an account" in result.output
    result = runner.invoke(main, ["create-user", "--email", "nolevel@example.com",
                                  "--role", "agent", "--password", "x-password-2"])
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_demo_creates_every_login_status_and_level_once(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    for email in DEMO_LOGINS:
        assert email in result.output
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user is not None and user.check_password("demo1234"), email
    roles = {(u.role, u.level) for u in db.session.scalars(
        sa.select(User).where(User.email.in_(DEMO_LOGINS)))}
    assert {(Role.customer, None), (Role.agent, 1), (Role.agent, 2), (Role.agent, 3),
            (Role.admin, None)} <= roles
    tickets = db.session.scalars(sa.select(Ticket)).all()
    assert {t.status for t in tickets} == set(Status)
    assert {t.level for t in tickets} == {1, 2, 3}
    counts = {model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (User, Ticket)}
    db.session.commit()     # end the test's read: the command runs in this session

    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "already present" in result.output
    assert counts == {model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                      for model in (User, Ticket)}


def test_healthz_reports_the_database(client, app):
    response = client.get("/healthz")
    data = response.get_json()
    assert data["database"] == {"ok": True, "dialect": db.engine.dialect.name}
    assert response.status_code == (200 if data["status"] == "ok" else 503)
