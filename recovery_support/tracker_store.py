"""Rasa's SQL tracker store, configured in ``endpoints.yml`` as the place every conversation is kept.

Two changes. SQLite runs in WAL mode, so readers (the alert worker, the staff app) never block the bot's
writes and a commit costs one append instead of a journal rewrite. And rebuilding a tracker resolves each stored event's class from a table made once. Rasa 3.6 walks
every ``Event`` subclass (with ``inspect.isabstract``) for each event it loads, which measured here as about
a quarter of a turn's time. Storage, schema and queries stay Rasa's own.
"""
import json
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Type

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import event
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses


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


class ClinicTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
            self.engine.dispose()  # connections opened before the listener reconnect with it

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            serialised = [json.loads(row.data) for row in rows]
        if not (self.domain and serialised):
            return None
        return DialogueStateTracker.from_events(sender_id, deserialise_events(serialised), self.domain.slots)
