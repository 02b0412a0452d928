"""The REST channel, with a reply in every turn (``never_silent``): Rasa's own returns ``[]`` when the action
server is down. The conversation's channel is this channel's name: Rasa's ``RestInput`` takes ``input_channel``
from the request body, so any client could file its conversation as Telegram's (and staff replies would go
to a chat id it chose).

REST is for tests and integrations. With ``token`` in its credentials (the production credentials set it from
``REST_CHANNEL_TOKEN``), a request needs ``Authorization: Bearer <token>``; without one (``make run``, tests) it
is open, as on a developer's machine."""
import hmac
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from recovery_support.channels.body_limit import limit_request_bodies
from recovery_support.channels.intent_payloads import client_text
from recovery_support.channels.message_limits import request_address
from recovery_support.channels.never_silent import answer_turn


class ClinicRestInput(RestInput):
    def __init__(self, token: Optional[Text] = None) -> None:
        self.token = token or None  # an unset ${REST_CHANNEL_TOKEN} arrives as "": that is no token

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(token=str((credentials or {}).get("token") or "") or None)

    def authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode("utf-8"), f"Bearer {self.token}".encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        limit_request_bodies(blueprint)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": "This channel needs its token."}, status=401)
            sender_id = await self._extract_sender(request)
            text = client_text(str(self._extract_message(request) or ""))
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender_id, input_channel=self.name(),
                                  metadata=self.get_metadata(request))
            await answer_turn(on_new_message, message, request_address(request))
            return response.json(collector.messages)

        return blueprint
