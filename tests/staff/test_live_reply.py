"""Writing to a person from the transcript page: web chat (through the Rasa server's relay route) and Telegram.

A fake relay on 127.0.0.1 stands in for both the Rasa server (``/webhooks/socketio/staff_message``) and the
Telegram Bot API (``/bot{token}/{method}``); the environment points the staff app at it.
"""
import json
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Dict, List, Optional

import pytest
from aiohttp import web

from recovery_support.staff.projector import project_all
from recovery_support.staff.transcript import build_timeline
from recovery_support.staff.turns import Turn, UserMessage
from tests.local_server import serve
from tests.staff.conftest import csrf_of, insert_turn, logged_in, rows
from tests.staff.test_xss import assert_inert

RELAY_TOKEN = "relay-token-0123456789abcdef"
BOT_TOKEN = "123456:TEST-token"
WEB_SENDER = uuid.uuid4().hex
TELEGRAM_CHAT = "4242"
HOSTILE = '<script>alert("staff")</script> <b>Dana</b> from the clinic & team'


class FakeRelay:
    """Captures every request; ``status`` is what the web chat relay answers."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.status = 200

    async def staff_message(self, request: web.Request) -> web.Response:
        self.requests.append({"kind": "socketio", "path": request.path, "headers": dict(request.headers),
                              "body": await request.json()})
        if self.status != 200:
            return web.json_response({"ok": False}, status=self.status)
        return web.json_response({"ok": True})

    async def bot_api(self, request: web.Request) -> web.Response:
        self.requests.append({"kind": "telegram", "token": request.match_info["token"],
                              "method": request.match_info["method"], "body": await request.json()})
        if request.match_info["token"] != BOT_TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        return web.json_response({"ok": True, "result": {"message_id": 1, "date": 0}})

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_post("/webhooks/socketio/staff_message", self.staff_message)
        app.router.add_post("/bot{token}/{method}", self.bot_api)
        async with serve(app) as url:
            yield url


@asynccontextmanager
async def relay(monkeypatch: Any, relay_token: Optional[str] = RELAY_TOKEN) -> AsyncIterator[FakeRelay]:
    fake = FakeRelay()
    async with fake.running() as url:
        monkeypatch.setenv("RASA_URL", url)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", url)
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        if relay_token is None:
            monkeypatch.delenv("STAFF_RELAY_TOKEN", raising=False)
        else:
            monkeypatch.setenv("STAFF_RELAY_TOKEN", relay_token)
        yield fake


@pytest.fixture
def web_chat(db, users):
    insert_turn(db, WEB_SENDER, "Is anyone there?", channel="socketio")
    project_all(db)


async def send(client, text: str, conversation: int = 1, token: Optional[str] = None):
    token = token if token is not None else await csrf_of(client, f"/conversations/{conversation}")
    return await client.post(f"/conversations/{conversation}/message", data={"csrf_token": token, "text": text})


def audit_entries(db, action: str) -> list:
    return rows(db, "select actor, target, detail from audit_log where action = :a order by id", a=action)


def staff_notes(db) -> list:
    return rows(db, "select author, text, kind from notes order by id")


@pytest.mark.parametrize("role", ["clinician", "admin"])
async def test_staff_write_to_a_web_chat(db, web_chat, monkeypatch, role):
    async with relay(monkeypatch) as fake, logged_in(db, role) as client:
        page = await (await client.get("/conversations/1")).text()
        assert 'action="/conversations/1/message"' in page and "Write to this person" in page
        response = await send(client, HOSTILE)
        assert response.status == 200
        html = await response.text()
    [request] = fake.requests
    assert request["path"] == "/webhooks/socketio/staff_message"
    assert request["headers"]["X-Staff-Token"] == RELAY_TOKEN
    assert request["body"] == {"session_id": WEB_SENDER, "text": HOSTILE}
    # Shown in the timeline, as text.
    assert "Message sent to the person." in html
    assert "Staff message from " + role in html
    assert "&lt;script&gt;alert(&#34;staff&#34;)&lt;/script&gt; &lt;b&gt;Dana&lt;/b&gt; from the clinic &amp; team" in html
    assert_inert(html)
    assert html.index("Is anyone there?") < html.index("Staff message from") < html.index("<h2>Notes</h2>")
    assert "No notes." in html  # a staff message is not an internal note
    assert staff_notes(db) == [{"author": role, "text": HOSTILE, "kind": "staff_message"}]
    [entry] = audit_entries(db, "staff_message")
    assert entry["actor"] == role and entry["target"] == "conversation:1"
    assert json.loads(entry["detail"])["channel"] == "socketio"
    assert "Dana" not in entry["detail"]  # the audit log names the record, never the words


async def test_reviewer_cannot_write_to_the_person(db, web_chat, monkeypatch):
    async with relay(monkeypatch) as fake, logged_in(db, "reviewer") as client:
        page = await (await client.get("/conversations/1")).text()
        assert "/message" not in page and "Write to this person" not in page
        token = await csrf_of(client, "/conversations/1")
        response = await send(client, "hello", token=token)
        assert response.status == 403
    assert fake.requests == []
    assert staff_notes(db) == []
    assert rows(db, "select target from audit_log where action = 'access_denied'") == [
        {"target": "/conversations/1/message"}]


async def test_csrf_token_is_required(db, web_chat, monkeypatch):
    async with relay(monkeypatch) as fake, logged_in(db, "clinician") as client:
        token = await csrf_of(client, "/conversations/1")
        for bad in ({}, {"csrf_token": ""}, {"csrf_token": token + "x"}):
            response = await client.post("/conversations/1/message", data={"text": "hello", **bad})
            assert response.status == 403, bad
        response = await client.post("/conversations/1/message", data={"text": "hello", "csrf_token": token},
                                     headers={"Origin": "https://evil.example"})
        assert response.status == 403
    assert fake.requests == []
    assert staff_notes(db) == []
    assert len(audit_entries(db, "csrf_refused")) == 4


async def test_a_rest_conversation_shows_an_error(db, users, monkeypatch):
    insert_turn(db, "rest-user", "hello", channel="rest")
    project_all(db)
    async with relay(monkeypatch) as fake, logged_in(db, "clinician") as client:
        html = await (await send(client, "Are you ok?")).text()
    assert "Not sent: this channel cannot receive staff messages (rest)" in html
    assert fake.requests == []
    assert staff_notes(db) == []
    [entry] = audit_entries(db, "staff_message_failed")
    assert entry["target"] == "conversation:1"
    assert json.loads(entry["detail"]) == {"channel": "rest",
                                           "error": "this channel cannot receive staff messages (rest)"}


async def test_telegram_goes_through_send_message_as_plain_text(db, users, monkeypatch):
    insert_turn(db, TELEGRAM_CHAT, "can someone call me", channel="telegram")
    project_all(db)
    async with relay(monkeypatch) as fake, logged_in(db, "clinician") as client:
        html = await (await send(client, "*Dana* here: <call> 555")).text()
    [request] = fake.requests
    assert request["kind"] == "telegram" and request["token"] == BOT_TOKEN and request["method"] == "sendMessage"
    assert request["body"] == {"chat_id": TELEGRAM_CHAT, "text": "*Dana* here: <call> 555"}
    assert "parse_mode" not in request["body"]
    assert "Message sent to the person." in html and "*Dana* here: &lt;call&gt; 555" in html
    assert staff_notes(db) == [{"author": "clinician", "text": "*Dana* here: <call> 555", "kind": "staff_message"}]
    assert json.loads(audit_entries(db, "staff_message")[0]["detail"])["channel"] == "telegram"


async def test_a_relay_failure_is_shown_and_audited(db, web_chat, monkeypatch):
    async with relay(monkeypatch) as fake, logged_in(db, "clinician") as client:
        fake.status = 403
        html = await (await send(client, "hello")).text()
    assert len(fake.requests) == 1
    assert "Not sent: the web chat refused the message (HTTP 403)" in html
    assert "Staff message from" not in html
    assert staff_notes(db) == []
    assert audit_entries(db, "staff_message") == []
    [entry] = audit_entries(db, "staff_message_failed")
    assert json.loads(entry["detail"]) == {"channel": "socketio",
                                           "error": "the web chat refused the message (HTTP 403)"}


async def test_an_unreachable_relay_is_shown(db, web_chat, monkeypatch):
    async with relay(monkeypatch):
        pass  # stopped: nothing listens there any more
    async with logged_in(db, "clinician") as client:
        html = await (await send(client, "hello")).text()
    assert "Not sent: the web chat could not be reached" in html
    assert staff_notes(db) == []
    assert len(audit_entries(db, "staff_message_failed")) == 1


async def test_without_the_relay_token_nothing_is_sent(db, web_chat, monkeypatch):
    async with relay(monkeypatch, relay_token=None) as fake, logged_in(db, "clinician") as client:
        html = await (await send(client, "hello")).text()
    assert fake.requests == []
    assert "Not sent: the web chat relay is not configured (STAFF_RELAY_TOKEN is not set)" in html
    assert staff_notes(db) == []


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 2001])
async def test_empty_or_too_long_messages_are_refused(db, web_chat, monkeypatch, text):
    async with relay(monkeypatch) as fake, logged_in(db, "clinician") as client:
        html = await (await send(client, text)).text()
    assert "a message has 1-2000 characters" in html
    assert fake.requests == []
    assert staff_notes(db) == []


async def test_missing_conversation_is_404(db, users, monkeypatch):
    async with relay(monkeypatch) as fake, logged_in(db, "clinician") as client:
        token = await csrf_of(client)
        assert (await send(client, "hello", conversation=99, token=token)).status == 404
    assert fake.requests == []


async def test_staff_messages_sit_between_the_turns_around_them(db, web_chat, monkeypatch):
    async with relay(monkeypatch), logged_in(db, "clinician") as client:
        await send(client, "A staff reply in between.")
        later = datetime.now(timezone.utc) + timedelta(minutes=5)
        insert_turn(db, WEB_SENDER, "Thanks, that helped.", channel="socketio", timestamp=later.timestamp())
        project_all(db)
        html = await (await client.get("/conversations/1")).text()
    assert html.index("Is anyone there?") < html.index("A staff reply in between.") < html.index("Thanks, that helped.")


def test_build_timeline_orders_by_time():
    def turn(minute: Optional[int]) -> Turn:
        at = datetime(2026, 1, 1, 12, minute) if minute is not None else None
        return Turn(user=UserMessage(event_id=minute or 0, at=at, text="", intent=None, confidence=None,
                                     classifier_confidence=None, crisis_category=None, crisis_reason=None,
                                     channel=None))

    first, undated, third = turn(0), turn(None), turn(30)
    early = {"author": "a", "text": "early", "at": datetime(2026, 1, 1, 11, 0)}
    middle = {"author": "a", "text": "middle", "at": datetime(2026, 1, 1, 12, 10)}
    late = {"author": "a", "text": "late", "at": datetime(2026, 1, 1, 13, 0)}
    timeline = build_timeline([first, undated, third], [late, middle, early])
    assert timeline == [{"staff": early}, {"turn": first}, {"turn": undated}, {"staff": middle}, {"turn": third},
                        {"staff": late}]
