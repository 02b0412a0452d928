"""The alert worker's loops on a simulated clock, so a 10-minute outage takes seconds, not 10 minutes.

Each ``tick`` moves the clock on by the poll interval and runs one pass of each of the worker's loops, in the
order a crisis flows (intake, escalation, delivery), then waits for the sends that pass started. The code is the
real one (``Intake``, ``escalate_due``, ``Deliverer``) given the clock through its ``clock`` parameter; only the
sleeping between passes is simulated. A send takes no simulated time.

``run_until`` skips the ticks in which nothing is due (no retry, no escalation; new crisis events are only
written between two ``run_until`` calls): such a pass reads, finds nothing and sleeps, so skipping it changes
nothing but the test's run time.
"""
import asyncio
import math
from datetime import datetime, timedelta
from typing import Optional

import aiohttp
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.config import AlertsConfig
from recovery_support.alerts.delivery import Deliverer
from recovery_support.alerts.escalation import escalate_due
from recovery_support.alerts.intake import Intake
from recovery_support.alerts.models import OPEN, Handoff, Outbox, create_tables

START = datetime(2026, 1, 9, 23, 0, 0)  # a Friday night, naive UTC like the tables


class SimulatedClock:
    def __init__(self, start: datetime = START) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return (self.now - self.start).total_seconds()

    def at(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class SimulatedWorker:
    def __init__(self, engine: Engine, config: AlertsConfig, session: aiohttp.ClientSession,
                 clock: SimulatedClock, ack_base_url: str = "http://ack.test") -> None:
        create_tables(engine)
        self.engine = engine
        self.config = config
        self.ack_base_url = ack_base_url
        self.clock = clock
        self.intake = Intake(engine, config, ack_base_url, clock)
        self.deliverer = Deliverer(engine, config, ack_base_url, session, clock)

    @property
    def tick_seconds(self) -> float:
        return self.config.poll_interval_seconds

    async def tick(self) -> None:
        self.clock.advance(self.tick_seconds)
        while (await asyncio.to_thread(self.intake.run_once)).more:
            pass
        await asyncio.to_thread(escalate_due, self.engine, self.config, self.ack_base_url, self.clock)
        await self.deliverer.run_once()
        while self.deliverer.tasks:
            await asyncio.gather(*self.deliverer.tasks)

    async def run_until(self, seconds: float) -> None:
        """Tick until ``seconds`` after the start (the last tick is the first at or after it)."""
        while self.clock.elapsed < seconds:
            await self.tick()
            self._skip_idle_ticks(seconds)

    def _skip_idle_ticks(self, seconds: float) -> None:
        """Move the clock to just before the next tick that has something to do (or reaches ``seconds``)."""
        ticks = math.ceil((seconds - self.clock.elapsed) / self.tick_seconds - 1e-9)
        due = self.next_due()
        if due is not None:
            ticks = min(ticks, math.ceil((due - self.clock.now).total_seconds() / self.tick_seconds - 1e-9))
        if ticks > 1:
            self.clock.advance((ticks - 1) * self.tick_seconds)

    def next_due(self) -> Optional[datetime]:
        """The earliest time a retry or an escalation falls due."""
        with Session(self.engine, future=True) as session:
            retry = session.execute(
                sa.select(sa.func.min(Outbox.next_attempt_at)).where(Outbox.delivered_at.is_(None))).scalar()
            oldest = session.execute(
                sa.select(sa.func.min(Handoff.created_at))
                .where(Handoff.status == OPEN, Handoff.escalated_at.is_(None))).scalar()
        escalation = oldest + timedelta(seconds=self.config.escalate_after_seconds) if oldest else None
        return min((t for t in (retry, escalation) if t is not None), default=None)
