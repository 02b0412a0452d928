"""The web chat's socket.io channel: Rasa 3.6's, with two fixes and unguessable session ids.

Rasa 3.6 with python-socketio 5.18 (a) calls the now-async ``enter_room`` without awaiting it, so the browser
never joins its session's room and gets no replies (RasaHQ/rasa#13027), and (b) emits a custom payload as
``emit(event, **payload)``, so a crisis payload raises TypeError and the turn is lost before it is saved.
Here custom payloads go out as ``{"custom": {...}}``, which the widget reads.

``POST /webhooks/socketio/staff_message`` lets the staff app write into an open web chat (``{"text": ...,
"staff": true}`` on the bot event, to the session's room), authorised by a shared secret (``STAFF_RELAY_TOKEN``).

With several servers (replicas), a browser's socket is on one of them, but a reply or a staff message may be emitted
by another: ``message_queue: redis://...`` in the channel's credentials (or ``SOCKETIO_MESSAGE_QUEUE``) makes every
emit go through Redis, python-socketio's own multi-server support, so it reaches the socket wherever it is.
"""
import hmac
import json
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, cast

import socketio
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from recovery_support.channels.body_limit import MAX_REQUEST_BYTES, limit_request_bodies
from recovery_support.channels.intent_payloads import client_text
from recovery_support.channels.message_limits import request_address
from recovery_support.channels.never_silent import answer_turn

logger = logging.getLogger(__name__)

