"""The webhook's shared secret: Telegram sends it back in ``X-Telegram-Bot-Api-Secret-Token`` on every update.

Without it, anyone who learns the webhook URL can post fake updates as any chat id: talk to the bot as someone
else, or set off crisis alerts. So the channel refuses to start without one, and refuses requests without it.
"""
import hmac
import re
from typing import Optional

from rasa.shared.exceptions import RasaException

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Telegram accepts 1-256 of these characters; fewer than 16 is guessable.
_VALID_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def checked_secret_token(secret: Optional[str]) -> str:
    """The configured secret, or a ``RasaException`` saying what is wrong (at start-up, not at the first update)."""
    if not secret:
        raise RasaException(
            "The telegram channel needs `secret_token` in credentials.yml (secret_token: ${TELEGRAM_SECRET_TOKEN}, "
            "unquoted): without it anyone can post fake updates to the webhook. "
            f"Generate one with: {GENERATE_HINT}")
    if not _VALID_SECRET.match(secret):
        raise RasaException(
            "The telegram channel's `secret_token` must be 16-256 characters of A-Z, a-z, 0-9, '_' and '-' "
            f"(what Telegram accepts). Generate one with: {GENERATE_HINT}")
    return secret


def is_authentic(header_value: Optional[str], secret: str) -> bool:
    """Constant-time comparison, so the secret can't be guessed byte by byte from response times."""
    if not header_value:
        return False
    return hmac.compare_digest(header_value.encode("utf-8", "replace"), secret.encode("utf-8"))
