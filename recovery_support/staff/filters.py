"""The conversation filters (list page and exports): parsed from the query string, applied as SQL.

Values that don't parse are dropped and reported, never passed on: the query string is user input too.
"""
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import urlencode

import sqlalchemy as sa

from recovery_support.staff.intents import having_intent
from recovery_support.staff.models import REVIEW_STATUSES, Conversation, ConversationTag, Tag
from recovery_support.staff.search import matching

MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class ConversationFilter:
    date_from: Optional[date] = None  # activity on or after this day (UTC)
    date_to: Optional[date] = None  # activity on or before this day (UTC)
    channel: str = ""
    crisis: str = ""  # "", "yes", "no"
    intent: str = ""
    min_fallback: int = 0  # at least this many fallback turns
    review_status: str = ""
    tag: str = ""
    q: str = ""  # full-text search over user and bot messages
    errors: List[str] = field(default_factory=list, compare=False)

    def query_params(self) -> Dict[str, str]:
        """The filter as query parameters (links to the next page, to exports)."""
        values = asdict(self)
        values.pop("errors")
        out = {}
        for name, value in values.items():
            if value in (None, "", 0):
                continue
            out[name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def query_string(self) -> str:
        return urlencode(self.query_params())

    def is_empty(self) -> bool:
        return not self.query_params()


def _day(value: str, name: str, errors: List[str]) -> Optional[date]:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{name}: not a date (YYYY-MM-DD)")
        return None


def parse_filter(params: Mapping[str, str]) -> ConversationFilter:
    errors: List[str] = []

    def text(name: str) -> str:
        value = (params.get(name) or "").strip()
        if len(value) > MAX_VALUE_CHARS:
            errors.append(f"{name}: longer than {MAX_VALUE_CHARS} characters, ignored")
            return ""
        return value

    crisis = text("crisis").lower()
    if crisis not in ("", "yes", "no"):
        errors.append("crisis: yes or no")
        crisis = ""
    review_status = text("review_status")
    if review_status and review_status not in REVIEW_STATUSES:
        errors.append("review status: unknown value")
        review_status = ""
    min_fallback = 0
    if text("min_fallback"):
        try:
            min_fallback = max(0, int(text("min_fallback")))
        except ValueError:
            errors.append("fallback turns: a whole number")
    return ConversationFilter(
        date_from=_day(text("date_from"), "from", errors), date_to=_day(text("date_to"), "to", errors),
        channel=text("channel"), crisis=crisis, intent=text("intent"), min_fallback=min_fallback,
        review_status=review_status, tag=text("tag").lower(), q=text("q"), errors=errors,
    )


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def conditions(f: ConversationFilter) -> List[Any]:
    """WHERE clauses on ``Conversation``, all on the staff app's own tables (never Rasa's ``events``)."""
    where: List[Any] = []
    if f.date_from:
        where.append(Conversation.last_activity >= _start_of(f.date_from))
    if f.date_to:
        where.append(Conversation.first_activity < _start_of(f.date_to) + timedelta(days=1))
    if f.channel:
        where.append(Conversation.channel == f.channel)
    if f.crisis == "yes":
        where.append(Conversation.crisis.is_(True))
    elif f.crisis == "no":
        where.append(Conversation.crisis.is_(False))
    if f.intent:
        where.append(having_intent(f.intent))
    if f.min_fallback:
        where.append(Conversation.fallback_turns >= f.min_fallback)
    if f.review_status:
        where.append(Conversation.review_status == f.review_status)
    if f.tag:
        where.append(sa.exists().where(ConversationTag.conversation_id == Conversation.id,
                                       ConversationTag.tag_id == Tag.id, Tag.name == f.tag))
    if f.q:
        where.append(matching(f.q))
    return where
