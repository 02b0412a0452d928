"""The Telegram channel against a fake Bot API on 127.0.0.1, with no trained model and no Rasa server.

The channel's blueprint is mounted the way Rasa mounts it (``rasa.core.channels.channel.register`` under
``/webhooks/``) in a sanic app served on a free port; ``app.ctx.agent`` stands in for Rasa's Agent and echoes
back through the output channel. ``async def`` tests run on a fresh loop each (no pytest-asyncio here).
"""
import asyncio
import functools
import itertools
import logging
import socket
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

import aiohttp
import pytest
from sanic import Sanic

from rasa.core.channels.channel import UserMessage, register
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.common import class_from_module_path
from rasa.shared.utils.io import read_config_file

from recovery_support.channels.telegram import DEFAULT_START_MESSAGE, TelegramChannel
from recovery_support.channels.telegram_api import DEFAULT_API_BASE_URL
from recovery_support.channels.telegram_render import callback_data, crisis_text, text_chunks
from recovery_support.channels.telegram_secret import SECRET_HEADER
from recovery_support.channels.telegram_updates import typed_text
from recovery_support.clinic import load_clinic_profile
from tests.channels.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-token"
SECRET = "test-secret_0123456789-abcdef"
CHAT = 4242
WEBHOOK_URL = "https://bot.clinic.example/webhooks/telegram/webhook"
HOSTILE = "<b>bold</b> *star* _under_ [link](http://evil.test) `code` &amp;"
LONG_PAYLOAD = '/getting_started{"program": "' + "x" * 80 + '"}'
BUTTONS = [
    {"title": "How do I start?", "payload": "/getting_started"},
    {"title": "Inpatient or outpatient?", "payload": LONG_PAYLOAD},
]
CRISIS = {"crisis": True, "category": "suicidal", "resources": [
    {"label": "Call 988", "type": "call", "number": "988"},
    {"label": "Crisis Text Line", "type": "sms", "number": "741741", "body": "HOME"},
    {"label": "Call 911", "type": "call", "number": "911"},
]}
CRISIS_TEXT = "I'm really glad you told me. Help is there right now."
TIMEOUT = 15.0
_update_ids = itertools.count(1000)


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: Any) -> None:
    """Sanic 21.12 rewrites its request handler in place at each app start-up, which fails from the second app
    on in one process unless ``test_mode`` keeps the original (what ``sanic_testing`` does)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


def async_test(test: Callable[..., Any]) -> Callable[..., None]:
    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), TIMEOUT))
    return run


class EchoAgent:
    """What ``register`` hands every message to (``app.ctx.agent.handle_message``), replying through its channel."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        out, to = message.output_channel, message.sender_id
        if message.text == "buttons":
            await out.send_response(to, {"text": "What would help?", "buttons": [dict(b) for b in BUTTONS]})
        elif message.text == "crisis":
            await out.send_response(to, {"text": CRISIS_TEXT, "custom": dict(CRISIS)})
        elif message.text == "custom":
            await out.send_response(to, {"custom": {"widget": [1, 2]}})  # nothing Telegram can show
            await out.send_response(to, {"custom": {"text": "custom text"}})
        elif message.text == "long answer":  # longer than one Telegram message may be
            await out.send_response(to, {"text": "You said: " + "word " * 1500})
        elif message.text == "boom":
            raise RuntimeError("the model fell over")
        else:
            await out.send_response(to, {"text": f"You said: {message.text}"})


@dataclass
class Bot:
    channel: TelegramChannel
    agent: EchoAgent
    api: FakeBotApi
    url: str  # the Rasa server's base URL

    async def post(self, update: Dict[str, Any], secret: Optional[str] = SECRET) -> Tuple[int, str]:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/webhooks/telegram/webhook", json=update, headers=headers) as r:
                return r.status, await r.text()

    def sent(self) -> List[Dict[str, Any]]:
        return self.api.payloads("sendMessage")


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def rasa_app(channel: TelegramChannel, agent: EchoAgent) -> AsyncIterator[str]:
    """A sanic app with the channel registered exactly as ``rasa run`` does, listening on a free port."""
    app = Sanic(f"telegram_test_{uuid.uuid4().hex}", configure_logging=False)
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    sock = free_socket()
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
        sock.close()


