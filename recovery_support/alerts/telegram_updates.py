"""Acknowledging from Telegram: long-poll ``getUpdates`` for presses of the alert's "Acknowledge" button.

Only presses in a configured staff chat count. An update is confirmed to Telegram (by the next ``offset``) only
after its acknowledgement was written, so a database outage doesn't lose a press: Telegram sends it again.
"""
import asyncio
import logging
import re
from typing import Any, Callable, Dict, FrozenSet, List, Optional

import aiohttp
from sqlalchemy.engine import Engine

from recovery_support.alerts.acknowledge import AckResult, acknowledge
from recovery_support.alerts.config import AlertsConfig, TelegramSettings
from recovery_support.alerts.notifiers.telegram import call

logger = logging.getLogger(__name__)

ACK_DATA = re.compile(r"^ack:(\d{1,12})$")


def telegram_name(user: Dict[str, Any]) -> str:
    """"Ana Ruiz (@ana, telegram 123)": readable, and still identifies the person if names repeat."""
    name = " ".join(str(user.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    extras = [f"@{user['username']}"] if user.get("username") else []
    if user.get("id") is not None:
        extras.append(f"telegram {user['id']}")
    return f"{name or 'Telegram user'} ({', '.join(extras)})" if extras else (name or "Telegram user")


def ack_answer(result: AckResult) -> str:
    if not result.found:
        return "That handoff doesn't exist."
    if result.acknowledged_now:
        return "Acknowledged. Thank you: the backup won't be paged."
    if result.status == "acknowledged":
        return f"Already acknowledged by {result.by}."
    return f"This handoff is {result.status}."


def bots(config: AlertsConfig) -> List[tuple]:
    """(settings, staff chat ids) for each distinct bot with polling on: one getUpdates reader per bot."""
    found: Dict[tuple, tuple] = {}
    for group in (config.on_call, config.backup):
        settings = group.telegram
        if settings is None or not settings.poll_updates:
            continue
        key = (settings.api_base_url, settings.bot_token_env)
        previous = found.get(key)
        chats = frozenset({settings.chat_id}) | (previous[1] if previous else frozenset())
        found[key] = (previous[0] if previous else settings, chats)
    return list(found.values())


class TelegramAckPoller:
    def __init__(self, engine: Engine, settings: TelegramSettings, chat_ids: FrozenSet[str],
                 session: aiohttp.ClientSession, idle_seconds: float, retry_max_seconds: float,
                 is_active: Callable[[], bool] = lambda: True) -> None:
        self.engine = engine
        self.settings = settings
        self.chat_ids = chat_ids
        self.session = session
        self.idle_seconds = idle_seconds
        self.retry_max_seconds = retry_max_seconds
        self.offset: Optional[int] = None
        self.is_active = is_active  # a standby worker doesn't poll: Telegram serves getUpdates to one caller

    async def run(self) -> None:
        failures = 0
        while True:
            if not self.is_active():
                await asyncio.sleep(self.idle_seconds)
                continue
            try:
                handled = await self.poll_once()
                failures = 0
                if not handled and self.settings.poll_timeout_seconds < 1:
                    await asyncio.sleep(self.idle_seconds)  # short polling: don't spin
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                delay = min(self.idle_seconds * 2 ** failures, self.retry_max_seconds)
                # 409 Conflict: the bot has a webhook (e.g. it is also the users' bot); see config/alerts.yml.
                logger.error("Telegram getUpdates failed (retry in %.1f s): %s", delay, error)
                await asyncio.sleep(delay)

    async def poll_once(self) -> int:
        payload: Dict[str, Any] = {"timeout": int(max(self.settings.poll_timeout_seconds, 0)),
                                   "allowed_updates": ["callback_query"]}
        if self.offset is not None:
            payload["offset"] = self.offset
        updates = await call(self.session, self.settings, "getUpdates", payload,
                             timeout=self.settings.poll_timeout_seconds + 15)
        for update in updates or []:
            await self.handle(update)  # raises (db down): the offset stays, Telegram sends it again
            self.offset = int(update["update_id"]) + 1
        return len(updates or [])

    async def handle(self, update: Dict[str, Any]) -> None:
        query = update.get("callback_query")
        if not isinstance(query, dict):
            return
        match = ACK_DATA.match(str(query.get("data") or ""))
        chat = ((query.get("message") or {}).get("chat") or {}).get("id")
        if match is None:
            return
        if str(chat) not in self.chat_ids:
            logger.warning("Ignored an Acknowledge press from chat %s, which is not a staff chat", chat)
            await self._answer(query, "Not allowed from this chat.")
            return
        name = telegram_name(query.get("from") or {})
        result = await asyncio.to_thread(acknowledge, self.engine, int(match.group(1)), name, "telegram")
        if result.acknowledged_now:
            logger.info("Handoff #%s acknowledged by %s via Telegram", match.group(1), name)
        await self._answer(query, ack_answer(result))

    async def _answer(self, query: Dict[str, Any], text: str) -> None:
        try:
            await call(self.session, self.settings, "answerCallbackQuery",
                       {"callback_query_id": query.get("id"), "text": text[:200]})
        except Exception as error:  # the acknowledgement is already written; the toast is a courtesy
            logger.warning("answerCallbackQuery failed: %s", error)
