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


@pytest.mark.parametrize("under_way", [False, True], ids=["idle", "recompute-under-way"])
def test_0016_keeps_each_missed_first_response_once_and_has_the_clocks_worked_out_again(
        empty_database, tmp_path, under_way):
    # An installation at 0015 where a change of the rules had recorded a ticket's first
    # response as missed twice (two due times) and its next update once; a closed ticket
    # with a clock beside it; and maybe a recompute half done.
    from flask_migrate import downgrade

    from helpdesk.database import writing
    from helpdesk.service_levels.models import SlaBreach, SlaClock, Target
    from helpdesk.service_levels.tick import tick

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": empty_database,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    directory = app.extensions["migrate"].directory
    filed = "2026-03-02 08:00:00.000000"          # as the app stores times on SQLite
    with app.app_context():
        upgrade(directory=directory, revision="0015")
        with db.engine.begin() as conn:
            run = conn.exec_driver_sql
            run("INSERT INTO \"user\" (id, email, name, role, is_active_account, "
                "created_at) VALUES (1, 'c@example.com', 'C', 'customer', true, "
                "'2026-03-01 00:00:00')")
            for ticket, status in ((1, "open"), (2, "closed")):
                run("INSERT INTO ticket (id, subject, body, requester_id, status, priority, "
                    "channel, level, created_at, updated_at, first_response_due_at, "
                    "resolution_due_at, update_due_at, due_at, version) VALUES "
                    f"({ticket}, 'S', 'B', 1, '{status}', 'urgent', 'web', 1, '{filed}', "
                    f"'{filed}', '{filed}', '{filed}', '{filed}', '{filed}', 1)")
                run("INSERT INTO sla_clock (id, ticket_id, level, paused, next_check_at) "
                    f"VALUES ({ticket}, {ticket}, 1, false, NULL)")
            for target, due in [("first_response", "2026-03-02 09:00:00"),
                                ("first_response", "2026-03-02 08:30:00"),
                                ("next_update", "2026-03-02 12:00:00")]:
                run("INSERT INTO sla_breach (ticket_id, target, due_at, level, recorded_at) "
                    f"VALUES (1, '{target}', '{due}', 1, '{due}')")
            if under_way:
                run("INSERT INTO sla_recompute (id, requested_at, after_ticket_id, total, "
                    "done) VALUES (1, '2026-03-02 10:00:00', 1, 1, 1)")
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            starts = conn.exec_driver_sql(
                "SELECT id, started_at FROM sla_breach ORDER BY id").all()
            pending = conn.exec_driver_sql(
                "SELECT after_ticket_id, total, done FROM sla_recompute").all()
        assert [str(s)[:19] if s else None for _, s in starts] == [filed[:19], None, None]
        assert pending == [(0, 1, 0)]                 # the active ticket, from the start

        # The first tick works the clock out with its starts and records only what is
        # new: the resolution, not the first response a third time.
        with writing():
            report = tick()
        assert not report.deferred
        clock = db.session.scalar(sa.select(SlaClock).where(SlaClock.ticket_id == 1))
        assert clock.first_response_started_at == clock.ticket.created_at
        assert sorted(b.target.value for b in db.session.scalars(sa.select(SlaBreach))) == [
            "first_response", "first_response", "next_update", "resolution"]
        assert db.session.scalar(sa.select(SlaBreach).where(
            SlaBreach.target == Target.resolution)).started_at == clock.ticket.created_at
        db.session.remove()

        downgrade(directory=directory, revision="0015")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("sla_breach")}
        db.engine.dispose()
    assert "started_at" not in columns