@asynccontextmanager
async def telegram_bot(failures: Optional[Dict[str, int]] = None, delays: Optional[Dict[str, float]] = None,
                       **channel_options: Any) -> AsyncIterator[Bot]:
    api = FakeBotApi(TOKEN, failures, delays)
    async with api.running() as api_url:
        options = {"access_token": TOKEN, "secret_token": SECRET, "webhook_url": WEBHOOK_URL,
                   "verify": "clinic_test_bot", "api_base_url": api_url, "webhook_first_delay": 0.01,
                   **channel_options}
        channel = TelegramChannel(**options)
        agent = EchoAgent()
        async with rasa_app(channel, agent) as url:
            yield Bot(channel, agent, api, url)


async def wait_for(condition: Callable[[], Any], what: str, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def chat(chat_id: int = CHAT, kind: str = "private") -> Dict[str, Any]:
    return {"id": chat_id, "type": kind, "first_name": "Sam"}


def message_update(text: Optional[str] = None, chat_id: int = CHAT, kind: str = "private",
                   **extra: Any) -> Dict[str, Any]:
    message: Dict[str, Any] = {"message_id": 7, "date": 1700000000, "chat": chat(chat_id, kind),
                               "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"}, **extra}
    if text is not None:
        message["text"] = text
    return {"update_id": next(_update_ids), "message": message}


def button_update(data: str, query_id: str = "cq-1") -> Dict[str, Any]:
    return {"update_id": next(_update_ids), "callback_query": {
        "id": query_id, "from": {"id": CHAT, "is_bot": False, "first_name": "Sam"}, "chat_instance": "ci",
        "data": data, "message": {"message_id": 3, "date": 1700000000, "chat": chat(), "text": "What would help?"}}}


# --- through the webhook ---------------------------------------------------------------------------------------

@async_test
async def test_a_text_message_reaches_the_bot_and_the_reply_is_plain_text() -> None:
    async with telegram_bot() as bot:
        status, _ = await bot.post(message_update(HOSTILE))
        assert status == 200
        [received] = bot.agent.messages
        assert received.sender_id == str(CHAT)
        assert received.text == HOSTILE
        assert received.input_channel == "telegram"
        assert received.metadata == {"channel": "telegram"}
        assert received.output_channel.name() == "telegram"
        [sent] = bot.sent()
        assert sent == {"chat_id": str(CHAT), "text": f"You said: {HOSTILE}"}  # no parse_mode: shown as typed
        assert "getMe" not in bot.api.methods()


@async_test
async def test_buttons_become_an_inline_keyboard() -> None:
    async with telegram_bot() as bot:
        await bot.post(message_update("buttons"))
        [sent] = bot.sent()
    assert sent["text"] == "What would help?"
    assert "parse_mode" not in sent
    assert sent["reply_markup"] == {"inline_keyboard": [
        [{"text": "How do I start?", "callback_data": "/getting_started"}],
        # Its payload is over Telegram's 64 bytes: the title is sent back instead, for NLU to read.
        [{"text": "Inpatient or outpatient?", "callback_data": "Inpatient or outpatient?"}],
    ]}


@async_test
async def test_the_crisis_payload_is_sent_as_text_listing_every_resource() -> None:
    async with telegram_bot() as bot:
        await bot.post(message_update("crisis"))
        texts = [m["text"] for m in bot.sent()]
        assert all("parse_mode" not in m and "reply_markup" not in m for m in bot.sent())
    assert texts[0] == CRISIS_TEXT
    assert texts[1].splitlines() == ["Help right now:", "Call 988: 988",
                                     "Crisis Text Line: Text HOME to 741741", "Call 911: 911"]


