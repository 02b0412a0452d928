"""One recipient gets its alerts oldest first, and an alert it keeps refusing doesn't hold back the next one."""
import aiohttp

from tests.alerts.conftest import fast_config, insert_crisis, rows
from tests.alerts.down_receivers import ERRORS, Arrival, DownWebhook
from tests.alerts.simulated_worker import SimulatedClock, SimulatedWorker


class RefusesTheFirstHandoff(DownWebhook):
    """Up, but answers 503 to every attempt of handoff 1 (a payload it chokes on, say)."""

    async def take(self, arrival: Arrival) -> bool:
        if arrival.handoff_id == 1:
            self.arrived.append(arrival)
            return False
        return await super().take(arrival)


async def test_an_alert_the_receiver_keeps_refusing_does_not_hold_back_the_next(engine):
    clock = SimulatedClock()
    async with RefusesTheFirstHandoff(ERRORS, lambda: clock.elapsed) as receiver, aiohttp.ClientSession() as http:
        await receiver.come_back()
        config = fast_config(on_call={"webhook": {"url": receiver.url("on-call")}})
        worker = SimulatedWorker(engine, config, http, clock)
        insert_crisis(engine, "first", sender="person-1")
        insert_crisis(engine, "second", sender="person-2")
        await worker.run_until(2)
        insert_crisis(engine, "third", sender="person-3")
        await worker.run_until(4)

    assert [a.handoff_id for a in receiver.accepted] == [2, 3]  # each at its first attempt, once
    arrived = [a.handoff_id for a in receiver.arrived]
    assert arrived[:2] == [1, 2]  # the older one is tried first...
    assert arrived[arrived.index(3) - 1] == 1  # ...also when only the newer one was due
    outbox = rows(engine, "select handoff_id, attempts, delivered_at from outbox order by id")
    assert [(r["handoff_id"], r["attempts"]) for r in outbox[1:]] == [(2, 1), (3, 1)]
    assert outbox[0]["delivered_at"] is None and outbox[0]["attempts"] == arrived.count(1) > 5
