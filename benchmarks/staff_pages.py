"""Staff app page times on a seeded PostgreSQL schema: the conversation list (a few filters), transcripts, the
crisis queue and the live feed. Prints p50/p95 in ms per page; asserts nothing.

    python benchmarks/seed_conversations.py -n 10000     # first (drops and refills schema bench_staff)
    python benchmarks/staff_pages.py --repeat 30

The app runs as its own process (``--insecure-cookie``: plain HTTP on 127.0.0.1; projector off so it doesn't
compete), logged in as the seed script's admin. Check ``uptime`` first: on a busy machine p95 measures the others.
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.seed_conversations import ADMIN, ADMIN_PASSWORD, DEFAULT_URL, schema_url  # noqa: E402
from recovery_support.servers import free_port, stop_process, wait_until_up  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
LIST_PAGES = {
    "list (no filter)": {},
    "list crisis=yes": {"crisis": "yes"},
    "list channel=telegram": {"channel": "telegram"},
    "list intent=coping_cravings": {"intent": "coping_cravings"},
    "list min_fallback=3": {"min_fallback": "3"},
    "list page 50": {"page": "50"},
    "list q=cravings": {"q": "cravings"},  # in 88% of conversations
    "list q=ov": {"q": "ov"},  # shorter than a trigram: PostgreSQL reads every message
}


QUEUE_PAGES = {
    "crisis queue (first page)": {},
    "crisis queue closed, page 20": {"status": "closed", "page": "20"},
    "crisis queue category=overdose": {"category": "overdose", "status": ""},
}


def first_live_event(http: requests.Session, base: str) -> float:
    started = time.perf_counter()
    with http.get(f"{base}/live", stream=True, timeout=30) as stream:
        for line in stream.iter_lines():
            if line.startswith(b"data: "):
                return (time.perf_counter() - started) * 1000
    raise SystemExit("the live feed closed without an event")


def live_delivery(http: requests.Session, base: str, database_url: str, repeat: int) -> list:
    """From a handoff row committed (as the alert worker writes it) to its event on an open page's stream: the
    feed's poll interval plus one read of the live state."""
    engine = sa.create_engine(database_url, future=True)
    times = []
    with http.get(f"{base}/live", stream=True, timeout=60) as stream:
        lines = stream.iter_lines()
        states = (json.loads(line[len(b"data: "):]) for line in lines if line.startswith(b"data: "))
        latest = next(states)["latest_id"]
        for i in range(repeat):
            time.sleep(random.uniform(0.1, 0.6))  # land anywhere in the poll cycle
            with engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO handoffs (conversation_id, category, level, message_text, event_id, created_at, status)"
                    " VALUES ('bench-live', 'overdose', 'crisis', 'live benchmark', :event, now(), 'open')"),
                    {"event": -10_000_000 - i})
            started = time.perf_counter()
            next(state for state in states if state["latest_id"] > latest)
            times.append((time.perf_counter() - started) * 1000)
            with engine.begin() as connection:
                connection.execute(sa.text("DELETE FROM handoffs WHERE conversation_id = 'bench-live'"))
            next(states)  # the change back
    engine.dispose()
    return times


def login(base: str) -> requests.Session:
    http = requests.Session()
    token = CSRF_RE.search(http.get(f"{base}/login").text).group(1)
    response = http.post(f"{base}/login", data={"username": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": token},
                         allow_redirects=False)
    if response.status_code != 303:
        raise SystemExit(f"login failed ({response.status_code}): run benchmarks/seed_conversations.py first")
    return http


def timed(http: requests.Session, url: str, params=None) -> float:
    started = time.perf_counter()
    response = http.get(url, params=params, allow_redirects=False)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} {params}: HTTP {response.status_code}")
    return elapsed


def report(name: str, times: list) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(f"{name:32s} n={len(times):3d}  p50 {statistics.median(times):8.1f} ms  p95 {p95:8.1f} ms", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--schema", default="bench_staff")
    parser.add_argument("--repeat", type=int, default=20, help="requests per list filter")
    parser.add_argument("--transcripts", type=int, default=100, help="random transcript views")
    args = parser.parse_args(argv)

    database_url = schema_url(args.url, args.schema)
    engine = sa.create_engine(database_url, future=True)
    with engine.connect() as connection:
        ids = [r[0] for r in connection.execute(sa.text("SELECT id FROM conversations"))]
        events_count = connection.execute(sa.text("SELECT count(*) FROM events")).scalar()
    engine.dispose()
    print(f"{len(ids)} conversations, {events_count} events in schema {args.schema}")

    port = free_port()
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
    server = subprocess.Popen(
        [sys.executable, "-m", "recovery_support.staff.app", "--port", str(port), "--database-url", database_url,
         "--insecure-cookie", "--projector-interval", "0"],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", server, timeout=60)
        http = login(base)
        # The app loads its redaction pipeline (spaCy: seconds of CPU) in the background at startup, and a redacted
        # export waits for it: what is timed is then a settled app, not one sharing the CPU with its own start.
        http.get(f"{base}/export", params={"format": "json", "date_from": "2999-01-01"})
        for name, params in LIST_PAGES.items():
            timed(http, f"{base}/conversations", params)  # warm-up
            report(name, [timed(http, f"{base}/conversations", params) for _ in range(args.repeat)])
        rng = random.Random(1)
        report("transcript (random)",
               [timed(http, f"{base}/conversations/{rng.choice(ids)}") for _ in range(args.transcripts)])
        for name, params in QUEUE_PAGES.items():
            timed(http, f"{base}/crisis", params)
            report(name, [timed(http, f"{base}/crisis", params) for _ in range(args.repeat)])
        report("live: connect to first event", [first_live_event(http, base) for _ in range(args.repeat)])
        report("live: new handoff to open page", live_delivery(http, base, database_url, args.repeat))
    finally:
        stop_process(server)
        print(f"app log: {log.name}")


if __name__ == "__main__":
    main()
