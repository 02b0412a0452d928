"""Real servers on 127.0.0.1 ephemeral ports standing in for the outside world: a webhook receiver, the
Telegram Bot API and (aiosmtpd) an SMTP server."""
import asyncio
import time
from contextlib import asynccontextmanager, contextmanager
from typing import Any, AsyncIterator, Dict, Iterator, List

from aiohttp import web
from aiosmtpd.controller import Controller

from recovery_support.servers import free_port
from tests.local_server import serve  # noqa: F401 (also used by importers of this module)


class WebhookReceiver:
    """Answers 500 to the first ``fail_first`` requests, then 200; keeps every request."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: List[Dict[str, Any]] = []
        self.accepted: List[Dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        payload = await request.json()
        entry = {"payload": payload, "headers": dict(request.headers), "at": time.time()}
        self.requests.append(entry)
        if len(self.requests) <= self.fail_first:
            return web.Response(status=500, text="receiver down")
        self.accepted.append(entry)
        return web.json_response({"ok": True})

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        async with serve(app) as base:
            yield f"{base}/hook"


class FakeTelegram:
    """The Bot API methods the worker uses, with updates kept until confirmed by ``offset`` like Telegram."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: Dict[str, List[Dict[str, Any]]] = {}
        self.updates: List[Dict[str, Any]] = []
        self._next_update_id = 100

    def press(self, handoff_id: int, chat_id: str, user: Dict[str, Any]) -> None:
        """Someone presses "Acknowledge" under the alert in ``chat_id``."""
        self._next_update_id += 1
        self.updates.append({"update_id": self._next_update_id, "callback_query": {
            "id": f"cq{self._next_update_id}", "from": user, "data": f"ack:{handoff_id}",
            "message": {"message_id": 1, "chat": {"id": int(chat_id), "type": "supergroup"}},
        }})

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        payload = await request.json()
        self.calls.setdefault(method, []).append(payload)
        if method == "getUpdates":
            offset = payload.get("offset")
            if offset is not None:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            await asyncio.sleep(0)
            return web.json_response({"ok": True, "result": list(self.updates)})
        if method == "sendMessage":
            return web.json_response({"ok": True, "result": {"message_id": len(self.calls[method]),
                                                             "chat": {"id": payload["chat_id"]}, "text": payload["text"]}})
        return web.json_response({"ok": True, "result": True})

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        async with serve(app) as base:
            yield base


class Inbox:
    """aiosmtpd handler keeping every envelope."""

    def __init__(self) -> None:
        self.envelopes: List[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()
