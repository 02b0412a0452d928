"""Intake: crisis user messages in Rasa's ``events`` table become handoffs with queued alerts.

A handoff, its outbox rows and the cursor move are written in one transaction, and ``handoffs.event_id`` is
unique, so re-reading events (after a restart, or a failed commit) never alerts twice.

Why gaps are watched: PostgreSQL hands out ids when a row is inserted, not when it is committed, so a crisis
row with id 41 can become visible after row 42 was already read. Every hole below the highest id read is
re-checked until it fills or ``gap_timeout_seconds`` has passed (a rolled-back insert leaves a hole for good),
and the saved cursor never moves past the oldest open hole, so a restart re-checks it too. (SQLite has one writer at a time, so it has no such holes.)

Why a first start looks back only so far: with no cursor yet on a database that already holds conversations,
reading from id 0 would page on-call staff for every crisis ever recorded. Only crisis turns newer than
``first_start_lookback_hours`` before the worker started are alerted; the older ones are counted in one warning
(staff see them in the staff app) and the cursor starts after them. A later start has a cursor and reads on from it.
"""
import json
import logging
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row
from sqlalchemy.orm import Session

from recovery_support.alerts.config import AlertsConfig
from recovery_support.alerts.db import events
from recovery_support.alerts.grouping import place
from recovery_support.alerts.message import category_words, event_time
from recovery_support.alerts.models import (
    ALERT, SYSTEM_ACTOR, AlertCursor, Clock, Handoff, HandoffLog, utcnow,
)
from recovery_support.alerts.outbox import queue_deliveries

logger = logging.getLogger(__name__)

CRISIS_PREFIX = "crisis_"
# Crisis replies the conversation-level policy gave without a crisis intent on the message (risk that showed
# over several turns, a check-in, the answer to a check-in) are found by the bot's action instead.
CRISIS_REPLY_PREFIX = "utter_crisis_"
CHECK_IN_PREFIX = "utter_check_in_"
NOT_ALERTING = ("utter_crisis_followup_", "utter_check_in_declined_")
BATCH_SIZE = 1000
MAX_BATCHES_PER_PASS = 20  # keeps one transaction short; the next pass goes on at once
MAX_GAP_RANGES = 50  # past this, holes are checked as one range (a superset: re-reads are harmless)
CURSOR_FLUSH_SECONDS = 5.0  # without new handoffs the cursor is saved at most this often (less writing)


def is_crisis() -> Any:
    name = events.c.action_name
    crisis_reply = sa.and_(events.c.type_name == "action",
                           sa.or_(name.startswith(CRISIS_REPLY_PREFIX, autoescape=True),
                                  name.startswith(CHECK_IN_PREFIX, autoescape=True)),
                           *(~name.startswith(prefix, autoescape=True) for prefix in NOT_ALERTING))
    return sa.or_(sa.and_(events.c.type_name == "user",
                          events.c.intent_name.startswith(CRISIS_PREFIX, autoescape=True)),
                  crisis_reply)


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


@dataclass(frozen=True)
class SkippedHistory:
    """The crisis turns a first start did not alert because they are older than the look-back window."""

    count: int
    oldest: Optional[datetime]
    newest: Optional[datetime]
    last_event_id: int  # reading starts after it


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
    if row.type_name == "user":
        return (row.intent_name or "").startswith(CRISIS_PREFIX)
    name = row.action_name or ""
    return row.type_name == "action" and name.startswith((CRISIS_REPLY_PREFIX, CHECK_IN_PREFIX)) \
        and not name.startswith(NOT_ALERTING)


def turn_message(session: Session, row: Row) -> Optional[Row]:
    """The user message a crisis reply answered: the conversation's last user event before it."""
    return session.execute(
        sa.select(events.c.id, events.c.sender_id, events.c.intent_name, events.c.data, events.c.timestamp)
        .where(events.c.sender_id == row.sender_id, events.c.type_name == "user", events.c.id < row.id)
        .order_by(events.c.id.desc()).limit(1)).first()


