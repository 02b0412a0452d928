"""Starts what a clinic's web visitor talks to: the Rasa server (with CORS for the page's origin), the action
server, and web/serve.py serving the demo page and the widget.

It is ``running_bot`` with ``--cors`` for the page's origin (socket.io's HTTP long-polling fallback needs it,
see web/widget/README.md) plus the static server.
"""
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from recovery_support.paths import ROOT
from recovery_support.servers import MODEL, free_port, running_bot, serving_process

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
    url = f"http://127.0.0.1:{port}"
    with serving_process([sys.executable, str(WEB / "serve.py"), "--port", str(port), "--host", "127.0.0.1",
                          "--rasa-url", rasa_url], workdir / "web.log", dict(os.environ),
                         f"{url}/widget/widget.js", timeout=20):
        yield url


@contextmanager
def running_web_stack(workdir: Path, model: Path = MODEL) -> Iterator[WebStack]:
    rasa_port, web_port = free_port(), free_port()
    with running_bot(workdir, model=model, cors=f"http://127.0.0.1:{web_port}", rasa_port=rasa_port) as bot, \
            serving_web(workdir, bot.rasa_url, web_port) as web_url:
        yield WebStack(bot.rasa_url, web_url, workdir / "rasa.log")


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
