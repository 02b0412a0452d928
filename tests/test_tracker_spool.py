"""The tracker store's spool: what the database cannot take waits on disk and reaches it later, once, in order."""
import asyncio
import json
import logging
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from recovery_support import tracker_store
from recovery_support.servers import free_port
from recovery_support.tracker_spool import TrackerSpool
from recovery_support.tracker_store import ClinicTrackerStore
from tests.test_tracker_store import DOMAIN, conversation

OUTAGE = sa.exc.OperationalError("INSERT INTO events", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def make_store(tmp_path):
    """Stores on one SQLite database and one spool folder, like replicas of one bot."""
    def make() -> ClinicTrackerStore:
        return ClinicTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "conversations.db"),
                                  spool_dir=str(tmp_path / "spool"))
    return make


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO, logger="recovery_support")
    return lambda level: [r.getMessage() for r in caplog.records if r.levelno == level]


@contextmanager
def database_down(store: ClinicTrackerStore):
    """The store's sessions go to a port nothing listens on (a real refused connection), then come back."""
    working = store.sessionmaker
    dead = sa.create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    store.sessionmaker = sa.orm.sessionmaker(bind=dead)
    try:
        yield
    finally:
        store.sessionmaker = working
        dead.dispose()


def stored(tmp_path, sender):
    with sqlite3.connect(tmp_path / "conversations.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


def said(events):
    return [e["text"] for e in events if e["event"] == "user"]


def a_turn(tracker, text):
    for event in [UserUttered(text, {"name": "withdrawal_timeline", "confidence": 0.9}),
                  ActionExecuted("action_answer"), BotUttered("An answer."), ActionExecuted("action_listen")]:
        tracker.update(event)


def test_a_failed_save_waits_in_the_spool_and_reaches_the_database_once_in_order(make_store, tmp_path, logs):
    store = make_store()
    sender = uuid.uuid4().hex
    asyncio.run(store.save(conversation(sender)))
    tracker = asyncio.run(store.retrieve(sender))
    with database_down(store):
        a_turn(tracker, "i feel shaky")
        asyncio.run(store.save(tracker))
        assert len(store.spool.files()) == 1
        assert any("kept 4 event(s)" in m for m in logs(logging.WARNING))
        # the next turn goes on from the spool, with the conversation's context
        again = asyncio.run(store.retrieve(sender))
        assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
        assert again.get_slot("topic") == "withdrawal_timeline"
        a_turn(again, "and at night?")
        asyncio.run(store.save(again))
    assert said(stored(tmp_path, sender)) == ["how long does withdrawal last"]

    store.flush_spool()
    events = stored(tmp_path, sender)
    assert events == [e.as_dict() for e in again.events]
    assert said(events) == ["how long does withdrawal last", "i feel shaky", "and at night?"]
    assert store.spool.files() == []
    assert any("Wrote 8 spooled event(s)" in m for m in logs(logging.INFO))
    store.flush_spool()
    asyncio.run(store.save(again))
    assert len(stored(tmp_path, sender)) == len(again.events)  # nothing twice


def test_a_save_after_recovery_writes_the_spooled_events_first(make_store, tmp_path):
    store = make_store()
    sender = uuid.uuid4().hex
    tracker = conversation(sender)
    with database_down(store):
        asyncio.run(store.save(tracker))
    a_turn(tracker, "is it safe at home")
    asyncio.run(store.save(tracker))  # the database is back; no background flush has run
    assert said(stored(tmp_path, sender)) == ["how long does withdrawal last", "is it safe at home"]
    assert len(stored(tmp_path, sender)) == len(tracker.events)
    assert store.spool.files() == []


def test_a_conversation_started_afresh_during_the_outage_is_stored_whole(make_store, tmp_path, logs):
    """Rasa counts the latest session's events in the database to find the new ones; for a tracker begun
    afresh while the database was away, that count would drop them."""
    store = make_store()
    sender = uuid.uuid4().hex
    asyncio.run(store.save(conversation(sender)))
    with database_down(store):
        assert asyncio.run(store.retrieve(sender)) is None
        assert any("fresh tracker" in m for m in logs(logging.WARNING))
    fresh = asyncio.run(store.create_tracker(sender, append_action_listen=False))
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        fresh.update(event)
    a_turn(fresh, "i took too many pills")
    asyncio.run(store.save(fresh))  # the database came back between the turn's retrieve and its save
    events = stored(tmp_path, sender)
    assert said(events) == ["how long does withdrawal last", "i took too many pills"]
    assert len(events) == 6 + len(fresh.events)
    latest = asyncio.run(store.retrieve(sender))
    assert said([e.as_dict() for e in latest.events]) == ["i took too many pills"]


async def test_the_background_flush_writes_the_spool_once_the_database_is_back(make_store, tmp_path, logs,
                                                                               monkeypatch):
    monkeypatch.setattr(tracker_store, "FLUSH_INTERVAL_SECONDS", 0.1)
    store = make_store()
    tracker = conversation(uuid.uuid4().hex)
    with database_down(store):
        await store.save(tracker)  # starts the flusher on this event loop
        await asyncio.sleep(0.5)  # its passes fail meanwhile
        assert len(store.spool.files()) == 1
        assert any("1 conversation(s) wait in the spool" in m for m in logs(logging.WARNING))
    deadline = time.monotonic() + 30
    while store.spool.files() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert stored(tmp_path, tracker.sender_id) == [e.as_dict() for e in tracker.events]


def test_two_stores_sharing_a_spool_flushing_at_once_write_each_event_once(make_store, tmp_path):
    first, second = make_store(), make_store()
    trackers = [conversation(uuid.uuid4().hex) for _ in range(20)]
    with database_down(first):
        for tracker in trackers:
            asyncio.run(first.save(tracker))
    assert len(first.spool.files()) == 20
    start = threading.Barrier(2)

    def flush(store):
        start.wait()
        store.flush_spool()

    threads = [threading.Thread(target=flush, args=(store,)) for store in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for tracker in trackers:
        assert stored(tmp_path, tracker.sender_id) == [e.as_dict() for e in tracker.events]
    assert first.spool.files() == [] and list(first.spool.directory.iterdir()) == []


def test_an_unwritable_spool_reports_the_events_as_lost(tmp_path, logs):
    not_a_folder = tmp_path / "spool"
    not_a_folder.write_text("")
    store = ClinicTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "c.db"), spool_dir=str(not_a_folder))
    with database_down(store):
        asyncio.run(store.save(conversation(uuid.uuid4().hex)))
    errors = logs(logging.ERROR)
    assert any("LOST 6 event(s)" in m for m in errors), errors
    assert not any("withdrawal" in m for m in errors)  # a count, never what was said


