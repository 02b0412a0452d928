"""The projector: Rasa events become conversation rows with the figures staff filter on."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from recovery_support.alerts.db import events
from recovery_support.staff.models import Conversation
from recovery_support.staff.projector import REREAD_IDS, project, project_all
from tests.staff.conftest import insert_event, insert_turn, rows

T0 = 1_760_000_000.0  # 2025-10-09 08:53:20 UTC


def conversations(engine) -> dict:
    """Rows through the model, so both databases give the same Python types."""
    with Session(engine, future=True) as session:
        return {c.sender_id: {k: v for k, v in vars(c).items() if not k.startswith("_")}
                for c in session.execute(sa.select(Conversation)).scalars()}


def test_projects_channel_times_crisis_and_fallbacks(any_db):
    insert_event(any_db, "a", "action", action="action_session_start", intent=None, timestamp=T0 - 1)
    insert_turn(any_db, "a", "hi", intent="greet", confidence=0.98, channel="telegram", timestamp=T0)
    # Below the FallbackClassifier threshold: nlu_fallback won, the best real intent had 0.3.
    insert_turn(any_db, "a", "blorp", intent="nlu_fallback", confidence=0.45, timestamp=T0 + 60, channel="telegram",
                ranking=[{"name": "nlu_fallback", "confidence": 0.45}, {"name": "chitchat", "confidence": 0.3}])
    insert_turn(any_db, "a", "I'm not sure", intent="aftercare", confidence=0.4, timestamp=T0 + 120,
                channel="telegram")
    insert_turn(any_db, "a", "I took too many pills", intent="crisis_overdose", confidence=1.0, timestamp=T0 + 180,
                channel="telegram")
    insert_turn(any_db, "a", "I want to die", intent="crisis_suicidal", confidence=1.0, timestamp=T0 + 240,
                channel="telegram")
    insert_turn(any_db, "b", "what is detox", intent="what_is_detox", channel="socketio", timestamp=T0 + 10)
    result = project_all(any_db)
    assert result.read == 25 and sorted(result.updated) == ["a", "b"]
    c = conversations(any_db)
    a = c["a"]
    assert a["channel"] == "telegram"
    assert a["first_activity"] == datetime(2025, 10, 9, 8, 53, 19)
    assert a["last_activity"].replace(microsecond=0) == datetime(2025, 10, 9, 8, 57, 20)
    assert (a["user_turns"], a["fallback_turns"], a["low_confidence_turns"]) == (5, 1, 2)
    # Both categories seen; the most time-critical one names the conversation.
    assert a["crisis"] and a["crisis_category"] == "overdose"
    assert a["event_count"] == 21 and a["status"] == "active" and a["review_status"] == "unreviewed"
    b = c["b"]
    assert (b["channel"], b["crisis"], b["crisis_category"], b["fallback_turns"]) == ("socketio", False, None, 0)
    assert rows(any_db, "select last_event_id from projector_cursor") == [{"last_event_id": 25}]


def test_fallback_action_counts_as_a_fallback_turn(db):
    insert_event(db, "f", "user", "???", intent="chitchat", confidence=0.9)
    insert_event(db, "f", "action", action="action_default_fallback", intent=None)
    project_all(db)
    assert conversations(db)["f"]["fallback_turns"] == 1


def test_is_incremental_and_idempotent(db):
    insert_turn(db, "a", "hi")
    assert project(db).read == 4
    assert project(db).read == 0  # nothing new: nothing read, nothing changed
    insert_turn(db, "a", "I feel like using", intent="coping_cravings", timestamp=T0 + 30)
    result = project(db)
    assert result.read == 4 and result.updated == ["a"]
    assert conversations(db)["a"]["user_turns"] == 2
    # Re-projecting everything from zero gives the same figures (recomputed, never added twice).
    with db.begin() as connection:
        connection.execute(sa.text("update projector_cursor set last_event_id = 0"))
    project_all(db)
    assert conversations(db)["a"]["user_turns"] == 2 and conversations(db)["a"]["event_count"] == 8


def test_batches_until_caught_up(db):
    for i in range(5):
        insert_turn(db, f"s{i}", "hi", timestamp=T0 + i)
    first = project(db, batch_size=8)
    assert first.read == 8 and first.more
    assert project_all(db).read == 12
    assert len(conversations(db)) == 5


def test_a_late_commit_below_the_cursor_is_picked_up(db):
    """PostgreSQL hands out ids at insert: a turn with a lower id can become visible after a higher one."""
    insert_event(db, "late", "user", "first", event_id=10)
    insert_event(db, "other", "user", "hi", event_id=20)
    project_all(db)
    assert conversations(db)["late"]["user_turns"] == 1
    insert_event(db, "late", "user", "I took too many pills", intent="crisis_overdose", event_id=15)
    project_all(db)
    late = conversations(db)["late"]
    assert (late["user_turns"], late["crisis"], late["event_count"]) == (2, True, 2)
    assert REREAD_IDS >= 100


def test_events_removed_from_a_conversation_are_recounted(db):
    insert_turn(db, "a", "hi")
    insert_turn(db, "a", "more", timestamp=T0 + 5)
    project_all(db)
    with db.begin() as connection:
        connection.execute(events.delete().where(events.c.id > 4))
    project_all(db)
    assert conversations(db)["a"]["user_turns"] == 1


def test_garbage_event_data_does_not_stop_projection(db):
    with db.begin() as connection:
        connection.execute(events.insert().values(sender_id="g", type_name="user", timestamp=T0, intent_name="greet",
                                                  data="{not json"))
        connection.execute(events.insert().values(sender_id="g", type_name="user", timestamp=None,
                                                  intent_name=None, data='["a list"]'))
    insert_turn(db, "h", "hello")
    project_all(db)
    c = conversations(db)
    assert c["g"]["user_turns"] == 2 and c["h"]["user_turns"] == 1


def test_no_events_table_yet(sqlite_engine):
    from tests.staff.conftest import migrate

    migrate(sqlite_engine)
    assert project(sqlite_engine).read == 0


def test_crisis_order_matches_the_crisis_layer():
    from recovery_support.crisis.category import INTENT_PREFIX, PRECEDENCE
    from recovery_support.staff import turns

    assert turns.PRECEDENCE == tuple(c.value for c in PRECEDENCE)
    assert turns.INTENT_PREFIX == INTENT_PREFIX
