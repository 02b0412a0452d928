"""Intake: crisis user messages in Rasa's ``events`` table become handoffs with queued alerts.

A handoff, its outbox rows and the cursor move are written in one transaction, and ``handoffs.event_id`` is
unique, so re-reading events (after a restart, or a failed commit) never alerts twice.

Why gaps are watched: PostgreSQL hands out ids when a row is inserted, not when it is committed, so a crisis
row with id 41 can become visible after row 42 was already read. Every hole below the highest id read is
re-checked until it fills or ``gap_timeout_seconds`` has passed (a rolled-back insert leaves a hole for good),
and the saved cursor never moves past the oldest open hole, so a restart re-checks it too. (SQLite has one writer at a time, so it has no such holes.)
"""
import json
import logging
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row
from sqlalchemy.orm import Session

from recovery_support.alerts.config import AlertsConfig
from recovery_support.alerts.db import events
from recovery_support.alerts.message import category_words, event_time
from recovery_support.alerts.models import (
    ALERT, SYSTEM_ACTOR, AlertCursor, Clock, Handoff, HandoffLog, utcnow,
)
from recovery_support.alerts.outbox import queue_deliveries

logger = logging.getLogger(__name__)

CRISIS_PREFIX = "crisis_"
BATCH_SIZE = 1000
MAX_BATCHES_PER_PASS = 20  # keeps one transaction short; the next pass goes on at once
MAX_GAP_RANGES = 50  # past this, holes are checked as one range (a superset: re-reads are harmless)
CURSOR_FLUSH_SECONDS = 5.0  # without new handoffs the cursor is saved at most this often (less writing)


def is_crisis() -> Any:
    return sa.and_(events.c.type_name == "user",
                   events.c.intent_name.startswith(CRISIS_PREFIX, autoescape=True))


@dataclass(frozen=True)
class Gap:
    low: int
    high: int
    deadline: float  # time.monotonic() after which the hole is given up


@dataclass(frozen=True)
class ScanState:
    """What has been read: every id <= ``scanned`` except the open ``gaps``."""

    scanned: int = 0
    gaps: Tuple[Gap, ...] = ()

    @property
    def cursor(self) -> int:
        """The saved cursor: the highest id with nothing unread at or below it."""
        if self.gaps:
            return min(g.low for g in self.gaps) - 1
        return self.scanned


@dataclass
class IntakeResult:
    created: List[int] = field(default_factory=list)  # new handoff ids
    unalerted: List[int] = field(default_factory=list)  # new handoffs with no on-call contact configured
    more: bool = False  # more rows are waiting; run again without sleeping


def _gap_filter(gaps: Sequence[Gap]) -> Any:
    if len(gaps) > MAX_GAP_RANGES:
        return events.c.id.between(min(g.low for g in gaps), max(g.high for g in gaps))
    return sa.or_(*(events.c.id.between(g.low, g.high) for g in gaps))


def _is_crisis_row(row: Row) -> bool:
    return row.type_name == "user" and (row.intent_name or "").startswith(CRISIS_PREFIX)


def _remaining(gaps: Sequence[Gap], present: Sequence[int], now: float) -> List[Gap]:
    """The holes still empty: filled ids split a hole; holes past their deadline are given up."""
    left: List[Gap] = []
    for gap in gaps:
        if gap.deadline <= now:
            continue  # it was just checked one last time
        start = gap.low
        for ident in present[bisect_left(present, gap.low):bisect_right(present, gap.high)]:
            if ident > start:
                left.append(Gap(start, ident - 1, gap.deadline))
            start = ident + 1
        if start <= gap.high:
            left.append(Gap(start, gap.high, gap.deadline))
    return left


