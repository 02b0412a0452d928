"""Exports of the filtered conversations as CSV (one row per message) or JSON (one object per conversation).

Redacted by default: names, phone numbers, e-mail and street addresses become [NAME], [PHONE], ... and the
channel's sender id (a Telegram chat id identifies a person) is left out; only the internal conversation id
is kept. Unredacted exports are for roles that may see identities (roles.py) and are audited as such.
"""
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from recovery_support.staff.csv_safety import write_csv
from recovery_support.staff.filters import ConversationFilter
from recovery_support.staff.listing import filtered_query
from recovery_support.staff.models import Conversation
from recovery_support.staff.transcript import load_turns

if TYPE_CHECKING:  # spaCy loads only when an export needs it
    from recovery_support.staff.redaction import Redactor

CSV_HEADER = ["conversation_id", "sender_id", "channel", "event_id", "at", "speaker", "text", "intent",
              "confidence", "crisis_category", "action", "review_status", "tags"]


@dataclass
class Export:
    body: str
    content_type: str
    filename: str
    conversations: int
    messages: int
    truncated: bool  # more conversations matched than the export limit


def _iso(value: Any) -> Optional[str]:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def collect(engine: Engine, f: ConversationFilter, limit: int) -> Dict[str, Any]:
    """The conversations matching ``f`` (most recent first, at most ``limit``) with their messages."""
    with Session(engine, future=True) as session:
        rows = session.execute(filtered_query(f).options(selectinload(Conversation.tags))
                               .order_by(Conversation.last_activity.desc(), Conversation.id.desc())
                               .limit(limit + 1)).scalars().all()
        conversations = []
        for c in rows[:limit]:
            messages = []
            for turn in load_turns(session, c.sender_id):
                if turn.user is not None:
                    u = turn.user
                    messages.append({"event_id": u.event_id, "at": _iso(u.at), "speaker": "user", "text": u.text,
                                     "intent": u.intent, "confidence": u.confidence,
                                     "crisis_category": u.crisis_category, "action": None})
                for step in turn.steps:
                    messages.append({"event_id": step.event_id, "at": _iso(step.at), "speaker": "bot",
                                     "text": step.text if step.kind == "bot" else "", "intent": None,
                                     "confidence": None, "crisis_category": None,
                                     "action": step.name if step.kind == "action" else None})
            conversations.append({
                "conversation_id": c.id, "sender_id": c.sender_id, "channel": c.channel,
                "first_activity": _iso(c.first_activity), "last_activity": _iso(c.last_activity),
                "crisis_category": c.crisis_category, "review_status": c.review_status,
                "tags": [t.name for t in c.tags], "messages": messages,
            })
        return {"conversations": conversations, "truncated": len(rows) > limit}


def redact_in_place(conversations: List[Dict[str, Any]], redactor: "Redactor") -> None:
    texts = [m["text"] for c in conversations for m in c["messages"]]
    redacted = iter(redactor.redact_many(texts))
    for c in conversations:
        c["sender_id"] = None
        for m in c["messages"]:
            m["text"] = next(redacted)


def build_export(engine: Engine, f: ConversationFilter, fmt: str, redactor: Optional["Redactor"],
                 limit: int) -> Export:
    """``redactor`` None means unredacted: the caller has checked the permission."""
    data = collect(engine, f, limit)
    conversations = data["conversations"]
    if redactor is not None:
        redact_in_place(conversations, redactor)
    count = sum(len(c["messages"]) for c in conversations)
    stem = "conversations" + ("" if redactor is not None else "-UNREDACTED")
    if fmt == "json":
        body = json.dumps({"redacted": redactor is not None, "filters": f.query_params(),
                           "truncated": data["truncated"], "conversations": conversations},
                          ensure_ascii=False, indent=1)
        return Export(body, "application/json", f"{stem}.json", len(conversations), count, data["truncated"])
    rows = ([c["conversation_id"], c["sender_id"] or "", c["channel"] or "", m["event_id"], m["at"] or "",
             m["speaker"], m["text"], m["intent"] or "", "" if m["confidence"] is None else f"{m['confidence']:.3f}",
             m["crisis_category"] or "", m["action"] or "", c["review_status"], ";".join(c["tags"])]
            for c in conversations for m in c["messages"])
    return Export(write_csv(CSV_HEADER, rows), "text/csv", f"{stem}.csv", len(conversations), count,
                  data["truncated"])
