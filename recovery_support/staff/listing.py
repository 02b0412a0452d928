"""The conversation list: filtered, searched, newest activity first, one page at a time."""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from recovery_support.staff.filters import ConversationFilter, conditions
from recovery_support.staff.intents import intent_options, split_topics
from recovery_support.staff.models import Conversation, Tag


@dataclass
class ConversationPage:
    rows: List[Dict[str, Any]]
    total: int
    page: int
    has_next: bool


def row_dict(c: Conversation) -> Dict[str, Any]:
    return {"id": c.id, "channel": c.channel, "first_activity": c.first_activity,
            "last_activity": c.last_activity, "status": c.status, "crisis": c.crisis,
            "crisis_category": c.crisis_category, "review_status": c.review_status, "user_turns": c.user_turns,
            "fallback_turns": c.fallback_turns, "low_confidence_turns": c.low_confidence_turns,
            "tags": [t.name for t in c.tags], "preview": c.preview, "topics": split_topics(c.topics)}


def filtered_query(f: ConversationFilter) -> Any:
    """The conversations matching ``f``, unordered (the list pages them, exports take the newest)."""
    return sa.select(Conversation).where(*conditions(f))


def list_conversations(engine: Engine, f: ConversationFilter, page: int, page_size: int) -> ConversationPage:
    page = max(1, page)
    with Session(engine, future=True) as session:
        query = filtered_query(f)
        total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.options(selectinload(Conversation.tags))
            .order_by(Conversation.last_activity.desc(), Conversation.id.desc())
            .offset((page - 1) * page_size).limit(page_size)
        ).scalars().all()
        return ConversationPage(rows=[row_dict(c) for c in rows], total=total, page=page,
                                has_next=page * page_size < total)


def filter_options(engine: Engine) -> Dict[str, List[str]]:
    """Values for the filter form's drop-downs."""
    with Session(engine, future=True) as session:
        channels = [r[0] for r in session.execute(
            sa.select(Conversation.channel).where(Conversation.channel.isnot(None)).distinct()
            .order_by(Conversation.channel))]
        tags = [r[0] for r in session.execute(sa.select(Tag.name).order_by(Tag.name))]
        return {"channels": channels, "tags": tags, "intents": intent_options(session)}


def conversation_by_id(engine: Engine, conversation_id: int) -> Optional[Dict[str, Any]]:
    with Session(engine, future=True) as session:
        c = session.get(Conversation, conversation_id)
        if c is None:
            return None
        data = row_dict(c)
        data["sender_id"] = c.sender_id
        return data
