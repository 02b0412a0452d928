"""Two alert workers on one database, as after a deploy that overlapped or a second replica: one of them works,
each alert is sent once, and the other takes over when the first stops."""
import logging
from collections import Counter

from recovery_support.alerts.db import make_engine
from recovery_support.alerts.worker import AlertWorker
from tests.alerts.conftest import fast_config, insert_crisis, rows, running_worker, wait_for
from tests.alerts.servers import WebhookReceiver


def second_engine(engine):
    """The same database through connections of its own, as another worker process has."""
    return make_engine(engine.url.render_as_string(hide_password=False))


async def test_two_workers_send_each_alert_once(engine, caplog):
    caplog.set_level(logging.INFO)
    receiver = WebhookReceiver()
    async with receiver.running() as url:
        config = fast_config(on_call={"webhook": {"url": url}})
        async with running_worker(config, engine) as first, running_worker(config, second_engine(engine)) as second:
            assert (first.active, second.active) == (True, False)
            for n in range(6):
                insert_crisis(engine, f"I took too much, crisis {n}", sender=f"person-{n}")
            await wait_for(lambda: len(receiver.accepted) >= 6, timeout=10, what="six alerts")
            await wait_for(lambda: rows(engine, "select count(*) as n from outbox where delivered_at is null")
                           == [{"n": 0}], what="every delivery recorded")
    sent = Counter(entry["payload"]["handoff_id"] for entry in receiver.accepted)
    assert len(sent) == 6 and set(sent.values()) == {1}, sent
    assert len(rows(engine, "select id from handoffs")) == 6
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "a worker failed (e.g. a unique constraint)"


async def test_when_the_active_worker_stops_the_standby_takes_over(engine):
    receiver = WebhookReceiver()
    async with receiver.running() as url:
        config = fast_config(on_call={"webhook": {"url": url}})
        active = AlertWorker(config, engine)
        await active.start()
        async with running_worker(config, second_engine(engine)) as standby:
            assert active.active and not standby.active
            await active.stop()  # a clean stop releases the lease
            await wait_for(lambda: standby.active, timeout=5, what="the standby to take over")
            insert_crisis(engine, "nobody is answering and i have the pills in my hand", sender="after")
            await wait_for(lambda: len(receiver.accepted) == 1, timeout=10, what="the alert from the new worker")
