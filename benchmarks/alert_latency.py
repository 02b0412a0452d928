"""Crisis alert latency: from a crisis message to staff's webhook receiver. Prints figures, asserts nothing.

Default: a throwaway SQLite database with Rasa's ``events`` table; crisis user events are inserted the way
Rasa's SQL tracker store writes them, and the latency is (receiver got the alert - the row was committed).

--rest: real crisis messages to a running Rasa server's REST channel; the latency is (receiver got the alert -
the message was sent), so it includes Rasa's own turn. Give the database that server's tracker store uses
(--database-url, default DATABASE_URL or sqlite:///var/conversations.db): the worker reads it, and creates its own
tables there. Use a development setup: a production worker on the same database would alert real staff.

The worker runs as its own process (``python -m recovery_support.alerts.worker``) with the production poll
interval (0.5 s) unless --poll-interval says otherwise.

    python benchmarks/alert_latency.py                     # N=50 simulated events
    python benchmarks/alert_latency.py --rest --rasa-url http://localhost:5005 --database-url sqlite:///var/conversations.db
"""
import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import aiohttp
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recovery_support.alerts.db import database_url, events, make_engine  # noqa: E402

CRISIS_MESSAGES = [
    ("crisis_overdose", "I think I took too many pills, I can't breathe"),
    ("crisis_suicidal", "I want to kill myself tonight"),
    ("crisis_self_harm", "I keep cutting myself and I can't stop"),
    ("crisis_medical", "my brother is having a seizure after stopping alcohol"),
]


class Receiver:
    """The on-call webhook: notes when each conversation's alert arrived."""

    def __init__(self) -> None:
        self.arrived: Dict[str, float] = {}
        self.event = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        payload = await request.json()
        # Alerts carry no sender id (they link to the staff app): each benchmark message's words are unique.
        self.arrived.setdefault(payload.get("message", ""), now)
        self.event.set()
        return web.json_response({"ok": True})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"

    async def wait_for(self, message: str, timeout: float) -> Optional[float]:
        deadline = time.monotonic() + timeout
        while message not in self.arrived and time.monotonic() < deadline:
            self.event.clear()
            try:
                await asyncio.wait_for(self.event.wait(), max(deadline - time.monotonic(), 0.001))
            except asyncio.TimeoutError:
                break
        return self.arrived.get(message)


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_worker(db_url: str, hook_url: str, poll_interval: float, workdir: Path) -> tuple:
    port = free_port()
    config = {
        "on_call": {"name": "Benchmark receiver", "webhook": {"url": hook_url}},
        "poll_interval_seconds": poll_interval,
        "escalate_after_seconds": 3600,
        "ack_base_url": f"http://127.0.0.1:{port}",
        "http": {"host": "127.0.0.1", "port": port},
    }
    config_path = workdir / "alerts.yml"
    config_path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "DATABASE_URL": db_url, "ALERT_ACK_SECRET": uuid.uuid4().hex}
    log = open(workdir / "worker.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "recovery_support.alerts.worker", "--config", str(config_path),
                                "--log-level", "WARNING"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit(f"the worker exited; see {workdir / 'worker.log'}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return process, log
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    process.terminate()
    raise SystemExit(f"the worker did not become healthy; see {workdir / 'worker.log'}")


def insert_crisis(engine, sender: str, intent: str, text: str) -> None:
    now = time.time()
    data = {"event": "user", "timestamp": now, "text": text,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                           "crisis": {"category": intent[len("crisis_"):], "reason": "benchmark"}}}
    with engine.begin() as connection:
        connection.execute(events.insert().values(sender_id=sender, type_name="user", timestamp=now,
                                                  intent_name=intent, data=json.dumps(data)))


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="alert-latency-"))
    if args.rest:
        db_url = args.database_url or database_url()
    else:
        db_url = f"sqlite:///{workdir}/conversations.db"
        engine = make_engine(db_url)
        events.metadata.create_all(engine, tables=[events])  # what Rasa would have created
    receiver = Receiver()
    hook_url = await receiver.start()
    process, log = await start_worker(db_url, hook_url, args.poll_interval, workdir)
    run_id = uuid.uuid4().hex[:8]
    latencies: List[float] = []
    rasa_times: List[float] = []
    missing = 0
    rng = random.Random(args.seed)
    try:
        async with aiohttp.ClientSession() as http:
            for i in range(args.n):
                sender = f"bench-{run_id}-{i}"
                intent, text = CRISIS_MESSAGES[i % len(CRISIS_MESSAGES)]
                text = f"{text} ({run_id}-{i})"
                if args.rest:
                    start = time.monotonic()
                    async with http.post(f"{args.rasa_url}/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text}) as response:
                        await response.read()
                    rasa_times.append(time.monotonic() - start)
                else:
                    await asyncio.to_thread(insert_crisis, engine, sender, intent, text)
                    start = time.monotonic()  # the row is committed
                arrived = await receiver.wait_for(text, args.timeout)
                if arrived is None:
                    missing += 1
                    print(f"  no alert within {args.timeout:g} s for {sender!r} ({text!r})")
                else:
                    latencies.append(arrived - start)
                # A random pause, so messages don't line up with the worker's poll ticks.
                await asyncio.sleep(rng.uniform(0, args.max_pause))
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        await receiver.runner.cleanup()

    mode = f"REST via {args.rasa_url}" if args.rest else "rows inserted into events (simulated Rasa)"
    print(f"alert latency, {mode}; worker poll interval {args.poll_interval:g} s; database {db_url.split('://')[0]}")
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
        print(f"  n={len(latencies)}  p50={statistics.median(ordered) * 1000:.0f} ms  p95={p95 * 1000:.0f} ms  "
              f"max={ordered[-1] * 1000:.0f} ms  mean={statistics.fmean(ordered) * 1000:.0f} ms")
    if rasa_times:
        print(f"  Rasa REST turn: p50={statistics.median(rasa_times) * 1000:.0f} ms (included above)")
    print(f"  missing alerts: {missing}  (worker log: {workdir / 'worker.log'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=50, help="crisis messages to send (50)")
    parser.add_argument("--rest", action="store_true", help="send real messages to a running Rasa server")
    parser.add_argument("--rasa-url", default="http://localhost:5005")
    parser.add_argument("--database-url", help="with --rest: the Rasa server's tracker store database")
    parser.add_argument("--poll-interval", type=float, default=0.5)
    parser.add_argument("--max-pause", type=float, default=1.0, help="random pause between messages, at most (s)")
    parser.add_argument("--timeout", type=float, default=10.0, help="give up on one alert after (s)")
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
