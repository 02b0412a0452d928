"""The whole chain: a crisis message over REST -> tracker store -> alert worker -> the on-call contact's server."""
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from recovery_support.paths import ROOT
from recovery_support.servers import free_port, stop_process, wait_until_up


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def on_call_webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver.received
    server.shutdown()


@pytest.fixture
def alert_worker(bot, on_call_webhook, tmp_path):
    url, received = on_call_webhook
    config = tmp_path / "alerts.yml"
    config.write_text(f"on_call:\n  name: test on-call\n  webhook:\n    url: {url}\n"
                      "escalate_after_seconds: 300\npoll_interval_seconds: 0.2\n"
                      # The shared bot's database holds every e2e test's crises, read at once: not a flood.
                      "flood: {per_service: 1000}\n")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{bot.db_path}", "ALERT_ACK_SECRET": "test-secret"}
    process = subprocess.Popen([sys.executable, "-m", "recovery_support.alerts.worker", "--config", str(config),
                                "--port", str(port)], cwd=ROOT, env=env, start_new_session=True,
                               stdout=(tmp_path / "worker.log").open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, timeout=60)
        yield received
    finally:
        stop_process(process)


def test_a_crisis_message_reaches_the_on_call_contact(bot, alert_worker):
    sender = uuid.uuid4().hex
    text = f"my girlfriend took too much and she's not breathing ({sender[:8]})"  # tells this test's alert apart
    bot.send("how long does detox take", sender)
    bot.send(text, sender)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not [a for a in alert_worker if sender[:8] in a["message"]]:
        time.sleep(0.2)
    alerts = [a for a in alert_worker if sender[:8] in a["message"]]
    assert len(alerts) == 1, f"alerts received: {alert_worker}"
    assert alerts[0]["category"] == "overdose"
    assert "not breathing" in alerts[0]["message"]
    assert alerts[0]["ack_url"] and alerts[0]["staff_url"].endswith(f"/crisis/{alerts[0]['handoff_id']}")
    assert sender not in json.dumps(alerts[0])  # the session id would let a reader join the person's chat