def read_events(session: Session, state: ScanState, gap_timeout: float) -> Tuple[List[Row], ScanState, bool]:
    """Crisis rows not read before (including late ones in holes) and the state after reading them."""
    now = time.monotonic()
    crisis: List[Row] = []
    # Every id (to see holes) but the JSON only for crisis rows: ordinary turns are the bulk of the table.
    columns = (events.c.id, events.c.sender_id, events.c.type_name, events.c.intent_name, events.c.timestamp,
               sa.case((is_crisis(), events.c.data), else_=sa.null()).label("data"))
    gaps: List[Gap] = []
    if state.gaps:
        late = session.execute(sa.select(*columns).where(_gap_filter(state.gaps)).order_by(events.c.id)).all()
        crisis.extend(row for row in late if _is_crisis_row(row))
        gaps = _remaining(state.gaps, [row.id for row in late], now)
    scanned = state.scanned
    more = False
    for _ in range(MAX_BATCHES_PER_PASS):
        rows = session.execute(
            sa.select(*columns).where(events.c.id > scanned).order_by(events.c.id).limit(BATCH_SIZE)
        ).all()
        for row in rows:
            if row.id > scanned + 1:
                gaps.append(Gap(scanned + 1, row.id - 1, now + gap_timeout))
            scanned = row.id
            if _is_crisis_row(row):
                crisis.append(row)
        more = len(rows) == BATCH_SIZE
        if not more:
            break
    return crisis, ScanState(scanned, tuple(gaps)), more


def parse_event(row: Row) -> Dict[str, Any]:
    """The handoff's fields from one crisis event row; an unreadable JSON body still gives an alert."""
    try:
        data = json.loads(row.data or "{}")
        if not isinstance(data, dict):
            data = {}
    except ValueError:
        data = {}
    parse_data = data.get("parse_data") if isinstance(data.get("parse_data"), dict) else {}
    crisis = parse_data.get("crisis") if isinstance(parse_data.get("crisis"), dict) else {}
    category = (row.intent_name or "")[len(CRISIS_PREFIX):] or str(crisis.get("category") or "unknown")
    text = data.get("text")
    return {
        "event_id": row.id,
        "conversation_id": row.sender_id or "",
        "category": category[:64],
        "message_text": text if isinstance(text, str) else "(the message text could not be read)",
        "message_at": event_time(row.timestamp),
        "reason": str(crisis.get("reason") or ""),
    }


class Intake:
    """One pass = one transaction. The scan state changes only after its commit succeeded."""

    def __init__(self, engine: Engine, config: AlertsConfig, ack_base_url: str, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.config = config
        self.ack_base_url = ack_base_url
        self.clock = clock
        self.state: Optional[ScanState] = None
        self._cursor_saved_at = 0.0

    def run_once(self) -> IntakeResult:
        result = IntakeResult()
        with Session(self.engine, future=True) as session, session.begin():
            cursor = session.get(AlertCursor, 1)
            state = self.state
            if state is None:
                state = ScanState(scanned=cursor.last_event_id if cursor else 0)
            rows, new_state, result.more = read_events(session, state, self.config.gap_timeout_seconds)
            if rows:
                self._create_handoffs(session, rows, result)
            flush_due = time.monotonic() - self._cursor_saved_at >= CURSOR_FLUSH_SECONDS
            saved = cursor.last_event_id if cursor else None
            if new_state.cursor != saved and (result.created or flush_due or cursor is None):
                if cursor is None:
                    session.add(AlertCursor(id=1, last_event_id=new_state.cursor, updated_at=self.clock()))
                else:
                    cursor.last_event_id = new_state.cursor
                    cursor.updated_at = self.clock()
                self._cursor_saved_at = time.monotonic()
        self.state = new_state
        return result

    def _create_handoffs(self, session: Session, rows: List[Row], result: IntakeResult) -> None:
        ids = [row.id for row in rows]
        known = set(session.execute(sa.select(Handoff.event_id).where(Handoff.event_id.in_(ids))).scalars())
        for row in rows:
            if row.id in known:
                continue
            known.add(row.id)
            fields = parse_event(row)
            reason = fields.pop("reason")
            now = self.clock()
            handoff = Handoff(**fields, created_at=now, status="open")
            session.add(handoff)
            session.flush()  # the id is needed for the outbox rows and the acknowledge link
            words = category_words(handoff.category)
            session.add(HandoffLog(handoff_id=handoff.id, at=now, actor=SYSTEM_ACTOR, action="created",
                                   detail=f"crisis message detected: {words} (event {row.id}"
                                          f"{', ' + reason if reason else ''})"))
            queued = queue_deliveries(session, handoff, ALERT, self.config.on_call, self.config,
                                      self.ack_base_url, now)
            result.created.append(handoff.id)
            if not queued:
                result.unalerted.append(handoff.id)
                session.add(HandoffLog(handoff_id=handoff.id, at=now, actor=SYSTEM_ACTOR, action="not_alerted",
                                       detail="no on-call contact is configured in config/alerts.yml"))

