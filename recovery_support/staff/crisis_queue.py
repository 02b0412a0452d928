"""The crisis queue: handoffs raised by the alert worker, worked by clinicians in the staff app.

Acknowledging goes through the alert worker's own function (one rule for "who has it", whichever button was
pressed); notes and closing are written to ``handoff_log`` with the staff user, as 42 CFR Part 2 asks.
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.acknowledge import AckResult, acknowledge
from recovery_support.alerts.models import ACKNOWLEDGED, CLOSED, OPEN, Handoff, HandoffLog, utcnow
from recovery_support.staff import audit
from recovery_support.staff.models import Conversation
from recovery_support.staff.preview import shorten
from recovery_support.staff.review import clean_note

VIA = "staff app"


def handoff_logs(session: Session, handoff_ids: List[int]) -> Dict[int, List[Dict[str, Any]]]:
    """Each handoff's log (who was alerted, who acknowledged, notes), oldest first: queue and transcript."""
    logs: Dict[int, List[Dict[str, Any]]] = {handoff_id: [] for handoff_id in handoff_ids}
    if logs:
        for log in session.execute(sa.select(HandoffLog).where(HandoffLog.handoff_id.in_(list(logs)))
                                   .order_by(HandoffLog.id)).scalars():
            logs[log.handoff_id].append({"at": log.at, "actor": log.actor, "action": log.action,
                                         "detail": log.detail})
    return logs


STATUSES = (OPEN, ACKNOWLEDGED, CLOSED)
ACTIVE = "active"  # the default filter: open and acknowledged, what staff still have to do
CATEGORIES = ("overdose", "suicidal", "self_harm", "medical")
WORDS_SHOWN = 160  # a card shows the triggering words; the handoff's page shows all of them


@dataclass(frozen=True)
class QueueFilter:
    status: str = ACTIVE  # ACTIVE, one of STATUSES, or "" for all
    category: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "QueueFilter":
        """Unknown values fall back to the default rather than failing: a stale bookmark still opens the queue."""
        status = query.get("status", ACTIVE)
        category = query.get("category", "")
        return cls(status if status in (ACTIVE, "", *STATUSES) else ACTIVE,
                   category if category in CATEGORIES else "")

    def conditions(self) -> List[Any]:
        found: List[Any] = []
        if self.status == ACTIVE:
            found.append(Handoff.status != CLOSED)
        elif self.status:
            found.append(Handoff.status == self.status)
        if self.category:
            found.append(Handoff.category == self.category)
        return found


@dataclass
class QueuePage:
    cards: List[Dict[str, Any]]
    total: int
    page: int
    has_next: bool


def _card(h: Handoff, conversation: Optional[Conversation]) -> Dict[str, Any]:
    return {"id": h.id, "category": h.category, "level": h.level, "status": h.status,
            "words": shorten(h.message_text or "", WORDS_SHOWN), "message_text": h.message_text, "message_at": h.message_at,
            "created_at": h.created_at, "acknowledged_by": h.acknowledged_by, "acknowledged_at": h.acknowledged_at,
            "escalated_at": h.escalated_at, "grouped_into": h.grouped_into, "flood": h.flood,
            "channel": conversation.channel if conversation else None, "conversation_id": conversation.id if conversation else None}


def queue_page(engine: Engine, f: QueueFilter = QueueFilter(), page: int = 1, page_size: int = 20) -> QueuePage:
    """Open handoffs first (oldest first: longest waiting), then acknowledged, then closed (newest first)."""
    page = max(1, page)
    rank = sa.case((Handoff.status == OPEN, 0), (Handoff.status == ACKNOWLEDGED, 1), else_=2)
    # Closed ones are history: newest first. Active ones: longest waiting first.
    age = sa.case((Handoff.status == CLOSED, -Handoff.id), else_=Handoff.id)
    with Session(engine, future=True) as session:
        total = session.execute(sa.select(sa.func.count(Handoff.id)).where(*f.conditions())).scalar_one()
        found = session.execute(
            sa.select(Handoff, Conversation).outerjoin(Conversation, Conversation.sender_id == Handoff.conversation_id)
            .where(*f.conditions()).order_by(rank, age).offset((page - 1) * page_size).limit(page_size)).all()
        return QueuePage([_card(h, c) for h, c in found], total, page, page * page_size < total)


def handoff_detail(engine: Engine, handoff_id: int) -> Optional[Dict[str, Any]]:
    """One handoff with its whole message and its log: the handoff's own page."""
    with Session(engine, future=True) as session:
        found = session.execute(
            sa.select(Handoff, Conversation).outerjoin(Conversation, Conversation.sender_id == Handoff.conversation_id)
            .where(Handoff.id == handoff_id)).first()
        if found is None:
            return None
        card = _card(*found)
        card["log"] = handoff_logs(session, [handoff_id])[handoff_id]
        return card


def acknowledge_handoff(engine: Engine, handoff_id: int, actor: str, remote: Optional[str] = None) -> AckResult:
    result = acknowledge(engine, handoff_id, by=actor, via=VIA)
    if result.found:
        audit.record(engine, actor, "handoff_acknowledge", f"handoff:{handoff_id}",
                     {"acknowledged_now": result.acknowledged_now, "status": result.status}, remote)
    return result


def add_handoff_note(engine: Engine, handoff_id: int, text: str, actor: str, remote: Optional[str] = None) -> None:
    note = clean_note(text)
    with Session(engine, future=True) as session, session.begin():
        if session.get(Handoff, handoff_id) is None:
            raise LookupError(handoff_id)
        session.add(HandoffLog(handoff_id=handoff_id, at=utcnow(), actor=actor, action="note", detail=note))
        audit.record(session, actor, "handoff_note", f"handoff:{handoff_id}", None, remote)


def close_handoff(engine: Engine, handoff_id: int, actor: str, outcome: str = "",
                  remote: Optional[str] = None) -> bool:
    """Closes an open or acknowledged handoff; False if it was closed already. Closing also stops escalation."""
    detail = clean_note(outcome) if outcome.strip() else ""
    now = utcnow()
    with Session(engine, future=True) as session, session.begin():
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise LookupError(handoff_id)
        if handoff.status == CLOSED:
            return False
        values: Dict[str, Any] = {"status": CLOSED}
        if handoff.status == OPEN:  # closed without a separate acknowledgement: record who took it
            values.update(acknowledged_at=now, acknowledged_by=actor)
        changed = session.execute(
            sa.update(Handoff).where(Handoff.id == handoff_id, Handoff.status == handoff.status).values(**values)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            return False  # someone else changed it at the same moment; their change stands
        session.add(HandoffLog(handoff_id=handoff_id, at=now, actor=actor, action="closed", detail=detail))
        audit.record(session, actor, "handoff_close", f"handoff:{handoff_id}", {"from": handoff.status}, remote)
        return True