def reply_fields(session: Session, row: Row) -> Optional[Dict[str, Any]]:
    """A handoff's fields for a crisis reply event, or None when its message already raised one (a crisis
    intent: the second reply of an intentional overdose belongs to the same handoff)."""
    message = turn_message(session, row)
    if message is not None and (message.intent_name or "").startswith(CRISIS_PREFIX):
        return None
    name = row.action_name or ""
    check_in = name.startswith(CHECK_IN_PREFIX)
    category = name[len(CHECK_IN_PREFIX if check_in else CRISIS_REPLY_PREFIX):]
    fields = parse_event(message) if message is not None else {"message_text": "", "message_at": None, "reason": "",
                                                                "source": None}
    return {**fields, "event_id": row.id, "conversation_id": row.sender_id or "", "category": category[:64],
            "level": "check_in" if check_in else "crisis",
            "reason": f"{'safety check-in' if check_in else 'crisis reply'} from the conversation's recent turns"}


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
    columns = (events.c.id, events.c.sender_id, events.c.type_name, events.c.intent_name, events.c.action_name,
               events.c.timestamp,
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


def first_start_state(session: Session, cutoff: float) -> Tuple[ScanState, SkippedHistory]:
    """Where a worker with no cursor starts reading: after the crisis turns written before ``cutoff`` (epoch).

    Only turns below the first recent crisis turn are skipped: ids and timestamps need not be in the same order,
    and a recent crisis must never be skipped (an old one above it is alerted, as before). A turn with no
    timestamp counts as recent. A turn that already has a handoff (the cursor row was lost) was alerted, so it
    is not counted.
    """
    recent = sa.or_(events.c.timestamp.is_(None), events.c.timestamp >= cutoff)
    first_recent = session.execute(sa.select(sa.func.min(events.c.id)).where(is_crisis(), recent)).scalar()
    skipped = sa.and_(is_crisis(), events.c.timestamp < cutoff, ~sa.exists().where(Handoff.event_id == events.c.id))
    if first_recent is not None:
        skipped = sa.and_(skipped, events.c.id < first_recent)
    count, oldest, newest, last_id = session.execute(
        sa.select(sa.func.count(), sa.func.min(events.c.timestamp), sa.func.max(events.c.timestamp),
                  sa.func.max(events.c.id)).where(skipped)
    ).one()
    history = SkippedHistory(int(count), event_time(oldest), event_time(newest), int(last_id or 0))
    return ScanState(scanned=history.last_event_id), history


def warn_about_skipped(history: SkippedHistory, lookback_hours: float) -> None:
    """Never silent: staff must know these crises exist and where to find them."""
    if not history.count:
        return
    logger.warning(
        "First start with no alert cursor: %d crisis message(s) older than %g h (written %s to %s UTC) were NOT "
        "alerted. Staff can review them in the staff app's conversation list with the filter crisis=yes "
        "(/conversations?crisis=yes). Alerts start with the events after event %d.",
        history.count, lookback_hours, f"{history.oldest:%Y-%m-%d %H:%M:%S}", f"{history.newest:%Y-%m-%d %H:%M:%S}",
        history.last_event_id)


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
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    source = metadata.get("source")
    return {
        "event_id": row.id,
        "conversation_id": row.sender_id or "",
        "category": category[:64],
        "message_text": text if isinstance(text, str) else "(the message text could not be read)",
        "message_at": event_time(row.timestamp),
        "reason": str(crisis.get("reason") or ""),
        "source": source[:64] if isinstance(source, str) and source else None,
    }


class Intake:
    """One pass = one transaction. The scan state changes only after its commit succeeded."""

    def __init__(self, engine: Engine, config: AlertsConfig, ack_base_url: str, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.config = config
        self.ack_base_url = ack_base_url
        self.clock = clock
        # The look-back window ends at the start, not at the first read, so a crisis written after the start is
        # alerted however late the first read succeeds (a database that is down at start, say).
        started_at = clock().replace(tzinfo=timezone.utc).timestamp()
        self.first_start_cutoff = started_at - config.first_start_lookback_hours * 3600
        self.state: Optional[ScanState] = None
        self._cursor_saved_at = 0.0

    def run_once(self) -> IntakeResult:
        result = IntakeResult()
        skipped: Optional[SkippedHistory] = None
        with Session(self.engine, future=True) as session, session.begin():
            cursor = session.get(AlertCursor, 1)
            state = self.state
            if state is None and cursor is not None:
                state = ScanState(scanned=cursor.last_event_id)
            elif state is None:
                state, skipped = first_start_state(session, self.first_start_cutoff)
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
        if skipped is not None:  # after the commit: a pass that is rolled back and run again warns once
            warn_about_skipped(skipped, self.config.first_start_lookback_hours)
        return result

    def _create_handoffs(self, session: Session, rows: List[Row], result: IntakeResult) -> None:
        ids = [row.id for row in rows]
        known = set(session.execute(sa.select(Handoff.event_id).where(Handoff.event_id.in_(ids))).scalars())
        for row in rows:
            if row.id in known:
                continue
            known.add(row.id)
            fields = parse_event(row) if row.type_name == "user" else reply_fields(session, row)
            if fields is None:
                continue
            reason = fields.pop("reason")
            now = self.clock()
            placement = place(session, fields, now, self.config.flood)
            handoff = Handoff(**fields, created_at=now, status="open", flood=placement.starts_flood,
                              grouped_into=placement.head.id if placement.head is not None else None)
            session.add(handoff)
            session.flush()  # the id is needed for the outbox rows and the acknowledge link
            words = category_words(handoff.category)
            session.add(HandoffLog(handoff_id=handoff.id, at=now, actor=SYSTEM_ACTOR, action="created",
                                   detail=f"crisis message detected: {words} (event {row.id}"
                                          f"{', ' + reason if reason else ''})"))
            result.created.append(handoff.id)
            if placement.head is not None:
                session.add(HandoffLog(handoff_id=handoff.id, at=now, actor=SYSTEM_ACTOR, action="grouped",
                                       detail=f"not alerted on its own: {placement.why}"))
                session.add(HandoffLog(handoff_id=placement.head.id, at=now, actor=SYSTEM_ACTOR,
                                       action="grouped_here", detail=f"handoff #{handoff.id} ({words}) grouped here"))
                continue
            queued = queue_deliveries(session, handoff, ALERT, self.config.on_call, self.config,
                                      self.ack_base_url, now)
            if not queued:
                result.unalerted.append(handoff.id)
                session.add(HandoffLog(handoff_id=handoff.id, at=now, actor=SYSTEM_ACTOR, action="not_alerted",
                                       detail="no on-call contact is configured in config/alerts.yml"))

