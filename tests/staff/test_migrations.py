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
from tests.staff.conftest import ROOT, create_events_table, insert_event, insert_turn, migrate, rows

STAFF = {"conversations", "tags", "conversation_tags", "notes", "staff_users", "audit_log", "staff_sessions",
         "projector_cursor", "intents", "conversation_intents", "search_messages", "login_failures"}
ALERTS_0001 = {"handoffs", "handoff_log", "outbox", "alert_cursor"}
ALERTS = ALERTS_0001 | {"alert_worker_lease"}
T0 = 1_760_000_000.0


def tables(engine) -> set:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_and_downgrade_leave_events_alone(any_engine):
    create_events_table(any_engine)
    insert_event(any_engine, "keep-me", text="a message that must survive migrations")
    migrate(any_engine)
    assert tables(any_engine) == STAFF | ALERTS | {"events", "alembic_version"}
    assert rows(any_engine, "select version_num from alembic_version") == [{"version_num": "0009"}]
    migrate(any_engine, "0001", down=True)
    assert tables(any_engine) == ALERTS_0001 | {"events", "alembic_version"}
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
        # Without the filter autogenerate would propose dropping Rasa's table (and on PostgreSQL the search's
        # trigram index, which the models can't declare): the filter is what stops it.
        unfiltered = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(unfiltered, TARGET_METADATA)
        expected = [("remove_table", "events")]
        if any_engine.dialect.name == "postgresql":
            expected.append(("remove_index", "ix_search_messages_text_trgm"))
        assert [(d[0], d[1].name) for d in diff] == expected


def test_0004_backfills_what_the_projector_would_write(any_engine):
    """Conversations projected before 0004 get the intents and search text the projector now keeps."""
    from recovery_support.staff.projector import project_all

    create_events_table(any_engine)
    migrate(any_engine, "0003")
    insert_turn(any_engine, "a", "What is  DETOX like?", intent="what_is_detox", reply="Detox is the first step.")
    insert_turn(any_engine, "a", "Ich fühle mich schlecht, CAFÉ", intent="chitchat", timestamp=T0 + 5)
    insert_event(any_engine, "a", "bot", "", intent=None, buttons=[{"title": "Yes", "payload": "/affirm"}])
    insert_turn(any_engine, "b", "I took too many pills", intent="crisis_overdose")
    insert_event(any_engine, "c", "action", action="action_session_start", intent=None)
    with any_engine.begin() as connection:
        connection.execute(sa.text("insert into events (sender_id, type_name, intent_name, data) "
                                   "values ('c', 'user', 'greet', '{not json')"))
    # As 0003's projector left them: the conversation rows only.
    with any_engine.begin() as connection:
        for i, sender in enumerate(["a", "b", "c"], 1):
            connection.execute(sa.text(
                "insert into conversations (id, sender_id, status, crisis, review_status, user_turns, fallback_turns, "
                "low_confidence_turns, event_count, last_event_id, updated_at) values "
                "(:i, :s, 'active', false, 'unreviewed', 0, 0, 0, 0, 0, '2025-10-09 00:00:00')"), {"i": i, "s": sender})
    migrate(any_engine)
    queries = ("select * from conversation_intents order by conversation_id, intent",
               "select * from search_messages order by event_id", "select * from intents order by name")
    backfilled = [rows(any_engine, sql) for sql in queries]
    assert [r["intent"] for r in backfilled[0]] == ["chitchat", "what_is_detox", "crisis_overdose", "greet"]
    assert [(r["conversation_id"], r["text"]) for r in backfilled[1]] == [
        (1, "what is detox like?"), (1, "detox is the first step."), (1, "ich fühle mich schlecht, café"),
        (1, "i'm here to help."), (2, "i took too many pills"), (2, "i'm here to help.")]
    with any_engine.begin() as connection:
        for table in ("conversation_intents", "search_messages", "intents"):
            connection.execute(sa.text(f"delete from {table}"))
    project_all(any_engine)
    assert [rows(any_engine, sql) for sql in queries] == backfilled


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
