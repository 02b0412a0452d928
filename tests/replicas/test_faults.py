"""Failures under the two-replica topology, each with what a person (or staff) must see.

The tests run in this file's order on one topology and each leaves it as the failure left it: Redis stopped and
started again; then one Rasa replica killed for good; then both action servers stopped.
"""
import asyncio
import time
import uuid
from typing import Dict, List, Optional

import aiohttp
import requests

from recovery_support.clinic import load_clinic_profile
from recovery_support.servers import custom_payloads, texts
from tests.replicas.conftest import REST_HEADERS

OVERDOSE = "my friend took too much and is not breathing"
SUICIDAL = "i want to kill myself"


def chat(url: str, text: str, sender: Optional[str] = None) -> List[Dict]:
    response = requests.post(f"{url}/webhooks/rest/webhook", headers=REST_HEADERS,
                             json={"sender": sender or uuid.uuid4().hex, "message": text}, timeout=60)
    response.raise_for_status()
    return response.json()


def assert_crisis_replies(url: str) -> None:
    overdose = chat(url, OVERDOSE)
    assert "911" in texts(overdose) and "naloxone" in texts(overdose).lower()
    assert custom_payloads(overdose)[0]["crisis"] is True
    suicidal = chat(url, SUICIDAL)
    assert "988" in texts(suicidal) and custom_payloads(suicidal)[0]["category"] == "suicidal"


def log_of(topology, index: int) -> str:
    return (topology.workdir / f"{topology.replicas[index].name}-rasa.log").read_text(errors="replace")


def test_with_redis_stopped_both_replicas_keep_answering_and_say_so_once(topology, redis_server):
    redis_server.stop()
    try:
        sender = uuid.uuid4().hex
        for replica in topology.replicas:  # both replicas, one conversation
            assert "sweat" in texts(chat(replica.url, "what are the symptoms of withdrawal", sender)).lower()
            assert chat(replica.url, "how long does it last", sender)
        assert_crisis_replies(topology.chat_url)
        for index, replica in enumerate(topology.replicas):
            assert replica.rasa.poll() is None, "a replica exited with Redis down"
            assert log_of(topology, index).count("Redis lock store unreachable") == 1
    finally:
        redis_server.start()
    sender = uuid.uuid4().hex
    for replica in topology.replicas:
        assert chat(replica.url, "what is detox", sender)
    for index in range(len(topology.replicas)):
        assert "Redis lock store reachable again" in log_of(topology, index)


def test_a_replica_killed_under_load_loses_at_most_the_turns_it_was_answering(topology, database_url):
    conversations, turns_each = 16, 12
    failed: List[str] = []
    answered: Dict[str, int] = {}
    killed = asyncio.Event()

    async def conversation(session: aiohttp.ClientSession, n: int) -> None:
        sender = f"kill-{n}-{uuid.uuid4().hex}"
        answered[sender] = 0
        for turn in range(turns_each):
            try:
                async with session.post(f"{topology.chat_url}/webhooks/rest/webhook", headers=REST_HEADERS,
                                        json={"sender": sender, "message": "how long does withdrawal last"}) as r:
                    if r.status == 200 and await r.json():
                        answered[sender] += 1
                        continue
                    failed.append(f"{sender} turn {turn}: HTTP {r.status}")
            except aiohttp.ClientError as error:
                failed.append(f"{sender} turn {turn}: {error}")

    async def killer() -> None:
        while sum(answered.values()) < conversations * turns_each // 3:
            await asyncio.sleep(0.05)
        topology.kill_rasa(0)
        killed.set()

    async def main() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            await asyncio.gather(killer(), *(conversation(session, n) for n in range(conversations)))

    asyncio.run(main())
    assert killed.is_set() and topology.replicas[0].rasa.poll() is not None
    # Only a turn in flight on the killed replica may fail: at most one per conversation.
    assert len(failed) <= conversations, failed
    assert len({f.split(" turn")[0] for f in failed}) == len(failed), f"a conversation lost two turns: {failed}"
    assert sum(answered.values()) + len(failed) == conversations * turns_each
    # And the survivor goes on answering every conversation, with its history (a follow-up is read in context).
    for sender in answered:
        assert chat(topology.chat_url, "how long does it last", sender)


def test_with_the_action_servers_stopped_crisis_replies_arrive_and_questions_get_an_apology(topology):
    for index in range(len(topology.replicas)):
        topology.stop_actions(index)
    assert_crisis_replies(topology.chat_url)
    reply = texts(chat(topology.chat_url, "how long does withdrawal last"))
    clinic = load_clinic_profile()
    assert "sorry" in reply.lower() and clinic.phone in reply and "911" in reply


def test_the_rest_channel_needs_its_token_in_production(topology):
    body = {"sender": uuid.uuid4().hex, "message": "how long does withdrawal last"}
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = requests.post(f"{topology.chat_url}/webhooks/rest/webhook", json=body, headers=headers, timeout=60)
        assert response.status_code == 401, headers
    assert chat(topology.chat_url, "how long does withdrawal last")
