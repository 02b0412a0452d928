"""The web chat's staff relay route, ``POST /webhooks/socketio/staff_message``, on a real sanic server.

The channel's blueprint is mounted as ``rasa run`` mounts it (see test_telegram.py); ``sio.emit`` is replaced
to capture what would go to the browser's room.
"""
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

import aiohttp
import pytest
from sanic import Sanic

from recovery_support.channels.socketio import ClinicSocketIOInput
from recovery_support.staff.relay import send_to_person
from recovery_support.staff.settings import Settings
from tests.channels.test_telegram import EchoAgent, rasa_app

TOKEN = "relay-token-0123456789abcdef"
SESSION = uuid.uuid4().hex


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: Any) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)  # see test_telegram.py


@pytest.fixture
def token(monkeypatch: Any) -> str:
    monkeypatch.setenv("STAFF_RELAY_TOKEN", TOKEN)
    return TOKEN


class Chat:
    def __init__(self, channel: ClinicSocketIOInput, url: str) -> None:
        self.channel = channel
        self.url = url
        self.emitted: List[Tuple[str, Any, Dict[str, Any]]] = []
        self.open = True  # whether the person's chat window is connected to the session's room

    def participants(self, namespace: str, room: str) -> Any:
        return iter([("sid", "eio-sid")] if self.open else [])

    async def emit(self, event: str, data: Any = None, **kwargs: Any) -> None:
        self.emitted.append((event, data, kwargs))

    async def post(self, body: Any, token: Optional[str] = None) -> Tuple[int, Any]:
        headers = {"X-Staff-Token": token} if token is not None else {}
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/webhooks/socketio/staff_message", json=body,
                                    headers=headers) as response:
                return response.status, await response.json(content_type=None)


@asynccontextmanager
async def web_chat(monkeypatch: Any, **options: Any) -> AsyncIterator[Chat]:
    channel = ClinicSocketIOInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered",
                                  session_persistence=True, **options)
    async with rasa_app(channel, EchoAgent()) as url:  # type: ignore[arg-type]
        chat = Chat(channel, url)
        monkeypatch.setattr(channel.sio, "emit", chat.emit)
        monkeypatch.setattr(channel.sio.manager, "get_participants", chat.participants)
        yield chat


async def test_good_request_emits_to_the_room(monkeypatch: Any, token: str) -> None:
    async with web_chat(monkeypatch) as chat:
        text = "Hi, this is Dana from the clinic. <b>not bold</b>"
        status, body = await chat.post({"session_id": SESSION, "text": text}, token)
        assert (status, body) == (200, {"ok": True})
        assert chat.emitted == [("bot_uttered", {"text": text, "staff": True},
                                 {"room": SESSION, "namespace": None})]


async def test_with_the_chat_window_closed_staff_are_told_it_was_not_sent(monkeypatch: Any, token: str) -> None:
    async with web_chat(monkeypatch) as chat:
        chat.open = False
        status, body = await chat.post({"session_id": SESSION, "text": "are you still there?"}, token)
        assert (status, body) == (409, {"ok": False, "error": "the person's chat window is not open"})
        assert chat.emitted == []


async def test_namespace_is_the_channels(monkeypatch: Any, token: str) -> None:
    async with web_chat(monkeypatch, namespace="/chat") as chat:
        assert (await chat.post({"session_id": SESSION, "text": "hello"}, token))[0] == 200
        assert chat.emitted[0][2] == {"room": SESSION, "namespace": "/chat"}


async def test_wrong_or_missing_token_is_403(monkeypatch: Any, token: str) -> None:
    async with web_chat(monkeypatch) as chat:
        for sent in (None, "", "wrong", token + "x", token[:-1]):
            status, body = await chat.post({"session_id": SESSION, "text": "hello"}, sent)
            assert status == 403, sent
            assert body["ok"] is False
        assert chat.emitted == []


@pytest.mark.parametrize("value", [None, ""])
async def test_unset_env_var_is_always_403(monkeypatch: Any, value: Optional[str]) -> None:
    if value is None:
        monkeypatch.delenv("STAFF_RELAY_TOKEN", raising=False)
    else:
        monkeypatch.setenv("STAFF_RELAY_TOKEN", value)

    async with web_chat(monkeypatch) as chat:
        for sent in (None, "", "anything"):
            assert (await chat.post({"session_id": SESSION, "text": "hello"}, sent))[0] == 403
        assert chat.emitted == []


@pytest.mark.parametrize("body", [
    {"session_id": "1", "text": "hello"},
    {"session_id": "user-42", "text": "hello"},
    {"session_id": SESSION.upper(), "text": "hello"},
    {"session_id": SESSION + "0", "text": "hello"},
    {"session_id": 12345, "text": "hello"},
    {"text": "hello"},
    {"session_id": SESSION},
    {"session_id": SESSION, "text": ""},
    {"session_id": SESSION, "text": "   "},
    {"session_id": SESSION, "text": 5},
    {"session_id": SESSION, "text": "x" * 2001},
    ["not", "an", "object"],
])
async def test_bad_requests_are_400(monkeypatch: Any, token: str, body: Any) -> None:
    async with web_chat(monkeypatch) as chat:
        status, answer = await chat.post(body, token)
        assert status == 400, body
        assert answer["ok"] is False
        assert chat.emitted == []


async def test_longest_text_and_a_uuid_session_id_pass(monkeypatch: Any, token: str) -> None:
    session_id = str(uuid.uuid4())

    async with web_chat(monkeypatch) as chat:
        assert (await chat.post({"session_id": session_id, "text": "x" * 2000}, token))[0] == 200
        assert chat.emitted[0][1] == {"text": "x" * 2000, "staff": True}


async def test_the_staff_relay_reaches_the_channel(monkeypatch: Any, token: str) -> None:
    """The staff app's side (relay.py) against this route: the two agree on path, header and body."""
    async with web_chat(monkeypatch) as chat:
        monkeypatch.setenv("RASA_URL", chat.url + "/")
        await send_to_person("socketio", SESSION, "We can talk now if you like.", Settings())
        assert chat.emitted == [("bot_uttered", {"text": "We can talk now if you like.", "staff": True},
                                 {"room": SESSION, "namespace": None})]


async def test_a_body_that_is_not_json_is_400(monkeypatch: Any, token: str) -> None:
    async with web_chat(monkeypatch) as chat:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{chat.url}/webhooks/socketio/staff_message", data=b"{not json",
                                    headers={"X-Staff-Token": token,
                                             "Content-Type": "application/json"}) as response:
                assert response.status == 400
        assert chat.emitted == []


async def test_the_chat_health_route_still_answers(monkeypatch: Any) -> None:
    async with web_chat(monkeypatch) as chat:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{chat.url}/webhooks/socketio/") as response:
                assert response.status == 200
