"""What a web or REST client may send as an intent payload.

Rasa reads a message that starts with "/" as an intent with entities ("/crisis_suicidal", "/restart",
'/greet{"crisis_category": "overdose"}'), skipping NLU and the crisis layer. The widget's buttons send
"/<topic>"; a person (or a script) can type anything. So a message that is exactly one of the buttons' payloads
passes, and any other slash command loses its slashes and goes through NLU like typed text, as the Telegram
channel already does (``telegram_updates.typed_text``).
"""
import re
from functools import lru_cache
from typing import FrozenSet

from rasa.shared.constants import INTENT_MESSAGE_PREFIX

from recovery_support.knowledge import load_knowledge_base

LEADING_SLASHES = re.compile(r"^[\s/]+")


@lru_cache(maxsize=1)
def button_payloads() -> FrozenSet[str]:
    """The payloads the bot's own buttons send: one per topic (``KnowledgeEntry.payload``)."""
    return frozenset(entry.payload for entry in load_knowledge_base())


def client_text(text: str) -> str:
    stripped = text.strip()  # Rasa strips too, so " /restart" would otherwise still be an intent
    if not stripped.startswith(INTENT_MESSAGE_PREFIX) or stripped in button_payloads():
        return text
    return LEADING_SLASHES.sub("", stripped).strip()
