"""Full-text search over what people and the bot wrote: a case-insensitive substring of one message's text.

The projector copies the ``text`` of each user and bot event into ``search_messages`` (``replace_messages``),
so JSON keys and intent names never count as hits. Texts and search terms go through ``fold``: case-folded in
Python, so "CAFÉ" finds "café" on SQLite too, and runs of whitespace made one space. The term reaches SQL as a
bound ``LIKE`` pattern with its wildcards escaped; PostgreSQL answers it from a trigram index (migration 0004),
SQLite by reading the table. A row per message rather than per conversation: PostgreSQL's statistics skip
values over 1 kB, and without them it plans the list's page as if the term were rare.
"""
from typing import Any, Dict, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from recovery_support.staff.models import Conversation, SearchMessage
from recovery_support.staff.turns import load_data

SEARCHED_EVENTS = ("user", "bot")


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def message_text(data: dict) -> str:
    return data.get("text") if isinstance(data.get("text"), str) else ""


def searchable_messages(rows: Iterable[Any]) -> Dict[int, str]:
    """``events`` rows (id, type_name, data) as ``{event id: folded text}``, messages with no text left out."""
    folded = ((r.id, fold(message_text(load_data(r.data)))) for r in rows if r.type_name in SEARCHED_EVENTS)
    return {event_id: text for event_id, text in folded if text}


def replace_messages(session: Session, conversation_id: int, messages: Dict[int, str],
                     stored: Optional[Dict[int, str]] = None) -> None:
    """Writes only the difference from what is ``stored`` (read if not given): a new turn adds two rows."""
    if stored is None:
        stored = dict(session.execute(sa.select(SearchMessage.event_id, SearchMessage.text)
                                      .where(SearchMessage.conversation_id == conversation_id)).all())
    stale = [event_id for event_id, text in stored.items() if messages.get(event_id) != text]
    if stale:
        session.execute(sa.delete(SearchMessage).where(SearchMessage.event_id.in_(stale)))
    new = [{"event_id": event_id, "conversation_id": conversation_id, "text": text}
           for event_id, text in messages.items() if stored.get(event_id) != text]
    if new:
        session.execute(sa.insert(SearchMessage), new)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching(term: str) -> Any:
    """A WHERE clause on ``Conversation``: one of its messages contains ``term``."""
    needle = fold(term)
    if not needle:
        return sa.false()
    return Conversation.id.in_(
        sa.select(SearchMessage.conversation_id).where(SearchMessage.text.like(_like(needle), escape="\\")))
