"""Several Rasa replicas and action servers behind nginx on one machine, sharing PostgreSQL and Redis.

The topology Rasa documents for scaling out (README "Several replicas"), runnable here: `make run-replicas` starts
it with the rest of the product, and the multi-replica tests and benchmarks start it through ``running_replicas``.

    python -m recovery_support.replicas --replicas 2 --chat-port 5005 --actions-port 5055
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import sqlalchemy as sa

from recovery_support.clinic import load_clinic_profile
from recovery_support.cpu_threads import ONE_THREAD_ENV
from recovery_support.paths import ROOT
from recovery_support.servers import BIN, MODEL, free_port, start_process, stop_process, wait_until_up

NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "clinic.conf.template"
ENDPOINTS = ROOT / "endpoints.production.yml"
DEFAULT_DATABASE_URL = "postgresql://postgres@localhost:5432/postgres"
DEFAULT_REDIS_URL = "redis://localhost:6379/1"


def find_nginx() -> Optional[str]:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


@dataclass
class Replica:
    """One Rasa server and the action server started beside it."""

    name: str
    rasa_port: int
    actions_port: int
    rasa: Optional[subprocess.Popen] = None
    actions: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"


@dataclass
class Topology:
    chat_url: str  # nginx: what people's messages go to
    actions_url: str  # nginx: what the replicas call for actions
    replicas: List[Replica]
    workdir: Path
    env: Dict[str, str] = field(default_factory=dict)

    @property
    def rest_headers(self) -> Dict[str, str]:
        """What a REST client of this topology sends (the channel needs its token here)."""
        return {"Authorization": f"Bearer {self.env['REST_CHANNEL_TOKEN']}"}

    def kill_rasa(self, index: int) -> None:
        """Kill a replica's Rasa server at once (SIGKILL, no clean shutdown), as a crashed pod would go."""
        process = self.replicas[index].rasa
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_actions(self, index: int) -> None:
        stop_process(self.replicas[index].actions)

    def memory_mb(self) -> Dict[str, float]:
        """Resident memory of each process (with its children), in MB."""
        out = {}
        for replica in self.replicas:
            for kind, process in (("rasa", replica.rasa), ("actions", replica.actions)):
                if process and process.poll() is None:
                    out[f"{replica.name} {kind}"] = resident_mb(process.pid)
        return out


def resident_mb(pid: int) -> float:
    """VmRSS of a process and its descendants (Rasa starts none by default, but count them if it does)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pending.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def endpoint_env(database_url: str, redis_url: str, actions_url: str) -> Dict[str, str]:
    """The variables endpoints.production.yml reads, from two URLs."""
    db = sa.engine.make_url(database_url)
    red = sa.engine.make_url(redis_url)  # same shape: redis://host:port/db
    return {
        "ACTION_SERVER_URL": f"{actions_url}/webhook",
        "DB_HOST": db.host or "localhost", "DB_PORT": str(db.port or 5432), "DB_NAME": db.database or "postgres",
        "DB_USER": db.username or "postgres", "DB_PASSWORD": db.password or "",
        "REDIS_HOST": red.host or "localhost", "REDIS_PORT": str(red.port or 6379),
        "REDIS_PASSWORD": red.password or "",
        # The REST channel is for integrations: in this topology it needs a token (credentials.replicas.yml).
        "REST_CHANNEL_TOKEN": os.environ.get("REST_CHANNEL_TOKEN") or secrets.token_urlsafe(32),
    }


def unavailable_json() -> str:
    """The action-server reply nginx sends when no action server answers, quoted for nginx's '...' string."""
    body = json.dumps({"events": [], "responses": [{"text": load_clinic_profile().unavailable_reply()}]})
    # JSON escapes: nginx would read "$" as a variable; quotes and backslashes as its own.
    return body.replace("$", "\\u0024").replace("\\", "\\\\").replace("'", "\\'")


def nginx_config(prefix: Path, chat_port: int, actions_port: int, replicas: List[Replica]) -> str:
    rasa = "\n".join(f"        server 127.0.0.1:{r.rasa_port} max_fails=1 fail_timeout=5s;" for r in replicas)
    actions = "\n".join(f"        server 127.0.0.1:{r.actions_port} max_fails=1 fail_timeout=5s;" for r in replicas)
    return (NGINX_TEMPLATE.read_text().replace("{{prefix}}", str(prefix)).replace("{{chat_port}}", str(chat_port))
            .replace("{{actions_port}}", str(actions_port)).replace("{{rasa_servers}}", rasa)
            .replace("{{action_servers}}", actions).replace("{{unavailable_json}}", unavailable_json()))


