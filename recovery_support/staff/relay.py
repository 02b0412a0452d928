"""Staff writing to a person in an open conversation, through the channel the person is on.

- ``socketio`` (web chat): ``POST {RASA_URL}/webhooks/socketio/staff_message`` with ``X-Staff-Token:
  STAFF_RELAY_TOKEN``; the Rasa server's channel (channels/socketio.py) emits it into the chat's room.
- ``telegram``: the Bot API's ``sendMessage`` (``TELEGRAM_API_BASE_URL``, ``TELEGRAM_BOT_TOKEN``), plain text
  (no ``parse_mode``: shown exactly as typed).
- anything else (``rest``, ...): the person has no open line to us, so :class:`UnsupportedChannel`.

Configuration is read from the environment at each call. Errors never carry a token (the Bot API's URL holds
one) nor the message text.
"""
import asyncio
import os
from typing import Any

import aiohttp

from recovery_support.channels.telegram_api import DEFAULT_API_BASE_URL, BotApi, TelegramApiError

DEFAULT_RASA_URL = "http://localhost:5005"
STAFF_MESSAGE_PATH = "/webhooks/socketio/staff_message"
TOKEN_HEADER = "X-Staff-Token"  # channels/socketio.py STAFF_RELAY_TOKEN_HEADER (not imported: that loads Rasa)
DEFAULT_TIMEOUT_SECONDS = 10.0


class RelayError(Exception):
    """The message did not reach the person; the text is safe to show to staff."""


class UnsupportedChannel(RelayError):
    def __init__(self, channel: str) -> None:
        super().__init__(f"this channel cannot receive staff messages ({channel or 'unknown channel'})")
        self.channel = channel


def _timeout(settings: Any) -> float:
    return float(getattr(settings, "relay_timeout_seconds", DEFAULT_TIMEOUT_SECONDS))


async def _send_socketio(session_id: str, text: str, settings: Any) -> None:
    token = os.environ.get("STAFF_RELAY_TOKEN", "")
    if not token:
        raise RelayError("the web chat relay is not configured (STAFF_RELAY_TOKEN is not set)")
    url = os.environ.get("RASA_URL", "").strip() or DEFAULT_RASA_URL
    url = url.rstrip("/") + STAFF_MESSAGE_PATH
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=_timeout(settings))) as session:
            async with session.post(url, json={"session_id": session_id, "text": text},
                                    headers={TOKEN_HEADER: token}) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                if response.status != 200 or not (isinstance(body, dict) and body.get("ok") is True):
                    reason = body.get("error") if isinstance(body, dict) else None
                    raise RelayError(f"the web chat refused the message (HTTP {response.status}"
                                     + (f": {reason})" if isinstance(reason, str) else ")"))
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise RelayError(f"the web chat could not be reached ({type(error).__name__})") from None


async def _send_telegram(chat_id: str, text: str, settings: Any) -> None:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "")
    if not token:
        raise RelayError("the Telegram relay is not configured (TELEGRAM_BOT_TOKEN is not set)")
    base_url = os.environ.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL
    api = BotApi(token, base_url, timeout=_timeout(settings))
    try:
        # No parse_mode: Telegram shows the text exactly as typed (no Markdown/HTML interpretation).
        await api.call("sendMessage", {"chat_id": chat_id, "text": text})
    except TelegramApiError as error:
        raise RelayError(f"Telegram refused or could not take the message ({error})") from None
    finally:
        await api.close()


async def send_to_person(channel: str, sender_id: str, text: str, settings: Any) -> None:
    """Sends ``text`` to the person behind ``sender_id`` on ``channel``; raises :class:`RelayError` if it didn't."""
    if channel == "socketio":
        await _send_socketio(sender_id, text, settings)
    elif channel == "telegram":
        await _send_telegram(sender_id, text, settings)
    else:
        raise UnsupportedChannel(channel)
