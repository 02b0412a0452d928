"""Starts what a clinic's web visitor talks to: the Rasa server (with CORS for the page's origin), the action
server, and web/serve.py serving the demo page and the widget.

It reuses recovery_support/servers.py's helpers; it differs from ``running_bot`` only in passing
``--cors ORIGIN`` to ``rasa run`` (needed when socket.io falls back from WebSocket to HTTP long-polling, see
web/widget/README.md) and in honouring ``RASA_CREDENTIALS`` as scripts/run.sh does.
"""
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from recovery_support.paths import ROOT
from recovery_support.servers import BIN, MODEL, _start, _stop, free_port, wait_until_up

WEB = ROOT / "web"


@dataclass
class WebStack:
    rasa_url: str
    web_url: str
    rasa_log: Path


@contextmanager
def serving_web(workdir: Path, rasa_url: str, port: Optional[int] = None) -> Iterator[str]:
    """web/serve.py on a free port, its demo page pointed at ``rasa_url``; yields its base URL."""
    port = port or free_port()
    server = subprocess.Popen([sys.executable, str(WEB / "serve.py"), "--port", str(port), "--host", "127.0.0.1",
                               "--rasa-url", rasa_url],
                              cwd=ROOT, stdout=(workdir / "web.log").open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/widget/widget.js", server, timeout=20)
        yield url
    finally:
        _stop(server)


@contextmanager
def running_web_stack(workdir: Path, model: Path = MODEL) -> Iterator[WebStack]:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    credentials = Path(os.environ.get("RASA_CREDENTIALS", ROOT / "credentials.yml"))
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    origin = f"http://127.0.0.1:{web_port}"
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        "tracker_store:\n  type: recovery_support.tracker_store.ClinicTrackerStore\n  dialect: sqlite\n"
        f'  db: "{workdir / "conversations.db"}"\n'
        "nlg:\n  type: recovery_support.responses.ClinicResponseGenerator\n"
    )
    actions = _start([str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
                     workdir / "actions.log", env)
    rasa = _start([str(BIN / "rasa"), "run", "--model", str(model), "--port", str(rasa_port),
                   "--endpoints", str(endpoints), "--credentials", str(credentials), "--cors", origin],
                  workdir / "rasa.log", env)
    try:
        with serving_web(workdir, f"http://127.0.0.1:{rasa_port}", web_port) as web_url:
            wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
            wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
            yield WebStack(f"http://127.0.0.1:{rasa_port}", web_url, workdir / "rasa.log")
    finally:
        _stop(rasa)
        _stop(actions)


if __name__ == "__main__":  # for trying the widget by hand: python -m tests.browser.launcher
    import signal
    import tempfile
    import time

    # Ctrl-C or a plain `kill` stops the servers too (the context managers clean up on SystemExit).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: sys.exit(0))

    with tempfile.TemporaryDirectory() as tmp, running_web_stack(Path(tmp)) as stack:
        print(f"demo page: {stack.web_url}/demo/  bot: {stack.rasa_url}  (Ctrl-C stops)", flush=True)
        while True:
            time.sleep(3600)