@contextmanager
def running_nginx(workdir: Path, chat_port: int, actions_port: int, replicas: List[Replica]) -> Iterator[None]:
    nginx = find_nginx()
    if not nginx:
        raise RuntimeError("nginx is not installed: `make nginx` installs Debian's package (as root)")
    prefix = workdir / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(nginx_config(prefix, chat_port, actions_port, replicas))
    process = start_process([nginx, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"],
                            prefix / "nginx.out", dict(os.environ))
    try:
        deadline = time.monotonic() + 20
        while not (prefix / "nginx.pid").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {(prefix / 'error.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield
    finally:
        stop_process(process)


@contextmanager
def running_replicas(workdir: Path, replicas: int = 2, chat_port: Optional[int] = None,
                     actions_port: Optional[int] = None, database_url: str = DEFAULT_DATABASE_URL,
                     redis_url: str = DEFAULT_REDIS_URL, model: Path = MODEL,
                     credentials: Path = ROOT / "credentials.replicas.yml", extra_env: Optional[Dict[str, str]] = None,
                     cors: Optional[List[str]] = None) -> Iterator[Topology]:
    """Start ``replicas`` Rasa servers, as many action servers, and nginx in front of both; stop all after."""
    workdir.mkdir(parents=True, exist_ok=True)
    chat_port, actions_port = chat_port or free_port(), actions_port or free_port()
    actions_url = f"http://127.0.0.1:{actions_port}"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           **endpoint_env(database_url, redis_url, actions_url),
           # nginx is the one proxy in front: Sanic takes the client's address from the header it adds, and the
           # per-address message limits see people, not nginx.
           "SANIC_PROXIES_COUNT": "1",
           **ONE_THREAD_ENV,
           **({"SOCKETIO_ALLOWED_ORIGINS": ",".join(cors)} if cors else {}),
           **(extra_env or {})}
    members = [Replica(f"replica-{i + 1}", free_port(), free_port()) for i in range(replicas)]
    topology = Topology(f"http://127.0.0.1:{chat_port}", actions_url, members, workdir, env)
    with ExitStack() as stack:
        for r in members:
            r.actions = start_process([str(BIN / "rasa"), "run", "actions", "--actions", "actions",
                                       "--port", str(r.actions_port)], workdir / f"{r.name}-actions.log", env)
            stack.callback(stop_process, r.actions)
            r.rasa = start_process([str(BIN / "rasa"), "run", "--model", str(model), "--port", str(r.rasa_port),
                                    "--endpoints", str(ENDPOINTS), "--credentials", str(credentials),
                                    *(["--cors", *cors] if cors else [])],  # --cors takes the rest: keep last
                                   workdir / f"{r.name}-rasa.log", env)
            stack.callback(stop_process, r.rasa)
        stack.enter_context(running_nginx(workdir, chat_port, actions_port, members))
        for r in members:
            wait_until_up(f"http://127.0.0.1:{r.actions_port}/health", r.actions)
            wait_until_up(f"{r.url}/", r.rasa)
        yield topology


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--chat-port", type=int, default=5005, help="nginx: REST, socket.io, Telegram webhook")
    parser.add_argument("--actions-port", type=int, default=5055, help="nginx: the action servers")
    parser.add_argument("--database-url", default=os.environ.get("RASA_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "replicas")
    parser.add_argument("--credentials", type=Path, default=Path(os.environ.get("RASA_CREDENTIALS",
                                                                                ROOT / "credentials.replicas.yml")))
    parser.add_argument("--cors", nargs="*", default=None, help="web page origins allowed to call the chat")
    args = parser.parse_args(argv)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with running_replicas(args.workdir, args.replicas, args.chat_port, args.actions_port, args.database_url,
                          args.redis_url, credentials=args.credentials, cors=args.cors) as topology:
        print(f"{args.replicas} replicas behind nginx: chat on {topology.chat_url}, actions on "
              f"{topology.actions_url}; logs in {args.workdir}", flush=True)
        try:
            while not stopping and all(r.rasa.poll() is None for r in topology.replicas):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    sys.exit(0 if stopping else 1)


if __name__ == "__main__":
    main()
