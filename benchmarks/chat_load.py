"""Benchmark (prints figures, asserts nothing): concurrent conversations through the REST channel.

Measures this bot as `make run` runs it (action server and SQLite tracker store in the loop) and, in the
same run, the stock `rasa init` bot (in-memory tracker store, no action server), the baseline in
NOTES-rasa.md. Usage: python benchmarks/chat_load.py [--concurrency 20] [--turns 10] [--no-stock]
"""
import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from recovery_support.servers import BIN, free_port, running_bot, start_process, stop_process, wait_until_up  # noqa: E402

STOCK_DIR = Path(__file__).resolve().parent.parent / "build" / "stock_bot"
QUESTIONS = [
    "hi", "what is heroin detox", "how long does withdrawal last", "what are the symptoms",
    "is inpatient better than outpatient", "can i quit cold turkey", "what do you eat during detox",
    "how can i help my son", "what happens after detox", "where are you located", "thanks",
]


async def conversation(session: aiohttp.ClientSession, url: str, turns: int, latencies: list, errors: list) -> None:
    sender = uuid.uuid4().hex
    for i in range(turns):
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": QUESTIONS[i % len(QUESTIONS)]}) as r:
                await r.read()
                if r.status != 200:
                    errors.append(r.status)
                    continue
        except aiohttp.ClientError as error:
            errors.append(repr(error))
            continue
        latencies.append(time.perf_counter() - started)


async def load(base_url: str, concurrency: int, turns: int, headers: Optional[Dict[str, str]] = None) -> dict:
    """``headers``: what the REST channel needs (its token, in the replicas' production credentials)."""
    url = f"{base_url}/webhooks/rest/webhook"
    # aiohttp holds back requests beyond 100 open connections by default: that queue would count as latency.
    connector = aiohttp.TCPConnector(limit=max(100, concurrency + 1))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120), connector=connector,
                                     headers=headers) as session:
        await conversation(session, url, 3, [], [])  # warm-up: first inference builds TensorFlow graphs
        latencies, errors = [], []
        started = time.perf_counter()
        await asyncio.gather(*(conversation(session, url, turns, latencies, errors) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000  # noqa: E731
    return {"messages": len(latencies), "errors": len(errors), "error_kinds": Counter(map(str, errors)),
            "msg_per_s": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000, "p95_ms": pct(0.95), "p99_ms": pct(0.99)}


def stock_bot_model() -> Path:
    """The stock `rasa init` bot, trained once into build/stock_bot."""
    models = STOCK_DIR / "models"
    if not list(models.glob("*.tar.gz")):
        STOCK_DIR.mkdir(parents=True, exist_ok=True)  # rasa init wants the folder to exist
        subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(STOCK_DIR)], check=True,
                       stdout=subprocess.DEVNULL)
    return sorted(models.glob("*.tar.gz"))[-1]


@contextmanager
def running_stock_bot(workdir: Path) -> Iterator[Tuple[str, subprocess.Popen]]:
    """The stock bot's Rasa server: its URL and process."""
    port = free_port()
    process = start_process([str(BIN / "rasa"), "run", "--model", str(stock_bot_model()), "--port", str(port)],
                     workdir / "stock.log", {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                                             "PATH": str(BIN)})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        stop_process(process)


def measure_stock(concurrency: int, turns: int, workdir: Path) -> dict:
    with running_stock_bot(workdir) as (url, _):
        return asyncio.run(load(url, concurrency, turns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock rasa init bot")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        with running_bot(Path(tmp), extra_env={"CHAT_LIMIT_PER_SENDER": "0"}) as bot:
            rows["this bot (actions + SQLite)"] = asyncio.run(load(bot.rasa_url, args.concurrency, args.turns))
        if not args.no_stock:
            rows["stock rasa init bot"] = measure_stock(args.concurrency, args.turns, Path(tmp))
    print(f"\n{args.concurrency} concurrent conversations x {args.turns} turns, REST channel, this machine:")
    print(f"{'':30} {'msg/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in rows.items():
        print(f"{name:30} {r['msg_per_s']:8.1f} {r['p50_ms']:8.0f} {r['p95_ms']:8.0f} {r['p99_ms']:8.0f} "
              f"{r['errors']:7d}")


if __name__ == "__main__":
    main()
