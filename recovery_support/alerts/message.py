"""What an alert says, built once from a handoff and sent unchanged by every channel.

The person's words are untrusted input: they are truncated, marked as user-written and only ever sent as plain
text (no Telegram parse mode, text/plain e-mail, JSON for webhooks), so markup in them is shown, never run.
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Optional
from zoneinfo import ZoneInfo

MAX_MESSAGE_CHARS = 500

CATEGORY_WORDS = {
    "overdose": "Overdose",
    "suicidal": "Suicidal thoughts",
    "self_harm": "Self-harm",
    "medical": "Medical emergency",
}


def category_words(category: str) -> str:
    return CATEGORY_WORDS.get(category, f"Crisis ({category.replace('_', ' ')})")


def truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + " […truncated]"


@dataclass(frozen=True)
class AlertMessage:
    handoff_id: int
    kind: str  # alert or escalation
    category: str
    # The handoff's page in the staff app, never the conversation's sender id: a web chat's session id lets
    # whoever holds it receive that person's replies, and a Telegram chat id is an identifier.
    staff_url: str
    message_text: str  # already truncated
    message_at: datetime  # when the person wrote it, naive UTC
    created_at: datetime  # when the handoff was recorded, naive UTC
    ack_url: str
    level: str = "crisis"  # or check_in: the bot asked a safety question about a possible crisis
    escalate_after_seconds: float = 300.0
    display_timezone: str = "UTC"
    flood: Optional[str] = None  # "source" or "service": this alert heads a flood (grouping.py)
    flood_window_minutes: float = 10.0

    @property
    def category_words(self) -> str:
        return category_words(self.category)

    @property
    def idempotency_key(self) -> str:
        """The same on every attempt of this alert, so a receiver can drop a repeat (a send that timed out after
        arriving is sent again). The handoff's time is part of it because ids restart with a new database, and a
        new crisis must never be dropped as a repeat of an old one."""
        return f"handoff-{self.handoff_id}-{self.kind}-{self.created_at:%Y%m%dT%H%M%S%f}"

    @property
    def subject(self) -> str:
        # Never contains user text: a subject line is a header, and headers are where injection happens.
        prefix = "ESCALATION, NOT ACKNOWLEDGED" if self.kind == "escalation" else (
            "POSSIBLE CRISIS, CHECK-IN" if self.level == "check_in" else "CRISIS ALERT")
        return f"[{prefix}] {self.category_words} (handoff #{self.handoff_id})"

    def local_time(self) -> str:
        try:
            zone: Any = ZoneInfo(self.display_timezone)
        except Exception:  # an unknown zone name must not stop an alert
            zone = timezone.utc
        when = self.message_at.replace(tzinfo=timezone.utc).astimezone(zone)
        return when.strftime("%Y-%m-%d %H:%M:%S %Z")

    def text(self) -> str:
        """The plain-text alert: category, the person's words, conversation, time, acknowledge link."""
        lines = [self.subject, ""]
        if self.kind == "escalation":
            minutes = self.escalate_after_seconds / 60
            lines += [f"Nobody acknowledged this crisis within {minutes:g} minute(s). Please act now.", ""]
        if self.flood:
            where = "from one address" if self.flood == "source" else "across the service"
            lines += [f"MANY CRISIS MESSAGES AT ONCE {where}: the ones after this in the next "
                      f"{self.flood_window_minutes:g} minutes are not alerted one by one. Each is in the staff app's "
                      "crisis queue: please check it, some may be real.", ""]
        lines += [
            f"Category: {self.category_words}",
            f"Time: {self.local_time()}",
            f"In the staff app: {self.staff_url}",
            "",
            "Message written by the person (user-written, unverified):",
            "-----",
            self.message_text or "(no text)",
            "-----",
            "",
            "The bot asked a safety question and gave crisis resources. Please review and reach out."
            if self.level == "check_in" else "The bot has already given crisis resources. Please reach out and take over.",
            f"Acknowledge (so the backup isn't paged): {self.ack_url}",
        ]
        return "\n".join(lines)

    def payload(self) -> Dict[str, Any]:
        """The webhook's JSON body."""
        return {
            "idempotency_key": self.idempotency_key,
            "handoff_id": self.handoff_id,
            "kind": self.kind,
            "category": self.category,
            "category_words": self.category_words,
            "level": self.level,
            "staff_url": self.staff_url,
            "message": self.message_text,
            "created_at": self.created_at.replace(tzinfo=timezone.utc).isoformat(),
            "message_at": self.message_at.replace(tzinfo=timezone.utc).isoformat(),
            "ack_url": self.ack_url,
            "flood": self.flood,
        }


def event_time(timestamp: Optional[float]) -> Optional[datetime]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), timezone.utc).replace(tzinfo=None)
