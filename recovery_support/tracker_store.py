"""Rasa's SQL tracker store, configured in ``endpoints.yml`` as the place every conversation is kept.

Four changes. SQLite runs in WAL mode, so readers (the alert worker, the staff app) never block the bot's
writes and a commit costs one append instead of a journal rewrite, on pooled connections (SQLAlchemy 1.4 opens
and closes a file database's connection per session, and each open re-ran the pragmas: 8 % of a turn). A turn
reads its session from memory when nothing else wrote it since (``recent_conversations.py``) and writes its new
events in one statement. Rebuilding a tracker resolves each stored
event's class from a table made once: Rasa 3.6 walks every ``Event`` subclass (with ``inspect.isabstract``) for
each event it loads, which measured here as about a quarter of a turn's time. And what the database cannot take
waits in a spool on disk (``tracker_spool.py``) instead of Rasa's fail-safe in-memory store, where it never
reached the database: staff and the crisis alert worker read conversations from there. Storage, schema and
queries stay Rasa's own.
"""
import asyncio
import itertools
import json
import logging
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple, Type

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

import recovery_support.rasa_patches  # noqa: F401 (Rasa changes with no setting: installed before the model loads)
from recovery_support.alerts.db import keep_sqlite_files_private
from recovery_support.recent_conversations import CAPACITY, RecentConversations
from recovery_support.speedups import enabled
from recovery_support.tracker_spool import SpooledConversation, TrackerSpool, database_folder, spool_directory

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 5.0
CLAIM_WAIT_SECONDS = 10.0  # a turn waits this long for another replica's flush of its conversation
REMEMBERED_CONVERSATIONS = 10_000


def _sqlite_wal(connection: Any, _record: Any) -> None:
    # synchronous=NORMAL is durable across crashes of the bot in WAL mode; only a power cut can lose the
    # last commits. PostgreSQL, the production store, is unaffected.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@lru_cache(maxsize=1)
def _event_classes() -> Dict[Text, Type[Event]]:
    return {cls.type_name: cls for cls in all_subclasses(Event)}


def deserialise_events(serialised: List[Dict[Text, Any]]) -> List[Event]:
    events = []
    for data in serialised:
        cls = _event_classes().get(data.get("event"))
        # Unknown types (a custom event imported later) take Rasa's own, slower path.
        event = cls._from_parameters(data) if cls else Event.from_parameters(data)
        if event:
            events.append(event)
    return events