# --- the spool's files --------------------------------------------------------------------------------------

def events(*texts):
    return [{"event": "user", "timestamp": time.time(), "text": text} for text in texts]


def test_many_flushers_at_once_write_each_file_once(tmp_path):
    spools = [TrackerSpool(tmp_path) for _ in range(8)]
    for n in range(50):
        spools[0].keep(f"conversation {n}", events(f"message {n}"), stored=0)
    written, start = [], threading.Barrier(len(spools))

    def flush_all(spool):
        start.wait()
        for path in spool.files():
            spool.flush(path, lambda conversation: written.append(conversation.sender_id))

    threads = [threading.Thread(target=flush_all, args=(spool,)) for spool in spools]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(written) == sorted(f"conversation {n}" for n in range(50))
    assert list(tmp_path.iterdir()) == []


def test_a_failed_flush_puts_the_file_back_merged_in_order_with_what_came_meanwhile(tmp_path):
    flusher, other_replica = TrackerSpool(tmp_path), TrackerSpool(tmp_path)
    flusher.keep("conv", events("first", "second"), stored=0)
    path = flusher.path("conv")

    def write(conversation):
        other_replica.keep("conv", events("third"), stored=0)  # a newer turn spooled while we held the file
        raise OUTAGE

    with pytest.raises(sa.exc.OperationalError):
        flusher.flush(path, write)
    assert [e["text"] for e in flusher.read(path).pending] == ["first", "second", "third"]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_claim_abandoned_mid_flush_is_taken_back_with_a_warning(tmp_path, caplog):
    spool = TrackerSpool(tmp_path, stale_claim_seconds=60)
    spool.keep("conv", events("hello"), stored=0)
    path = spool.path("conv")
    path.rename(path.with_name(f"{path.name}.deadhost-123-abc.{time.time() - 120:.0f}.claimed"))
    assert spool.files() == [] and spool.is_claimed("conv")
    caplog.set_level(logging.WARNING, logger="recovery_support")
    spool.reclaim_stale()
    assert spool.files() == [path] and not spool.is_claimed("conv")
    assert any("never finished" in r.getMessage() for r in caplog.records)
