"""The intents each conversation's messages were read as: kept by the projector, read by the list's intent filter
and its drop-down, so neither scans Rasa's ``events``.

The drop-down asks ``intents`` (a handful of names) which of them some conversation still has: one index probe
per name, where a DISTINCT over ``conversation_intents`` would read a row per conversation and intent.

A conversation's topics (the list shows them) are its topic intents: those with a knowledge entry,
``data/knowledge/topics/<intent>.yml``, so a topic added there is a topic here without a second list to edit.
"""
from functools import lru_cache
from pathlib import Path
from typing import Any, FrozenSet, Iterable, List, Optional, Set

import sqlalchemy as sa
from sqlalchemy.orm import Session

from recovery_support.paths import KNOWLEDGE_DIR
from recovery_support.staff.models import Conversation, ConversationIntent, Intent

MAX_OPTIONS = 500
TOPICS_DIR = KNOWLEDGE_DIR / "topics"
TOPIC_SEPARATOR = ","  # intent names are identifiers: never a comma in them


def replace_intents(session: Session, conversation_id: int, intents: Set[str],
                    stored: Optional[Set[str]] = None) -> None:
    """Writes only the difference from what is ``stored`` (read if not given): most turns bring no intent the
    conversation didn't have."""
    if stored is None:
        stored = set(session.execute(sa.select(ConversationIntent.intent)
                                     .where(ConversationIntent.conversation_id == conversation_id)).scalars())
    gone, new = stored - intents, intents - stored
    if gone:
        session.execute(sa.delete(ConversationIntent).where(ConversationIntent.conversation_id == conversation_id,
                                                            ConversationIntent.intent.in_(gone)))
    if not new:
        return
    known = set(session.execute(sa.select(Intent.name).where(Intent.name.in_(new))).scalars())
    if new - known:
        session.execute(sa.insert(Intent), [{"name": name} for name in sorted(new - known)])
    session.execute(sa.insert(ConversationIntent),
                    [{"conversation_id": conversation_id, "intent": name} for name in sorted(new)])


def intent_options(session: Session) -> List[str]:
    in_use = sa.exists().where(ConversationIntent.intent == Intent.name)
    return list(session.execute(sa.select(Intent.name).where(in_use).order_by(Intent.name).limit(MAX_OPTIONS))
                .scalars())


def having_intent(intent: str) -> Any:
    """A WHERE clause on ``Conversation``: one of the person's messages was read as ``intent``."""
    return Conversation.id.in_(sa.select(ConversationIntent.conversation_id).where(ConversationIntent.intent == intent))


@lru_cache(maxsize=None)
def topic_intents(directory: Path = TOPICS_DIR) -> FrozenSet[str]:
    """Intents that name a topic: one knowledge file each (greetings, chitchat, fallback and crisis have none)."""
    return frozenset(p.stem for p in Path(directory).glob("*.yml"))


def topics_in_order(intents: Iterable[Optional[str]], topics: Optional[FrozenSet[str]] = None) -> List[str]:
    """The distinct topic intents among ``intents`` (the person's messages, in order), first asked first."""
    topics = topic_intents() if topics is None else topics
    return list(dict.fromkeys(i for i in intents if i in topics))


def join_topics(topics: Iterable[str]) -> str:
    return TOPIC_SEPARATOR.join(topics)


def split_topics(stored: Optional[str]) -> List[str]:
    return [t for t in (stored or "").split(TOPIC_SEPARATOR) if t]
