"""Receivers that start down and come back on the same port: a webhook, the Telegram Bot API and SMTP.

Down is one of two things. ``REFUSED``: the port is bound but not listening, so every connection is refused (no
race for the port: the socket is the one the server listens on later). ``ERRORS``: the server answers with an
error (HTTP 503, Telegram 502, SMTP 554). Each arrival is kept as an ``Arrival`` stamped with the simulated
time, so a test can tell what reached the receiver, what it accepted, and when.
"""
import asyncio
import re
import socket
from dataclasses import dataclass
from email import message_from_bytes, policy
from typing import Any, Callable, List, Optional, Tuple

from aiohttp import web
from aiosmtpd.smtp import SMTP

REFUSED = "refused"
ERRORS = "5xx"


@dataclass(frozen=True)
class Arrival:
    at: float  # simulated seconds since the start
    recipient: str  # webhook path, chat id or e-mail address
    handoff_id: int
    kind: str  # alert or escalation
    key: Optional[str]  # the idempotency key the sender gave, if any

    @property
    def target(self) -> Tuple[str, int, str]:
        """Which alert for whom: the same on every attempt of one outbox row."""
        return self.recipient, self.handoff_id, self.kind


class DownReceiver:
    """Down until ``come_back()``. ``hold`` (an unset event) makes the next arrival wait for it before the
    answer: the receiver has the alert, the sender is still waiting."""

    def __init__(self, mode: str, elapsed: Callable[[], float]) -> None:
        self.mode = mode
        self.elapsed = elapsed
        self.down = True
        self.arrived: List[Arrival] = []  # every attempt that reached the receiver
        self.accepted: List[Arrival] = []  # the ones answered with success
        self.hold: Optional[asyncio.Event] = None
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._listening = False

    async def __aenter__(self) -> "DownReceiver":
        if self.mode == ERRORS:
            await self._listen()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.hold is not None:
            self.hold.set()
        if self._listening:
            await self._close()
        self.sock.close()

    async def come_back(self) -> None:
        self.down = False
        if not self._listening:
            await self._listen()

    async def take(self, arrival: Arrival) -> bool:
        """Keep ``arrival``; True when the receiver accepts it (it is up)."""
        self.arrived.append(arrival)
        hold, self.hold = self.hold, None
        if hold is not None:
            await hold.wait()
        if self.down:
            return False
        self.accepted.append(arrival)
        return True

    async def _listen(self) -> None:
        self._listening = True
        await self._serve()

    async def _serve(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        raise NotImplementedError


class HttpReceiver(DownReceiver):
    runner: web.AppRunner

    async def _serve(self) -> None:
        app = web.Application()
        self.routes(app)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.SockSite(self.runner, self.sock).start()

    async def _close(self) -> None:
        await self.runner.cleanup()

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError


class DownWebhook(HttpReceiver):
    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{name}"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/hook/{name}", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        payload = await request.json()
        arrival = Arrival(self.elapsed(), self.url(request.match_info["name"]), payload["handoff_id"],
                          payload["kind"], request.headers.get("Idempotency-Key"))
        assert payload["idempotency_key"] == arrival.key
        if await self.take(arrival):
            return web.json_response({"ok": True})
        return web.Response(status=503, text="Service Unavailable")


class DownTelegram(HttpReceiver):
    """The Bot API's ``sendMessage`` (the only call delivery makes)."""

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/sendMessage", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        payload = await request.json()
        button = payload["reply_markup"]["inline_keyboard"][0][0]["callback_data"]  # ack:<handoff id>
        kind = "escalation" if payload["text"].startswith("[ESCALATION") else "alert"
        arrival = Arrival(self.elapsed(), str(payload["chat_id"]), int(button.split(":")[1]), kind, None)
        if await self.take(arrival):
            return web.json_response({"ok": True, "result": {"message_id": len(self.accepted)}})
        return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)


class DownSmtp(DownReceiver):
    server: asyncio.AbstractServer

    async def _serve(self) -> None:
        # On the test's own event loop (smtplib runs in a thread), so ``hold`` can be awaited here.
        self.server = await asyncio.get_running_loop().create_server(
            lambda: SMTP(self, hostname="localhost"), sock=self.sock)

    async def _close(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        found = re.search(r"^\[(ESCALATION)?.*\(handoff #(\d+)\)$", str(mail["Subject"]))
        assert found, mail["Subject"]
        kind = "escalation" if found.group(1) else "alert"
        taken = [await self.take(Arrival(self.elapsed(), recipient, int(found.group(2)), kind,
                                         str(mail["Message-ID"])))
                 for recipient in envelope.rcpt_tos]
        return "250 Message accepted for delivery" if all(taken) else "554 5.3.0 Mail system unavailable"
