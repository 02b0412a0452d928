"""Retention: old conversations deleted or anonymised with their events; handoff records kept without text."""
import json
import subprocess
import sys
import time
from datetime import datetime

import pytest

from recovery_support.staff.crisis_queue import add_handoff_note
from recovery_support.staff.filters import parse_filter
from recovery_support.staff.listing import filter_options, list_conversations
from recovery_support.staff.projector import project_all
from recovery_support.staff.retention import apply_retention
from recovery_support.staff.review import add_note, add_tag
from tests.staff.conftest import ROOT, insert_event, insert_handoff, insert_turn, migrate, create_events_table, rows

DAY = 86400.0
NOW = datetime(2026, 1, 31)
OLD = (datetime(2025, 12, 1) - datetime(1970, 1, 1)).total_seconds()
RECENT = (datetime(2026, 1, 30) - datetime(1970, 1, 1)).total_seconds()


def senders_matching(engine, term: str) -> list:
    return [r["id"] for r in list_conversations(engine, parse_filter({"q": term}), 1, 50).rows]


def seed(engine):
    event_id = insert_turn(engine, "old-person", "My name is Ann, 555-123-4567. I took too many pills",
                           intent="crisis_overdose", channel="telegram", timestamp=OLD)
    insert_event(engine, "old-person", "slot", intent=None, timestamp=OLD + 1)
    handoff = insert_handoff(engine, "old-person", event_id, text="My name is Ann. I took too many pills")
    insert_turn(engine, "recent-person", "what is detox", intent="what_is_detox", timestamp=RECENT)
    # Not projected yet: retention must still find it.
    insert_turn(engine, "old-unprojected", "hello", timestamp=OLD + 5)
    project_all(engine)
    old_id = rows(engine, "select id from conversations where sender_id = 'old-person'")[0]["id"]
    add_note(engine, old_id, "Ann's sister called back", "carl")
    add_tag(engine, old_id, "followed up", "rita")
    add_handoff_note(engine, handoff, "Spoke to Ann at home", "carl")
    insert_turn(engine, "old-unprojected", "still there?", timestamp=OLD + 10)
    return {"old_id": old_id, "handoff": handoff}


def test_delete(any_db):
    ids = seed(any_db)
    result = apply_retention(any_db, 30, now=NOW)
    assert len(result.conversations) == 2 and result.events == 5 + 8
    assert {r["sender_id"] for r in rows(any_db, "select distinct sender_id from events")} == {"recent-person"}
    assert [r["sender_id"] for r in rows(any_db, "select sender_id from conversations")] == ["recent-person"]
    assert rows(any_db, "select count(*) as n from notes")[0]["n"] == 0
    assert rows(any_db, "select count(*) as n from conversation_tags")[0]["n"] == 0
    assert {r["conversation_id"] for r in rows(any_db, "select conversation_id from search_messages")} == \
        {r["id"] for r in rows(any_db, "select id from conversations")}
    assert rows(any_db, "select count(*) as n from conversation_intents")[0]["n"] == 1  # recent-person's
    assert filter_options(any_db)["intents"] == ["what_is_detox"]
    handoff = rows(any_db, "select conversation_id, message_text, status from handoffs")[0]
    assert handoff["message_text"] == "[removed by retention]" and "old-person" not in handoff["conversation_id"]
    log = rows(any_db, "select actor, action, detail from handoff_log order by id")
    assert [(e["actor"], e["action"]) for e in log] == [("alert-worker", "created"), ("carl", "note")]
    assert log[1]["detail"] == "[removed by retention]"
    audit = rows(any_db, "select actor, action, target, detail from audit_log where actor = 'retention' order by id")
    assert [a["action"] for a in audit] == ["retention_delete", "retention_delete", "retention_delete_run"]
    assert audit[0]["target"] == f"conversation:{ids['old_id']}"
    assert json.loads(audit[-1]["detail"])["conversations"] == 2
    # Nothing older is left: a second run does nothing.
    assert apply_retention(any_db, 30, now=NOW).conversations == []


