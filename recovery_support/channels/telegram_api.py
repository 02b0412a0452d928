"""A minimal Telegram Bot API client: ``POST {api_base_url}/bot{token}/{method}`` with a JSON body.

Errors never carry the URL, because the URL carries the bot token.
"""
import asyncio
import logging
from typing import Any, Dict, Optional

# Plain aiohttp rather than aiogram's Bot: the base URL and every field sent (never a parse_mode) stay explicit.
import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.telegram.org"

# Telegram's flood control answers 429 with ``retry_after``; a short wait is worth it (a crisis reply must
# arrive), a long one is not (the webhook request would time out).
MAX_FLOOD_WAIT_SECONDS = 5.0


class TelegramApiError(Exception):
    """A Bot API call failed: Telegram said no, or couldn't be reached (``status`` is then ``None``)."""

    def __init__(self, method: str, description: str, status: Optional[int] = None,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(f"telegram {method}: {description}")
        self.method = method
        self.status = status
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        """Bad request, bad token or forbidden: asking again gives the same answer."""
        return self.status in (400, 401, 403, 404)


class BotApi:
    """One bot's Bot API calls over one lazily created ``aiohttp`` session (created inside the running loop)."""

    def __init__(self, token: str, base_url: str = DEFAULT_API_BASE_URL, timeout: float = 15.0) -> None:
        self._token = token
        self.base_url = (base_url or DEFAULT_API_BASE_URL).rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def call(self, method: str, payload: Dict[str, Any]) -> Any:
        """Calls ``method`` and returns Telegram's ``result``; waits out one short flood-control pause."""
        try:
            return await self._call_once(method, payload)
        except TelegramApiError as error:
            if error.status != 429 or error.retry_after is None or error.retry_after > MAX_FLOOD_WAIT_SECONDS:
                raise
            logger.warning("telegram %s: flood control, retrying in %.1f s", method, error.retry_after)
            await asyncio.sleep(error.retry_after)
            return await self._call_once(method, payload)

    async def _call_once(self, method: str, payload: Dict[str, Any]) -> Any:
        url = f"{self.base_url}/bot{self._token}/{method}"
        try:
            async with self._get_session().post(url, json=payload) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                if response.status == 200 and isinstance(body, dict) and body.get("ok"):
                    return body.get("result")
                body = body if isinstance(body, dict) else {}
                parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
                retry_after = parameters.get("retry_after")
                raise TelegramApiError(
                    method, f"HTTP {response.status} {body.get('description') or ''}".strip(), response.status,
                    float(retry_after) if isinstance(retry_after, (int, float)) else None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            # aiohttp's message includes the URL, and the URL includes the token: keep only the error's kind.
            raise TelegramApiError(method, type(error).__name__) from None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
