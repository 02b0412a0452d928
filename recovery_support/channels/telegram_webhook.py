"""Registering the webhook with Telegram, in the background once the server runs.

Rasa's connector calls ``setWebhook`` through ``asyncio.run`` while building the channel, which fails inside
a running loop and makes start-up depend on Telegram. Here it is a task on the server's loop: retried with
backoff, logged, and never able to stop the bot from serving.
"""
import asyncio
import logging
from typing import List

from recovery_support.channels.telegram_api import BotApi, TelegramApiError

logger = logging.getLogger(__name__)

# Only what the channel handles: Telegram then doesn't even send edits, channel posts or membership changes.
ALLOWED_UPDATES: List[str] = ["message", "callback_query"]


async def register_webhook(api: BotApi, url: str, secret_token: str, attempts: int = 5,
                           first_delay: float = 1.0, max_delay: float = 30.0) -> bool:
    """``setWebhook`` with the secret; True once Telegram accepted it, False after giving up."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            await api.call("setWebhook", {"url": url, "secret_token": secret_token,
                                          "allowed_updates": ALLOWED_UPDATES})
            logger.info("Telegram webhook registered: %s", url)
            return True
        except TelegramApiError as error:
            if error.permanent or attempt == attempts:
                logger.error("Telegram webhook NOT registered (%s, attempt %d of %d): the bot gets no Telegram "
                             "messages until it is. Check the token and TELEGRAM_WEBHOOK_URL (https), then restart.",
                             error, attempt, attempts)
                return False
            wait = error.retry_after if error.retry_after is not None else delay
            logger.warning("Telegram webhook not registered yet (%s); retrying in %.1f s (attempt %d of %d)",
                           error, wait, attempt, attempts)
            await asyncio.sleep(wait)
            delay = min(delay * 2, max_delay)
    return False
