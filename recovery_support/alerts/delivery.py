"""Delivery: send every due outbox row; record success, or the error and the next attempt (exponential backoff).

Rows are never dropped: a row stays due until a send succeeds. Sends to different recipients run concurrently, so
one slow SMTP server doesn't hold up the Telegram alert. A send whose result can't be written (database down) is
remembered and its result written later, instead of sending it again.

One recipient gets its alerts in the order raised, also when it comes back after an outage: a due row takes the
recipient's older undelivered rows with it (each row's own backoff would otherwise decide, and the newest alert
often falls due first), and one recipient's rows are sent one after another, oldest first. A row that keeps
failing doesn't hold back the ones after it.
"""
import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, List, Optional, Set, Tuple

import aiohttp
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.config import EMAIL, TELEGRAM, WEBHOOK, AlertsConfig, ContactGroup
from recovery_support.alerts.message import AlertMessage
from recovery_support.alerts.models import SYSTEM_ACTOR, Clock, Handoff, HandoffLog, Outbox, utcnow
from recovery_support.alerts.notifiers import DeliveryError, Notifier
from recovery_support.alerts.notifiers.email import EmailNotifier
from recovery_support.alerts.notifiers.telegram import TelegramNotifier
from recovery_support.alerts.notifiers.webhook import WebhookNotifier
from recovery_support.alerts.outbox import build_message

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class Due:
    outbox_id: int
    channel: str
    recipient: str
    kind: str
    attempts: int
    message: AlertMessage


@dataclass(frozen=True)
class Outcome:
    due: Due
    error: Optional[str]  # None: delivered


def resolve(config: AlertsConfig, kind: str, channel: str, recipient: str) -> Tuple[ContactGroup, Any]:
    """The contact group and channel settings for a row (the kind's own group first, then any)."""
    for group in (config.group_for(kind), config.on_call, config.backup):
        settings = group.settings_for(channel, recipient)
        if settings is not None:
            return group, settings
    raise DeliveryError(f"{channel} recipient {recipient!r} is no longer in config/alerts.yml")


def make_notifier(config: AlertsConfig, due: Due, session: aiohttp.ClientSession) -> Notifier:
    _, settings = resolve(config, due.kind, due.channel, due.recipient)
    timeout = config.send_timeout_seconds
    if due.channel == TELEGRAM:
        return TelegramNotifier(settings, due.recipient, session, timeout)
    if due.channel == EMAIL:
        return EmailNotifier(settings, due.recipient)
    if due.channel == WEBHOOK:
        return WebhookNotifier(settings, session, timeout)
    raise DeliveryError(f"unknown channel {due.channel!r}")


def load_due(engine: Engine, config: AlertsConfig, ack_base_url: str, exclude: Set[int],
             clock: Clock = utcnow) -> List[Due]:
    """Due rows with their recipients' older undelivered rows, oldest first."""
    now = clock()
    undelivered = Outbox.delivered_at.is_(None)
    due = (sa.select(Outbox.channel, Outbox.recipient, sa.func.max(Outbox.id).label("newest_id"))
           .where(undelivered, Outbox.next_attempt_at <= now)
           .group_by(Outbox.channel, Outbox.recipient).subquery())
    with Session(engine, future=True) as session:
        query = (sa.select(Outbox, Handoff).join(Handoff, Handoff.id == Outbox.handoff_id)
                 .join(due, sa.and_(Outbox.channel == due.c.channel, Outbox.recipient == due.c.recipient,
                                    Outbox.id <= due.c.newest_id))
                 .where(undelivered).order_by(Outbox.id).limit(BATCH_SIZE + len(exclude)))
        found = []
        for row, handoff in session.execute(query).all():
            if row.id in exclude:
                continue
            found.append(Due(row.id, row.channel, row.recipient, row.kind, row.attempts,
                             build_message(handoff, row.kind, config, ack_base_url)))
        return found[:BATCH_SIZE]


def by_recipient(due: List[Due]) -> List[List[Due]]:
    groups: Dict[Tuple[str, str], List[Due]] = {}
    for item in due:
        groups.setdefault((item.channel, item.recipient), []).append(item)
    return list(groups.values())


