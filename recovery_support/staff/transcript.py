"""One conversation as staff read it: turns (with what staff wrote to the person in between), crisis handoffs
with their history, notes and tags."""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.db import events
from recovery_support.alerts.models import Handoff
from recovery_support.staff.crisis_queue import handoff_logs
from recovery_support.staff.database import has_table
from recovery_support.staff.listing import row_dict
from recovery_support.staff.models import STAFF_MESSAGE, Conversation, Note, Tag
from recovery_support.staff.turns import Turn, group_turns


@dataclass
class Transcript:
    conversation: Dict[str, Any]
    turns: List[Turn]
    handoffs: List[Dict[str, Any]]
    handoffs_by_event: Dict[int, List[Dict[str, Any]]] = field(default_factory=dict)
    notes: List[Dict[str, Any]] = field(default_factory=list)
    all_tags: List[str] = field(default_factory=list)
    staff_messages: List[Dict[str, Any]] = field(default_factory=list)
    # Turns and staff messages in time order: {"turn": Turn} or {"staff": {"author", "text", "at"}}.
    timeline: List[Dict[str, Any]] = field(default_factory=list)


def _turn_start(turn: Turn) -> Optional[datetime]:
    if turn.user is not None and turn.user.at is not None:
        return turn.user.at
    return next((step.at for step in turn.steps if step.at is not None), None)


def build_timeline(turns: List[Turn], staff_messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Each staff message goes before the first turn that started after it was sent (turns keep their order)."""
    timeline: List[Dict[str, Any]] = []
    pending = sorted(staff_messages, key=lambda m: m["at"])
    for turn in turns:
        start = _turn_start(turn)
        while pending and start is not None and pending[0]["at"] < start:
            timeline.append({"staff": pending.pop(0)})
        timeline.append({"turn": turn})
    timeline.extend({"staff": message} for message in pending)
    return timeline


def load_turns(session: Session, sender_id: str) -> List[Turn]:
    rows = session.execute(
        sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.intent_name,
                  events.c.action_name, events.c.data)
        .where(events.c.sender_id == sender_id).order_by(events.c.id)).all()
    return group_turns(rows)


def handoff_history(session: Session, sender_id: str) -> List[Dict[str, Any]]:
    handoffs = session.execute(
        sa.select(Handoff).where(Handoff.conversation_id == sender_id).order_by(Handoff.id)).scalars().all()
    logs = handoff_logs(session, [h.id for h in handoffs])
    return [{"id": h.id, "category": h.category, "status": h.status, "event_id": h.event_id,
             "created_at": h.created_at, "acknowledged_by": h.acknowledged_by,
             "acknowledged_at": h.acknowledged_at, "escalated_at": h.escalated_at, "log": logs[h.id]}
            for h in handoffs]


def load_transcript(engine: Engine, conversation_id: int) -> Optional[Transcript]:
    with Session(engine, future=True) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            return None
        sender_id = conversation.sender_id
        turns = load_turns(session, sender_id) if has_table(engine, "events") else []
        handoffs = handoff_history(session, sender_id) if has_table(engine, "handoffs") else []
        by_event: Dict[int, List[Dict[str, Any]]] = {}
        for handoff in handoffs:
            by_event.setdefault(handoff["event_id"], []).append(handoff)
        notes: List[Dict[str, Any]] = []
        staff_messages: List[Dict[str, Any]] = []
        for n in session.execute(
                sa.select(Note).where(Note.conversation_id == conversation_id).order_by(Note.id)).scalars():
            entry = {"author": n.author, "text": n.text, "at": n.at}
            if n.kind == STAFF_MESSAGE:
                staff_messages.append(entry)
            else:  # an internal note (or a kind this version doesn't know: shown rather than hidden)
                notes.append(entry)
        all_tags = [r[0] for r in session.execute(sa.select(Tag.name).order_by(Tag.name))]
        data = row_dict(conversation)
        data["sender_id"] = sender_id
        return Transcript(conversation=data, turns=turns, handoffs=handoffs, handoffs_by_event=by_event,
                          notes=notes, all_tags=all_tags, staff_messages=staff_messages,
                          timeline=build_timeline(turns, staff_messages))