# With session persistence, anyone who knows a session id receives that conversation's replies: accept only
# ids with 128 random bits (32 hex digits, a UUID's form), and hand out a fresh one otherwise.
UNGUESSABLE_ID = re.compile(r"^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# The staff app's relay (recovery_support/staff/relay.py) writes to a web chat through
# ``POST /webhooks/socketio/staff_message`` with this shared secret in ``STAFF_RELAY_TOKEN_HEADER``.
STAFF_RELAY_TOKEN_ENV = "STAFF_RELAY_TOKEN"
STAFF_RELAY_TOKEN_HEADER = "X-Staff-Token"
MAX_STAFF_MESSAGE_CHARS = 2000


def staff_token_ok(sent: Optional[str]) -> bool:
    """The relay's token, compared in constant time; with ``STAFF_RELAY_TOKEN`` unset or empty nothing passes."""
    expected = os.environ.get(STAFF_RELAY_TOKEN_ENV, "")
    if not expected or not sent:
        return False
    return hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


# The message queue's URL when the credentials' ``message_queue`` doesn't give it. With neither (the default,
# `make run`), emits stay in this process as before and no Redis is needed.
MESSAGE_QUEUE_ENV = "SOCKETIO_MESSAGE_QUEUE"
# A Redis that doesn't answer must not hold the rest of a turn for the OS's connect timeout (minutes): the
# local socket has its message already (the manager emits locally first), only other servers would miss it.
MESSAGE_QUEUE_CONNECT_TIMEOUT_SECONDS = 3


def share_emits_through(sio: socketio.AsyncServer, message_queue: Text) -> None:
    """Makes ``sio`` send its emits through the Redis at ``message_queue``, to its own and other servers' clients.

    Rasa's blueprint builds the AsyncServer itself; until it has served a connection, setting its manager is what
    ``AsyncServer(client_manager=...)`` does (python-socketio's BaseServer.__init__)."""
    assert not sio.manager_initialized, "the client manager must be set before the server serves anyone"
    manager = socketio.AsyncRedisManager(
        message_queue, redis_options={"socket_connect_timeout": MESSAGE_QUEUE_CONNECT_TIMEOUT_SECONDS})
    manager.set_server(sio)
    sio.manager = manager


# Which web pages may open the chat's socket (Rasa's lets any page: python-engineio's CORS handling is off, and
# a WebSocket is not held back by CORS anyway). Comma-separated origins, or the channel credentials'
# ``allowed_origins``; a page on the chat server's own host is always allowed. `make run` allows its demo page.
ALLOWED_ORIGINS_ENV = "SOCKETIO_ALLOWED_ORIGINS"


def origin_allowed(origin: Optional[Text], host: Optional[Text], allowed: List[Text]) -> bool:
    """A browser always names the page's origin; a client without one (a script, a test) is no browser, and the
    rate limits and unguessable sessions hold for it as for anyone."""
    if not origin:
        return True
    origin = origin.rstrip("/").lower()
    if origin in (o.rstrip("/").lower() for o in allowed):
        return True
    return bool(host) and origin.split("://", 1)[-1] == host.lower()


def session_id_or_new(requested: Any) -> Text:
    if isinstance(requested, str) and UNGUESSABLE_ID.match(requested.lower()):
        return requested.lower()
    return uuid.uuid4().hex


class ClinicSocketIOOutput(SocketIOOutput):
    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class ClinicSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"  # same webhook path and input_channel name as Rasa's

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = cast(ClinicSocketIOInput, super().from_credentials(credentials))
        channel.message_queue = (credentials or {}).get("message_queue") or os.environ.get(MESSAGE_QUEUE_ENV) or None
        origins = (credentials or {}).get("allowed_origins") or os.environ.get(ALLOWED_ORIGINS_ENV, "").split(",")
        channel.allowed_origins = [str(o).strip() for o in origins if str(o).strip()]
        return channel

    def __init__(self, *args: Any, message_queue: Optional[Text] = None,
                 allowed_origins: Optional[List[Text]] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message_queue = message_queue
        self.allowed_origins = list(allowed_origins or [])

    def get_output_channel(self) -> Optional[ClinicSocketIOOutput]:
        return ClinicSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        limit_request_bodies(blueprint)
        sio = self.sio
        sio.eio.max_http_buffer_size = MAX_REQUEST_BYTES  # engine.io's own cap (1 MB by default)
        if self.message_queue:
            share_emits_through(sio, self.message_queue)

        # Registering the same events again replaces Rasa's handlers.
        rasas_connect = sio.handlers[self.namespace or "/"]["connect"]

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not origin_allowed(origin, environ.get("HTTP_HOST"), self.allowed_origins):
                logger.warning("socket.io: refused a page from %r (not in %s)", origin[:100], ALLOWED_ORIGINS_ENV)
                return False
            return await rasas_connect(sid, environ, auth)  # Rasa's own check (a JWT, when configured)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = session_id_or_new((data or {}).get("session_id") if isinstance(data, dict) else None)
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            # The socket may write into this session only (python-socketio keeps it per socket, and forgets it
            # when the socket disconnects).
            await sio.save_session(sid, {"session_id": session_id}, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                confirmed = (await sio.get_session(sid, namespace=self.namespace)).get("session_id")
                if not confirmed or data.get("session_id") != confirmed:
                    return  # not the session this socket was confirmed for: another person's conversation
                sender_id = confirmed
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            output = ClinicSocketIOOutput(sio, self.bot_message_evt)
            text = client_text(str(data.get("message", "")))
            request = sio.get_environ(sid, namespace=self.namespace).get("sanic.request")
            await answer_turn(on_new_message, UserMessage(text, output, sender_id, input_channel=self.name(),
                                                          metadata=metadata),
                              request_address(request) if request is not None else None)

        @blueprint.route("/staff_message", methods=["POST"])
        async def staff_message(request: Request) -> HTTPResponse:
            # Read at each request: setting or rotating the token needs no restart, and unset means closed.
            if not staff_token_ok(request.headers.get(STAFF_RELAY_TOKEN_HEADER)):
                return response.json({"ok": False, "error": "forbidden"}, status=403)
            try:
                data = request.json
            except Exception:  # sanic raises on a body that is not JSON
                data = None
            if not isinstance(data, dict):
                return response.json({"ok": False, "error": "a JSON object is expected"}, status=400)
            session_id, text = data.get("session_id"), data.get("text")
            if not (isinstance(session_id, str) and UNGUESSABLE_ID.match(session_id)):
                return response.json({"ok": False, "error": "bad session_id"}, status=400)
            if not (isinstance(text, str) and text.strip() and len(text) <= MAX_STAFF_MESSAGE_CHARS):
                return response.json(
                    {"ok": False, "error": f"text: 1-{MAX_STAFF_MESSAGE_CHARS} characters"}, status=400)
            # One server knows whether the chat is open; with a message queue the socket may be on another
            # replica, which this one can't see (python-socketio keeps no shared list), so it sends regardless.
            if not self.message_queue and not any(sio.manager.get_participants(self.namespace or "/", session_id)):
                return response.json({"ok": False, "error": "the person's chat window is not open"}, status=409)
            await sio.emit(self.bot_message_evt, {"text": text, "staff": True}, room=session_id,
                           namespace=self.namespace)
            return response.json({"ok": True})

        return blueprint
