import asyncio
import inspect
import os
import uuid
from contextlib import contextmanager
from typing import Iterator, Optional

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

# The Rasa changes the server runs (its tracker store module installs them), for every test that loads the model.
import recovery_support.rasa_patches  # noqa: E402,F401

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@localhost/test")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Optional[bool]:
    """Runs ``async def`` tests in a fresh event loop, with a time limit (no pytest-asyncio needed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(asyncio.wait_for(pyfuncitem.obj(**kwargs), timeout=60))
        return True
    return None


def _admin_running(statement: str):
    """An AUTOCOMMIT engine on the local PostgreSQL that has run ``statement``; skips the test if unreachable."""
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(statement))
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {str(error.orig).strip()}")
    return admin


@pytest.fixture
def postgres_schema_url():
    """A URL on a fresh schema of the local PostgreSQL ``test`` database, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = _admin_running(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"  # engines made from it stay in the schema
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def throwaway_postgres_database() -> Iterator[str]:
    """The name of a new database on the local PostgreSQL, dropped afterwards (its sessions ended first)."""
    import sqlalchemy as sa

    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = _admin_running(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            connection.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       f"WHERE datname = '{name}'"))
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def nlp():
    from recovery_support.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def kb():
    from recovery_support.knowledge import load_knowledge_base

    return load_knowledge_base()


@pytest.fixture(scope="session")
def clinic():
    from recovery_support.clinic import load_clinic_profile

    return load_clinic_profile()


@pytest.fixture(scope="session")
def answerer(kb, nlp, clinic):
    from recovery_support.knowledge.answerer import Answerer
    from recovery_support.knowledge.search import TopicSearch

    return Answerer(kb, TopicSearch(kb, nlp), clinic)


MODEL = os.path.join(os.path.dirname(os.path.dirname(__file__)), "models", "clinic.tar.gz")


@pytest.fixture(scope="session")
def parse():
    """Parses text with the trained model (NLU pipeline incl. the crisis detector), as the server would."""
    import asyncio

    from rasa.core.agent import Agent

    if not os.path.exists(MODEL):
        pytest.fail(f"no trained model at {MODEL}: run `make model` (make test does it first)")
    agent = Agent.load(MODEL)
    loop = asyncio.new_event_loop()

    def _parse(text: str) -> dict:
        return loop.run_until_complete(agent.parse_message(text))

    yield _parse
    loop.close()


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """The Rasa server and the action server, as ``make run`` starts them (SQLite), shared by the session."""
    from recovery_support.servers import running_bot

    with running_bot(tmp_path_factory.mktemp("bot")) as running:
        yield running
