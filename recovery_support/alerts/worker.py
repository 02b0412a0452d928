"""The alert worker: one asyncio process, ``python -m recovery_support.alerts.worker``.

Loops, each independent so one stuck part can't stop the others:
  intake      new crisis events -> handoff + outbox rows (one transaction), then wakes delivery at once
  delivery    sends due outbox rows, retrying failures with exponential backoff
  escalation  unacknowledged handoffs -> backup contacts, once
  telegram    "Acknowledge" button presses (if a Telegram contact is configured)
plus the HTTP server (acknowledge links, /healthz). A database outage is logged and retried with backoff; the
process never exits because of it. SIGINT/SIGTERM stop it gracefully (sends under way may finish).
"""
import argparse
import asyncio
import logging
import signal
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.config import ALERTS_CONFIG, AlertsConfig, load_config, warn_about_secrets
from recovery_support.alerts.db import database_url, make_engine
from recovery_support.alerts.delivery import Deliverer, describe
from recovery_support.alerts.escalation import escalate_due
from recovery_support.alerts.intake import Intake
from recovery_support.alerts.lease import hold_lease, release_lease, worker_name
from recovery_support.alerts.models import OPEN, Handoff, create_tables
from recovery_support.alerts.outbox import pending_count
from recovery_support.alerts.server import make_app
from recovery_support.alerts.telegram_updates import TelegramAckPoller, bots

logger = logging.getLogger("recovery_support.alerts")

NO_CONTACT = ("NO ALERT SENT: crisis handoff #%s was recorded, but no %s contact is configured in "
              "config/alerts.yml. Nobody at the clinic has been told.")


