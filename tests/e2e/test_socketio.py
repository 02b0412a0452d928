"""The web chat's socket.io channel against the real servers: replies reach the session, crises carry the marker."""
import asyncio
import sqlite3
import uuid

import socketio

from recovery_support.channels.socketio import session_id_or_new


async def connected(url: str, session_id=None, wait: float = 20.0):
    """A socket confirmed for a session: (client, the confirmed session id, every bot_uttered it receives)."""
    client = socketio.AsyncClient(reconnection=False)
    received, confirmed = [], asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", lambda data: received.append(data))
    # python-socketio 5.18's websocket client needs a newer aiohttp than Rasa allows; the browser tests use websockets.
    await client.connect(url, transports=["polling"])
    await client.emit("session_request", {"session_id": session_id})
    return client, await asyncio.wait_for(confirmed, wait), received


async def chat(url: str, messages, session_id=None, wait: float = 20.0):
    """Sends messages in one session; returns the confirmed session id and every bot_uttered received."""
    client, session, received = await connected(url, session_id, wait)
    for text in messages:
        before = len(received)
        await client.emit("user_uttered", {"message": text, "session_id": session})
        deadline = asyncio.get_running_loop().time() + wait
        while len(received) == before and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # a turn can have several messages (text, then the crisis marker)
    await client.disconnect()
    return session, received


def test_an_answer_reaches_the_session(bot):
    session, received = asyncio.run(chat(bot.rasa_url, ["how long does withdrawal last"], uuid.uuid4().hex))
    assert any("24" in (m.get("text") or "") for m in received), received
    assert any(m.get("quick_replies") or m.get("buttons") for m in received)


def test_a_crisis_reaches_the_widget_with_its_marker(bot):
    _, received = asyncio.run(chat(bot.rasa_url, ["my friend took too much and isn't breathing"]))
    assert any("911" in (m.get("text") or "") for m in received)
    markers = [m["custom"] for m in received if "custom" in m]
    assert markers and markers[0]["crisis"] is True and markers[0]["category"] == "overdose"


def test_a_guessable_session_id_is_replaced():
    assert session_id_or_new("1234") != "1234"
    assert len(session_id_or_new(None)) == 32
    good = uuid.uuid4().hex
    assert session_id_or_new(good) == good


async def _confirmed_client(url: str, session_id: str):
    client, confirmed, received = await connected(url, session_id)
    assert confirmed == session_id
    return client, received


def test_a_socket_cannot_write_into_another_persons_session(bot):
    async def probe():
        victim_session, intruder_session = uuid.uuid4().hex, uuid.uuid4().hex
        victim, victim_received = await _confirmed_client(bot.rasa_url, victim_session)
        intruder, intruder_received = await _confirmed_client(bot.rasa_url, intruder_session)
        # The intruder knows the victim's session id (it was in an alert, or a log) and writes as the victim.
        await intruder.emit("user_uttered", {"message": "how long does withdrawal last", "session_id": victim_session})
        await asyncio.sleep(4)
        stolen = (list(victim_received), list(intruder_received))
        # Its own session still works: the refusal is about the other session, not a broken socket.
        await intruder.emit("user_uttered", {"message": "how long does withdrawal last", "session_id": intruder_session})
        for _ in range(200):
            if intruder_received:
                break
            await asyncio.sleep(0.1)
        await victim.disconnect()
        await intruder.disconnect()
        return victim_session, stolen, intruder_received

    victim_session, (victim_got, intruder_got_stolen), own = asyncio.run(probe())
    assert victim_got == [] and intruder_got_stolen == []
    assert own, "the intruder's own session got no answer"
    with sqlite3.connect(bot.db_path) as db:  # nothing was written into the victim's conversation
        written = db.execute("SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
                             (victim_session,)).fetchone()[0]
    assert written == 0


def test_only_the_allowed_pages_may_open_the_chat_socket(tmp_path):
    """Rasa's socket.io lets any web page open the chat; here a page must be on the list (or the chat's own
    host). A client that names no page (not a browser) still connects: rate limits and sessions hold for it."""
    from recovery_support.servers import running_bot

    async def opens(url: str, origin):
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(url, transports=["polling"], headers={"Origin": origin} if origin else {})
            await client.disconnect()
            return True
        except socketio.exceptions.ConnectionError:
            return False

    with running_bot(tmp_path, with_actions=False, cors="https://clinic.example.org") as bot:
        host = bot.rasa_url.split("://", 1)[1]
        async def all_of_them():
            return [await opens(bot.rasa_url, origin) for origin in (
                "https://clinic.example.org", "https://evil.example", f"http://{host}", None)]

        results = asyncio.run(all_of_them())
    assert results == [True, False, True, True]
