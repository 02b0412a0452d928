"""Acknowledging a handoff: a human has it. Stops the escalation and is written to the handoff's log."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.models import ACKNOWLEDGED, OPEN, Handoff, HandoffLog, utcnow

MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class AckResult:
    found: bool
    acknowledged_now: bool = False  # False: it was acknowledged (or closed) before
    by: Optional[str] = None
    at: Optional[datetime] = None
    status: Optional[str] = None


def clean_name(by: str) -> str:
    # Control characters out (log injection), length bounded; HTML escaping happens where it is shown.
    name = "".join(ch if ch.isprintable() else " " for ch in (by or "")).strip()
    return name[:MAX_NAME_CHARS] or "unknown"


def acknowledge(engine: Engine, handoff_id: int, by: str, via: str) -> AckResult:
    name = clean_name(by)
    now = utcnow()
    with Session(engine, future=True) as session, session.begin():
        # Only an open handoff changes: two people pressing at once leave one name, the first.
        changed = session.execute(
            sa.update(Handoff).where(Handoff.id == handoff_id, Handoff.status == OPEN)
            .values(status=ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=name)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 1:
            session.add(HandoffLog(handoff_id=handoff_id, at=now, actor=name, action="acknowledged",
                                   detail=f"via {via}"))
            return AckResult(found=True, acknowledged_now=True, by=name, at=now, status=ACKNOWLEDGED)
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return AckResult(found=False)
        return AckResult(found=True, by=handoff.acknowledged_by, at=handoff.acknowledged_at, status=handoff.status)


def handoff_summary(engine: Engine, handoff_id: int) -> Optional[Dict[str, Any]]:
    """What the acknowledge page shows: no message text (the link may be forwarded; the alert has it)."""
    with Session(engine, future=True) as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return None
        return {"id": handoff.id, "category": handoff.category, "created_at": handoff.created_at,
                "status": handoff.status, "acknowledged_by": handoff.acknowledged_by,
                "acknowledged_at": handoff.acknowledged_at}
