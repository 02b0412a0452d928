"""Two Rasa replicas and two action servers behind nginx, on a throwaway PostgreSQL database and a Redis of
their own (the fault tests stop it), started once for the multi-replica tests."""
import secrets
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
import redis

from recovery_support.replicas import find_nginx, running_replicas
from recovery_support.servers import free_port
from tests.conftest import POSTGRES_URL, throwaway_postgres_database

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """test_faults.py breaks the shared topology for good (a replica killed, the action servers stopped): its tests
    go after every other test of this folder, right after the last one, so the topology is still started once."""
    faults = [item for item in items if item.path == HERE / "test_faults.py"]
    others = [item for item in items if item.path != HERE / "test_faults.py"]
    ours = [index for index, item in enumerate(others) if item.path.parent == HERE]
    cut = ours[-1] + 1 if ours else len(others)
    items[:] = others[:cut] + faults + others[cut:]


class PrivateRedis:
    """A redis-server on a free port that a test may stop and start again (the machine's own stays up). It
    requires a password, as a production Redis does: the lock store and the message queue must send it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.password = secrets.token_hex(16)
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/1"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port), "--bind",
             "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", self.password],
            stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, password=self.password)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    if not (shutil.which("redis-server") or shutil.os.path.exists("/usr/bin/redis-server")):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def redis_server():
    with private_redis() as server:
        yield server


@pytest.fixture(scope="package")
def database_url():
    import sqlalchemy as sa

    with throwaway_postgres_database() as name:
        yield str(sa.engine.make_url(POSTGRES_URL).set(database=name))


# The production credentials put the REST channel behind a token: the tests are an integration that has it.
REST_TOKEN = secrets.token_urlsafe(32)
REST_HEADERS = {"Authorization": f"Bearer {REST_TOKEN}"}


@pytest.fixture(scope="package")
def topology(tmp_path_factory, redis_server, database_url):
    if not find_nginx():
        pytest.skip("nginx is not installed (`make nginx` installs Debian's package as root)")
    workdir = tmp_path_factory.mktemp("replicas")
    with running_replicas(workdir, replicas=2, database_url=database_url, redis_url=redis_server.url,
                          extra_env={"TRACKER_SPOOL_DIR": str(workdir / "spool"),
                                     "STAFF_RELAY_TOKEN": secrets.token_urlsafe(32),
                                     "REST_CHANNEL_TOKEN": REST_TOKEN}) as running:
        yield running
