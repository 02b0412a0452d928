"""With the conversation database unreachable mid-conversation, a crisis still gets its resources.

Uses a throwaway database on the local PostgreSQL (the production store), then refuses all connections to it.
"""
import uuid

import pytest
import sqlalchemy as sa

from recovery_support.servers import custom_payloads, running_bot, texts
from tests.conftest import POSTGRES_URL, throwaway_postgres_database


@pytest.fixture
def database_that_goes_down():
    with throwaway_postgres_database() as name:
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")

        def take_down() -> None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                connection.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                           f"WHERE datname = '{name}'"))

        try:
            yield name, take_down
        finally:
            admin.dispose()


def test_a_crisis_gets_its_resources_while_the_database_is_down(tmp_path, database_that_goes_down):
    name, take_down = database_that_goes_down
    url = sa.engine.make_url(POSTGRES_URL)
    store = ("tracker_store:\n  type: recovery_support.tracker_store.ClinicTrackerStore\n  dialect: postgresql\n"
             f"  url: {url.host}\n  port: {url.port or 5432}\n  db: {name}\n  username: {url.username}\n"
             f"  spool_dir: {tmp_path / 'spool'}\n")
    with running_bot(tmp_path, tracker_store=store) as bot:
        sender = uuid.uuid4().hex
        assert "24" in texts(bot.send("how long does withdrawal last", sender))
        take_down()
        overdose = bot.send("my friend took too much and is not breathing", sender)
        assert "911" in texts(overdose) and "naloxone" in texts(overdose).lower()
        assert custom_payloads(overdose)[0]["crisis"] is True
        suicidal = bot.send("i want to kill myself", uuid.uuid4().hex)
        assert "988" in texts(suicidal)
