"""Figures for the dashboard: conversations per day, top intents, crises, fallback rate (last N days)."""
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.db import events
from recovery_support.alerts.models import Handoff
from recovery_support.staff.database import has_table
from recovery_support.staff.models import Conversation, utcnow

TOP_INTENTS = 10


def stats(engine: Engine, days: int = 30, today: date = None) -> Dict[str, Any]:
    today = today or utcnow().date()
    first_day = today - timedelta(days=days - 1)
    since = datetime(first_day.year, first_day.month, first_day.day)
    with Session(engine, future=True) as session:
        starts = session.execute(sa.select(Conversation.first_activity)
                                 .where(Conversation.first_activity >= since)).scalars().all()
        per_day = {first_day + timedelta(days=i): 0 for i in range(days)}
        for started in starts:
            if started.date() in per_day:
                per_day[started.date()] += 1
        totals = session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Conversation.user_turns), 0),
                      sa.func.coalesce(sa.func.sum(Conversation.fallback_turns), 0),
                      sa.func.coalesce(sa.func.sum(sa.case((Conversation.crisis.is_(True), 1), else_=0)), 0))
            .where(Conversation.last_activity >= since)).one()
        intents: List[Tuple[str, int]] = []
        if has_table(engine, "events"):
            since_ts = (since - datetime(1970, 1, 1)).total_seconds()
            intents = [(r[0], r[1]) for r in session.execute(
                sa.select(events.c.intent_name, sa.func.count().label("n"))
                .where(events.c.type_name == "user", events.c.intent_name.isnot(None),
                       events.c.timestamp >= since_ts)
                .group_by(events.c.intent_name).order_by(sa.desc("n"), events.c.intent_name).limit(TOP_INTENTS))]
        handoffs: Dict[str, int] = {}
        if has_table(engine, "handoffs"):
            handoffs = dict(session.execute(sa.select(Handoff.status, sa.func.count()).group_by(Handoff.status)
                                            ).all())
    conversations, user_turns, fallback_turns, crisis = totals
    return {
        "days": days, "since": first_day, "conversations": conversations, "user_turns": user_turns,
        "fallback_turns": fallback_turns, "crisis_conversations": crisis,
        "fallback_rate": (fallback_turns / user_turns) if user_turns else 0.0,
        "per_day": [(d.isoformat(), n) for d, n in per_day.items()],
        "top_intents": intents, "handoffs": handoffs,
    }
