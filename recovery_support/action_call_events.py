"""The action server gets the conversation's recent events, not all of them.

Rasa sends every event of the session with each call (``RemoteAction._action_call_format``), so the request, its
JSON on both sides and a turn's time grew with the conversation (README, "Speed"). This project's actions read
the latest message and the slots, which Rasa sends in their own fields, whatever the events list holds; the
last ``RECENT_EVENTS`` events (several turns) are kept for any action that looks back a little.
"""
from typing import Any, Dict

from rasa.core.actions.action import RemoteAction

RECENT_EVENTS = 40
_rasas_call_format = RemoteAction._action_call_format


def recent_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[str, Any]:
    result = _rasas_call_format(self, tracker, domain)
    events = result["tracker"].get("events")
    if isinstance(events, list) and len(events) > RECENT_EVENTS:
        result["tracker"]["events"] = events[-RECENT_EVENTS:]
    return result


def install() -> None:
    RemoteAction._action_call_format = recent_call_format  # type: ignore[assignment]
