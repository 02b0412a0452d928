"""Fixtures for the alert pipeline: a throwaway database with Rasa's ``events`` table, fast settings, a
running worker, and ``async def`` tests run on a fresh event loop (no pytest-asyncio needed)."""
import asyncio
import inspect
import json
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Dict, Optional

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from recovery_support.alerts.config import AlertsConfig, config_from_dict
from recovery_support.alerts.db import events, make_engine
from recovery_support.alerts.worker import AlertWorker

SECRET = b"test-ack-secret"




def create_events_table(engine: Engine) -> None:
    """What Rasa's SQLTrackerStore creates (same columns); the alert code itself never does this."""
    events.metadata.create_all(engine, tables=[events])


def insert_event(engine: Engine, *, text: str = "hello", intent: str = "greet", type_name: str = "user",
                 sender: str = "conv-1", event_id: Optional[int] = None, timestamp: Optional[float] = None,
                 action: Optional[str] = None, source: Optional[str] = None) -> int:
    """``source``: the client address digest the chat server puts in a user message's metadata."""
    data: Dict[str, Any] = {"event": type_name, "timestamp": time.time() if timestamp is None else timestamp}
    if type_name == "user":
        data.update(text=text, parse_data={"intent": {"name": intent, "confidence": 1.0}, "text": text},
                    metadata={"source": source} if source else {})
        if intent.startswith("crisis_"):
            data["parse_data"]["crisis"] = {"category": intent[len("crisis_"):], "reason": "test"}
    values = dict(sender_id=sender, type_name=type_name, timestamp=data["timestamp"],
                  intent_name=intent if type_name == "user" else None, data=json.dumps(data),
                  action_name=action if type_name == "action" else None)
    if event_id is not None:
        values["id"] = event_id
    with engine.begin() as connection:
        return int(connection.execute(events.insert().values(**values)).inserted_primary_key[0])


def insert_crisis(engine: Engine, text: str = "I took way too many pills", category: str = "overdose",
                  **kwargs: Any) -> int:
    return insert_event(engine, text=text, intent=f"crisis_{category}", **kwargs)


def fast_config(on_call: Optional[dict] = None, backup: Optional[dict] = None, **overrides: Any) -> AlertsConfig:
    data: Dict[str, Any] = {
        "on_call": on_call or {}, "backup": backup or {},
        "escalate_after_seconds": 30, "poll_interval_seconds": 0.05,
        "retry": {"initial_seconds": 0.05, "factor": 2, "max_seconds": 0.2},
        "ack_base_url": None, "http": {"host": "127.0.0.1", "port": 0},
        "send_timeout_seconds": 5, "database_retry_max_seconds": 0.2, "display_timezone": "UTC",
    }
    data.update(overrides)
    return config_from_dict(data, ack_secret=SECRET)


@asynccontextmanager
async def running_worker(config: AlertsConfig, engine: Engine) -> AsyncIterator[AlertWorker]:
    worker = AlertWorker(config, engine)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


async def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll ``predicate`` (sync or async) until truthy; fail the test after ``timeout``.

    A database error or a missing row counts as "not yet" (the worker creates its tables after it starts)."""
    deadline = time.monotonic() + timeout
    error: Optional[Exception] = None
    while True:
        try:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value  # type: ignore[misc]
        except (sa.exc.SQLAlchemyError, LookupError) as exc:
            value, error = None, exc
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {error})")
        await asyncio.sleep(0.02)


def rows(engine: Engine, sql: str, **params: Any) -> list:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.text(sql), params)]


@pytest.fixture
def engine(tmp_path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path}/conversations.db")
    create_events_table(engine)
    yield engine
    engine.dispose()
