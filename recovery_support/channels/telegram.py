"""The Telegram channel, replacing Rasa 3.6's connector (``rasa/core/channels/telegram.py``).

Rasa's connector trusts any POST to its webhook, calls ``getMe`` on every update, crashes on updates without a
``message``, registers its webhook through ``asyncio.run`` (failing inside a running loop) and can't be pointed at
another Bot API server. This one checks Telegram's secret header, never calls ``getMe``, ignores what it doesn't
handle, registers its webhook in the background, and takes the Bot API URL from configuration.

credentials.yml (unquoted: Rasa 3.6 substitutes ``${VAR}`` only in plain YAML scalars, never in quoted ones)::

    recovery_support.channels.telegram.TelegramChannel:
      access_token: ${TELEGRAM_BOT_TOKEN}
      verify: ${TELEGRAM_BOT_NAME}
      webhook_url: ${TELEGRAM_WEBHOOK_URL}  # https://<public host>/webhooks/telegram/webhook
      secret_token: ${TELEGRAM_SECRET_TOKEN}
      # api_base_url: https://api.telegram.org  (optional)
"""
import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException

from recovery_support.channels.log_ref import log_ref
from recovery_support.channels.never_silent import answer_turn
from recovery_support.channels.telegram_api import DEFAULT_API_BASE_URL, BotApi, TelegramApiError
from recovery_support.channels.telegram_render import crisis_text, inline_keyboard, is_crisis, text_chunks
from recovery_support.channels.telegram_secret import SECRET_HEADER, checked_secret_token, is_authentic
from recovery_support.channels.telegram_updates import RecentUpdates, callback_query_id, incoming_message
from recovery_support.channels.telegram_webhook import register_webhook

logger = logging.getLogger(__name__)

# What Telegram's "/start" (the first message of every chat) is handed to Rasa as: the greeting intent.
DEFAULT_START_MESSAGE = "/greet"
BUTTONS_PROMPT = "Choose one:"  # Telegram needs some text to attach a keyboard to


