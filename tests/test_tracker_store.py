"""The tracker store keeps every turn, on the embedded SQLite and on PostgreSQL (production)."""
import asyncio
import sqlite3
import uuid

import pytest
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from recovery_support.paths import ROOT
from recovery_support.tracker_store import ClinicTrackerStore

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in [
        ActionExecuted("action_listen"),
        UserUttered("how long does withdrawal last", {"name": "withdrawal_timeline", "confidence": 0.97}),
        ActionExecuted("action_answer"),
        BotUttered("Symptoms usually begin within 24 to 48 hours.", metadata={"answer_kind": "answer"}),
        SlotSet("topic", "withdrawal_timeline"),
        ActionExecuted("action_listen"),
    ]:
        tracker.update(event)
    return tracker


def round_trip(store: ClinicTrackerStore) -> None:
    sender = uuid.uuid4().hex
    asyncio.run(store.save(conversation(sender)))
    loaded = asyncio.run(store.retrieve(sender))
    assert [e.as_dict()["event"] for e in loaded.events] == [e.as_dict()["event"] for e in conversation(sender).events]
    assert loaded.get_slot("topic") == "withdrawal_timeline"
    assert loaded.latest_message.text == "how long does withdrawal last"
    assert loaded.latest_bot_utterance.metadata["answer_kind"] == "answer"
    # a second save adds only what is new
    loaded.update(UserUttered("thanks", {"name": "thanks", "confidence": 0.99}))
    asyncio.run(store.save(loaded))
    again = asyncio.run(store.retrieve(sender))
    assert len(again.events) == len(loaded.events)


def test_sqlite_round_trip_in_wal_mode(tmp_path):
    path = tmp_path / "conversations.db"
    round_trip(ClinicTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path), spool_dir=str(tmp_path / "spool")))
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_postgresql_round_trip(tmp_path):
    # PostgreSQL runs on this machine (README: services); a store that can't reach it must fail the test.
    store = ClinicTrackerStore(domain=DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432, db="test",
                               username="postgres", spool_dir=str(tmp_path / "spool"))
    round_trip(store)


def test_production_endpoints_take_their_values_from_the_environment(monkeypatch):
    values = {"ACTION_SERVER_URL": "http://actions:5055/webhook", "DB_HOST": "db.internal", "DB_PORT": "5432",
              "DB_NAME": "clinic", "DB_USER": "rasa", "DB_PASSWORD": "s3cret", "REDIS_HOST": "redis.internal",
              "REDIS_PORT": "6379", "REDIS_PASSWORD": "r3dis"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.production.yml"))
    assert endpoints.tracker_store.type == "recovery_support.tracker_store.ClinicTrackerStore"
    assert endpoints.tracker_store.url == "db.internal"
    assert endpoints.tracker_store.kwargs["password"] == "s3cret"
    assert endpoints.action.url == "http://actions:5055/webhook"
    assert endpoints.lock_store.url == "redis.internal"
    assert endpoints.lock_store.kwargs["password"] == "r3dis"  # a production Redis needs its password