def record(engine: Engine, config: AlertsConfig, outcome: Outcome, clock: Clock = utcnow) -> None:
    due = outcome.due
    now = clock()
    with Session(engine, future=True) as session, session.begin():
        row = session.get(Outbox, due.outbox_id)
        if row is None or row.delivered_at is not None:
            return
        row.attempts += 1
        if outcome.error is None:
            row.delivered_at = now
            row.last_error = None
            try:
                who = resolve(config, due.kind, due.channel, due.recipient)[0].name
            except DeliveryError:
                who = "a contact no longer configured"
            # The disclosure record: recipient, discloser (the actor), date and time, nature of the emergency.
            session.add(HandoffLog(handoff_id=row.handoff_id, at=now, actor=SYSTEM_ACTOR, action="delivered",
                                   detail=f"{due.kind} disclosed to {who} <{due.recipient}> via {due.channel}; "
                                          f"nature of emergency: {due.message.category_words}"))
        else:
            row.last_error = outcome.error[:MAX_ERROR_CHARS]
            row.next_attempt_at = now + timedelta(seconds=config.retry.delay(row.attempts))


def describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Deliverer:
    def __init__(self, engine: Engine, config: AlertsConfig, ack_base_url: str,
                 session: aiohttp.ClientSession, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.config = config
        self.ack_base_url = ack_base_url
        self.session = session
        self.clock = clock
        self.in_flight: Set[int] = set()  # sending, or sent with the result not yet written
        self.unrecorded: List[Outcome] = []
        self.tasks: Set["asyncio.Task[None]"] = set()
        self.sent_count: Dict[str, int] = {"delivered": 0, "failed": 0}

    async def run_once(self) -> int:
        """Write any remembered results, then start sending what is due; returns how many were started."""
        while self.unrecorded:
            outcome = self.unrecorded[0]
            # Raises while the database is down.
            await asyncio.to_thread(record, self.engine, self.config, outcome, self.clock)
            self.unrecorded.pop(0)
            self.in_flight.discard(outcome.due.outbox_id)
        due = await asyncio.to_thread(load_due, self.engine, self.config, self.ack_base_url, set(self.in_flight),
                                     self.clock)
        for rows in by_recipient(due):
            self.in_flight.update(item.outbox_id for item in rows)
            task = asyncio.create_task(self._deliver_in_order(rows))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return len(due)

    async def _deliver_in_order(self, rows: List[Due]) -> None:
        """One recipient's rows, one after another, oldest first."""
        for index, due in enumerate(rows):
            try:
                await self._deliver(due)
            except asyncio.CancelledError:
                for later in rows[index + 1:]:
                    self.in_flight.discard(later.outbox_id)  # never started: they stay due
                raise

    async def _deliver(self, due: Due) -> None:
        error: Optional[str] = None
        try:
            notifier = make_notifier(self.config, due, self.session)
            await asyncio.wait_for(notifier.send(due.message), self.config.send_timeout_seconds)
        except asyncio.CancelledError:
            self.in_flight.discard(due.outbox_id)  # not sent (or unknown): it stays due
            raise
        except asyncio.TimeoutError:
            error = f"timed out after {self.config.send_timeout_seconds:g} s"
        except Exception as exc:  # any failure is recorded and retried, never raised out of the loop
            error = describe(exc)
        outcome = Outcome(due, error)
        if error is None:
            self.sent_count["delivered"] += 1
            logger.info("Delivered %s for handoff #%s via %s to %s", due.kind, due.message.handoff_id,
                        due.channel, due.recipient)
        else:
            self.sent_count["failed"] += 1
            logger.warning("Delivery of %s for handoff #%s via %s to %s failed (attempt %d): %s", due.kind,
                           due.message.handoff_id, due.channel, due.recipient, due.attempts + 1, error)
        try:
            await asyncio.to_thread(record, self.engine, self.config, outcome, self.clock)
        except Exception as exc:
            logger.error("Could not record the delivery result of outbox #%s (will retry): %s",
                         due.outbox_id, describe(exc))
            self.unrecorded.append(outcome)
            return
        self.in_flight.discard(due.outbox_id)

    async def drain(self, timeout: float) -> None:
        """Let sends already under way finish (graceful stop), cancelling them after ``timeout``."""
        if self.tasks:
            _, pending = await asyncio.wait(set(self.tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
