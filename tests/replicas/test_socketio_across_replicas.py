"""The web chat's socket.io channel under the two-replica topology.

A browser's socket lives on one replica. nginx keeps its requests there (a hash of the widget's `route`), and
emits made on the other replica (a staff message POSTed through the plain load balancer) reach it through the
Redis message queue (credentials.replicas.yml).
"""
import asyncio
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Dict, List

import socketio

from recovery_support.staff.relay import send_to_person
from recovery_support.staff.settings import Settings

QUESTION = "how long does withdrawal last"


class WebChat:
    """A socket.io client in a confirmed session, as the widget is."""

    def __init__(self, client: socketio.AsyncClient, session: str, received: List[Dict]) -> None:
        self.client = client
        self.session = session
        self.received = received  # every bot_uttered, in order

    async def wait_until(self, condition: Callable[[], bool], wait: float = 20.0) -> None:
        deadline = asyncio.get_running_loop().time() + wait
        while not condition():
            assert asyncio.get_running_loop().time() < deadline, f"waited {wait} s; received {self.received}"
            await asyncio.sleep(0.1)

    async def ask(self, text: str) -> str:
        """Sends ``text``; returns the texts of the turn's replies."""
        before = len(self.received)
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session})
        await self.wait_until(lambda: len(self.received) > before)
        await asyncio.sleep(0.5)  # a turn can have several messages
        return " ".join(message.get("text") or "" for message in self.received[before:])


@asynccontextmanager
async def web_chat(url: str) -> AsyncIterator[WebChat]:
    client = socketio.AsyncClient(reconnection=False)
    received: List[Dict] = []
    confirmed: "asyncio.Future[str]" = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", received.append)
    # Long-polling, the transport that needs stickiness (one HTTP request per poll and per message); python-socketio
    # 5.18's websocket client needs a newer aiohttp than Rasa allows (the browser tests use websockets).
    await client.connect(url, transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": uuid.uuid4().hex})
        yield WebChat(client, await asyncio.wait_for(confirmed, 20), received)
    finally:
        await client.disconnect()


async def test_a_staff_message_posted_to_the_other_replica_reaches_the_chat(topology: Any, monkeypatch: Any) -> None:
    chat_replica, other_replica = topology.replicas
    # The staff app's side, as `make run-replicas` would have it but aimed at the replica without the socket.
    monkeypatch.setenv("STAFF_RELAY_TOKEN", topology.env["STAFF_RELAY_TOKEN"])
    monkeypatch.setenv("RASA_URL", other_replica.url)
    async with web_chat(chat_replica.url) as chat:
        assert "24" in await chat.ask(QUESTION), chat.received
        text = f"Hi, this is Dana from the clinic ({uuid.uuid4().hex[:6]}). We can talk now if you like."
        await send_to_person("socketio", chat.session, text, Settings())
        await chat.wait_until(lambda: any(message.get("staff") for message in chat.received))
        assert [message for message in chat.received if message.get("staff")] == [{"text": text, "staff": True}]


async def test_chats_through_nginx_with_a_route_get_their_replies_over_long_polling(topology: Any) -> None:
    async def conversation() -> None:
        # Each chat gets its own route, as each widget does: with two replicas, both are likely to hold some.
        async with web_chat(f"{topology.chat_url}?route={uuid.uuid4().hex}") as chat:
            assert "24" in await chat.ask(QUESTION), chat.received
            assert await chat.ask("what is detox"), chat.received

    await asyncio.gather(*(conversation() for _ in range(6)))
