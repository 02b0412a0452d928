"""A fake Telegram Bot API on 127.0.0.1: records every method call and answers like Telegram."""
import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

from aiohttp import web

from tests.local_server import serve


class FakeBotApi:
    """``calls`` keeps (method, payload) in arrival order; ``failures[method]``: how many calls answer 500 first;
    ``delays[method]``: seconds each call takes (a slow Telegram)."""

    def __init__(self, token: str, failures: Optional[Dict[str, int]] = None,
                 delays: Optional[Dict[str, float]] = None) -> None:
        self.token = token
        self.failures = dict(failures or {})
        self.delays = dict(delays or {})
        self.calls: List[Tuple[str, Dict[str, Any]]] = []

    def payloads(self, method: str) -> List[Dict[str, Any]]:
        return [payload for name, payload in self.calls if name == method]

    def methods(self) -> List[str]:
        return [name for name, _ in self.calls]

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        payload = await request.json() if request.can_read_body else {}
        self.calls.append((method, payload))
        await asyncio.sleep(self.delays.get(method, 0))
        if self.failures.get(method, 0) > 0:
            self.failures[method] -= 1
            return web.json_response({"ok": False, "error_code": 500, "description": "Internal Server Error"},
                                     status=500)
        return web.json_response({"ok": True, "result": self.result(method, payload)})

    def result(self, method: str, payload: Dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 123456, "is_bot": True, "first_name": "Clinic", "username": "clinic_test_bot"}
        if method in ("sendMessage", "sendPhoto"):
            return {"message_id": len(self.calls), "date": 0, "chat": {"id": payload.get("chat_id"),
                                                                      "type": "private"},
                    "text": payload.get("text", "")}
        return True  # setWebhook, answerCallbackQuery, ...

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serves until the block ends; yields the base URL to configure as ``api_base_url``."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        async with serve(app) as url:
            yield url
