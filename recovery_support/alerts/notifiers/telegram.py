"""Telegram: ``sendMessage`` to the staff chat, with an "Acknowledge" button (``callback_data ack:<id>``).

No ``parse_mode``: the text is sent as plain text, so whatever the person wrote (HTML, Markdown, links) is shown
as typed and can't format or hide anything. Link previews are off, so no URL in the person's text is fetched.
"""
from typing import Any, Dict

import aiohttp

from recovery_support.alerts.config import TelegramSettings
from recovery_support.alerts.message import AlertMessage
from recovery_support.alerts.notifiers import DeliveryError

TELEGRAM_MAX_CHARS = 4096


def ack_keyboard(handoff_id: int) -> Dict[str, Any]:
    return {"inline_keyboard": [[{"text": "Acknowledge", "callback_data": f"ack:{handoff_id}"}]]}


async def call(session: aiohttp.ClientSession, settings: TelegramSettings, method: str,
               payload: Dict[str, Any], timeout: float = 15.0) -> Any:
    """One Bot API call; returns ``result`` or raises with Telegram's description (never with the token)."""
    url = f"{settings.api_base_url}/bot{settings.bot_token()}/{method}"
    try:
        async with session.post(url, json=payload, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            if response.status != 200 or not isinstance(body, dict) or not body.get("ok"):
                description = body.get("description") if isinstance(body, dict) else None
                raise DeliveryError(f"telegram {method}: HTTP {response.status} {description or ''}".strip())
            return body.get("result")
    except aiohttp.ClientError as error:
        # aiohttp's message includes the URL, and the URL includes the bot token: keep only the error's kind.
        raise DeliveryError(f"telegram {method}: {type(error).__name__}") from None


class TelegramNotifier:
    def __init__(self, settings: TelegramSettings, chat_id: str, session: aiohttp.ClientSession,
                 timeout: float = 15.0) -> None:
        self.settings = settings
        self.chat_id = chat_id
        self.session = session
        self.timeout = timeout

    async def send(self, message: AlertMessage) -> None:
        await call(self.session, self.settings, "sendMessage", {
            "chat_id": self.chat_id,
            "text": message.text()[:TELEGRAM_MAX_CHARS],
            "disable_web_page_preview": True,
            "reply_markup": ack_keyboard(message.handoff_id),
        }, self.timeout)
