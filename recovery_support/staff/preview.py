"""What a row of the conversation list says about a conversation before anyone opens it: the first words of
the person's crisis message if there was one (what staff must see first), else of their first message.

Kept by the projector on ``Conversation.preview``. It is a copy of what the person wrote, so retention clears
it with the rest of the text (retention.py), and the template escapes it like every other message.
"""
from typing import Iterable, Optional

from recovery_support.staff.turns import UserMessage

PREVIEW_CHARS = 100
ELLIPSIS = "…"
# Below this, a cut at the last space would throw away too much: cut inside the word instead.
MIN_WORD_CUT = PREVIEW_CHARS // 2
# A button the person tapped reaches Rasa as its payload ("/withdrawal_symptoms"): not words they wrote.
PAYLOAD_PREFIX = "/"


def shorten(text: str, limit: int = PREVIEW_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters, cut at a word boundary with "…" when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if flat[limit] != " ":  # the limit falls inside a word: drop that word if enough is left
        space = cut.rfind(" ")
        if space >= MIN_WORD_CUT:
            cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def _typed(message: UserMessage) -> bool:
    text = message.text.strip()
    return bool(text) and not text.startswith(PAYLOAD_PREFIX)


def preview_message(messages: Iterable[UserMessage]) -> Optional[UserMessage]:
    """The person's first crisis message, else their first typed message (None if they typed nothing)."""
    typed = [m for m in messages if _typed(m)]
    crisis = [m for m in typed if m.crisis_category]
    chosen = crisis or typed
    return chosen[0] if chosen else None


def conversation_preview(messages: Iterable[UserMessage]) -> str:
    """The preview to store: "" when the person typed nothing (only tapped buttons, or the bot spoke alone)."""
    message = preview_message(messages)
    return shorten(message.text) if message else ""