@async_test
async def test_other_custom_payloads_send_their_text_or_nothing() -> None:
    async with telegram_bot() as bot:
        status, _ = await bot.post(message_update("custom"))
        assert status == 200
        assert [m["text"] for m in bot.sent()] == ["custom text"]


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper(), "ü" + SECRET])
@async_test
async def test_a_missing_or_wrong_secret_is_refused_and_the_bot_never_runs(secret: Optional[str]) -> None:
    async with telegram_bot() as bot:
        status, _ = await bot.post(message_update("hello"), secret=secret)
        assert status == 403
        assert bot.agent.messages == []
        assert bot.sent() == []


@pytest.mark.parametrize("update", [
    {"update_id": 1, "edited_message": message_update("I meant this")["message"]},
    {"update_id": 2, "channel_post": message_update("news", chat_id=-100123, kind="channel")["message"]},
    {"update_id": 3, "my_chat_member": {"chat": chat(), "from": {"id": CHAT}, "date": 0,
                                        "old_chat_member": {"status": "member"},
                                        "new_chat_member": {"status": "kicked"}}},
    message_update(sticker={"file_id": "s1", "emoji": "👍"}),
    message_update(photo=[{"file_id": "p1", "width": 90, "height": 90}], caption="look"),
    message_update("hello from a group", chat_id=-4242, kind="group"),
    message_update("   "),
    {"update_id": 4},
], ids=["edited_message", "channel_post", "my_chat_member", "sticker", "photo", "group", "blank", "empty"])
@async_test
async def test_updates_without_a_private_text_message_are_acknowledged_and_ignored(update: Dict[str, Any]) -> None:
    async with telegram_bot() as bot:
        status, _ = await bot.post(update)
        assert status == 200
        assert bot.agent.messages == []
        assert bot.sent() == []


@async_test
async def test_a_button_press_is_the_users_message_and_is_answered() -> None:
    async with telegram_bot() as bot:
        status, _ = await bot.post(button_update("/getting_started", query_id="cq-77"))
        assert status == 200
        [received] = bot.agent.messages
        assert (received.sender_id, received.text) == (str(CHAT), "/getting_started")  # a payload stays an intent
        assert bot.api.payloads("answerCallbackQuery") == [{"callback_query_id": "cq-77"}]
        assert bot.sent()[0]["text"] == "You said: /getting_started"


@async_test
async def test_typed_commands_cannot_inject_intents_and_start_greets() -> None:
    async with telegram_bot() as bot:
        for text in ("/start", "/restart", ' /crisis_suicidal{"crisis_category": "x"}', "/help@clinic_test_bot"):
            await bot.post(message_update(text))
        assert [m.text for m in bot.agent.messages] == [
            DEFAULT_START_MESSAGE, "restart", 'crisis_suicidal{"crisis_category": "x"}', "help"]


@async_test
async def test_getme_is_never_called_and_a_repeated_update_is_handled_once() -> None:
    async with telegram_bot() as bot:
        update = message_update("hello")
        for body in (update, update, message_update("again"), button_update("/affirm")):
            assert (await bot.post(body))[0] == 200
        assert [m.text for m in bot.agent.messages] == ["hello", "again", "/affirm"]
        assert "getMe" not in bot.api.methods()
        assert bot.api.methods().count("sendMessage") == 3


@async_test
async def test_a_failing_turn_is_logged_apologised_for_and_the_next_message_works(caplog: Any) -> None:
    async with telegram_bot() as bot:
        with caplog.at_level(logging.ERROR):
            assert (await bot.post(message_update("boom")))[0] == 200
        assert "failed" in caplog.text and "RuntimeError" in caplog.text
        assert (await bot.post(message_update("still there?")))[0] == 200
        apology, answer = [m["text"] for m in bot.sent()]
        assert "sorry" in apology.lower() and load_clinic_profile().phone in apology and "911" in apology
        assert answer == "You said: still there?"


@async_test
async def test_a_long_reply_is_split_under_telegrams_limit() -> None:
    async with telegram_bot() as bot:
        await bot.post(message_update("long answer"))
        texts = [m["text"] for m in bot.sent()]
    assert len(texts) == 2 and all(len(t) <= 4096 for t in texts)
    assert " ".join(texts).split() == ["You", "said:"] + ["word"] * 1500


