"""Rasa ``events`` rows read as what staff see: user messages, bot replies and actions, grouped in turns.

Everything here is data from the tracker store: text is kept verbatim (escaping happens in templates).
"""
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

# The crisis package's order (crisis/category.py PRECEDENCE), copied: importing that package loads spaCy and
# TensorFlow (seconds), which the app and the retention command don't otherwise need. A test keeps them equal.
INTENT_PREFIX = "crisis_"
PRECEDENCE = ("overdose", "suicidal", "self_harm", "medical")

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_two_stage_fallback"})
# The FallbackClassifier threshold in config.yml: below it the bot itself was not sure.
LOW_CONFIDENCE = 0.45
# Bookkeeping actions that say nothing to the person.
SILENT_ACTIONS = frozenset({"action_listen", "action_session_start"})


def event_time(timestamp: Optional[float]) -> Optional[datetime]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), timezone.utc).replace(tzinfo=None)


def load_data(raw: Optional[str]) -> Dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class UserMessage:
    event_id: int
    at: Optional[datetime]
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    classifier_confidence: Optional[float]  # the best real intent's, even when nlu_fallback won
    crisis_category: Optional[str]
    crisis_reason: Optional[str]
    channel: Optional[str]

    @property
    def is_fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT

    @property
    def is_low_confidence(self) -> bool:
        return self.classifier_confidence is not None and self.classifier_confidence < LOW_CONFIDENCE


@dataclass
class BotStep:
    event_id: int
    at: Optional[datetime]
    kind: str  # "action" or "bot"
    name: Optional[str] = None  # the action's name
    text: str = ""  # what the bot said
    buttons: List[Dict[str, str]] = field(default_factory=list)  # title and payload, shown as text only


@dataclass
class Turn:
    user: Optional[UserMessage]
    steps: List[BotStep] = field(default_factory=list)

    @property
    def is_fallback(self) -> bool:
        return bool(self.user and self.user.is_fallback) or any(s.name in FALLBACK_ACTIONS for s in self.steps)


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _crisis(parse: Dict[str, Any], intent: Optional[str]) -> Dict[str, Optional[str]]:
    crisis = parse.get("crisis") if isinstance(parse.get("crisis"), dict) else {}
    category = crisis.get("category")
    if not category and intent and intent.startswith(INTENT_PREFIX):
        category = intent[len(INTENT_PREFIX):]
    return {"category": _string(category) or None, "reason": _string(crisis.get("reason")) or None}


def _classifier_confidence(parse: Dict[str, Any], intent: Optional[str],
                           confidence: Optional[float]) -> Optional[float]:
    if intent != FALLBACK_INTENT:
        return confidence
    for ranked in parse.get("intent_ranking") or []:
        if isinstance(ranked, dict) and ranked.get("name") != FALLBACK_INTENT:
            return _number(ranked.get("confidence"))
    return confidence


def _number(value: Any) -> Optional[float]:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def user_message(row: Any) -> UserMessage:
    data = load_data(row.data)
    parse = data.get("parse_data") if isinstance(data.get("parse_data"), dict) else {}
    intent_data = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
    intent = _string(intent_data.get("name") or row.intent_name) or None
    confidence = _number(intent_data.get("confidence"))
    crisis = _crisis(parse, intent)
    return UserMessage(
        event_id=row.id, at=event_time(row.timestamp), text=_string(data.get("text")), intent=intent,
        confidence=confidence, classifier_confidence=_classifier_confidence(parse, intent, confidence),
        crisis_category=crisis["category"], crisis_reason=crisis["reason"],
        channel=_string(data.get("input_channel")) or None,
    )


def bot_step(row: Any) -> BotStep:
    data = load_data(row.data)
    extra = data.get("data") if isinstance(data.get("data"), dict) else {}
    buttons = []
    for button in extra.get("buttons") or []:
        if isinstance(button, dict):
            buttons.append({"title": _string(button.get("title")),
                            "payload": _string(button.get("payload") or button.get("url"))})
    text = _string(data.get("text"))
    if not text and extra.get("custom") is not None:
        text = json.dumps(extra["custom"], ensure_ascii=False)[:2000]
    return BotStep(event_id=row.id, at=event_time(row.timestamp), kind="bot", text=text, buttons=buttons)


def group_turns(rows: Iterable[Any]) -> List[Turn]:
    """Rows of one conversation, ordered by id, as turns: a user message and what the bot did after it."""
    turns: List[Turn] = []
    current: Optional[Turn] = None
    for row in rows:
        if row.type_name == "user":
            current = Turn(user=user_message(row))
            turns.append(current)
            continue
        if row.type_name == "bot":
            step = bot_step(row)
        elif row.type_name == "action" and row.action_name not in SILENT_ACTIONS:
            step = BotStep(event_id=row.id, at=event_time(row.timestamp), kind="action", name=row.action_name)
        else:
            continue
        if current is None:  # the bot spoke first (a greeting on session start)
            current = Turn(user=None)
            turns.append(current)
        current.steps.append(step)
    return turns


def top_category(categories: Iterable[Optional[str]]) -> Optional[str]:
    """The most time-critical crisis category seen (the order the crisis layer itself uses)."""
    seen = {c for c in categories if c}
    for category in PRECEDENCE:
        if category in seen:
            return category
    return sorted(seen)[0] if seen else None
