"""Trackers kept in memory between turns: the same events as a fresh read, and never stale when another process
(a second worker or replica, retention) wrote or deleted the conversation."""
import asyncio
import time
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered

from recovery_support.tracker_store import ClinicTrackerStore
from tests.test_tracker_store import DOMAIN, conversation


def store_on(kind: str, tmp_path, name: str) -> ClinicTrackerStore:
    spool = str(tmp_path / f"spool-{name}")
    if kind == "sqlite":
        return ClinicTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "conversations.db"),
                                  spool_dir=spool)
    return ClinicTrackerStore(domain=DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432, db="test",
                              username="postgres", spool_dir=spool)


@pytest.fixture(params=["sqlite", "postgresql"])
def two_processes(request, tmp_path):
    """Two stores on one database, as two Sanic workers or two replicas have."""
    return store_on(request.param, tmp_path, "a"), store_on(request.param, tmp_path, "b")


def texts(tracker) -> list:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def say(store: ClinicTrackerStore, sender: str, text: str) -> None:
    tracker = asyncio.run(store.retrieve(sender))
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))


def test_turns_written_by_the_other_process_are_never_missed(two_processes):
    a, b = two_processes
    sender = uuid.uuid4().hex
    asyncio.run(a.save(conversation(sender)))
    for n in range(3):  # each process caches the conversation, then the other one writes it
        say(a, sender, f"from a {n}")
        say(b, sender, f"from b {n}")
    expected = ["how long does withdrawal last"] + [f"from {p} {n}" for n in range(3) for p in "ab"]
    assert texts(asyncio.run(a.retrieve(sender))) == expected
    assert texts(asyncio.run(b.retrieve(sender))) == expected


def test_a_turn_is_served_from_memory_only_while_nothing_else_wrote(tmp_path, monkeypatch):
    store = store_on("sqlite", tmp_path, "a")
    sender = uuid.uuid4().hex
    asyncio.run(store.save(conversation(sender)))
    reads = []
    original = store._event_query
    monkeypatch.setattr(store, "_event_query", lambda *a, **k: reads.append(1) or original(*a, **k))
    say(store, sender, "first")  # read once: cached from here on
    say(store, sender, "second")
    say(store, sender, "third")
    assert len(reads) == 1
    fresh = store_on("sqlite", tmp_path, "fresh")
    assert [e.as_dict() for e in asyncio.run(store.retrieve(sender)).events] == \
           [e.as_dict() for e in asyncio.run(fresh.retrieve(sender)).events]


def test_a_conversation_deleted_by_retention_is_not_served_from_memory(tmp_path):
    store = store_on("sqlite", tmp_path, "a")
    sender = uuid.uuid4().hex
    asyncio.run(store.save(conversation(sender)))
    say(store, sender, "remember me")
    with store.engine.begin() as connection:
        connection.execute(sa.text("delete from events where sender_id = :s"), {"s": sender})
    assert asyncio.run(store.retrieve(sender)) is None


def test_a_new_session_returns_only_its_own_events_as_a_fresh_read_does(tmp_path):
    store = store_on("sqlite", tmp_path, "a")
    sender = uuid.uuid4().hex
    asyncio.run(store.save(conversation(sender)))
    say(store, sender, "old session")
    tracker = asyncio.run(store.retrieve(sender))
    time.sleep(0.01)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                  UserUttered("new session", {"name": "greet", "confidence": 1.0})]:
        tracker.update(event)
        time.sleep(0.001)  # a session is found by its start's timestamp, as Rasa does
    asyncio.run(store.save(tracker))
    say(store, sender, "and on")
    fresh = store_on("sqlite", tmp_path, "fresh")
    assert texts(asyncio.run(store.retrieve(sender))) == ["new session", "and on"]
    assert [e.as_dict() for e in asyncio.run(store.retrieve(sender)).events] == \
           [e.as_dict() for e in asyncio.run(fresh.retrieve(sender)).events]
