"""Alembic: one upgrade creates every table but Rasa's, downgrade removes them, and ``events`` is never touched."""
import os
import re
import subprocess
import sys

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from recovery_support.alerts.models import ALERT_TABLES, create_tables
from recovery_support.staff.schema import TARGET_METADATA, include_object
from tests.staff.conftest import ROOT, create_events_table, insert_event, migrate, rows

STAFF = {"conversations", "tags", "conversation_tags", "notes", "staff_users", "audit_log", "staff_sessions",
         "projector_cursor"}
ALERTS = {"handoffs", "handoff_log", "outbox", "alert_cursor"}


def tables(engine) -> set:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_and_downgrade_leave_events_alone(any_engine):
    create_events_table(any_engine)
    insert_event(any_engine, "keep-me", text="a message that must survive migrations")
    migrate(any_engine)
    assert tables(any_engine) == STAFF | ALERTS | {"events", "alembic_version"}
    assert rows(any_engine, "select version_num from alembic_version") == [{"version_num": "0003"}]
    migrate(any_engine, "0001", down=True)
    assert tables(any_engine) == ALERTS | {"events", "alembic_version"}
    migrate(any_engine, "base", down=True)
    assert tables(any_engine) == {"events", "alembic_version"}
    assert [r["sender_id"] for r in rows(any_engine, "select sender_id from events")] == ["keep-me"]
    migrate(any_engine)  # and up again from nothing
    assert STAFF | ALERTS <= tables(any_engine)


def test_models_match_migrations_and_events_is_filtered(any_engine):
    create_events_table(any_engine)
    migrate(any_engine)
    with any_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": include_object})
        assert compare_metadata(context, TARGET_METADATA) == []
        # Without the filter autogenerate would propose dropping Rasa's table: the filter is what stops it.
        unfiltered = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(unfiltered, TARGET_METADATA)
        assert [(d[0], d[1].name) for d in diff] == [("remove_table", "events")]


def test_upgrade_after_the_alert_worker_made_its_tables(sqlite_engine):
    create_events_table(sqlite_engine)
    create_tables(sqlite_engine)  # the worker started before anyone ran Alembic
    with sqlite_engine.begin() as connection:
        connection.execute(ALERT_TABLES[0].insert().values(conversation_id="c", category="overdose",
                                                           message_text="x", event_id=1, status="open"))
    migrate(sqlite_engine)
    assert STAFF | ALERTS <= tables(sqlite_engine)
    assert rows(sqlite_engine, "select conversation_id from handoffs") == [{"conversation_id": "c"}]


def test_alembic_command_line_uses_database_url(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    environment = dict(os.environ, DATABASE_URL=url)
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=environment, check=True,
                   capture_output=True, timeout=120)
    engine = sa.create_engine(url)
    try:
        assert STAFF | ALERTS <= tables(engine)
        assert "events" not in tables(engine)  # Rasa's to create, never Alembic's
    finally:
        engine.dispose()


def test_offline_sql_script_creates_our_tables_only():
    import io

    from alembic import command

    from tests.staff.conftest import alembic_config

    buffer = io.StringIO()
    config = alembic_config()
    config.output_buffer = buffer
    config.set_main_option("sqlalchemy.url", "postgresql://postgres@localhost/never-connected")
    command.upgrade(config, "head", sql=True)
    created = set(re.findall(r"CREATE TABLE (\w+)", buffer.getvalue()))
    assert created == STAFF | ALERTS | {"alembic_version"}
