"""Floods become one alert: a conversation, one client address or the whole service raising crisis handoffs
faster than real emergencies do pages on-call once, not hundreds of times.

Every crisis message still becomes a handoff, in the queue and on the live staff page; only its alert is folded
into the one that heads its group. Nothing real is lost:
- in one conversation, a new category, or a definite crisis after a check-in, is alerted on its own;
- past ``flood.per_source`` handoffs from one address (or ``per_service`` from everyone) in the window, the next
  one is alerted as the head of a flood, and its alert says that the ones after it are in the queue;
- a grouped handoff is not escalated by itself: its head is, and the head's page lists it.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from recovery_support.alerts.config import FloodSettings
from recovery_support.alerts.models import CLOSED, Handoff

SOURCE = "source"
SERVICE = "service"


@dataclass(frozen=True)
class Placement:
    head: Optional[Handoff] = None  # the handoff whose alert covers this one; None: alerted on its own
    why: str = ""  # for the handoff log
    starts_flood: Optional[str] = None  # SOURCE or SERVICE: this one's alert heads a flood


def _conversation_head(session: Session, fields: Dict[str, Any], since: datetime) -> Optional[Handoff]:
    head = session.execute(
        sa.select(Handoff).where(Handoff.conversation_id == fields["conversation_id"], Handoff.status != CLOSED,
                                 Handoff.created_at >= since, Handoff.grouped_into.is_(None))
        .order_by(Handoff.id.desc()).limit(1)).scalars().first()
    if head is None or head.category != fields["category"]:
        return None
    if head.level == "check_in" and fields.get("level", "crisis") == "crisis":
        return None  # the person answered a check-in with a definite crisis: that is news
    return head


def _flood(session: Session, where: Any, limit: int, since: datetime, kind: str) -> Optional[Placement]:
    # Alerts sent, not handoffs: a conversation repeating itself is grouped already, and a flood from one address
    # must not fold a real person elsewhere into the service-wide count.
    alerted = session.execute(sa.select(sa.func.count()).select_from(Handoff)
                              .where(where, Handoff.created_at >= since, Handoff.grouped_into.is_(None))).scalar_one()
    if alerted < limit:
        return None
    head = session.execute(sa.select(Handoff).where(where, Handoff.created_at >= since, Handoff.flood == kind)
                           .order_by(Handoff.id.desc()).limit(1)).scalars().first()
    if head is None:
        return Placement(starts_flood=kind)
    who = "one address" if kind == SOURCE else "everyone"
    return Placement(head=head, why=f"over {limit} crisis alerts from {who} in the window: grouped under #{head.id}")


def place(session: Session, fields: Dict[str, Any], now: datetime, flood: FloodSettings) -> Placement:
    """Where a new handoff's alert goes. ``fields``: the handoff's columns (conversation_id, category, level,
    source)."""
    since = now - timedelta(minutes=flood.window_minutes)
    head = _conversation_head(session, fields, since)
    if head is not None:
        return Placement(head=head, why=f"same conversation and category as handoff #{head.id}, still open")
    source = fields.get("source")
    if source:
        placed = _flood(session, Handoff.source == source, flood.per_source, since, SOURCE)
        if placed is not None:
            return placed
    return _flood(session, sa.true(), flood.per_service, since, SERVICE) or Placement()
