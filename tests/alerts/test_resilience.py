"""A database that is down, or a Rasa that hasn't created ``events`` yet: logged, retried, never a crash."""
import asyncio
import logging
import os
import signal
import subprocess
import sys
import time

import aiohttp
import sqlalchemy as sa

from recovery_support.alerts.db import make_engine
from recovery_support.paths import ROOT
from tests.alerts.conftest import (
    create_events_table, fast_config, insert_crisis, rows, running_worker, wait_for,
)
from tests.alerts.servers import WebhookReceiver, free_port


async def test_alerts_flow_once_the_events_table_appears(tmp_path, caplog):
    engine = make_engine(f"sqlite:///{tmp_path}/late.db")  # Rasa not started yet: no events table
    receiver = WebhookReceiver()
    caplog.set_level(logging.INFO)
    async with receiver.running() as url:
        async with running_worker(fast_config(on_call={"webhook": {"url": url}}), engine) as worker:
            async with aiohttp.ClientSession() as http:
                await asyncio.sleep(0.3)
                async with http.get(f"{worker.ack_base_url}/healthz") as response:
                    assert response.status == 503
                    assert "events" in str((await response.json())["errors"])
                create_events_table(engine)
                insert_crisis(engine)
                await wait_for(lambda: receiver.accepted, timeout=5, what="the alert after recovery")
                await wait_for(lambda: worker.last_error == {}, what="errors to clear")
                async with http.get(f"{worker.ack_base_url}/healthz") as response:
                    assert response.status == 200
    assert any("intake failed" in r.message for r in caplog.records)
    assert any("works again" in r.message for r in caplog.records)
    engine.dispose()


async def test_an_unreachable_database_is_retried_and_the_worker_stops_cleanly():
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")
    async with running_worker(fast_config(), engine) as worker:
        async with aiohttp.ClientSession() as http:
            await asyncio.sleep(0.5)
            async with http.get(f"{worker.ack_base_url}/healthz") as response:
                report = await response.json()
                assert response.status == 503 and report["ok"] is False
        assert all(not task.done() for task in worker._tasks)  # still trying, nothing crashed
        assert "intake" in worker.last_error


async def test_results_written_during_an_outage_are_not_sent_again(engine, monkeypatch):
    """A send that succeeded while the database couldn't record it is remembered, not repeated."""
    import recovery_support.alerts.delivery as delivery

    real_record = delivery.record
    calls = {"n": 0}

    def flaky_record(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise delivery.sa.exc.OperationalError("update", {}, Exception("database is locked"))
        return real_record(*args, **kwargs)

    monkeypatch.setattr(delivery, "record", flaky_record)
    receiver = WebhookReceiver()
    async with receiver.running() as url:
        async with running_worker(fast_config(on_call={"webhook": {"url": url}}), engine):
            insert_crisis(engine)
            await wait_for(lambda: rows(engine, "select delivered_at from outbox")[0]["delivered_at"],
                           what="the delivery to be recorded")
            await asyncio.sleep(0.3)
    assert len(receiver.requests) == 1
    assert rows(engine, "select attempts from outbox") == [{"attempts": 1}]


def test_the_worker_command_records_a_handoff_and_stops_on_sigterm(tmp_path, engine):
    """``python -m recovery_support.alerts.worker`` as deployed: a real process, stopped by SIGTERM."""
    config = tmp_path / "alerts.yml"
    config.write_text("on_call: {name: nobody}\npoll_interval_seconds: 0.05\nhttp: {port: 0}\n")
    env = {**os.environ, "DATABASE_URL": str(engine.url), "ALERT_ACK_SECRET": "x"}
    process = subprocess.Popen([sys.executable, "-m", "recovery_support.alerts.worker", "--config", str(config)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        insert_crisis(engine)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if rows(engine, "select id from handoffs"):
                    break
            except sa.exc.OperationalError:
                pass
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "NO ALERT SENT: crisis handoff #1" in output
    assert "Alert worker stopped" in output
