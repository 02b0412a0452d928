"""What each speed change brings, measured in one run (prints figures, asserts nothing).

Starts this bot several times, as `make run` does, each time with one more group of changes on (the rest off
through ``SPEEDUPS_OFF``, see recovery_support/speedups.py), and puts each through chat_load's conversations:
20 at once, 10 turns each, three times (the median run by throughput is shown: one run moves by about 8 %),
plus two conversations of 55 turns for a turn's time at turn 5 and at turn 50. About 6 minutes. Usage: .venv/bin/python benchmarks/speed_cuts.py [--concurrency 20] [--turns 10]
"""
import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from chat_load import load, turn_growth  # noqa: E402
from recovery_support.servers import running_bot  # noqa: E402

# Each step turns on what the steps before it did, plus its own changes (README, "Speed").
STEPS = [
    ("none of the changes", "all", False, False),
    ("+ sessions in memory, schema checked once", "graph,rules,events,http,gc", False, False),
    ("+ planned graph, rules read recent turns", "events,http,gc", False, False),
    ("+ recent events to actions, kept HTTP sessions", "gc", False, False),
    ("+ NLU server on the second core", "gc", True, False),
    ("+ one compute thread, gc.freeze (= make run)", "", True, True),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    rows = []
    for name, off, nlu_server, one_thread in STEPS:
        with tempfile.TemporaryDirectory() as tmp:
            env = {"CHAT_LIMIT_PER_SENDER": "0", "SPEEDUPS_OFF": off}
            with running_bot(Path(tmp), extra_env=env, nlu_server=nlu_server, one_thread=one_thread) as bot:
                asyncio.run(load(bot.rasa_url, args.concurrency, 3))  # warm-up
                started = time.monotonic()
                runs = sorted((asyncio.run(load(bot.rasa_url, args.concurrency, args.turns)) for _ in range(3)),
                              key=lambda r: r["msg_per_s"])
                result = runs[1]
                growth = turn_growth(bot.rasa_url, conversations=2)
        rows.append((name, result, growth))
        print(f"done: {name} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    print(f"\n{args.concurrency} conversations x {args.turns} turns, REST, this machine, one run:")
    print(f"{'':50} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'turn 5 ms':>10} {'turn 50 ms':>11}")
    for name, r, (turn5, turn50) in rows:
        print(f"{name:50} {r['msg_per_s']:7.1f} {r['p50_ms']:7.0f} {r['p95_ms']:7.0f} {turn5:10.1f} {turn50:11.1f}")


if __name__ == "__main__":
    main()
