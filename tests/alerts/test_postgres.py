"""The PostgreSQL path: the same pipeline on the ``test`` database, in a throwaway schema dropped afterwards.

Also the case SQLite can't produce: a crisis row that commits after a higher id was already read.
"""

import time

import pytest
import sqlalchemy as sa

from recovery_support.alerts.db import events, make_engine
from recovery_support.alerts.intake import Intake
from recovery_support.alerts.models import create_tables
from tests.alerts.conftest import (
    create_events_table, fast_config, insert_crisis, insert_event, rows, running_worker, wait_for,
)
from tests.alerts.servers import WebhookReceiver


@pytest.fixture
def pg_engine(postgres_schema_url):
    # search_path in the URL, so make_engine (the worker's own engine factory) is what is tested.
    engine = make_engine(postgres_schema_url)
    create_events_table(engine)
    try:
        yield engine
    finally:
        engine.dispose()


async def test_postgres_delivers_and_acknowledges(pg_engine):
    receiver = WebhookReceiver(fail_first=1)
    async with receiver.running() as url:
        async with running_worker(fast_config(on_call={"webhook": {"url": url}}), pg_engine):
            insert_crisis(pg_engine, "took too much, can't breathe", "overdose")
            await wait_for(lambda: receiver.accepted, what="the webhook delivery")
            await wait_for(lambda: rows(pg_engine, "select delivered_at from outbox")[0]["delivered_at"],
                           what="the delivery to be recorded")
    assert len(receiver.accepted) == 1
    assert rows(pg_engine, "select attempts from outbox") == [{"attempts": 2}]
    assert rows(pg_engine, "select category, status from handoffs") == [{"category": "overdose", "status": "open"}]
    tables = {r["table_name"] for r in rows(pg_engine, "select table_name from information_schema.tables "
                                                       "where table_schema = current_schema()")}
    assert tables == {"events", "handoffs", "handoff_log", "outbox", "alert_cursor", "alert_worker_lease"}


def test_postgres_late_commit_is_not_lost(pg_engine):
    create_tables(pg_engine)
    intake = Intake(pg_engine, fast_config(on_call={"webhook": {"url": "http://127.0.0.1:9/"}}), "http://ack")
    slow = pg_engine.connect()
    transaction = slow.begin()
    slow.execute(events.insert().values(sender_id="late", type_name="user", timestamp=1.0,
                                        intent_name="crisis_suicidal", data='{"text": "goodbye"}'))
    insert_event(pg_engine, text="hi")  # a higher id, committed first
    assert intake.run_once().created == []
    transaction.commit()
    slow.close()
    assert len(intake.run_once().created) == 1
    assert rows(pg_engine, "select conversation_id, message_text from handoffs") == [
        {"conversation_id": "late", "message_text": "goodbye"}]
    assert intake.run_once().created == []


def test_postgres_first_start_skips_old_crises_with_a_warning(pg_engine, caplog):
    create_tables(pg_engine)
    insert_crisis(pg_engine, "months ago", timestamp=time.time() - 90 * 24 * 3600)
    recent = insert_crisis(pg_engine, "just now")
    intake = Intake(pg_engine, fast_config(on_call={"webhook": {"url": "http://127.0.0.1:9/"}}), "http://ack")
    assert len(intake.run_once().created) == 1
    assert rows(pg_engine, "select event_id from handoffs") == [{"event_id": recent}]
    assert any("1 crisis message(s) older than 24 h" in r.getMessage() for r in caplog.records)
