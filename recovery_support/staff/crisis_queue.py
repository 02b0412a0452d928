"""The crisis queue: handoffs raised by the alert worker, worked by clinicians in the staff app.

Acknowledging goes through the alert worker's own function (one rule for "who has it", whichever button was
pressed); notes and closing are written to ``handoff_log`` with the staff user, as 42 CFR Part 2 asks.
"""
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.acknowledge import AckResult, acknowledge
from recovery_support.alerts.models import ACKNOWLEDGED, CLOSED, OPEN, Handoff, HandoffLog, utcnow
from recovery_support.staff import audit
from recovery_support.staff.models import Conversation
from recovery_support.staff.review import clean_note

VIA = "staff app"
CLOSED_SHOWN = 50  # closed handoffs are history: only the latest are listed


def handoff_logs(session: Session, handoff_ids: List[int]) -> Dict[int, List[Dict[str, Any]]]:
    """Each handoff's log (who was alerted, who acknowledged, notes), oldest first: queue and transcript."""
    logs: Dict[int, List[Dict[str, Any]]] = {handoff_id: [] for handoff_id in handoff_ids}
    if logs:
        for log in session.execute(sa.select(HandoffLog).where(HandoffLog.handoff_id.in_(list(logs)))
                                   .order_by(HandoffLog.id)).scalars():
            logs[log.handoff_id].append({"at": log.at, "actor": log.actor, "action": log.action,
                                         "detail": log.detail})
    return logs


def queue(engine: Engine) -> List[Dict[str, Any]]:
    """Open handoffs first (oldest first: longest waiting), then acknowledged, then the latest closed."""
    with Session(engine, future=True) as session:
        rank = sa.case((Handoff.status == OPEN, 0), (Handoff.status == ACKNOWLEDGED, 1), else_=2)
        active = session.execute(sa.select(Handoff).where(Handoff.status != CLOSED)
                                 .order_by(rank, Handoff.created_at, Handoff.id)).scalars().all()
        closed = session.execute(sa.select(Handoff).where(Handoff.status == CLOSED)
                                 .order_by(Handoff.id.desc()).limit(CLOSED_SHOWN)).scalars().all()
        handoffs = list(active) + list(closed)
        senders = {h.conversation_id for h in handoffs}
        conversation_ids = dict(session.execute(
            sa.select(Conversation.sender_id, Conversation.id).where(Conversation.sender_id.in_(senders)))
            .all()) if senders else {}
        logs = handoff_logs(session, [h.id for h in handoffs])
        return [{"id": h.id, "category": h.category, "status": h.status, "message_text": h.message_text,
                 "message_at": h.message_at, "created_at": h.created_at, "acknowledged_by": h.acknowledged_by,
                 "acknowledged_at": h.acknowledged_at, "escalated_at": h.escalated_at,
                 "conversation_id": conversation_ids.get(h.conversation_id), "log": logs[h.id]}
                for h in handoffs]


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
