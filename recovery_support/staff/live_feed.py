"""One poller per staff-app process, and every open page's event stream waiting on it.

Fed from the database, not from memory: a handoff raised by the alert worker appears on the pages of every
staff-app process, and a handoff acknowledged in one process (or by Telegram) leaves every banner. One query
per interval per process, however many pages are open.
"""
import asyncio
import logging
from typing import Optional, Tuple

from sqlalchemy.engine import Engine

from recovery_support.staff.db_access import run_db
from recovery_support.staff.live_state import LiveState, live_state

logger = logging.getLogger(__name__)


class LiveFeed:
    def __init__(self, engine: Engine, interval_seconds: float) -> None:
        self.engine, self.interval = engine, interval_seconds
        self.state: Optional[LiveState] = None
        self.version = 0  # goes up by one at each change of state
        self._changed: Optional[asyncio.Condition] = None
        self._task: Optional["asyncio.Task[None]"] = None
        self.closed = False  # the app is shutting down: open streams end rather than hold the shutdown up

    async def start(self) -> None:
        self._changed = asyncio.Condition()
        await self.poll_once()
        self._task = asyncio.create_task(self._poll_forever())

    async def stop(self) -> None:
        self.closed = True
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def poll_once(self) -> None:
        state = await run_db(live_state, self.engine)
        if state != self.state:
            self.state, self.version = state, self.version + 1
            assert self._changed is not None
            async with self._changed:
                self._changed.notify_all()

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.poll_once()
            except Exception:  # a database hiccup must not end the feed; the next tick retries
                logger.exception("reading the live state failed")

    async def next_state(self, seen_version: int, timeout: float) -> Optional[Tuple[int, LiveState]]:
        """The state once it is newer than ``seen_version`` (at once if it already is); None after ``timeout``
        or once the feed is closed."""
        assert self._changed is not None, "LiveFeed.start() was not called"
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.closed or self.version > seen_version), timeout)
            except asyncio.TimeoutError:
                return None
        if self.closed:
            return None
        assert self.state is not None
        return self.version, self.state
