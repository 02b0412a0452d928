"""Which Telegram updates become a user message, and with what text.

Only a private chat's text message or button press counts; everything else (edited messages, channel posts,
membership changes, stickers, photos, group chats) is acknowledged and dropped. Group chats are dropped because
the conversation id is the chat id: everyone in a group would share one conversation and read each other's replies.
"""
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Optional

from rasa.shared.constants import INTENT_MESSAGE_PREFIX

from recovery_support.channels.intent_payloads import LEADING_SLASHES


@dataclass(frozen=True)
class IncomingMessage:
    sender_id: str  # the chat id, as a string: Telegram's conversation is Rasa's conversation
    text: str
    from_button: bool = False


def _private_chat_id(message: Any) -> Optional[str]:
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
        return None
    chat = message["chat"]
    if chat.get("type") != "private" or chat.get("id") is None:
        return None
    return str(chat["id"])


def typed_text(text: str, start_message: str) -> Optional[str]:
    """What the person typed, made safe for Rasa.

    Rasa reads a message starting with "/" as an intent with entities ("/crisis_suicidal", "/restart",
    '/greet{"topic": ...}'), skipping NLU. Only our own buttons may do that, so a typed command loses its slashes
    and goes through NLU like any text ("/help" -> "help"). Telegram's "/start" (sent when someone opens the bot,
    possibly with a deep-link parameter) becomes ``start_message``.
    """
    text = text.strip()  # Rasa strips too, so " /restart" would otherwise still be an intent
    if not text.startswith(INTENT_MESSAGE_PREFIX):
        return text or None
    words = LEADING_SLASHES.sub("", text).split(None, 1)
    if not words:
        return None
    command = words[0].split("@", 1)[0]  # "/start@clinic_bot": "@name" only says which bot is addressed
    if command.lower() == "start":
        return start_message
    # Stripped again after joining, so "/ /restart" or "/@x /restart" can't leave a slash in front.
    return LEADING_SLASHES.sub("", " ".join([command, *words[1:]])).strip() or None


def incoming_message(update: Any, start_message: str) -> Optional[IncomingMessage]:
    """The user message an update carries, or ``None`` for an update to acknowledge and ignore."""
    if not isinstance(update, dict):
        return None
    query = update.get("callback_query")
    if isinstance(query, dict):
        # A press of one of our inline buttons: ``data`` is the payload we put there, intents included.
        chat_id = _private_chat_id(query.get("message"))
        data = query.get("data")
        if chat_id is None or not isinstance(data, str) or not data.strip():
            return None
        return IncomingMessage(chat_id, data.strip(), from_button=True)
    message = update.get("message")
    chat_id = _private_chat_id(message)
    if chat_id is None or not isinstance(message.get("text"), str):
        return None
    text = typed_text(message["text"], start_message)
    return IncomingMessage(chat_id, text) if text else None


def callback_query_id(update: Any) -> Optional[str]:
    """Every button press must be answered, even an ignored one, or the person's button keeps spinning."""
    if isinstance(update, dict) and isinstance(update.get("callback_query"), dict):
        query_id = update["callback_query"].get("id")
        return str(query_id) if query_id is not None else None
    return None


class RecentUpdates:
    """The last ``size`` update ids: Telegram sends an update again when our answer was slow, and a person's
    message must not be answered (or raise an alert) twice."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._ids: "OrderedDict[int, None]" = OrderedDict()

    def seen_before(self, update: Dict[str, Any]) -> bool:
        """True if this update id came before; remembers it otherwise."""
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int):
            return False
        if update_id in self._ids:
            return True
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False
