"""The stored events of recently active conversations, kept in memory and written through, so a turn does not
read and decode its whole session from the database.

Rasa loads every event of the session on each message (a query, an ORM object per row, JSON for each) and a
turn's cost grew with the conversation. Here an entry is used only while the conversation's newest event id in
the database is still the one it was cached with: one indexed query instead of the session. Whatever else writes
the conversation (another replica or worker, the spool flusher, retention deleting it) changes or removes that
id, and the entry is read afresh, so several processes stay correct without talking to each other.
"""
from collections import OrderedDict
from dataclasses import dataclass
from typing import List, Optional, Text

from rasa.shared.core.events import Event

CAPACITY = 1000  # conversations; a session's events are a few dozen kB at most


@dataclass
class _Entry:
    last_id: int
    # The session's events, oldest first. Rasa treats events as values once made (its own trackers share them),
    # so trackers built from this list may share them too.
    events: List[Event]


class RecentConversations:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._entries: "OrderedDict[Text, _Entry]" = OrderedDict()

    def get(self, sender_id: Text, last_id: Optional[int]) -> Optional[List[Event]]:
        """The events, if the entry is still what the database holds (``last_id``: its newest event id now)."""
        entry = self._entries.get(sender_id)
        if entry is None or last_id is None or entry.last_id != last_id:
            return None
        self._entries.move_to_end(sender_id)
        return list(entry.events)

    def put(self, sender_id: Text, last_id: Optional[int], events: List[Event]) -> None:
        if last_id is None:
            self.forget(sender_id)
            return
        self._entries[sender_id] = _Entry(last_id, list(events))
        self._entries.move_to_end(sender_id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def last_id(self, sender_id: Text) -> Optional[int]:
        entry = self._entries.get(sender_id)
        return entry.last_id if entry else None

    def extend(self, sender_id: Text, last_id: int, events: List[Event]) -> None:
        """Events this process just wrote after the entry's, and nothing else was written between."""
        entry = self._entries.get(sender_id)
        if entry is None:
            return
        entry.events.extend(events)
        entry.last_id = last_id
        self._entries.move_to_end(sender_id)

    def forget(self, sender_id: Text) -> None:
        self._entries.pop(sender_id, None)