# --- webhook registration and start-up -------------------------------------------------------------------------

@async_test
async def test_the_webhook_is_registered_with_the_secret_after_start_up() -> None:
    async with telegram_bot() as bot:
        assert await bot.channel.webhook_task is True
        assert bot.api.payloads("setWebhook") == [{"url": WEBHOOK_URL, "secret_token": SECRET,
                                                   "allowed_updates": ["message", "callback_query"]}]
        assert bot.api.methods() == ["setWebhook"]  # and nothing else: no getMe at start-up either


@async_test
async def test_the_bot_serves_while_telegram_is_still_answering_set_webhook() -> None:
    async with telegram_bot(delays={"setWebhook": 1.0}) as bot:
        await wait_for(lambda: bot.api.payloads("setWebhook"), what="the setWebhook call")
        assert (await bot.post(message_update("hello")))[0] == 200
        assert not bot.channel.webhook_task.done()  # start-up didn't wait for it
        assert [m.text for m in bot.agent.messages] == ["hello"]
        assert await bot.channel.webhook_task is True


@async_test
async def test_webhook_registration_is_retried_with_backoff(caplog: Any) -> None:
    with caplog.at_level(logging.WARNING):
        async with telegram_bot(failures={"setWebhook": 2}) as bot:
            assert await bot.channel.webhook_task is True
            assert len(bot.api.payloads("setWebhook")) == 3
    assert caplog.text.count("retrying in") == 2
    assert TOKEN not in caplog.text


@async_test
async def test_start_up_does_not_fail_when_the_bot_api_is_down(caplog: Any) -> None:
    dead = free_socket()
    dead_url = f"http://127.0.0.1:{dead.getsockname()[1]}"
    dead.close()  # nothing listens there: every call is refused
    channel = TelegramChannel(TOKEN, SECRET, WEBHOOK_URL, api_base_url=dead_url,
                              webhook_attempts=3, webhook_first_delay=0.01)
    agent = EchoAgent()
    with caplog.at_level(logging.WARNING):
        async with rasa_app(channel, agent) as url:
            bot = Bot(channel, agent, FakeBotApi(TOKEN), url)
            assert (await bot.post(message_update("hello")))[0] == 200  # served while Telegram is unreachable
            assert [m.text for m in agent.messages] == ["hello"]
            assert await channel.webhook_task is False
    assert "NOT registered" in caplog.text and "attempt 3 of 3" in caplog.text
    assert "not delivered" in caplog.text
    assert TOKEN not in caplog.text  # aiohttp's errors carry the URL, which carries the token


@async_test
async def test_a_rejected_token_is_not_retried(caplog: Any) -> None:
    with caplog.at_level(logging.WARNING):
        async with telegram_bot(access_token="999:wrong") as bot:
            assert await bot.channel.webhook_task is False
    assert "HTTP 401" in caplog.text and "attempt 1 of 5" in caplog.text
    assert "999:wrong" not in caplog.text


# --- configuration ---------------------------------------------------------------------------------------------

# Unquoted on purpose: Rasa's YAML reader substitutes ${VAR} only in plain scalars.
CREDENTIALS = """\
recovery_support.channels.telegram.TelegramChannel:
  access_token: ${TELEGRAM_BOT_TOKEN}
  verify: ${TELEGRAM_BOT_NAME}
  webhook_url: ${TELEGRAM_WEBHOOK_URL}
  secret_token: ${TELEGRAM_SECRET_TOKEN}
"""


def load_channel_from_credentials(tmp_path: Any, text: str = CREDENTIALS) -> Any:
    """What ``rasa run --credentials`` does (``rasa.core.run._create_single_channel``) for a custom channel."""
    path = tmp_path / "credentials.yml"
    path.write_text(text)
    [(name, credentials)] = read_config_file(str(path)).items()
    return class_from_module_path(name).from_credentials(credentials)


