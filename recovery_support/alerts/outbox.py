"""Queueing deliveries: one outbox row per (handoff, channel, recipient, kind), each rendered for the record."""
from datetime import datetime
from typing import List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from recovery_support.alerts.config import AlertsConfig, ContactGroup
from recovery_support.alerts.message import AlertMessage, truncate
from recovery_support.alerts.models import Handoff, Outbox, utcnow
from recovery_support.alerts.signing import ack_url


def build_message(handoff: Handoff, kind: str, config: AlertsConfig, ack_base_url: str) -> AlertMessage:
    return AlertMessage(
        handoff_id=handoff.id,
        kind=kind,
        category=handoff.category,
        level=handoff.level or "crisis",
        staff_url=f"{config.staff_base_url.rstrip('/')}/crisis/{handoff.id}",
        message_text=truncate(handoff.message_text),
        message_at=handoff.message_at or handoff.created_at,
        created_at=handoff.created_at,
        ack_url=ack_url(ack_base_url, config.ack_secret, handoff.id, handoff.created_at),
        escalate_after_seconds=config.escalate_after_seconds,
        display_timezone=config.display_timezone,
        flood=handoff.flood,
        flood_window_minutes=config.flood.window_minutes,
    )


def unique_targets(group: ContactGroup) -> List[Tuple[str, str]]:
    seen: List[Tuple[str, str]] = []
    for target in group.targets():
        if target not in seen:
            seen.append(target)
    return seen


def queue_deliveries(session: Session, handoff: Handoff, kind: str, group: ContactGroup,
                     config: AlertsConfig, ack_base_url: str, now: Optional[datetime] = None) -> int:
    """Add the missing outbox rows for ``group``; returns how many were added (0 if none is configured)."""
    existing = set(session.execute(
        sa.select(Outbox.channel, Outbox.recipient).where(Outbox.handoff_id == handoff.id, Outbox.kind == kind)
    ).all())
    body = build_message(handoff, kind, config, ack_base_url).text()
    now = now or utcnow()
    added = 0
    for channel, recipient in unique_targets(group):
        if (channel, recipient) in existing:
            continue
        session.add(Outbox(handoff_id=handoff.id, channel=channel, recipient=recipient, kind=kind, body=body,
                           attempts=0, next_attempt_at=now, created_at=now))
        added += 1
    return added


def pending_count(session: Session, handoff_id: Optional[int] = None) -> int:
    query = sa.select(sa.func.count()).select_from(Outbox).where(Outbox.delivered_at.is_(None))
    if handoff_id is not None:
        query = query.where(Outbox.handoff_id == handoff_id)
    return int(session.execute(query).scalar_one())
