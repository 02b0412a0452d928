"""The conversation list: filtered, searched, newest activity first, one page at a time."""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from recovery_support.alerts.db import events
from recovery_support.staff.database import has_table
from recovery_support.staff.filters import ConversationFilter, conditions
from recovery_support.staff.models import Conversation, Tag
from recovery_support.staff.search import search_senders


@dataclass
class ConversationPage:
    rows: List[Dict[str, Any]]
    total: int
    page: int
    has_next: bool
    search_truncated: bool = False


def row_dict(c: Conversation) -> Dict[str, Any]:
    return {"id": c.id, "channel": c.channel, "first_activity": c.first_activity,
            "last_activity": c.last_activity, "status": c.status, "crisis": c.crisis,
            "crisis_category": c.crisis_category, "review_status": c.review_status, "user_turns": c.user_turns,
            "fallback_turns": c.fallback_turns, "low_confidence_turns": c.low_confidence_turns,
            "tags": [t.name for t in c.tags]}


def filtered_query(session: Session, f: ConversationFilter, search_limit: int) -> Any:
    """The SELECT for ``f`` and whether its text search hit the candidate limit."""
    query = sa.select(Conversation).where(*conditions(f))
    truncated = False
    if f.q:
        result = search_senders(session, f.q, search_limit)
        truncated = result.truncated
        query = query.where(Conversation.sender_id.in_(sorted(result.senders) or [""]))
    return query, truncated


def list_conversations(engine: Engine, f: ConversationFilter, page: int, page_size: int,
                       search_limit: int) -> ConversationPage:
    page = max(1, page)
    with Session(engine, future=True) as session:
        query, truncated = filtered_query(session, f, search_limit)
        total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.options(selectinload(Conversation.tags))
            .order_by(Conversation.last_activity.desc(), Conversation.id.desc())
            .offset((page - 1) * page_size).limit(page_size)
        ).scalars().all()
        return ConversationPage(rows=[row_dict(c) for c in rows], total=total, page=page,
                                has_next=page * page_size < total, search_truncated=truncated)


def filter_options(engine: Engine) -> Dict[str, List[str]]:
    """Values for the filter form's drop-downs."""
    with Session(engine, future=True) as session:
        channels = [r[0] for r in session.execute(
            sa.select(Conversation.channel).where(Conversation.channel.isnot(None)).distinct()
            .order_by(Conversation.channel))]
        tags = [r[0] for r in session.execute(sa.select(Tag.name).order_by(Tag.name))]
        intents: List[str] = []
        if has_table(engine, "events"):
            intents = [r[0] for r in session.execute(
                sa.select(events.c.intent_name).where(events.c.type_name == "user",
                                                      events.c.intent_name.isnot(None))
                .distinct().order_by(events.c.intent_name).limit(500))]
        return {"channels": channels, "tags": tags, "intents": intents}


def conversation_by_id(engine: Engine, conversation_id: int) -> Optional[Dict[str, Any]]:
    with Session(engine, future=True) as session:
        c = session.get(Conversation, conversation_id)
        if c is None:
            return None
        data = row_dict(c)
        data["sender_id"] = c.sender_id
        return data
