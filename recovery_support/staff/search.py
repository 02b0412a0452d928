"""Full-text search over what people and the bot wrote, portable across SQLite and PostgreSQL.

Rasa stores each event as JSON text with non-ASCII escaped (``\\u00e9``), so SQL ``LIKE`` on ``data`` narrows
the candidates (the term as plain text and as JSON-escaped text) and Python then matches the actual message
text, so JSON keys and intent names never count as hits. Case-insensitive (fully for ASCII, in SQL).
"""
import json
from dataclasses import dataclass
from typing import Set

import sqlalchemy as sa
from sqlalchemy.orm import Session

from recovery_support.alerts.db import events
from recovery_support.staff.turns import load_data


@dataclass(frozen=True)
class SearchResult:
    senders: Set[str]
    truncated: bool  # more candidates than the limit: the result may be incomplete


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def message_text(data: dict) -> str:
    return data.get("text") if isinstance(data.get("text"), str) else ""


def search_senders(session: Session, term: str, limit: int) -> SearchResult:
    needle = term.strip().lower()
    if not needle:
        return SearchResult(set(), False)
    json_form = json.dumps(needle)[1:-1].lower()
    patterns = {_like(needle), _like(json_form)}
    data = sa.func.lower(events.c.data)
    rows = session.execute(
        sa.select(events.c.sender_id, events.c.data)
        .where(events.c.type_name.in_(("user", "bot")),
               sa.or_(*(data.like(p, escape="\\") for p in sorted(patterns))))
        .order_by(events.c.id.desc()).limit(limit + 1)
    ).all()
    folded = needle.casefold()
    senders = {r.sender_id for r in rows[:limit] if folded in message_text(load_data(r.data)).casefold()}
    return SearchResult(senders, truncated=len(rows) > limit)