def test_anonymise(any_db):
    ids = seed(any_db)
    result = apply_retention(any_db, 30, anonymise=True, now=NOW)
    assert len(result.conversations) == 2
    conversation = rows(any_db, "select sender_id, status, crisis_category, user_turns, channel from conversations "
                                "where id = :i", i=ids["old_id"])[0]
    assert conversation["sender_id"].startswith("anon-") and conversation["status"] == "anonymised"
    assert (conversation["crisis_category"], conversation["user_turns"], conversation["channel"]) == \
        ("overdose", 1, "telegram")
    dumped = json.dumps(rows(any_db, "select sender_id, data from events"))
    for leaked in ("old-person", "Ann", "555-123-4567", "too many pills", "still there"):
        assert leaked not in dumped
    events = rows(any_db, "select type_name, intent_name, data from events where sender_id = :s",
                  s=conversation["sender_id"])
    user = json.loads(next(e["data"] for e in events if e["type_name"] == "user"))
    assert user["text"] == "" and user["parse_data"]["intent"]["name"] == "crisis_overdose"
    assert user["parse_data"]["crisis"] == {"category": "overdose"} and user["input_channel"] == "telegram"
    assert rows(any_db, "select count(*) as n from notes")[0]["n"] == 0
    assert rows(any_db, "select count(*) as n from conversation_tags")[0]["n"] == 1  # labels stay for statistics
    # The search's copy of the text goes; the intents stay, as they do in the scrubbed events.
    assert rows(any_db, "select count(*) as n from search_messages where conversation_id = :i",
                i=ids["old_id"]) == [{"n": 0}]
    assert senders_matching(any_db, "pills") == []
    assert rows(any_db, "select intent from conversation_intents where conversation_id = :i",
                i=ids["old_id"]) == [{"intent": "crisis_overdose"}]
    assert rows(any_db, "select message_text from handoffs")[0]["message_text"] == "[removed by retention]"
    # The projection still agrees with the events (nothing recounted, nothing lost), and a rerun is a no-op.
    project_all(any_db)
    assert rows(any_db, "select user_turns from conversations where id = :i", i=ids["old_id"])[0]["user_turns"] == 1
    assert apply_retention(any_db, 30, anonymise=True, now=NOW).conversations == []
    actions = [r["action"] for r in rows(any_db, "select action from audit_log where actor = 'retention'")]
    assert actions.count("retention_anonymise") == 2 and actions[-1] == "retention_anonymise_run"


def test_recent_conversations_and_bad_arguments(db):
    seed(db)
    assert apply_retention(db, 365, now=NOW).conversations == []
    with pytest.raises(ValueError):
        apply_retention(db, 0, now=NOW)
    dry = apply_retention(db, 30, dry_run=True, now=NOW)
    assert len(dry.conversations) == 2 and rows(db, "select count(*) as n from conversations")[0]["n"] == 3


def test_command(sqlite_engine):
    create_events_table(sqlite_engine)
    migrate(sqlite_engine)
    insert_turn(sqlite_engine, "ancient", "hello", timestamp=time.time() - 100 * DAY)
    insert_turn(sqlite_engine, "fresh", "hello", timestamp=time.time() - DAY)
    url = str(sqlite_engine.url)
    run = [sys.executable, "-m", "recovery_support.staff.retention", "--database-url", url]
    done = subprocess.run(run + ["--older-than-days", "90", "--dry-run"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "1 conversations would be deleted (dry run)." in done.stdout
    done = subprocess.run(run + ["--older-than-days", "90"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 conversations deleted (4 events)." in done.stdout
    assert {r["sender_id"] for r in rows(sqlite_engine, "select sender_id from events")} == {"fresh"}
    bad = subprocess.run(run + ["--older-than-days", "0"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
