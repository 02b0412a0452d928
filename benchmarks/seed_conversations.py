"""Seeds a PostgreSQL schema with N synthetic conversations for benchmarks/staff_pages.py.

The schema (default ``bench_staff`` in postgresql://postgres@localhost/test) is dropped and recreated: Rasa's
``events`` table as Rasa 3.6's SQLTrackerStore makes it (with its sender_id index), every staff table from
``alembic upgrade head``, N conversations of --turns turns (user, action, bot, action_listen: four rows each,
written with COPY), the projector run so ``conversations`` (with the list's intents and search messages) is
filled, --handoffs crisis handoffs (mostly closed, as after months of use), and a staff admin ``bench``.

    python benchmarks/seed_conversations.py -n 10000
"""
import argparse
import io
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402

from recovery_support.alerts.db import events  # noqa: E402
from recovery_support.alerts.models import Handoff, HandoffLog  # noqa: E402
from recovery_support.staff.database import staff_engine  # noqa: E402
from recovery_support.staff.projector import project_all  # noqa: E402
from recovery_support.staff.users import create_user  # noqa: E402

DEFAULT_URL = "postgresql://postgres@localhost/test"
ADMIN, ADMIN_PASSWORD = "bench", "benchmark password 1234"
TOPICS = ["what_is_detox", "withdrawal_symptoms", "withdrawal_timeline", "coping_cravings", "relapse_prevention",
          "medication_assisted_treatment", "family_support", "aftercare", "getting_started", "overdose_signs"]
CHANNELS = ["socketio", "telegram", "rest"]
CRISES = ["overdose", "suicidal", "self_harm", "medical"]
T0 = 1_760_000_000.0


def schema_url(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def recreate_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def migrate(engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def conversation_rows(number: int, turns: int, rng: random.Random):
    """(sender_id, type_name, timestamp, intent_name, action_name, data) rows of one conversation."""
    sender = f"bench-{number}-{uuid.UUID(int=rng.getrandbits(128)).hex[:12]}"
    channel = rng.choice(CHANNELS)
    start = T0 - rng.uniform(0, 90 * 86400)
    crisis_turn = rng.randrange(turns) if rng.random() < 0.05 else -1
    for turn in range(turns):
        at = start + turn * 30.0
        topic = rng.choice(TOPICS)
        confidence = rng.uniform(0.2, 0.99)
        intent = topic if confidence >= 0.3 else "nlu_fallback"
        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [],
                 "intent_ranking": [{"name": topic, "confidence": confidence}],
                 "text": f"question {turn} about {topic.replace('_', ' ')}"}
        action, reply = "action_answer", f"Here is what we know about {topic.replace('_', ' ')}."
        if turn == crisis_turn:
            category = rng.choice(CRISES)
            intent, action, reply = f"crisis_{category}", f"utter_crisis_{category}", "Please call 911 or 988 now."
            parse["intent"] = {"name": intent, "confidence": 1.0}
            parse["crisis"] = {"category": category, "reason": "benchmark"}
        user = {"event": "user", "timestamp": at, "text": parse["text"], "parse_data": parse,
                "input_channel": channel, "message_id": uuid.UUID(int=rng.getrandbits(128)).hex}
        yield sender, "user", at, intent, None, json.dumps(user)
        yield sender, "action", at + 0.1, None, action, json.dumps(
            {"event": "action", "timestamp": at + 0.1, "name": action, "policy": "RulePolicy", "confidence": 1.0})
        yield sender, "bot", at + 0.2, None, None, json.dumps(
            {"event": "bot", "timestamp": at + 0.2, "text": reply, "data": {}})
        yield sender, "action", at + 0.3, None, "action_listen", json.dumps(
            {"event": "action", "timestamp": at + 0.3, "name": "action_listen", "policy": "RulePolicy",
             "confidence": 1.0})


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_events(engine, conversations: int, turns: int, seed: int, batch: int = 1000) -> int:
    """COPY in batches of ``batch`` conversations: one round trip per batch instead of one per row."""
    rng = random.Random(seed)
    written = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for first in range(0, conversations, batch):
            buffer = io.StringIO()
            for number in range(first, min(conversations, first + batch)):
                for row in conversation_rows(number, turns, rng):
                    buffer.write("\t".join(_copy_value(v) for v in row) + "\n")
                    written += 1
            buffer.seek(0)
            cursor.copy_expert("COPY events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                               "FROM STDIN", buffer)
            raw.commit()
    finally:
        raw.close()
    return written


def seed_handoffs(engine, number: int, seed: int, open_count: int = 40, acknowledged: int = 60) -> None:
    """``number`` handoffs on existing conversations, as the alert worker and staff leave them: mostly closed
    (history), some acknowledged, a few open; three log rows each."""
    rng = random.Random(seed)
    with engine.begin() as connection:
        senders = [r[0] for r in connection.execute(sa.text("SELECT sender_id FROM conversations"))]
        now = datetime.utcnow()
        handoffs, logs = [], []
        for i in range(number):
            status = "open" if i >= number - open_count else \
                "acknowledged" if i >= number - open_count - acknowledged else "closed"
            at = now - timedelta(minutes=(number - i) * 30)
            handoffs.append({"conversation_id": rng.choice(senders), "category": rng.choice(CRISES),
                             "level": "crisis", "message_text": f"benchmark crisis message {i} " * 4,
                             "event_id": -(i + 1), "message_at": at, "created_at": at, "status": status,
                             "acknowledged_by": None if status == "open" else "bench",
                             "acknowledged_at": None if status == "open" else at + timedelta(minutes=2)})
        connection.execute(sa.insert(Handoff.__table__), handoffs)
        ids = [r[0] for r in connection.execute(sa.text("SELECT id FROM handoffs ORDER BY id"))]
        for handoff_id in ids:
            for action in ("created", "delivered", "acknowledged"):
                logs.append({"handoff_id": handoff_id, "at": now, "actor": "bench", "action": action, "detail": ""})
        connection.execute(sa.insert(HandoffLog.__table__), logs)
        connection.execute(sa.text("ANALYZE handoffs"))
        connection.execute(sa.text("ANALYZE handoff_log"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL database (default: %(default)s)")
    parser.add_argument("--schema", default="bench_staff")
    parser.add_argument("-n", "--conversations", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--handoffs", type=int, default=2_000, help="crisis handoffs (40 open, 60 acknowledged)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    recreate_schema(args.url, args.schema)
    engine = staff_engine(schema_url(args.url, args.schema))
    # As Rasa 3.6 creates it: an index on sender_id (every transcript and the projector read by sender).
    events.metadata.create_all(engine, tables=[events])
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE INDEX ix_events_sender_id ON events (sender_id)"))
    migrate(engine)
    written = copy_events(engine, args.conversations, args.turns, args.seed)
    copied = time.monotonic()
    print(f"events: {written} rows in {copied - started:.1f} s", flush=True)
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE events"))
    result = project_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))
    print(f"projected: {len(set(result.updated))} conversations in {time.monotonic() - copied:.1f} s", flush=True)
    seed_handoffs(engine, args.handoffs, args.seed)
    print(f"handoffs: {args.handoffs}", flush=True)
    create_user(engine, ADMIN, ADMIN_PASSWORD, "admin")
    engine.dispose()
    print(f"done in {time.monotonic() - started:.1f} s; log in as {ADMIN!r} / {ADMIN_PASSWORD!r}")


if __name__ == "__main__":
    main()
