"""PostgreSQL stopped and restarted under the running bot and alert worker.

The bot keeps answering, a crisis said during the outage gets its resources at once, and after the restart what
was said reaches the ``events`` table once and in order (from the tracker store's spool), where the alert worker
finds the crisis and alerts the on-call contact. A private PostgreSQL cluster (initdb + pg_ctl in a temporary
folder, on a free port) is stopped and started for real; the machine's own PostgreSQL is never touched.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest
import sqlalchemy as sa

from recovery_support.servers import custom_payloads, free_port, running_bot, serving_process, texts
from tests.e2e.test_crisis_alert import on_call_webhook  # noqa: F401 (a fixture)

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
WAIT_SECONDS = 60  # generous: the CPU is shared; nothing here asserts a duration

NORMAL = "how long does withdrawal last"
ORDINARY = "what are the symptoms of withdrawal"
CRISIS = "i took too many pills and my chest hurts"


class PrivatePostgres:
    """A throwaway cluster run as the ``postgres`` OS user (PostgreSQL refuses to run as root)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/clinic"

    def run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{args[0]} failed: {result.stdout}{result.stderr}"

    def pg_ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-w", "-t", "60", *args)

    def start(self) -> None:
        # Its own socket folder and port: nothing is shared with the machine's PostgreSQL.
        self.pg_ctl("-l", str(self.folder / "postgres.log"),
                    "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL server binaries (initdb, pg_ctl) are not in {PG_BIN}; set PG_BIN")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root needs runuser to start PostgreSQL as the postgres user")
    folder = Path(tempfile.mkdtemp(prefix="pg-restart-"))  # in /tmp: pytest's tmp_path is closed to others
    if os.geteuid() == 0:
        try:
            shutil.chown(folder, "postgres", "postgres")
        except LookupError:
            shutil.rmtree(folder)
            pytest.skip("running as root needs a postgres OS user to start PostgreSQL")
    server = PrivatePostgres(folder)
    try:
        server.run("initdb", "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "--no-sync",
                   "--encoding=UTF8", "--locale=C")
        server.start()
        admin = sa.create_engine(server.url.replace("/clinic", "/postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text("CREATE DATABASE clinic"))
        admin.dispose()
        yield server
    finally:
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                       + [str(PG_BIN / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def alert_worker(workdir: Path, database_url: str, webhook_url: str) -> Iterator[None]:
    config = workdir / "alerts.yml"
    config.write_text(f"on_call:\n  name: test on-call\n  webhook:\n    url: {webhook_url}\n"
                      "escalate_after_seconds: 300\npoll_interval_seconds: 0.2\ndatabase_retry_max_seconds: 1\n"
                      "retry:\n  initial_seconds: 0.2\n  max_seconds: 1\n")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ALERT_ACK_SECRET": "test-secret"}
    with serving_process([sys.executable, "-m", "recovery_support.alerts.worker", "--config", str(config),
                          "--port", str(port)], workdir / "worker.log", env, f"http://127.0.0.1:{port}/healthz",
                         timeout=WAIT_SECONDS):
        yield


def eventually(read: Callable[[], Any], done: Callable[[Any], bool], what: str) -> Any:
    """Polls ``read`` until ``done`` says yes (a database still restarting counts as "not yet")."""
    deadline, value = time.monotonic() + WAIT_SECONDS, None
    while time.monotonic() < deadline:
        try:
            value = read()
        except sa.exc.OperationalError:
            value = None
        if value is not None and done(value):
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} within {WAIT_SECONDS} s; last seen: {value!r}")


def user_texts(engine: sa.engine.Engine, sender: str) -> List[str]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' "
                                          "ORDER BY id"), {"sender": sender}).scalars().all()
    return [json.loads(data)["text"] for data in rows]


def test_postgres_stopped_and_restarted(tmp_path, private_postgres, on_call_webhook):  # noqa: F811
    webhook_url, alerts = on_call_webhook
    spool = tmp_path / "spool"
    store = ("tracker_store:\n  type: recovery_support.tracker_store.ClinicTrackerStore\n  dialect: postgresql\n"
             f"  url: 127.0.0.1\n  port: {private_postgres.port}\n  db: clinic\n  username: postgres\n"
             f"  spool_dir: {spool}\n")
    engine = sa.create_engine(private_postgres.url, pool_pre_ping=True)
    sender = uuid.uuid4().hex
    with running_bot(tmp_path, tracker_store=store) as bot, \
            alert_worker(tmp_path, private_postgres.url, webhook_url):
        assert "24" in texts(bot.send(NORMAL, sender))
        assert user_texts(engine, sender) == [NORMAL]

        private_postgres.stop()
        assert "sweat" in texts(bot.send(ORDINARY, sender)).lower()
        crisis = bot.send(CRISIS, sender)
        assert "911" in texts(crisis) and "naloxone" in texts(crisis).lower()
        marker = custom_payloads(crisis)[0]
        assert marker["crisis"] is True and marker["category"] == "overdose"
        assert {"type": "call", "number": "911"}.items() <= marker["resources"][0].items()
        assert list(spool.rglob("*.json")), "the outage's turns should wait in the spool"

        private_postgres.start()
        said = eventually(lambda: user_texts(engine, sender), lambda texts: len(texts) >= 3,
                          "the outage's turns should reach the database")
        assert said == [NORMAL, ORDINARY, CRISIS]  # each once, in order
        ours = eventually(lambda: [a for a in alerts if CRISIS[:40] in a["message"]], bool,
                          "the on-call contact should be alerted about the outage's crisis")
        assert len(ours) == 1 and ours[0]["category"] == "overdose" and "pills" in ours[0]["message"]
        eventually(lambda: list(spool.rglob("*.json")), lambda files: not files, "the spool should be empty")
        time.sleep(1)
        assert user_texts(engine, sender) == [NORMAL, ORDINARY, CRISIS]
    engine.dispose()
    log = (tmp_path / "rasa.log").read_text()
    assert "Conversation database unreachable" in log and "kept" in log
    assert "spooled event(s)" in log and "LOST" not in log
