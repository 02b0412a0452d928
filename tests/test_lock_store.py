"""Two replicas sharing one Redis lock store must never be inside the same conversation at once.

Each "replica" is a thread with its own event loop and its own lock store (its own Redis connections), running
several turns of one conversation at a time, as Rasa does when a person's messages land on both replicas.
"""
import asyncio
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import List, Type

import pytest
import redis
from rasa.core.lock_store import LockError, RedisLockStore

from recovery_support.lock_store import AtomicRedisLockStore
from recovery_support.servers import free_port

REPLICAS = 2
TURNS_PER_TASK = 25
TASKS_PER_REPLICA = 4
STUCK_AFTER = 10  # seconds; the whole run takes about one when the lock works


@pytest.fixture(scope="module")
def redis_available():
    try:
        redis.Redis(host="localhost", port=6379, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"no Redis on localhost:6379: {error}")


@dataclass
class Tally:
    inside: int = 0
    overlaps: int = 0
    done: int = 0
    errors: List[str] = field(default_factory=list)
    guard: threading.Lock = field(default_factory=threading.Lock)


def _replica(store_class: Type[RedisLockStore], prefix: str, conversation: str, tally: Tally) -> None:
    store = store_class(host="localhost", port=6379, db=1, key_prefix=prefix)

    async def turns() -> None:
        for _ in range(TURNS_PER_TASK):
            try:
                # A short lifetime: a ticket lost to the race frees its waiters in seconds, not Rasa's 60.
                async with store.lock(conversation, lock_lifetime=2, wait_time_in_seconds=0.001):
                    with tally.guard:
                        tally.inside += 1
                        tally.overlaps += tally.inside > 1
                    await asyncio.sleep(0.002)  # a turn's work: others may be scheduled meanwhile
                    with tally.guard:
                        tally.inside -= 1
                        tally.done += 1
            except LockError as error:
                tally.errors.append(str(error).splitlines()[0])

    async def main() -> None:
        try:
            await asyncio.wait_for(asyncio.gather(*(turns() for _ in range(TASKS_PER_REPLICA))), STUCK_AFTER)
        except asyncio.TimeoutError:
            tally.errors.append(f"turns still waiting for the lock after {STUCK_AFTER} s")

    asyncio.run(main())


def _run_replicas(store_class: Type[RedisLockStore]) -> Tally:
    prefix, tally = f"test{uuid.uuid4().hex}", Tally()
    threads = [threading.Thread(target=_replica, args=(store_class, prefix, "conversation", tally))
               for _ in range(REPLICAS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    leftover = redis.Redis(host="localhost", port=6379, db=1).keys(f"{prefix}:*")
    tally.errors += [f"lock left behind: {key!r}" for key in leftover]
    return tally


def test_two_replicas_never_hold_one_conversation_at_once(redis_available):
    tally = _run_replicas(AtomicRedisLockStore)
    assert tally.errors == []
    assert tally.overlaps == 0
    assert tally.done == REPLICAS * TASKS_PER_REPLICA * TURNS_PER_TASK


def test_rasas_own_redis_lock_store_lets_replicas_in_together(redis_available):
    """Why AtomicRedisLockStore exists: Rasa 3.6's store, same load, lets turns overlap or loses tickets.

    When this fails, Rasa's store has stopped racing: compare again before keeping ours."""
    tally = _run_replicas(RedisLockStore)
    assert tally.overlaps > 0 or tally.errors, tally


def test_turns_wait_for_each_other_in_order(redis_available):
    store = AtomicRedisLockStore(host="localhost", port=6379, db=1, key_prefix=f"test{uuid.uuid4().hex}")
    order: List[int] = []

    async def turn(n: int) -> None:
        async with store.lock("c"):
            order.append(n)
            await asyncio.sleep(0.01)

    async def main() -> None:
        tasks = []
        for n in range(5):
            tasks.append(asyncio.create_task(turn(n)))
            await asyncio.sleep(0.001)  # arrive one after another
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == [0, 1, 2, 3, 4]
    assert store.get_lock("c") is None


def test_a_ticket_from_a_replica_that_died_expires(redis_available):
    store = AtomicRedisLockStore(host="localhost", port=6379, db=1, key_prefix=f"test{uuid.uuid4().hex}")
    store.issue_ticket("c", lock_lifetime=0.2)  # issued, never released

    async def next_turn() -> bool:
        async with store.lock("c", lock_lifetime=5):
            return True

    assert asyncio.run(asyncio.wait_for(next_turn(), timeout=5))


def test_with_redis_unreachable_turns_still_run_one_at_a_time_and_it_is_logged(caplog):
    store = AtomicRedisLockStore(host="127.0.0.1", port=free_port(), db=1)
    inside, overlaps = [0], [0]

    async def turn() -> None:
        async with store.lock("c"):
            inside[0] += 1
            overlaps[0] += inside[0] > 1
            await asyncio.sleep(0.01)
            inside[0] -= 1

    async def main() -> None:
        await asyncio.gather(*(turn() for _ in range(5)))

    with caplog.at_level(logging.ERROR, logger="recovery_support.lock_store"):
        asyncio.run(main())
    assert overlaps[0] == 0
    assert [r.message for r in caplog.records if "unreachable" in r.message][:1], "the outage must be logged"
    assert sum("unreachable" in r.message for r in caplog.records) == 1, "logged once per outage, not per turn"


def test_a_turn_longer_than_the_ticket_lifetime_keeps_its_lock(redis_available):
    store = AtomicRedisLockStore(host="localhost", port=6379, db=1, key_prefix=f"test{uuid.uuid4().hex}")
    inside, overlaps = [0], [0]

    async def turn(seconds: float) -> None:
        async with store.lock("c", lock_lifetime=0.3):
            inside[0] += 1
            overlaps[0] += inside[0] > 1
            await asyncio.sleep(seconds)
            inside[0] -= 1

    async def main() -> None:
        first = asyncio.create_task(turn(1.2))  # four lifetimes: renewed while it runs
        await asyncio.sleep(0.05)
        await asyncio.gather(first, turn(0.01))

    asyncio.run(main())
    assert overlaps[0] == 0
