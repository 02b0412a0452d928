"""Many conversations, each sending its turns to both replicas at once, as fast as they answer: afterwards every
user message and every bot reply is in the tracker store exactly once, each message followed by its replies.

Each conversation sends two messages at a time, one straight to each replica, so both replicas work on the same
conversation together: only the lock store keeps them apart. With Rasa 3.6's own RedisLockStore this loses and
duplicates events (README "Several replicas"); tests/test_lock_store.py shows the race itself.
"""
import asyncio
import json
import uuid
from typing import Dict, List, Tuple

import aiohttp
import sqlalchemy as sa

from tests.replicas.conftest import REST_HEADERS

CONVERSATIONS = 30
PAIRS = 5  # so 10 user messages per conversation, 300 in all
QUESTIONS = [
    "how long does withdrawal last", "what is detox", "is methadone safe", "do you take insurance",
    "what are the symptoms of withdrawal", "can my family visit", "what is suboxone", "how do i get started",
    "is it inpatient or outpatient", "what happens after detox",
]


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> List[Dict]:
    async with session.post(f"{url}/webhooks/rest/webhook", headers=REST_HEADERS,
                            json={"sender": sender, "message": text}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def conversation(session: aiohttp.ClientSession, urls: Tuple[str, str]) -> Tuple[str, Dict[str, int]]:
    """Sends the conversation's messages two at a time, one to each replica; returns how many replies each got."""
    sender, replies = uuid.uuid4().hex, {}
    for pair in range(PAIRS):
        texts = QUESTIONS[2 * pair:2 * pair + 2]
        answers = await asyncio.gather(*(send(session, url, sender, text) for url, text in zip(urls, texts)))
        for text, answer in zip(texts, answers):
            assert answer, f"no reply to {text!r}"
            replies[text] = len(answer)
    return sender, replies


def stored_turns(engine: sa.engine.Engine, sender: str) -> List[Tuple[str, str]]:
    """(type, text) of the conversation's user and bot events, in the order the tracker store keeps them."""
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT type_name, data FROM events WHERE sender_id = :s AND type_name IN ('user', 'bot') "
            "ORDER BY id"), {"s": sender}).all()
    return [(row.type_name, json.loads(row.data).get("text") or "") for row in rows]


def test_turns_on_both_replicas_are_stored_once_each_followed_by_its_replies(topology, database_url):
    urls = tuple(replica.url for replica in topology.replicas)

    async def main():
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
            return await asyncio.gather(*(conversation(session, urls) for _ in range(CONVERSATIONS)))

    results = asyncio.run(main())
    engine = sa.create_engine(database_url)
    try:
        for sender, replies in results:
            stored = stored_turns(engine, sender)
            user_texts = [text for kind, text in stored if kind == "user"]
            assert sorted(user_texts) == sorted(replies), "every message stored exactly once"
            # Each message is followed by exactly the replies its sender received, before the next message.
            runs, current = [], None
            for kind, text in stored:
                if kind == "user":
                    current = [text, 0]
                    runs.append(current)
                else:
                    assert current is not None, "a reply stored before any message"
                    current[1] += 1
            assert {text: count for text, count in runs} == replies
    finally:
        engine.dispose()
