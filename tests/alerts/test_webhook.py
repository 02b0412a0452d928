"""Webhook delivery against a real receiver that fails twice: retried with backoff, delivered exactly once."""
import json
import re
import logging

from recovery_support.alerts.signing import verify
from tests.alerts.conftest import SECRET, fast_config, insert_crisis, rows, running_worker, wait_for
from tests.alerts.servers import WebhookReceiver


async def test_failing_receiver_gets_the_alert_once_after_retries(engine, monkeypatch, caplog):
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", "s3cret")
    caplog.set_level(logging.INFO)
    receiver = WebhookReceiver(fail_first=2)
    async with receiver.running() as url:
        config = fast_config(on_call={"name": "Pager", "webhook": {"url": url, "secret_env": "TEST_WEBHOOK_SECRET"}})
        async with running_worker(config, engine) as worker:
            event_id = insert_crisis(engine, "I took all my pills " + "x" * 2000, "overdose", sender="conv-42")
            await wait_for(lambda: receiver.accepted, what="the webhook delivery")
            await wait_for(lambda: rows(engine, "select delivered_at from outbox")[0]["delivered_at"],
                           what="the delivery to be recorded")
            base = worker.ack_base_url

    assert len(receiver.requests) == 3 and len(receiver.accepted) == 1
    payload = receiver.accepted[0]["payload"]
    handoff = rows(engine, "select * from handoffs")[0]
    assert payload["handoff_id"] == handoff["id"] and handoff["event_id"] == event_id
    assert payload["category"] == "overdose"
    assert "conversation_id" not in payload and "conv-42" not in json.dumps(payload)
    assert payload["staff_url"].endswith(f"/crisis/{handoff['id']}")
    assert payload["message"].startswith("I took all my pills xxx") and payload["message"].endswith("[…truncated]")
    assert len(payload["message"]) <= 500 + len(" […truncated]")
    link = re.fullmatch(rf"{re.escape(base)}/ack/{handoff['id']}\?t=(\d+)&sig=([0-9a-f]{{64}})", payload["ack_url"])
    assert link and verify(SECRET, handoff["id"], int(link.group(1)), link.group(2))
    assert payload["created_at"].startswith(handoff["created_at"][:10])
    assert receiver.accepted[0]["headers"]["X-Alert-Secret"] == "s3cret"

    outbox = rows(engine, "select * from outbox")
    assert len(outbox) == 1
    assert outbox[0]["attempts"] == 3
    assert outbox[0]["delivered_at"] is not None and outbox[0]["last_error"] is None
    delivered = rows(engine, "select actor, detail from handoff_log where action = 'delivered'")
    assert len(delivered) == 1
    assert delivered[0]["actor"] == "alert-worker"
    assert f"to Pager <{url}> via webhook" in delivered[0]["detail"]
    assert "nature of emergency: Overdose" in delivered[0]["detail"]
    failures = [r for r in caplog.records if "failed (attempt" in r.message]
    assert len(failures) == 2 and "HTTP 500" in failures[0].message


async def test_an_unreachable_receiver_keeps_the_row_due_with_growing_backoff(engine):
    config = fast_config(on_call={"webhook": {"url": "http://127.0.0.1:9/nothing-listens"}})
    async with running_worker(config, engine):
        insert_crisis(engine)
        await wait_for(lambda: rows(engine, "select attempts from outbox")[0]["attempts"] >= 3, what="3 attempts")
    row = rows(engine, "select * from outbox")[0]
    assert row["delivered_at"] is None and row["last_error"]
    assert row["next_attempt_at"] > row["created_at"]
