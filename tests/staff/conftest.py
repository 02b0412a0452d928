"""Fixtures for the staff app: a migrated throwaway database (SQLite, or PostgreSQL in its own schema), events
as Rasa writes them, staff users, and a logged-in test client. ``async def`` tests run on a fresh event loop
(no pytest-aiohttp or pytest-asyncio here)."""
import asyncio
import json
import os
import re
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Optional

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from recovery_support.alerts.db import events
from recovery_support.staff import passwords
from recovery_support.staff.app import make_app
from recovery_support.staff.database import staff_engine
from recovery_support.staff.settings import Settings
from recovery_support.staff.users import create_user

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')




@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Argon2id still, with tiny costs: dozens of logins would otherwise take seconds each test run."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def alembic_config(connection=None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False  # keep pytest's log capture as it is
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head", down: bool = False) -> None:
    with engine.begin() as connection:
        config = alembic_config(connection)
        (command.downgrade if down else command.upgrade)(config, revision)


def create_events_table(engine: Engine) -> None:
    """What Rasa's SQLTrackerStore creates (same columns); the staff code never does this."""
    events.metadata.create_all(engine, tables=[events])


@pytest.fixture
def sqlite_engine(tmp_path) -> Engine:
    engine = staff_engine(f"sqlite:///{tmp_path}/conversations.db")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(postgres_schema_url):
    """An engine on a fresh schema of the ``test`` database (tests/conftest.py drops it afterwards)."""
    engine = staff_engine(postgres_schema_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request) -> Engine:
    """Both databases the project supports, empty (no tables)."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture
def db(sqlite_engine) -> Engine:
    """A migrated SQLite database with Rasa's events table, as a running installation has."""
    create_events_table(sqlite_engine)
    migrate(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def any_db(any_engine) -> Engine:
    create_events_table(any_engine)
    migrate(any_engine)
    return any_engine


def insert_event(engine: Engine, sender: str = "conv-1", type_name: str = "user", text: str = "hello",
                 intent: Optional[str] = "greet", confidence: float = 0.95, channel: str = "rest",
                 timestamp: float = 1_760_000_000.0, action: Optional[str] = None,
                 ranking: Optional[list] = None, buttons: Optional[list] = None,
                 event_id: Optional[int] = None) -> int:
    """One row as Rasa 3.6's SQLTrackerStore writes it."""
    data: Dict[str, Any] = {"event": type_name, "timestamp": timestamp}
    if type_name == "user":
        parse: Dict[str, Any] = {"intent": {"name": intent, "confidence": confidence}, "entities": [],
                                 "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
                                 "text": text}
        if intent and intent.startswith("crisis_"):
            parse["crisis"] = {"category": intent[len("crisis_"):], "reason": "test pattern"}
        data.update(text=text, parse_data=parse, input_channel=channel, message_id=uuid.uuid4().hex)
    elif type_name == "bot":
        data.update(text=text, data={"buttons": buttons} if buttons else {})
    elif type_name == "action":
        data.update(name=action, policy="RulePolicy", confidence=1.0)
    values = dict(sender_id=sender, type_name=type_name, timestamp=timestamp,
                  intent_name=intent if type_name == "user" else None,
                  action_name=action if type_name == "action" else None, data=json.dumps(data))
    if event_id is not None:
        values["id"] = event_id
    with engine.begin() as connection:
        return int(connection.execute(events.insert().values(**values)).inserted_primary_key[0])


def insert_turn(engine: Engine, sender: str, text: str, reply: str = "I'm here to help.", **kwargs: Any) -> int:
    """A user message, the bot's action and reply, then action_listen, as one Rasa turn writes them."""
    timestamp = kwargs.pop("timestamp", 1_760_000_000.0)
    event_id = insert_event(engine, sender, "user", text, timestamp=timestamp, **kwargs)
    insert_event(engine, sender, "action", action="action_answer", intent=None, timestamp=timestamp + 0.1)
    insert_event(engine, sender, "bot", reply, intent=None, timestamp=timestamp + 0.2)
    insert_event(engine, sender, "action", action="action_listen", intent=None, timestamp=timestamp + 0.3)
    return event_id


def rows(engine: Engine, sql: str, **params: Any) -> list:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.text(sql), params)]


@pytest.fixture
def users(db) -> Dict[str, Any]:
    return {role: create_user(db, role, PASSWORD, role) for role in ("admin", "clinician", "reviewer")}


TEST_SETTINGS = Settings(cookie_secure=False, projector_interval_seconds=0, preload_redactor=False)


@asynccontextmanager
async def app_client(engine: Engine, settings: Settings = TEST_SETTINGS) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(make_app(engine, settings)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def login(client: TestClient, username: str, password: str = PASSWORD, follow: bool = False):
    page = await client.get("/login")
    token = CSRF_RE.search(await page.text()).group(1)
    return await client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                             allow_redirects=follow)


async def csrf_of(client: TestClient, path: str = "/") -> str:
    response = await client.get(path)
    match = CSRF_RE.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@asynccontextmanager
async def logged_in(engine: Engine, role: str, settings: Settings = TEST_SETTINGS) -> AsyncIterator[TestClient]:
    async with app_client(engine, settings) as client:
        response = await login(client, role)
        assert response.status == 303, await response.text()
        yield client


def insert_handoff(engine: Engine, sender: str, event_id: int, category: str = "overdose",
                   text: str = "I took too many pills", status: str = "open", **columns: Any) -> int:
    """A handoff as the alert worker's intake records it."""
    from sqlalchemy.orm import Session

    from recovery_support.alerts.models import Handoff, HandoffLog, utcnow

    with Session(engine, future=True) as session, session.begin():
        handoff = Handoff(conversation_id=sender, category=category, message_text=text, event_id=event_id,
                          message_at=utcnow(), created_at=utcnow(), status=status, **columns)
        session.add(handoff)
        session.flush()
        session.add(HandoffLog(handoff_id=handoff.id, actor="alert-worker", action="created", detail=""))
        return handoff.id
