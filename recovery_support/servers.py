"""Starts the real Rasa server (and, optionally, the action server) on free ports: for end-to-end tests and
benchmarks, which must measure the same processes `make run` starts."""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

from recovery_support.cpu_threads import ONE_THREAD_ENV
from recovery_support.paths import ROOT

BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "clinic.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode} before answering {url}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


class Bot:
    def __init__(self, rasa_url: str, action_process: Optional[subprocess.Popen], db_path: Path,
                 nlu_process: Optional[subprocess.Popen] = None) -> None:
        self.rasa_url = rasa_url
        self.action_process = action_process
        self.db_path = db_path
        self.nlu_process = nlu_process

    def send(self, text: str, sender: Optional[str] = None) -> List[Dict]:
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": sender or uuid.uuid4().hex, "message": text}, timeout=60)
        response.raise_for_status()
        return response.json()


def start_process(args: List[str], log: Path, env: Dict[str, str]) -> subprocess.Popen:
    # Own process group so teardown takes down rasa's children too.
    return subprocess.Popen(args, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def stop_process(process: Optional[subprocess.Popen]) -> None:
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def serving_process(args: List[str], log: Path, env: Dict[str, str], health_url: str,
                    timeout: float = 180) -> Iterator[subprocess.Popen]:
    """``args`` started as ``start_process`` does, once ``health_url`` answers; stopped when the block ends."""
    process = start_process(args, log, env)
    try:
        wait_until_up(health_url, process, timeout)
        yield process
    finally:
        stop_process(process)


@contextmanager
def running_bot(workdir: Path, with_actions: bool = True, model: Path = MODEL, cors: Optional[str] = None,
                rasa_port: Optional[int] = None, tracker_store: Optional[str] = None,
                extra_env: Optional[Dict[str, str]] = None, nlu_server: bool = False,
                one_thread: bool = True) -> Iterator[Bot]:
    """``cors``: a web page's origin allowed to call the server (socket.io long-polling needs it).
    ``tracker_store``: the endpoints.yml block to use instead of SQLite in ``workdir``.
    ``extra_env``: settings for both servers (message limits, Sanic's proxy header).
    ``nlu_server``: parse messages in a second process, as ``make run`` does (``recovery_support/nlu_server.py``).
    ``one_thread``: one compute thread per process, as ``make run`` (off only to measure what it brings)."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           **(ONE_THREAD_ENV if one_thread else {}),
           **({"SOCKETIO_ALLOWED_ORIGINS": cors} if cors else {}), **(extra_env or {})}
    rasa_port, action_port = rasa_port or free_port(), free_port()
    db_path = workdir / "conversations.db"
    endpoints = workdir / "endpoints.yml"
    nlu = None
    nlu_block = ""
    if nlu_server:
        nlu_port, token = free_port(), uuid.uuid4().hex
        nlu = start_process([sys.executable, "-m", "recovery_support.nlu_server", "--model", str(model),
                             "--port", str(nlu_port), "--auth-token", token], workdir / "nlu.log", env)
        nlu_block = f'nlu:\n  url: "http://127.0.0.1:{nlu_port}"\n  token: "{token}"\n'
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n  enable_selective_domain: true\n'
        + (tracker_store or 'tracker_store:\n  type: recovery_support.tracker_store.ClinicTrackerStore\n'
                            f'  dialect: sqlite\n  db: "{db_path}"\n')
        + "nlg:\n  type: recovery_support.responses.ClinicResponseGenerator\n" + nlu_block
    )
    actions = None
    if with_actions:
        actions = start_process([str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
                         workdir / "actions.log", env)
    credentials = Path(os.environ.get("RASA_CREDENTIALS", ROOT / "credentials.yml"))
    rasa = start_process([str(BIN / "rasa"), "run", "--model", str(model), "--port", str(rasa_port),
                   "--endpoints", str(endpoints), "--credentials", str(credentials),
                   *(["--cors", cors] if cors else [])],  # --cors takes every argument after it: keep it last
                  workdir / "rasa.log", env)
    try:
        if actions:
            wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
        if nlu:
            wait_until_up(f"http://127.0.0.1:{nlu_port}/", nlu)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        yield Bot(f"http://127.0.0.1:{rasa_port}", actions, db_path, nlu)
    finally:
        stop_process(rasa)
        stop_process(actions)
        stop_process(nlu)


def texts(messages: List[Dict]) -> str:
    return " ".join(m.get("text", "") for m in messages)


def custom_payloads(messages: List[Dict]) -> List[Dict]:
    return [m["custom"] for m in messages if "custom" in m]
