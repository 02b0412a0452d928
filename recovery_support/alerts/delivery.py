"""Delivery: send every due outbox row; record success, or the error and the next attempt (exponential backoff).

Rows are never dropped: a row stays due until a send succeeds. Sends run concurrently, so one slow SMTP server
doesn't hold up the Telegram alert. A send whose result can't be written (database down) is remembered and its
result written later, instead of sending it again.
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
from recovery_support.alerts.models import SYSTEM_ACTOR, Handoff, HandoffLog, Outbox, utcnow
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


def load_due(engine: Engine, config: AlertsConfig, ack_base_url: str, exclude: Set[int]) -> List[Due]:
    now = utcnow()
    with Session(engine, future=True) as session:
        query = (sa.select(Outbox, Handoff).join(Handoff, Handoff.id == Outbox.handoff_id)
                 .where(Outbox.delivered_at.is_(None), Outbox.next_attempt_at <= now)
                 .order_by(Outbox.next_attempt_at, Outbox.id).limit(BATCH_SIZE + len(exclude)))
        found = []
        for row, handoff in session.execute(query).all():
            if row.id in exclude:
                continue
            found.append(Due(row.id, row.channel, row.recipient, row.kind, row.attempts,
                             build_message(handoff, row.kind, config, ack_base_url)))
        return found[:BATCH_SIZE]


def record(engine: Engine, config: AlertsConfig, outcome: Outcome) -> None:
    due = outcome.due
    now = utcnow()
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
                 session: aiohttp.ClientSession) -> None:
        self.engine = engine
        self.config = config
        self.ack_base_url = ack_base_url
        self.session = session
        self.in_flight: Set[int] = set()  # sending, or sent with the result not yet written
        self.unrecorded: List[Outcome] = []
        self.tasks: Set["asyncio.Task[None]"] = set()
        self.sent_count: Dict[str, int] = {"delivered": 0, "failed": 0}

    async def run_once(self) -> int:
        """Write any remembered results, then start sending what is due; returns how many were started."""
        while self.unrecorded:
            outcome = self.unrecorded[0]
            await asyncio.to_thread(record, self.engine, self.config, outcome)  # raises while the db is down
            self.unrecorded.pop(0)
            self.in_flight.discard(outcome.due.outbox_id)
        due = await asyncio.to_thread(load_due, self.engine, self.config, self.ack_base_url, set(self.in_flight))
        for item in due:
            self.in_flight.add(item.outbox_id)
            task = asyncio.create_task(self._deliver(item))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return len(due)

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
            await asyncio.to_thread(record, self.engine, self.config, outcome)
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
