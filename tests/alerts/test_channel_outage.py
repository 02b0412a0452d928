"""A notification channel down for 10 minutes: alerts are delivered after, each once, none given up on.

The worker runs on a simulated clock (``simulated_worker.py``) with the shipped retry and escalation settings
from config/alerts.yml, against real local receivers that are down by refusing connections or by answering
errors (``down_receivers.py``). No assertion depends on wall-clock time: the one real wait is a send timeout,
and the receiver holds its answer until the sender has given up.
"""
import asyncio
from typing import Any, Dict, List, Tuple

import aiohttp
import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.config import ALERTS_CONFIG, AlertsConfig, config_from_dict
from recovery_support.alerts.models import Handoff, Outbox
from tests.alerts.conftest import SECRET, insert_crisis, rows
from tests.alerts.down_receivers import (
    ERRORS, REFUSED, DownReceiver, DownSmtp, DownTelegram, DownWebhook,
)
from tests.alerts.simulated_worker import SimulatedClock, SimulatedWorker

OUTAGE_SECONDS = 600
RAISED_AT = (0, 240, 540)  # three crises during the outage: minutes 0, 4 and 9
TELEGRAM_TOKEN = "123456:TEST-token"


def shipped_config(on_call: Dict[str, Any], backup: Dict[str, Any], **overrides: Any) -> AlertsConfig:
    """config/alerts.yml as shipped (retry backoff and cap, escalation time, poll interval) with these contacts."""
    data = yaml.safe_load(ALERTS_CONFIG.read_text(encoding="utf-8"))
    data.update(on_call=on_call, backup=backup, ack_base_url="http://ack.test", **overrides)
    return config_from_dict(data, ack_secret=SECRET)


def contacts(receiver: DownReceiver) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """On-call and backup both on ``receiver`` (the backup channel is the one that is down), as two recipients."""
    if isinstance(receiver, DownWebhook):
        return ({"name": "On-call", "webhook": {"url": receiver.url("on-call")}},
                {"name": "Supervisor", "webhook": {"url": receiver.url("backup")}})
    if isinstance(receiver, DownTelegram):
        chat = {"bot_token_env": "TEST_TG_TOKEN", "api_base_url": receiver.api_base_url, "poll_updates": False}
        return ({"name": "On-call", "telegram": {**chat, "chat_id": "-1001"}},
                {"name": "Supervisor", "telegram": {**chat, "chat_id": "-1002"}})
    mail = {"smtp_host": "127.0.0.1", "smtp_port": receiver.port, "starttls": False,
            "from": "Clinic alerts <alerts@clinic.test>"}
    return ({"name": "On-call", "email": {**mail, "to": ["oncall@clinic.test"]}},
            {"name": "Supervisor", "email": {**mail, "to": ["supervisor@clinic.test"]}})


RECEIVERS = {"webhook": DownWebhook, "email": DownSmtp, "telegram": DownTelegram}


def outbox_rows(engine: Engine) -> List[Outbox]:
    with Session(engine, future=True) as session:
        return list(session.execute(sa.select(Outbox).order_by(Outbox.id)).scalars())


@pytest.mark.parametrize("mode", [REFUSED, ERRORS])
@pytest.mark.parametrize("channel", ["webhook", "email", "telegram"])
async def test_a_channel_down_for_ten_minutes_gets_every_alert_once_in_order(engine, monkeypatch, channel, mode):
    monkeypatch.setenv("TEST_TG_TOKEN", TELEGRAM_TOKEN)
    clock = SimulatedClock()
    async with RECEIVERS[channel](mode, lambda: clock.elapsed) as receiver, aiohttp.ClientSession() as http:
        on_call, backup = contacts(receiver)
        config = shipped_config(on_call, backup)
        worker = SimulatedWorker(engine, config, http, clock)
        cap, tick = config.retry.max_seconds, worker.tick_seconds

        for number, at in enumerate(RAISED_AT):
            await worker.run_until(at)
            insert_crisis(engine, f"crisis number {number}", sender=f"conv-{number}")
        await worker.run_until(OUTAGE_SECONDS - tick)  # the outage's last pass

        # Ten minutes down: nothing got through and nothing was given up. The three alerts and the two
        # escalations that fell due (to the backup, on the same down channel) are queued and retried, never
        # left longer than the cap.
        assert receiver.accepted == []
        if mode == REFUSED:
            assert receiver.arrived == []
        handoffs = [h["id"] for h in rows(engine, "select id from handoffs order by id")]
        outbox = outbox_rows(engine)
        assert [(r.handoff_id, r.kind) for r in outbox] == [
            (handoffs[0], "alert"), (handoffs[1], "alert"), (handoffs[0], "escalation"),
            (handoffs[2], "alert"), (handoffs[1], "escalation")]
        for row in outbox:
            assert row.delivered_at is None and row.last_error
            waited = (clock.now - row.created_at).total_seconds()
            assert row.attempts >= 1 + waited // (cap + tick), (row.id, row.attempts)
            assert (row.next_attempt_at - clock.now).total_seconds() <= cap, (row.id, row.next_attempt_at)
        escalated = rows(engine, "select handoff_id, detail from handoff_log where action = 'escalated'")
        assert [e["handoff_id"] for e in escalated] == handoffs[:2]
        assert all("escalated to Supervisor" in e["detail"] for e in escalated)

        # Back: within the cap and one tick, every alert and escalation arrives once, in the order raised.
        back_at = clock.elapsed
        await receiver.come_back()
        await worker.run_until(back_at + cap + tick)
        on_call_to, backup_to = outbox[0].recipient, outbox[2].recipient
        alerts = [(on_call_to, h, "alert") for h in handoffs]
        escalations = [(backup_to, h, "escalation") for h in handoffs]
        got = [a.target for a in receiver.accepted]
        assert sorted(got) == sorted(alerts + escalations[:2])
        assert [g for g in got if g[0] == on_call_to] == alerts, got
        assert [g for g in got if g[0] == backup_to] == escalations[:2], got
        for row in outbox_rows(engine):
            assert 0 <= (row.delivered_at - clock.at(back_at)).total_seconds() <= cap + tick, row.id

        # The third handoff's escalation falls due after the outage and goes out at its first attempt; a
        # minute more gives any wrong repeat time to show.
        with Session(engine, future=True) as session:
            third = session.get(Handoff, handoffs[2]).created_at
        escalation_due = (third - clock.start).total_seconds() + config.escalate_after_seconds
        await worker.run_until(escalation_due + cap)

    assert [a.target for a in receiver.accepted] == got + escalations[2:]
    assert escalation_due <= receiver.accepted[-1].at <= escalation_due + tick
    for accepted in receiver.accepted:  # nothing arrived again once it was accepted
        assert [a for a in receiver.arrived if a.target == accepted.target and a.at > accepted.at] == []
    if mode == ERRORS:  # every attempt reached the receiver: never more than the cap apart, always the same key
        for target in alerts + escalations:
            attempts = [a for a in receiver.arrived if a.target == target]
            assert all(b.at - a.at <= cap + tick for a, b in zip(attempts, attempts[1:])), target
            keys = {a.key for a in attempts}
            assert len(keys) == 1 and (None not in keys or channel == "telegram"), (target, keys)
    outbox = outbox_rows(engine)
    assert len(outbox) == 6 and all(r.delivered_at is not None and r.last_error is None for r in outbox)
    assert len(rows(engine, "select id from handoff_log where action = 'delivered'")) == 6


