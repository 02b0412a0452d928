"""What every open staff page is told live: the handoffs that are open and that nobody has acknowledged yet."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.models import OPEN, Handoff, HandoffLog
from recovery_support.staff.preview import shorten

WAITING_SHOWN = 3  # the banner names the longest-waiting few; the queue has the rest
BANNER_WORDS = 80


@dataclass(frozen=True)
class LiveState:
    open_count: int
    latest_id: int  # the newest handoff of any status: a higher one than a page has seen is a new crisis
    last_change: int  # the newest handoff_log row: every raise, acknowledgement, note or close adds one
    waiting: Tuple[Tuple[Any, ...], ...]  # (id, category, level, words, created_at) of the longest waiting

    def as_json(self) -> Dict[str, Any]:
        return {"open_count": self.open_count, "latest_id": self.latest_id, "last_change": self.last_change,
                "waiting": [{"id": i, "category": category, "level": level, "words": words,
                             "created_at": _iso(created_at)} for i, category, level, words, created_at in self.waiting]}


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds") + "Z" if value else ""


def live_state(engine: Engine) -> LiveState:
    """Four small indexed queries: cheap enough to run every half second per staff-app process."""
    with Session(engine, future=True) as session:
        open_count = session.execute(sa.select(sa.func.count(Handoff.id)).where(Handoff.status == OPEN)).scalar_one()
        latest_id = session.execute(sa.select(sa.func.max(Handoff.id))).scalar_one() or 0
        last_change = session.execute(sa.select(sa.func.max(HandoffLog.id))).scalar_one() or 0
        waiting = session.execute(
            sa.select(Handoff.id, Handoff.category, Handoff.level, Handoff.message_text, Handoff.created_at)
            .where(Handoff.status == OPEN).order_by(Handoff.id).limit(WAITING_SHOWN)).all()
    return LiveState(open_count, latest_id, last_change, tuple((i, category, level, shorten(text or "", BANNER_WORDS), created_at)
                                                  for i, category, level, text, created_at in waiting))