def latest_session(serialised: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The events Rasa's SQL ``retrieve`` would return for them: from the latest session start on."""
    starts = [e.get("timestamp") or 0 for e in serialised if e.get("event") == SessionStarted.type_name]
    if not starts:
        return serialised
    return [e for e in serialised if (e.get("timestamp") or 0) >= max(starts)]


def event_row(sender_id: Text, data: Dict[Text, Any]) -> Dict[Text, Any]:
    """An ``events`` row, as ``SQLTrackerStore.save`` makes it."""
    return {"sender_id": sender_id, "type_name": data.get("event"), "timestamp": data.get("timestamp"),
            "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


def _reason(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class ClinicTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, spool_dir: Optional[Text] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            # One event loop uses the connections, but the pool may hand one to another thread later.
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=4, max_overflow=8,
                                           connect_args={"check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_wal)
            event.listen(self.engine, "connect", keep_sqlite_files_private)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self.recent = RecentConversations(capacity=CAPACITY if enabled("sessions") else 0)
        self.spool = TrackerSpool(spool_directory(spool_dir) / database_folder(self.engine.url))
        # How many of the tracker's events last handed out or saved, per conversation, are already in the
        # database or the spool: during an outage the database can't be asked. Bounded: only a turn's
        # retrieve-to-save needs it.
        self._saved_counts: "OrderedDict[Text, int]" = OrderedDict()
        self._flusher: Optional["asyncio.Task[None]"] = None
        self._wake_flusher: Optional[asyncio.Event] = None
        self._waiting_reported = 0  # conversations left in the spool by the last flush
        self.flush_spool()  # what an earlier run left; the database answered a moment ago

    # --- Rasa's interface -------------------------------------------------------------------------------

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        tracker = await self._retrieve(sender_id, fetch_events_from_all_sessions=False)
        self._remember(sender_id, len(tracker.events) if tracker else 0)
        return tracker

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        self._saved_counts.pop(conversation_id, None)  # a full tracker spans sessions: its saves use Rasa's count
        return await self._retrieve(conversation_id, fetch_events_from_all_sessions=True)

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        self._start_flusher()
        waiting, _ = await self._flush_conversation(sender_id)
        if waiting is not None:  # the database is still away: the spool has the conversation
            events = waiting.events if fetch_events_from_all_sessions else latest_session(waiting.events)
            return self._tracker(sender_id, events)
        try:
            with self.session_scope() as session:
                events = None
                if not fetch_events_from_all_sessions:
                    last_id = self._last_event_id(session, sender_id)
                    events = self.recent.get(sender_id, last_id)
                if events is None:
                    events = deserialise_events([json.loads(row.data) for row in self._event_query(
                        session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
                    ).with_entities(self.SQLEvent.data)])
                    if not fetch_events_from_all_sessions:
                        self.recent.put(sender_id, last_id, events)
        except SQLAlchemyError as error:
            logger.warning("Conversation database unreachable (%s): conversation %s goes on from a fresh tracker",
                           _reason(error), self._label(sender_id))
            return None
        self._database_answered()
        return self._tracker_of(sender_id, events)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._start_flusher()
        waiting, reason = await self._flush_conversation(tracker.sender_id)
        if waiting is not None:  # earlier events still wait: writing these first would break the order
            self.recent.forget(tracker.sender_id)
            self._keep(tracker, reason)
            return
        try:
            await self.stream_events(tracker)
            self._insert_new_events(tracker)
        except SQLAlchemyError as error:
            self.recent.forget(tracker.sender_id)
            self._keep(tracker, _reason(error))
            return
        self._remember(tracker.sender_id, len(tracker.events))
        self._database_answered()

    def _insert_new_events(self, tracker: DialogueStateTracker) -> None:
        """Rasa's ``save``, with the rows in one INSERT rather than one ORM object each, and the cache kept."""
        sender_id = tracker.sender_id
        cached_last = self.recent.last_id(sender_id)
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
            rows = [event_row(sender_id, event.as_dict()) for event in new_events]
            if not rows:
                return
            session.execute(self.SQLEvent.__table__.insert(), rows)
            # Inside the write: whether anything but these rows came after the cached ones.
            last_id, written = session.execute(
                sa.select(sa.func.max(self.SQLEvent.id), sa.func.count())
                .where(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > (cached_last or 0))).one()
            session.commit()
        new_session = any(row["type_name"] == SessionStarted.type_name for row in rows)
        if cached_last is None or new_session or written != len(rows):
            self.recent.forget(sender_id)  # read afresh next turn (a new session starts a new entry)
        else:
            self.recent.extend(sender_id, last_id, new_events)

    def _last_event_id(self, session: Any, sender_id: Text) -> Optional[int]:
        return session.execute(sa.select(sa.func.max(self.SQLEvent.id))
                               .where(self.SQLEvent.sender_id == sender_id)).scalar()

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        # Rasa counts the events of the latest session in the database; the count remembered from retrieve
        # is right also for a tracker started afresh during an outage, which Rasa's count would cut short.
        saved = self._saved_counts.get(tracker.sender_id)
        if saved is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, saved, None)

    # --- the spool --------------------------------------------------------------------------------------

    def _keep(self, tracker: DialogueStateTracker, reason: str) -> None:
        sender_id = tracker.sender_id
        saved = self._saved_counts.get(sender_id, 0)  # unknown: keep everything (twice beats never)
        new = len(tracker.events) - saved
        self._remember(sender_id, len(tracker.events))
        if new <= 0:
            return
        try:
            waiting = self.spool.keep(sender_id, [e.as_dict() for e in tracker.events], saved)
        except OSError as error:
            logger.error("LOST %d event(s) of conversation %s: the conversation database is unreachable (%s) "
                         "and the spool %s could not be written (%s)",
                         new, self._label(sender_id), reason, self.spool.directory, error)
            return
        logger.warning("Conversation database unreachable (%s): kept %d event(s) of conversation %s in the "
                       "spool %s (%d waiting)", reason, new, self._label(sender_id), self.spool.directory, waiting)

    async def _flush_conversation(self, sender_id: Text) -> Tuple[Optional[SpooledConversation], str]:
        """Writes the conversation's spooled events first, so they stay ahead of newer ones. Returns what still
        waits (the database is still unreachable) and why, or (None, "")."""
        path = self.spool.path(sender_id)
        for _ in range(3):  # another replica may claim the file between our looks
            await self._wait_for_other_replicas(sender_id)
            if not path.exists():
                return None, ""
            try:
                if self.spool.flush(path, self._write) is not None:
                    return None, ""
            except SQLAlchemyError as error:
                waiting = self.spool.read(path)
                if waiting is not None:
                    return waiting, _reason(error)
        return None, ""

    async def _wait_for_other_replicas(self, sender_id: Text) -> None:
        # Our own claims never outlive a synchronous call, so a claim seen here is another process's flush.
        waited = 0.0
        while self.spool.is_claimed(sender_id):
            if waited >= CLAIM_WAIT_SECONDS:
                logger.warning("Conversation %s: another process has been flushing its spool file for %.0f s; "
                               "going on without waiting", self._label(sender_id), waited)
                return
            await asyncio.sleep(0.05)
            waited += 0.05

    def _flush_file(self, path: Path) -> bool:
        """False when the database is still unreachable."""
        try:
            flushed = self.spool.flush(path, self._write)
        except SQLAlchemyError:
            return False
        except Exception:  # an unreadable file: say so, leave it for a person, go on with the others
            logger.exception("Could not flush spool file %s", path)
            return True
        if flushed is not None and flushed.pending:
            logger.info("Wrote %d spooled event(s) of conversation %s to the conversation database",
                        len(flushed.pending), self._label(flushed.sender_id))
        return True

    def _write(self, conversation: SpooledConversation) -> None:
        """The waiting events in one transaction, as rows like the ones ``SQLTrackerStore.save`` makes."""
        if not conversation.pending:
            return
        with self.session_scope() as session:
            session.execute(self.SQLEvent.__table__.insert(),
                            [event_row(conversation.sender_id, data) for data in conversation.pending])
            session.commit()

    def _start_flusher(self) -> None:
        loop = asyncio.get_running_loop()
        if self._flusher is None or self._flusher.done() or self._flusher.get_loop() is not loop:
            self._wake_flusher = asyncio.Event()
            self._flusher = loop.create_task(self._flush_periodically(self._wake_flusher))

    def _database_answered(self) -> None:
        # The database is back: flush the other conversations now, in the background, rather than make this
        # turn wait for all of them (its own conversation was flushed first).
        if self._waiting_reported and self._wake_flusher is not None:
            self._wake_flusher.set()

    async def _flush_periodically(self, wake: asyncio.Event) -> None:
        while True:
            try:
                await asyncio.wait_for(wake.wait(), FLUSH_INTERVAL_SECONDS)
            except asyncio.TimeoutError:
                pass
            wake.clear()
            try:
                self.flush_spool()
            except Exception:  # the loop must outlive anything one pass meets
                logger.exception("Flushing the tracker spool failed")

    def flush_spool(self) -> None:
        """Writes every waiting conversation to the database, until the database fails."""
        self.spool.reclaim_stale()
        for path in self.spool.files():
            if not self._flush_file(path):
                break
        self._report_waiting()

    def _report_waiting(self) -> None:
        waiting = len(self.spool.files())
        if waiting and waiting != self._waiting_reported:
            logger.warning("%d conversation(s) wait in the spool %s: the conversation database is unreachable",
                           waiting, self.spool.directory)
        self._waiting_reported = waiting

    # --- helpers ----------------------------------------------------------------------------------------

    def _tracker(self, sender_id: Text, serialised: List[Dict[Text, Any]]) -> Optional[DialogueStateTracker]:
        return self._tracker_of(sender_id, deserialise_events(serialised))

    def _tracker_of(self, sender_id: Text, events: List[Event]) -> Optional[DialogueStateTracker]:
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    def _remember(self, sender_id: Text, count: int) -> None:
        self._saved_counts[sender_id] = count
        self._saved_counts.move_to_end(sender_id)
        if len(self._saved_counts) > REMEMBERED_CONVERSATIONS:
            self._saved_counts.popitem(last=False)

    def _label(self, sender_id: Text) -> str:
        """How logs name a conversation: its spool file's name, not the sender id."""
        return self.spool.path(sender_id).stem[:12]
