"""The migrations build exactly the schema the models describe (SQLite and PostgreSQL)."""
from __future__ import annotations

import os
import pprint

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from helpdesk import create_app
from helpdesk.extensions import db
from tests import conftest

SCHEMA = f"helpdesk_migrations_{os.getpid()}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    import psycopg

    dsn = conftest.PG_SERVER_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers: {exc}".splitlines()[0])
    with conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
    yield f"{conftest.PG_SERVER_URL}?options=-csearch_path%3D{SCHEMA}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def test_upgrade_matches_the_models(empty_database, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": empty_database,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
        db.engine.dispose()
    assert differences == [], pprint.pformat(differences)
    assert set(db.metadata.tables) <= tables


def test_0016_keeps_each_missed_first_response_once_and_has_the_clocks_worked_out_again(
        empty_database, tmp_path):
    # An installation at 0015 where a change of the rules had recorded a ticket's first
    # response as missed twice (two due times) and its next update once.
    from flask_migrate import downgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": empty_database,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0015")
        filed = "2026-03-02 08:00:00"
        with db.engine.begin() as conn:
            run = conn.exec_driver_sql
            run("INSERT INTO \"user\" (id, email, name, role, is_active_account, "
                "created_at) VALUES (1, 'c@example.com', 'C', 'customer', true, "
                "'2026-03-01 00:00:00')")
            run("INSERT INTO ticket (id, subject, body, requester_id, status, priority, "
                "channel, level, created_at, updated_at, first_response_due_at, "
                "resolution_due_at, update_due_at, due_at, version) VALUES (1, 'S', 'B', 1, "
                f"'open', 'urgent', 'web', 1, '{filed}', '{filed}', '{filed}', '{filed}', "
                f"'{filed}', '{filed}', 1)")
            for n, (target, due) in enumerate([("first_response", "2026-03-02 09:00:00"),
                                               ("first_response", "2026-03-02 08:30:00"),
                                               ("next_update", "2026-03-02 12:00:00")], 1):
                run("INSERT INTO sla_breach (id, ticket_id, target, due_at, level, "
                    f"recorded_at) VALUES ({n}, 1, '{target}', '{due}', 1, '{due}')")
            run("INSERT INTO sla_clock (id, ticket_id, level, paused, next_check_at) "
                "VALUES (1, 1, 1, false, '2026-03-02 12:00:00')")
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            starts = conn.exec_driver_sql(
                "SELECT id, started_at FROM sla_breach ORDER BY id").all()
            pending = conn.exec_driver_sql(
                "SELECT after_ticket_id, total, done FROM sla_recompute").all()
        assert [(i, str(s) if s else None) for i, s in starts] == [
            (1, filed), (2, None), (3, None)]
        assert pending == [(0, 1, 0)]
        downgrade(directory=directory, revision="0015")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("sla_breach")}
        db.engine.dispose()
    assert "started_at" not in columns