def set_environment(monkeypatch: Any, secret: str = SECRET) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_BOT_NAME", "clinic_test_bot")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", WEBHOOK_URL)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", secret)


def test_the_credentials_block_loads_through_rasa(tmp_path: Any, monkeypatch: Any) -> None:
    set_environment(monkeypatch)
    channel = load_channel_from_credentials(tmp_path)
    assert isinstance(channel, TelegramChannel)
    assert channel.name() == "telegram" and channel.url_prefix() == "telegram"
    assert (channel.secret_token, channel.webhook_url, channel.bot_name) == (SECRET, WEBHOOK_URL, "clinic_test_bot")
    assert channel.api.base_url == DEFAULT_API_BASE_URL
    assert channel.get_output_channel().name() == "telegram"


def test_a_quoted_variable_that_rasa_left_unsubstituted_is_refused(tmp_path: Any, monkeypatch: Any) -> None:
    set_environment(monkeypatch)
    quoted = CREDENTIALS.replace("${TELEGRAM_BOT_TOKEN}", '"${TELEGRAM_BOT_TOKEN}"')
    with pytest.raises(RasaException, match="access_token.*not substituted"):
        load_channel_from_credentials(tmp_path, quoted)


@pytest.mark.parametrize("secret", ["", "short", "has spaces in it, sixteen+", "x" * 257])
def test_start_up_is_refused_without_a_usable_secret(tmp_path: Any, monkeypatch: Any, secret: str) -> None:
    set_environment(monkeypatch, secret=secret)
    with pytest.raises(RasaException, match="secret_token"):
        load_channel_from_credentials(tmp_path)


def test_start_up_is_refused_without_a_token_or_credentials() -> None:
    with pytest.raises(RasaException, match="access_token"):
        TelegramChannel.from_credentials({"secret_token": SECRET})
    with pytest.raises(RasaException, match="credentials"):
        TelegramChannel.from_credentials(None)


# --- the pieces ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("I relapsed last night", "I relapsed last night"),
    ("/start", DEFAULT_START_MESSAGE),
    ("/start from-a-deep-link", DEFAULT_START_MESSAGE),
    ("/START@clinic_test_bot", DEFAULT_START_MESSAGE),
    ("/restart", "restart"),
    ("  //greet", "greet"),
    ("/ /restart", "restart"),
    ("/@x /restart", "restart"),
    ("/", None),
    ("   ", None),
])
def test_typed_text_never_starts_with_the_intent_prefix(typed: str, expected: Optional[str]) -> None:
    assert typed_text(typed, DEFAULT_START_MESSAGE) == expected


def test_callback_data_fits_64_bytes() -> None:
    assert callback_data({"title": "Yes", "payload": "/affirm"}) == "/affirm"
    assert callback_data({"title": "Yes", "payload": "/a" * 40}) == "Yes"
    assert callback_data({"title": "Yes", "payload": ""}) == "Yes"
    long_title = callback_data({"title": "é" * 40, "payload": "/a" * 40})
    assert long_title == "é" * 32 and len(long_title.encode()) == 64


def test_crisis_text_formats_each_kind_of_resource() -> None:
    text = crisis_text({"crisis": True, "resources": [
        {"label": "Call 911", "type": "call", "number": "911"},
        {"label": "Text 988", "type": "sms", "number": 988},
        {"type": "sms", "number": "741741", "body": "HOME"},
        {"type": "call", "number": "1-800-222-1222"},
        {"label": "988 Lifeline chat", "type": "url", "url": "https://988lifeline.org"},
        {"label": ""}, "junk", None,
    ]})
    assert text == "\n".join(["Help right now:", "Call 911: 911", "Text 988: 988", "Text HOME to 741741",
                              "Call 1-800-222-1222", "988 Lifeline chat: https://988lifeline.org"])
    assert crisis_text({"crisis": True, "resources": "not a list"}) is None


def test_text_chunks() -> None:
    assert text_chunks("  hi  ") == ["hi"]
    assert text_chunks("") == [] and text_chunks(None) == []
    assert [len(c) for c in text_chunks("x" * 5000)] == [4096, 904]
