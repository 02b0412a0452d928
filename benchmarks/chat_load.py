"""Benchmark (prints figures, asserts nothing): concurrent conversations through the REST channel.

Measures this bot as `make run` runs it (the NLU server beside the chat server, the action server and the
SQLite tracker store in the loop) and, in the same run, the stock `rasa init` bot (in-memory tracker store, no
action server), the baseline in NOTES-rasa.md: messages/s, p50, p95 and p99 at each concurrency, the time from
start to the first answer, a turn's time at turn 5 and turn 50 of one conversation, and the encoder's share.
The per-sender message limit is off here: a load test is a flood by design.

Usage: python benchmarks/chat_load.py [--concurrency 20 50] [--turns 10] [--no-stock]
"""
import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import aiohttp
import requests

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


THIS = "this bot (make run)"


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


def first_answer_after(started: float, url: str) -> float:
    """Seconds from ``started`` until the server answers a chat message."""
    while True:
        try:
            if requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "start-up", "message": "hi"},
                             timeout=10).json():
                return time.monotonic() - started
        except (requests.RequestException, ValueError):
            time.sleep(0.2)


def turn_growth(url: str, conversations: int = 4, turns: int = 55) -> Tuple[float, float]:
    """Median ms of a turn around turn 5 and around turn 50, one message at a time."""
    timings = []
    with requests.Session() as http:
        for _ in range(conversations):
            sender, times = uuid.uuid4().hex, []
            for i in range(turns):
                started = time.perf_counter()
                http.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": QUESTIONS[i % 11]})
                times.append((time.perf_counter() - started) * 1000)
            timings.append(times)
    return (statistics.median(t for times in timings for t in times[2:8]),
            statistics.median(t for times in timings for t in times[47:53]))


def encoder_ms() -> float:
    """The sentence encoder's median milliseconds for this benchmark's messages, uncached, one thread."""
    from recovery_support.nlp.encoder import SentenceEncoder

    encoder = SentenceEncoder()
    encoder._encode("warm up")
    ms = []
    for n in range(5):
        for text in QUESTIONS:
            started = time.perf_counter()
            encoder._encode(f"{text} {n}")
            ms.append((time.perf_counter() - started) * 1000)
    return statistics.median(ms)


def measure(url: str, concurrencies: List[int], turns: int) -> Dict[int, dict]:
    asyncio.run(load(url, 20, 3))  # warm-up
    return {c: asyncio.run(load(url, c, turns)) for c in concurrencies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock rasa init bot")
    args = parser.parse_args()
    rows: Dict[str, Dict[int, dict]] = {}
    start_up: Dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        with running_bot(Path(tmp), extra_env={"CHAT_LIMIT_PER_SENDER": "0"}, nlu_server=True) as bot:
            start_up["this bot"] = first_answer_after(started, bot.rasa_url)
            rows[THIS] = measure(bot.rasa_url, args.concurrency, args.turns)
            growth = turn_growth(bot.rasa_url)
        if not args.no_stock:
            stock_bot_model()  # trained once, before the clock starts
            started = time.monotonic()
            with running_stock_bot(Path(tmp)) as (url, _):
                start_up["stock rasa init bot"] = first_answer_after(started, url)
                rows["stock rasa init bot"] = measure(url, args.concurrency, args.turns)
    print(f"\n{args.turns} turns per conversation, REST channel, this machine ({os.cpu_count()} cores):")
    print(f"{'':24} {'conv':>5} {'msg/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, by_concurrency in rows.items():
        for c, r in by_concurrency.items():
            print(f"{name:24} {c:5d} {r['msg_per_s']:8.1f} {r['p50_ms']:8.0f} {r['p95_ms']:8.0f} {r['p99_ms']:8.0f} "
                  f"{r['errors']:7d}")
    if "stock rasa init bot" in rows:
        for c in args.concurrency:
            ratio = rows[THIS][c]["msg_per_s"] / rows["stock rasa init bot"][c]["msg_per_s"]
            print(f"throughput at {c} conversations: {ratio:.2f} x the stock bot")
    for who, seconds in start_up.items():
        print(f"start-up to the first answer, {who}: {seconds:.1f} s")
    print(f"one conversation, a turn at turn 5: {growth[0]:.1f} ms, at turn 50: {growth[1]:.1f} ms "
          f"({(growth[1] / growth[0] - 1) * 100:+.0f} %)")
    encoder = encoder_ms()
    print(f"sentence encoder: {encoder:.1f} ms per message (median, one thread), {encoder / growth[0] * 100:.0f} % "
          f"of a turn at turn 5")


if __name__ == "__main__":
    main()
