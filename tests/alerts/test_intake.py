"""Intake: crisis rows in ``events`` become exactly one handoff each, with outbox rows, in one transaction."""
import logging
import time

import pytest
import sqlalchemy as sa

from recovery_support.alerts.intake import Gap, Intake, ScanState, _remaining
from recovery_support.alerts.models import create_tables
from tests.alerts.conftest import fast_config, insert_crisis, insert_event, rows, running_worker, wait_for

ON_CALL = {"name": "Night nurse", "webhook": {"url": "http://127.0.0.1:9/hook"},
           "email": {"smtp_host": "127.0.0.1", "from": "alerts@clinic.test", "to": ["a@clinic.test", "b@clinic.test"]}}


def make_intake(engine, **config):
    create_tables(engine)
    return Intake(engine, fast_config(**config), "http://ack.test")


def test_only_crisis_user_messages_become_handoffs(engine):
    intake = make_intake(engine, on_call=ON_CALL)
    insert_event(engine, text="hi", intent="greet")
    insert_event(engine, type_name="bot", text="")
    crisis = insert_crisis(engine, "I can't go on, I want to die", "suicidal", sender="conv-7")
    insert_event(engine, text="crisisXoverdose", intent="crisisXoverdose")  # LIKE's "_" must not match "X"
    insert_event(engine, type_name="action", intent="crisis_overdose")  # not a user message

    result = intake.run_once()

    handoffs = rows(engine, "select * from handoffs")
    assert result.created == [handoffs[0]["id"]] and len(handoffs) == 1
    assert handoffs[0]["event_id"] == crisis
    assert handoffs[0]["category"] == "suicidal"
    assert handoffs[0]["conversation_id"] == "conv-7"
    assert handoffs[0]["message_text"] == "I can't go on, I want to die"
    assert handoffs[0]["status"] == "open"
    outbox = rows(engine, "select channel, recipient, kind, attempts from outbox order by id")
    assert outbox == [
        {"channel": "email", "recipient": "a@clinic.test", "kind": "alert", "attempts": 0},
        {"channel": "email", "recipient": "b@clinic.test", "kind": "alert", "attempts": 0},
        {"channel": "webhook", "recipient": "http://127.0.0.1:9/hook", "kind": "alert", "attempts": 0},
    ]
    assert rows(engine, "select last_event_id from alert_cursor") == [{"last_event_id": 5}]
    assert [r["action"] for r in rows(engine, "select action from handoff_log")] == ["created"]


def test_a_check_in_or_a_crisis_seen_over_several_turns_opens_a_handoff_of_its_own_level(engine):
    """The conversation-level policy answers without a crisis intent on the message: its reply is the signal."""
    intake = make_intake(engine, on_call=ON_CALL)
    insert_event(engine, text="what's the point of anything anymore", intent="nlu_fallback", sender="conv-2")
    check_in = insert_event(engine, type_name="action", action="utter_check_in_suicidal", sender="conv-2")
    insert_event(engine, text="yeah", intent="affirm", sender="conv-2")
    crisis = insert_event(engine, type_name="action", action="utter_crisis_suicidal", sender="conv-2")
    insert_event(engine, text="no", intent="deny", sender="conv-3")
    insert_event(engine, type_name="action", action="utter_check_in_declined_suicidal", sender="conv-3")
    insert_event(engine, type_name="action", action="utter_crisis_followup_suicidal", sender="conv-3")

    intake.run_once()

    handoffs = rows(engine, "select event_id, level, category, message_text, conversation_id from handoffs order by id")
    assert handoffs == [
        {"event_id": check_in, "level": "check_in", "category": "suicidal",
         "message_text": "what's the point of anything anymore", "conversation_id": "conv-2"},
        {"event_id": crisis, "level": "crisis", "category": "suicidal", "message_text": "yeah",
         "conversation_id": "conv-2"},
    ]


def test_the_crisis_reply_to_a_crisis_message_raises_no_second_handoff(engine):
    intake = make_intake(engine, on_call=ON_CALL)
    crisis = insert_crisis(engine, "im taking all my pills tonight so i dont wake up", "overdose")
    insert_event(engine, type_name="action", action="utter_crisis_overdose")
    insert_event(engine, type_name="action", action="utter_crisis_suicidal")  # the second category's reply
    intake.run_once()
    assert rows(engine, "select event_id, level from handoffs") == [{"event_id": crisis, "level": "crisis"}]


