"""The chat server's call to the NLU server gives up in time, so the message is parsed locally instead."""
import asyncio
import time
from types import SimpleNamespace

from aiohttp import web
from rasa.core.channels.channel import UserMessage
from rasa.utils.endpoints import EndpointConfig

from recovery_support import nlu_fallback
from recovery_support.servers import free_port


def processor_for(url: str) -> SimpleNamespace:
    return SimpleNamespace(http_interpreter=SimpleNamespace(endpoint_config=EndpointConfig(url, token="t")))


async def ask_a_server_that(handler) -> tuple:
    app = web.Application()
    app.router.add_post("/model/parse", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        started = time.monotonic()
        parsed = await nlu_fallback._ask_nlu_server(processor_for(f"http://127.0.0.1:{port}"), UserMessage("hi"))
        return parsed, time.monotonic() - started
    finally:
        await runner.cleanup()


def test_a_server_that_never_answers_is_given_up_on(monkeypatch):
    monkeypatch.setattr(nlu_fallback, "NLU_SERVER_TIMEOUT_SECONDS", 0.5)

    async def hang(request):
        await asyncio.sleep(3)  # far past the limit; the server waits for it when it stops

    parsed, waited = asyncio.run(ask_a_server_that(hang))
    assert parsed is None and waited < 5


def test_an_answer_is_used_and_the_token_goes_in_the_query():
    async def answer(request):
        assert request.query["token"] == "t"
        return web.json_response({"intent": {"name": "greet", "confidence": 0.9}, "text": "hi"})

    parsed, _ = asyncio.run(ask_a_server_that(answer))
    assert parsed["intent"]["name"] == "greet"


def test_a_server_that_is_down_is_given_up_on_at_once():
    parsed = asyncio.run(nlu_fallback._ask_nlu_server(processor_for(f"http://127.0.0.1:{free_port()}"),
                                                      UserMessage("hi")))
    assert parsed is None