class AlertWorker:
    def __init__(self, config: AlertsConfig, engine: Engine) -> None:
        self.config = config
        self.engine = engine
        self.ack_base_url = config.ack_base_url or ""
        self.http_port: Optional[int] = None
        self.intake: Optional[Intake] = None
        self.deliverer: Optional[Deliverer] = None
        self._stopping = asyncio.Event()
        self._wake_delivery = asyncio.Event()
        self._tables_ready = False
        self._tables_lock = asyncio.Lock()
        self._tasks: List["asyncio.Task[None]"] = []
        self._runner: Optional[web.AppRunner] = None
        self._session: Optional[aiohttp.ClientSession] = None
        self.last_ok: Dict[str, float] = {}
        self.last_error: Dict[str, str] = {}
        # Several workers may run on one database: the one holding the lease works, the others stand by.
        self.name = worker_name()
        self.active = False

    # --- lifecycle ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        # The HTTP server first: /healthz must answer (503) even while the database is down.
        app = make_app(self.engine, self.config.ack_secret, self.health, self.config.ack_link_valid_hours * 3600)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.http_host, self.config.http_port)
        await site.start()
        self.http_port = self._runner.addresses[0][1]
        if not self.ack_base_url:
            self.ack_base_url = f"http://{self.config.http_host}:{self.http_port}"
        self._session = aiohttp.ClientSession()
        self.intake = Intake(self.engine, self.config, self.ack_base_url)
        self.deliverer = Deliverer(self.engine, self.config, self.ack_base_url, self._session)
        interval = self.config.poll_interval_seconds
        try:  # before the loops, so a lone worker is active from its first poll
            await self._ensure_tables()
            await self._lease_step()
        except Exception as error:  # the database is down: the lease loop keeps trying
            logger.error("Could not take the lease at start: %s", describe(error))
        self._spawn(self._loop("lease", self._lease_step, interval))
        self._spawn(self._loop("intake", self._intake_step, interval))
        self._spawn(self._loop("delivery", self._delivery_step, interval, self._wake_delivery))
        self._spawn(self._loop("escalation", self._escalation_step, interval))
        for settings, chats in bots(self.config):
            poller = TelegramAckPoller(self.engine, settings, chats, self._session, interval,
                                       self.config.database_retry_max_seconds, is_active=lambda: self.active)
            self._spawn(poller.run())
        self._warn_about_contacts()
        logger.info("Alert worker started: database %s, HTTP on %s:%s, acknowledge links %s",
                    self.engine.url.render_as_string(hide_password=True), self.config.http_host, self.http_port,
                    self.ack_base_url)

    def request_stop(self) -> None:
        self._stopping.set()

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.deliverer is not None:
            await self.deliverer.drain(timeout=self.config.send_timeout_seconds)
            if self.deliverer.unrecorded:
                try:
                    await self.deliverer.run_once()  # write results remembered during an outage, if we can
                except Exception as error:
                    logger.error("Stopping with %d delivery results unwritten (they will be sent again): %s",
                                 len(self.deliverer.unrecorded), describe(error))
        if self.active:
            try:
                await asyncio.to_thread(release_lease, self.engine, self.name)
            except Exception as error:
                logger.warning("Could not release the lease (another worker takes over when it expires): %s",
                               describe(error))
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
        self.engine.dispose()
        logger.info("Alert worker stopped")

    async def run(self) -> None:
        await self.start()
        try:
            await self._stopping.wait()
        finally:
            await self.stop()

    # --- the loops ---------------------------------------------------------------------------------------

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    async def _sleep(self, seconds: float, wake: Optional[asyncio.Event] = None) -> None:
        """Sleep, but return at once on stop (or on ``wake``)."""
        waiters = [asyncio.ensure_future(self._stopping.wait())]
        if wake is not None:
            waiters.append(asyncio.ensure_future(wake.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if wake is not None:
            wake.clear()

    async def _loop(self, name: str, step: Callable[[], Awaitable[bool]], interval: float,
                    wake: Optional[asyncio.Event] = None) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                await self._ensure_tables()
                more = await step()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # database down, table missing...: log, back off, keep going
                failures += 1
                delay = min(self.config.retry.initial_seconds * 2 ** (failures - 1),
                            self.config.database_retry_max_seconds)
                self.last_error[name] = describe(error)
                logger.error("%s failed (%d in a row, retry in %.1f s): %s", name, failures, delay,
                             describe(error), exc_info=failures == 1)
                await self._sleep(delay)
                continue
            if failures:
                logger.info("%s works again after %d failure(s)", name, failures)
            failures = 0
            self.last_ok[name] = time.monotonic()
            self.last_error.pop(name, None)
            if not more:
                await self._sleep(interval, wake)

    async def _ensure_tables(self) -> None:
        if self._tables_ready:
            return
        async with self._tables_lock:
            if not self._tables_ready:
                await asyncio.to_thread(create_tables, self.engine)
                self._tables_ready = True

    async def _lease_step(self) -> bool:
        active = await asyncio.to_thread(hold_lease, self.engine, self.name)
        if active != self.active:
            logger.warning("This alert worker (%s) %s", self.name, "is now the active one: it reads crisis turns "
                           "and sends alerts" if active else "stands by: another worker holds the lease")
            self.active = active
        return False

    async def _intake_step(self) -> bool:
        if not self.active:
            return False
        assert self.intake is not None
        result = await asyncio.to_thread(self.intake.run_once)
        if result.created:
            logger.info("New crisis handoff(s): %s", ", ".join(f"#{i}" for i in result.created))
            self._wake_delivery.set()
        for handoff_id in result.unalerted:
            logger.critical(NO_CONTACT, handoff_id, "on-call")
        return result.more

    async def _delivery_step(self) -> bool:
        if not self.active:
            return False
        assert self.deliverer is not None
        await self.deliverer.run_once()
        return False

    async def _escalation_step(self) -> bool:
        if not self.active:
            return False
        result = await asyncio.to_thread(escalate_due, self.engine, self.config, self.ack_base_url)
        if result.escalated:
            logger.warning("Escalated unacknowledged handoff(s): %s", ", ".join(f"#{i}" for i in result.escalated))
            self._wake_delivery.set()
        for handoff_id in result.unalerted:
            logger.critical(NO_CONTACT, handoff_id, "backup or on-call")
        return False

    # --- status ------------------------------------------------------------------------------------------

    async def health(self) -> Dict[str, Any]:
        """Healthy = the database answers and intake has read ``events`` recently."""
        report: Dict[str, Any] = {"ok": False}
        try:
            report.update(await asyncio.to_thread(self._counts))
        except Exception as error:
            report["database"] = describe(error)
            return report
        report["database"] = "ok"
        report["active"] = self.active
        stale_after = max(10.0, 20 * self.config.poll_interval_seconds)
        # The active worker is healthy when it reads events; one standing by, when it can reach the lease.
        last = self.last_ok.get("intake" if self.active else "lease")
        report["intake_seconds_ago"] = round(time.monotonic() - last, 2) if last else None
        report["errors"] = dict(self.last_error)
        report["ok"] = last is not None and time.monotonic() - last < stale_after
        return report

    def _counts(self) -> Dict[str, int]:
        with Session(self.engine, future=True) as session:
            open_count = session.execute(
                sa.select(sa.func.count()).select_from(Handoff).where(Handoff.status == OPEN)).scalar_one()
            return {"open_handoffs": int(open_count), "undelivered": pending_count(session)}

    def _warn_about_contacts(self) -> None:
        warn_about_secrets(self.config)
        if not self.config.on_call.targets():
            logger.critical("NO ON-CALL CONTACT is configured in config/alerts.yml: crisis handoffs will be "
                            "recorded, but NOBODY WILL BE ALERTED.")
        if not self.config.backup.targets():
            logger.warning("No backup contact is configured: unacknowledged handoffs are re-sent to on-call.")


async def serve(config: AlertsConfig, engine: Engine) -> None:
    worker = AlertWorker(config, engine)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.request_stop)
    await worker.run()


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ALERTS_CONFIG, help="alerts config (config/alerts.yml)")
    parser.add_argument("--host", help="HTTP host for acknowledge links and /healthz (overrides the file)")
    parser.add_argument("--port", type=int, help="HTTP port (overrides the file)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_config(args.config)
    overrides: Dict[str, Any] = {}
    if args.host:
        overrides["http_host"] = args.host
    if args.port is not None:
        overrides["http_port"] = args.port
    if overrides:
        config = replace(config, **overrides)
    asyncio.run(serve(config, make_engine(database_url())))


if __name__ == "__main__":
    main()