async def test_escalation_reaches_a_working_backup_while_on_call_is_down(engine):
    clock = SimulatedClock()
    async with DownWebhook(REFUSED, lambda: clock.elapsed) as on_call, \
            DownSmtp(ERRORS, lambda: clock.elapsed) as backup, aiohttp.ClientSession() as http:
        await backup.come_back()
        config = shipped_config({"name": "On-call", "webhook": {"url": on_call.url("on-call")}},
                                {"name": "Supervisor", "email": {
                                    "smtp_host": "127.0.0.1", "smtp_port": backup.port, "starttls": False,
                                    "from": "Clinic alerts <alerts@clinic.test>", "to": ["supervisor@clinic.test"]}})
        worker = SimulatedWorker(engine, config, http, clock)
        cap, tick = config.retry.max_seconds, worker.tick_seconds
        for number, at in enumerate(RAISED_AT):
            await worker.run_until(at)
            insert_crisis(engine, f"crisis number {number}", sender=f"conv-{number}")
        await worker.run_until(OUTAGE_SECONDS - tick)

        # Nobody on call could be reached, so nobody acknowledged: the supervisor got the first two crises
        # at their first attempt, as each fell due.
        assert on_call.arrived == []
        with Session(engine, future=True) as session:
            handoffs = list(session.execute(sa.select(Handoff).order_by(Handoff.id)).scalars())
        assert [(a.handoff_id, a.kind) for a in backup.accepted] == [(h.id, "escalation") for h in handoffs[:2]]
        for arrival, handoff in zip(backup.accepted, handoffs):
            due = (handoff.created_at - clock.start).total_seconds() + config.escalate_after_seconds
            assert due <= arrival.at <= due + tick

        back_at = clock.elapsed
        await on_call.come_back()
        await worker.run_until(back_at + cap + tick)
    assert [(a.handoff_id, a.kind) for a in on_call.accepted] == [(h.id, "alert") for h in handoffs]


SEND_TIMEOUT = 2.0  # real seconds: time enough to arrive; the receiver then holds its answer until the sender gives up


@pytest.mark.parametrize("channel", ["webhook", "email", "telegram"])
async def test_a_send_that_times_out_after_arriving_is_sent_again_with_the_same_key(engine, monkeypatch, channel):
    monkeypatch.setenv("TEST_TG_TOKEN", TELEGRAM_TOKEN)
    clock = SimulatedClock()
    async with RECEIVERS[channel](ERRORS, lambda: clock.elapsed) as receiver, aiohttp.ClientSession() as http:
        await receiver.come_back()
        on_call, _ = contacts(receiver)
        if channel == "email":
            on_call["email"]["timeout_seconds"] = SEND_TIMEOUT
        config = shipped_config(on_call, {}, send_timeout_seconds=SEND_TIMEOUT)
        worker = SimulatedWorker(engine, config, http, clock)
        receiver.hold = hold = asyncio.Event()
        insert_crisis(engine)
        await worker.tick()  # the alert arrives; the answer doesn't, and the sender gives up
        [row] = outbox_rows(engine)
        assert len(receiver.arrived) == 1
        assert row.delivered_at is None and "timed out" in row.last_error.lower()
        hold.set()
        await worker.run_until(clock.elapsed + config.retry.delay(1))
        [row] = outbox_rows(engine)

    assert row.delivered_at is not None and row.attempts == 2
    first, second = receiver.arrived  # the receiver got it twice: retries are at-least-once
    assert first.target == second.target
    if channel == "telegram":
        # The Bot API takes no idempotency key: staff see the alert twice, both with the one handoff's button.
        assert first.key is None and second.key is None
    elif channel == "webhook":  # the same key on both, so the receiver can drop the repeat
        assert first.key == second.key == "handoff-1-alert-20260109T230000500000"
    else:
        assert first.key == second.key == "<handoff-1-alert-20260109T230000500000@clinic.test>"
