"""Floods of crisis messages page on-call once per group, and every message is still a handoff in the queue."""
import asyncio

import pytest

from recovery_support.alerts.db import make_engine
from recovery_support.alerts.escalation import escalate_due
from recovery_support.alerts.intake import Intake
from recovery_support.alerts.models import create_tables
from tests.alerts.conftest import (
    create_events_table, fast_config, insert_crisis, insert_event, rows, running_worker, wait_for,
)
from tests.alerts.servers import WebhookReceiver

ON_CALL = {"webhook": {"url": "http://127.0.0.1:9/hook"}}


@pytest.fixture(params=["sqlite", "postgres"])
def db(request):
    """The grouping's queries on both databases the product runs on."""
    if request.param == "sqlite":
        yield request.getfixturevalue("engine")
        return
    engine = make_engine(request.getfixturevalue("postgres_schema_url"))
    create_events_table(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def intake(engine, **flood):
    create_tables(engine)
    return Intake(engine, fast_config(on_call=ON_CALL, flood={"window_minutes": 10, **flood}), "http://ack.test")


def alerted(engine):
    """Handoff ids with an alert queued, in order."""
    return [r["handoff_id"] for r in rows(engine, "select handoff_id from outbox where kind = 'alert' order by id")]


def test_one_conversation_repeating_its_crisis_pages_once_but_news_in_it_pages_again(db):
    worker = intake(db)
    for _ in range(5):
        insert_crisis(db, "i want to die", "suicidal", sender="conv-1")
    insert_crisis(db, "i took all of it, i cant feel my legs", "overdose", sender="conv-1")
    insert_event(db, text="whats the point", intent="nlu_fallback", sender="conv-2")
    insert_event(db, type_name="action", action="utter_check_in_suicidal", sender="conv-2")
    insert_event(db, text="yes", intent="affirm", sender="conv-2")
    insert_event(db, type_name="action", action="utter_crisis_suicidal", sender="conv-2")
    worker.run_once()

    handoffs = rows(db, "select id, conversation_id, category, level, grouped_into from handoffs order by id")
    assert len(handoffs) == 8  # every crisis message is a handoff in the queue
    first = handoffs[0]["id"]
    assert [h["grouped_into"] for h in handoffs[:5]] == [None, first, first, first, first]
    # A new category in the same conversation, and a definite crisis after a check-in, are news: alerted.
    assert handoffs[5]["category"] == "overdose" and handoffs[5]["grouped_into"] is None
    assert [h["level"] for h in handoffs[6:]] == ["check_in", "crisis"] and handoffs[7]["grouped_into"] is None
    assert alerted(db) == [first, handoffs[5]["id"], handoffs[6]["id"], handoffs[7]["id"]]
    log = rows(db, f"select action, detail from handoff_log where handoff_id = {first} order by id")
    assert [entry["action"] for entry in log] == ["created"] + ["grouped_here"] * 4


def test_a_flood_from_one_address_is_one_flood_alert_and_a_person_elsewhere_still_pages(db):
    worker = intake(db, per_source=3, per_service=100)
    for n in range(12):
        insert_crisis(db, "i want to kill myself", "suicidal", sender=f"bot-{n}", source="addr-flood")
    real = insert_crisis(db, "my husband is blue and not breathing", "overdose", sender="person",
                         source="addr-home")
    worker.run_once()

    handoffs = rows(db, "select id, event_id, grouped_into, flood, source from handoffs order by id")
    assert len(handoffs) == 13
    flood = [h for h in handoffs if h["source"] == "addr-flood"]
    head = flood[3]
    assert [h["grouped_into"] for h in flood[:4]] == [None] * 4 and head["flood"] == "source"
    assert all(h["grouped_into"] == head["id"] for h in flood[4:])
    person = next(h for h in handoffs if h["event_id"] == real)
    assert person["grouped_into"] is None and person["flood"] is None
    assert alerted(db) == [h["id"] for h in flood[:4]] + [person["id"]]
    body = rows(db, f"select body from outbox where handoff_id = {head['id']}")[0]["body"]
    assert "MANY CRISIS MESSAGES AT ONCE from one address" in body and "crisis queue" in body


def test_a_service_wide_flood_is_grouped_too(db):
    worker = intake(db, per_source=100, per_service=5)
    for n in range(9):
        insert_crisis(db, "i want to die", "suicidal", sender=f"c-{n}", source=f"addr-{n}")
    worker.run_once()
    handoffs = rows(db, "select id, grouped_into, flood from handoffs order by id")
    assert [h["flood"] for h in handoffs[:6]] == [None] * 5 + ["service"]
    assert all(h["grouped_into"] == handoffs[5]["id"] for h in handoffs[6:])
    assert alerted(db) == [h["id"] for h in handoffs[:6]]


async def test_grouped_handoffs_are_escalated_with_their_head_not_alone(engine):
    on_call, backup = WebhookReceiver(), WebhookReceiver()
    async with on_call.running() as on_call_url, backup.running() as backup_url:
        config = fast_config(on_call={"webhook": {"url": on_call_url}}, backup={"webhook": {"url": backup_url}},
                             escalate_after_seconds=0.3)
        async with running_worker(config, engine):
            for _ in range(4):
                insert_crisis(engine, "i want to die", "suicidal", sender="conv-1")
            await wait_for(lambda: backup.accepted, timeout=5, what="the escalation")
            await asyncio.sleep(1.0)  # time enough for wrong escalations of the grouped ones
    assert len(rows(engine, "select id from handoffs")) == 4
    assert len(on_call.accepted) == 1 and len(backup.accepted) == 1
    assert escalate_due(engine, config, "http://ack.test").escalated == []