def test_polling_twice_and_restarting_creates_one_handoff(engine):
    insert_crisis(engine)
    first = make_intake(engine, on_call=ON_CALL)
    assert len(first.run_once().created) == 1
    assert first.run_once().created == []
    # A restart that lost its cursor (re-reads everything): still one handoff, no duplicate outbox rows.
    with engine.begin() as connection:
        connection.execute(sa.text("delete from alert_cursor"))
    assert make_intake(engine, on_call=ON_CALL).run_once().created == []
    assert rows(engine, "select count(*) as n from handoffs") == [{"n": 1}]
    assert rows(engine, "select count(*) as n from outbox") == [{"n": 3}]


def test_a_late_commit_below_the_cursor_is_not_lost(engine):
    """PostgreSQL can make row 2 visible after row 3 was read: the hole is watched, the cursor waits."""
    intake = make_intake(engine, on_call=ON_CALL)
    insert_event(engine, text="hi", event_id=1)
    insert_event(engine, text="hello", event_id=3)
    assert intake.run_once().created == []
    assert rows(engine, "select last_event_id from alert_cursor") == [{"last_event_id": 1}]
    insert_crisis(engine, "he's not breathing", "overdose", event_id=2)  # the late commit
    created = intake.run_once().created
    assert len(created) == 1
    assert rows(engine, "select event_id from handoffs") == [{"event_id": 2}]
    assert rows(engine, "select last_event_id from alert_cursor") == [{"last_event_id": 3}]  # the hole is closed
    assert intake.run_once().created == []


def test_holes_split_as_they_fill_and_are_given_up_after_their_deadline():
    holes = [Gap(10, 20, deadline=100.0), Gap(30, 30, deadline=5.0)]
    assert _remaining(holes, [10, 12, 13, 20, 30, 40], now=1.0) == [
        Gap(11, 11, 100.0), Gap(14, 19, 100.0)]
    assert _remaining(holes, [], now=50.0) == [Gap(10, 20, 100.0)]
    assert ScanState(scanned=50, gaps=(Gap(14, 19, 1.0), Gap(11, 11, 1.0))).cursor == 10


def test_a_failed_transaction_reads_the_events_again(engine, monkeypatch):
    intake = make_intake(engine, on_call=ON_CALL)
    insert_crisis(engine)
    import recovery_support.alerts.intake as module

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("insert", {}, Exception("disk I/O error"))

    monkeypatch.setattr(module, "queue_deliveries", broken)
    with pytest.raises(sa.exc.OperationalError):
        intake.run_once()
    assert rows(engine, "select count(*) as n from handoffs") == [{"n": 0}]
    monkeypatch.undo()
    assert len(intake.run_once().created) == 1


def test_unreadable_event_json_still_raises_a_handoff(engine):
    intake = make_intake(engine, on_call=ON_CALL)
    with engine.begin() as connection:  # written now: a first start skips crisis turns older than its window
        connection.execute(sa.text("insert into events (sender_id, type_name, timestamp, intent_name, data) "
                                   "values ('c', 'user', :now, 'crisis_medical', '{not json')"), {"now": time.time()})
    assert len(intake.run_once().created) == 1
    assert rows(engine, "select category, message_text from handoffs") == [
        {"category": "medical", "message_text": "(the message text could not be read)"}]


async def test_with_no_contact_configured_the_handoff_is_recorded_and_a_loud_warning_logged(engine, caplog):
    config = fast_config()
    caplog.set_level(logging.WARNING)
    async with running_worker(config, engine):
        insert_crisis(engine)
        insert_crisis(engine, "I cut myself again", "self_harm")
        await wait_for(lambda: len(rows(engine, "select id from handoffs")) == 2, what="two handoffs")
        await wait_for(lambda: sum("NO ALERT SENT" in r.message for r in caplog.records) == 2, what="warnings")
    assert rows(engine, "select count(*) as n from outbox") == [{"n": 0}]
    assert [r["action"] for r in rows(engine, "select action from handoff_log where handoff_id = 1 order by id")] \
        == ["created", "not_alerted"]
    assert any(r.levelno == logging.CRITICAL and "NO ON-CALL CONTACT" in r.message for r in caplog.records)
