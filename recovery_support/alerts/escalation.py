"""Escalation: a handoff nobody acknowledged within ``escalate_after_seconds`` is sent to the backup contacts.

Once per handoff (``escalated_at``). A handoff grouped into another's alert (grouping.py) is escalated with it, not
alone. With no backup configured the on-call contacts get it again as a reminder,
since paging nobody is the one outcome that must not happen silently.
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import List

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.config import AlertsConfig
from recovery_support.alerts.message import category_words
from recovery_support.alerts.models import ESCALATION, OPEN, SYSTEM_ACTOR, Clock, Handoff, HandoffLog, utcnow
from recovery_support.alerts.outbox import queue_deliveries

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


@dataclass
class EscalationResult:
    escalated: List[int] = field(default_factory=list)
    unalerted: List[int] = field(default_factory=list)  # escalated, but no contact at all to send it to


def escalate_due(engine: Engine, config: AlertsConfig, ack_base_url: str,
                 clock: Clock = utcnow) -> EscalationResult:
    result = EscalationResult()
    now = clock()
    cutoff = now - timedelta(seconds=config.escalate_after_seconds)
    group = config.backup if config.backup.targets() else config.on_call
    with Session(engine, future=True) as session, session.begin():
        due = session.execute(
            sa.select(Handoff).where(Handoff.status == OPEN, Handoff.escalated_at.is_(None),
                                     Handoff.grouped_into.is_(None), Handoff.created_at <= cutoff).order_by(Handoff.id).limit(BATCH_SIZE)
        ).scalars().all()
        for handoff in due:
            # Conditional update: an acknowledgement committed since the select wins, and nothing is sent.
            claimed = session.execute(
                sa.update(Handoff).where(Handoff.id == handoff.id, Handoff.status == OPEN,
                                         Handoff.escalated_at.is_(None)).values(escalated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                continue
            queued = queue_deliveries(session, handoff, ESCALATION, group, config, ack_base_url, now)
            who = group.name if queued else "nobody (no contact configured)"
            session.add(HandoffLog(handoff_id=handoff.id, at=now, actor=SYSTEM_ACTOR, action="escalated",
                                   detail=f"not acknowledged after {config.escalate_after_seconds:g} s; "
                                          f"{category_words(handoff.category)}; escalated to {who}"))
            result.escalated.append(handoff.id)
            if not queued:
                result.unalerted.append(handoff.id)
    return result
