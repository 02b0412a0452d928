"""Projects Rasa's ``events`` into ``conversations``: one row per sender with the figures staff filter on, the
list's preview and topics, and its intents (``conversation_intents``) and messages (``search_messages``), so the
list never reads ``events``.

Each touched conversation is recomputed from all of its events (not incremented), so reading an event twice,
retention deleting events, or a late commit never leaves a wrong count. Why the re-read window: PostgreSQL
assigns ids at insert, not commit, so a turn with id 41 can become visible after 42 was read. Senders seen in
the last ``REREAD_IDS`` ids below the cursor are checked cheaply (count and highest id) and recomputed when
their events changed. Run it from the app (background task) or ``python -m recovery_support.staff.projector``.
"""
import argparse
import logging
import time
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Set

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.db import events
from recovery_support.staff.database import has_table, staff_engine
from recovery_support.staff.intents import join_topics, replace_intents, topics_in_order
from recovery_support.staff.models import ANONYMISED, Conversation, ProjectorCursor, utcnow
from recovery_support.staff.preview import conversation_preview
from recovery_support.staff.search import SEARCHED_EVENTS, replace_messages, searchable_messages
from recovery_support.staff.turns import event_time, group_turns, top_category

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
REREAD_IDS = 500
# Only user and bot rows need their JSON (text, confidence, channel); action rows are counted by columns.
_COLUMNS = (events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.intent_name,
            events.c.action_name,
            sa.case((events.c.type_name.in_(SEARCHED_EVENTS), events.c.data), else_=sa.null()).label("data"))


@dataclass
class ProjectResult:
    read: int = 0
    updated: List[str] = field(default_factory=list)  # sender ids recomputed
    more: bool = False


def _cursor(session: Session) -> ProjectorCursor:
    row = session.get(ProjectorCursor, 1)
    if row is None:
        row = ProjectorCursor(id=1, last_event_id=0)
        session.add(row)
        session.flush()
    return row


def _stale_senders(session: Session, low: int, high: int, skip: Set[str]) -> Set[str]:
    """Senders in the re-read window whose events no longer match what their conversation counted."""
    window = {r[0] for r in session.execute(
        sa.select(events.c.sender_id).where(events.c.id > low, events.c.id <= high).distinct())}
    window -= skip
    if not window:
        return set()
    actual = {r.sender_id: (r.n, r.top) for r in session.execute(
        sa.select(events.c.sender_id, sa.func.count().label("n"), sa.func.max(events.c.id).label("top"))
        .where(events.c.sender_id.in_(window)).group_by(events.c.sender_id))}
    counted = {r.sender_id: (r.event_count, r.last_event_id) for r in session.execute(
        sa.select(Conversation.sender_id, Conversation.event_count, Conversation.last_event_id)
        .where(Conversation.sender_id.in_(window)))}
    return {s for s in window if actual.get(s) != counted.get(s)}


def recompute(session: Session, sender_id: str) -> Optional[Conversation]:
    """Rebuilds one conversation's figures, preview, topics, intents and search text from its events; review
    fields and status are kept."""
    rows = session.execute(sa.select(*_COLUMNS).where(events.c.sender_id == sender_id).order_by(events.c.id)).all()
    conversation = session.execute(
        sa.select(Conversation).where(Conversation.sender_id == sender_id)).scalar_one_or_none()
    if not rows:
        return conversation  # retention removed its events; retention removes the row too
    new = conversation is None
    if new:
        conversation = Conversation(sender_id=sender_id)
        session.add(conversation)
    turns = group_turns(rows)
    users = [t.user for t in turns if t.user is not None]
    times = [t for t in (event_time(r.timestamp) for r in rows) if t is not None]
    channels = [u.channel for u in users if u.channel]
    categories = [u.crisis_category for u in users]
    conversation.channel = channels[-1] if channels else conversation.channel
    conversation.first_activity = min(times) if times else None
    conversation.last_activity = max(times) if times else None
    conversation.user_turns = len(users)
    conversation.fallback_turns = sum(1 for t in turns if t.user is not None and t.is_fallback)
    conversation.low_confidence_turns = sum(1 for u in users if u.is_low_confidence)
    conversation.crisis = any(categories)
    conversation.crisis_category = top_category(categories)
    # An anonymised conversation's events have no text left; None says so even if one were missed.
    conversation.preview = None if conversation.status == ANONYMISED else conversation_preview(users)
    conversation.topics = join_topics(topics_in_order(u.intent for u in users))
    conversation.event_count = len(rows)
    conversation.last_event_id = rows[-1].id
    conversation.updated_at = utcnow()
    session.flush()  # a new conversation gets its id
    intents = {r.intent_name for r in rows if r.type_name == "user" and r.intent_name}
    # A new conversation has nothing stored yet: no need to ask what to replace.
    replace_intents(session, conversation.id, intents, stored=set() if new else None)
    replace_messages(session, conversation.id, searchable_messages(rows), stored={} if new else None)
    return conversation


def project(engine: Engine, batch_size: int = BATCH_SIZE) -> ProjectResult:
    """One pass: reads events after the cursor (at most ``batch_size``), recomputes the senders touched."""
    result = ProjectResult()
    if not has_table(engine, "events"):
        return result  # Rasa creates it on its first conversation
    with Session(engine, future=True) as session, session.begin():
        cursor = _cursor(session)
        new = session.execute(
            sa.select(events.c.id, events.c.sender_id).where(events.c.id > cursor.last_event_id)
            .order_by(events.c.id).limit(batch_size)).all()
        touched = {r.sender_id for r in new}
        touched |= _stale_senders(session, max(0, cursor.last_event_id - REREAD_IDS), cursor.last_event_id,
                                  touched)
        for sender_id in sorted(touched):
            recompute(session, sender_id)
        if new:
            cursor.last_event_id = new[-1].id
            cursor.updated_at = utcnow()
        result.read = len(new)
        result.updated = sorted(touched)
        result.more = len(new) == batch_size
    return result


def project_all(engine: Engine) -> ProjectResult:
    """Passes until caught up (commands and tests; the app runs one pass per tick)."""
    total = ProjectResult()
    while True:
        result = project(engine)
        total.read += result.read
        total.updated.extend(result.updated)
        if not result.more:
            return total


def project_senders(engine: Engine, senders: Iterable[str]) -> None:
    with Session(engine, future=True) as session, session.begin():
        for sender_id in senders:
            recompute(session, sender_id)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Project Rasa's events into the staff app's conversations.")
    parser.add_argument("--loop", type=float, metavar="SECONDS", help="keep running, one pass every SECONDS")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = staff_engine()
    while True:
        result = project_all(engine)
        logger.info("read %d events, updated %d conversations", result.read, len(result.updated))
        if not args.loop:
            return
        time.sleep(args.loop)


if __name__ == "__main__":
    main()