class TelegramOutput(OutputChannel):
    """Sends the bot's responses with ``sendMessage``, as plain text (never a ``parse_mode``).

    A failed send is logged, not raised: one unreachable chat (e.g. a person who blocked the bot) must not
    abort the rest of the turn.
    """

    @classmethod
    def name(cls) -> Text:
        return TelegramChannel.name()

    def __init__(self, api: BotApi) -> None:
        self.api = api

    async def _send(self, chat_id: Text, text: Text, reply_markup: Optional[Dict[Text, Any]] = None) -> None:
        payload: Dict[Text, Any] = {"chat_id": chat_id, "text": text}
        if reply_markup:
            payload["reply_markup"] = reply_markup
        try:
            await self.api.call("sendMessage", payload)
        except TelegramApiError as error:
            logger.error("Telegram reply to %s not delivered: %s", log_ref(chat_id), error)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for chunk in text_chunks(text):
            await self._send(recipient_id, chunk)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        chunks = text_chunks(text) or [BUTTONS_PROMPT]
        for chunk in chunks[:-1]:
            await self._send(recipient_id, chunk)
        # The keyboard goes under the last piece, where the person's eyes end up.
        await self._send(recipient_id, chunks[-1], inline_keyboard(buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        try:
            await self.api.call("sendPhoto", {"chat_id": recipient_id, "photo": image})
        except TelegramApiError as error:
            logger.error("Telegram image to %s not delivered: %s", log_ref(recipient_id), error)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Crisis resources become a text message; any other custom payload sends its "text", if any."""
        if not isinstance(json_message, dict):
            return
        if is_crisis(json_message):
            text = crisis_text(json_message)
            if text is None:
                # The reply's own text (sent before this) still went out; the payload itself is broken.
                logger.error("Crisis payload for %s lists no usable resource: %s", log_ref(recipient_id),
                             json.dumps(json_message)[:500])
                return
            await self.send_text_message(recipient_id, text)
        elif isinstance(json_message.get("text"), str):
            await self.send_text_message(recipient_id, json_message["text"])
        else:
            logger.debug("Custom payload with nothing to show in Telegram, not sent: %s", sorted(json_message))


class TelegramChannel(InputChannel):
    """Receives Telegram's webhook at ``/webhooks/telegram/webhook``."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        for key, value in credentials.items():
            # A quoted "${VAR}" reaches us as is: the bot would run with "${TELEGRAM_BOT_TOKEN}" as its token.
            if isinstance(value, str) and "${" in value:
                raise RasaException(
                    f"telegram channel: `{key}` is {value!r}, not substituted. Rasa replaces ${{VAR}} only when "
                    f"the value is not quoted in credentials.yml: write `{key}: {value}` without quotes.")
        return cls(
            access_token=credentials.get("access_token"),
            secret_token=credentials.get("secret_token"),
            webhook_url=credentials.get("webhook_url"),
            verify=credentials.get("verify"),
            api_base_url=credentials.get("api_base_url") or DEFAULT_API_BASE_URL,
            start_message=credentials.get("start_message") or DEFAULT_START_MESSAGE,
        )

    def __init__(self, access_token: Optional[Text], secret_token: Optional[Text],
                 webhook_url: Optional[Text] = None, verify: Optional[Text] = None,
                 api_base_url: Text = DEFAULT_API_BASE_URL, start_message: Text = DEFAULT_START_MESSAGE,
                 webhook_attempts: int = 5, webhook_first_delay: float = 1.0) -> None:
        # Checked here, while Rasa builds its channels: a misconfigured bot stops at start-up, not at the first update.
        if not access_token:
            raise RasaException("The telegram channel needs `access_token` in credentials.yml "
                                "(access_token: ${TELEGRAM_BOT_TOKEN}, unquoted: the token BotFather gave).")
        self.secret_token = checked_secret_token(secret_token)
        self.webhook_url = webhook_url or None
        self.bot_name = verify or None  # only for logs: the bot's username never needs asking Telegram (getMe)
        self.start_message = start_message
        self.api = BotApi(access_token, api_base_url)
        self.webhook_attempts = webhook_attempts
        self.webhook_first_delay = webhook_first_delay
        self.webhook_task: Optional["asyncio.Task[bool]"] = None
        self._recent = RecentUpdates()

    def get_output_channel(self) -> TelegramOutput:
        """No network call here (Rasa calls this at start-up and for proactive messages); all share one session."""
        return TelegramOutput(self.api)

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        # Only the channel: names and usernames of people in treatment stay out of the tracker store.
        return {"channel": self.name()}

    async def _register_webhook(self) -> bool:
        if not self.webhook_url:
            logger.warning("Telegram channel has no webhook_url: not registering a webhook. Telegram must "
                           "already be sending updates here with the secret token, or nothing will arrive.")
            return False
        try:
            return await register_webhook(self.api, self.webhook_url, self.secret_token,
                                          self.webhook_attempts, self.webhook_first_delay)
        except Exception:  # a background task: whatever happens, log it and keep serving
            logger.exception("Telegram webhook registration failed")
            return False

    async def _answer_button_press(self, query_id: Text) -> None:
        try:
            await self.api.call("answerCallbackQuery", {"callback_query_id": query_id})
        except TelegramApiError as error:
            logger.warning("Telegram button press not acknowledged: %s", error)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram = Blueprint("recovery_support_telegram")
        out_channel = self.get_output_channel()

        @telegram.listener("after_server_start")
        async def start_webhook_registration(_app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            # Scheduled, not awaited: the server serves while Telegram is slow or unreachable.
            logger.info("Telegram channel%s: registering the webhook in the background",
                        f" for @{self.bot_name}" if self.bot_name else "")
            self.webhook_task = loop.create_task(self._register_webhook())

        @telegram.listener("before_server_stop")
        async def stop(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
            if self.webhook_task is not None and not self.webhook_task.done():
                self.webhook_task.cancel()
            await self.api.close()

        @telegram.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not is_authentic(request.headers.get(SECRET_HEADER), self.secret_token):
                logger.warning("Telegram webhook: request without the right secret token refused")
                return response.text("forbidden", status=403)
            try:
                update = json.loads(request.body or b"null")
            except ValueError:
                return response.text("invalid JSON", status=400)
            # From here on always 200: any other answer makes Telegram send the same update again.
            if self._recent.seen_before(update):
                return response.text("ok")
            query_id = callback_query_id(update)
            if query_id is not None:
                await self._answer_button_press(query_id)  # stops the button's spinner, even if ignored
            message = incoming_message(update, self.start_message)
            if message is None:
                return response.text("ok")
            # A failed turn, or one with nothing to say, gets the apology with the clinic's number, 988 and 911.
            await answer_turn(on_new_message, UserMessage(message.text, out_channel, message.sender_id,
                                                          input_channel=self.name(),
                                                          metadata=self.get_metadata(request)))
            return response.text("ok")

        return telegram
