""""Save as test story": a user turn the bot got wrong, written as a Rasa test story with the right intent.

The story file is part of the repository's tests (``rasa test`` runs it), so the text goes in redacted, the
story is named after the staff conversation number (never the sender id, which identifies a person), and the
YAML is produced by a YAML library: message text is hostile input and must not be able to add keys or steps.
"""
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.paths import ROOT
from recovery_support.staff import audit
from recovery_support.staff.models import Conversation
from recovery_support.staff.transcript import load_turns

STORIES_ENV = "STAFF_REVIEW_STORIES"
DEFAULT_PATH = ROOT / "tests" / "stories" / "review_stories" / "test_from_review.yml"
HEADER = 'version: "3.1"\nstories:\n'
# What the bot answers each intent with (domain.yml / data/rules); every intent in data/rules/topics.yml
# (topics, and yes/no/out-of-scope read in context) is answered by action_answer.
UTTERANCES = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thanks": "utter_thanks",
              "bot_challenge": "utter_iamabot", "chitchat": "utter_chitchat"}
CRISIS_PREFIX = "crisis_"

_write_lock = threading.Lock()  # saves run in worker threads; two appends must not interleave


def stories_path(configured: str = "") -> Path:
    return Path(configured or os.environ.get(STORIES_ENV) or DEFAULT_PATH)


def _intents_in_rule_steps(steps: list) -> List[str]:
    found = []
    for step in steps or []:
        if isinstance(step, dict) and "intent" in step:
            found.append(step["intent"])
        elif isinstance(step, dict) and "or" in step:
            found.extend(_intents_in_rule_steps(step["or"]))
    return found


@lru_cache(maxsize=1)
def topic_intents() -> frozenset:
    rules = yaml.safe_load((ROOT / "data" / "rules" / "topics.yml").read_text(encoding="utf-8"))
    return frozenset(i for rule in rules.get("rules", []) for i in _intents_in_rule_steps(rule.get("steps")))


@lru_cache(maxsize=1)
def domain_intents() -> tuple:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return tuple(i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", []))


def action_for(intent: str) -> Optional[str]:
    if intent in topic_intents():
        return "action_answer"
    if intent.startswith(CRISIS_PREFIX):
        return "utter_" + intent
    return UTTERANCES.get(intent)


def choosable_intents() -> List[str]:
    """The domain's intents a single-turn story can test (those with a known answer)."""
    return [i for i in domain_intents() if action_for(i)]


class _Literal(str):
    """Dumped as a ``|`` block, as hand-written stories are (PyYAML falls back to quoting when it can't)."""


yaml.SafeDumper.add_representer(
    _Literal, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|"))


def story_yaml(conversation_id: int, turn_number: int, text: str, intent: str) -> str:
    story = {"story": f"review {conversation_id} turn {turn_number}",
             "steps": [{"user": _Literal(text), "intent": intent}, {"action": action_for(intent)}]}
    # A one-item list at column 0 continues the file's `stories:` sequence (YAML allows it unindented).
    return yaml.safe_dump([story], sort_keys=False, allow_unicode=True, width=100)


def save_story(engine: Engine, conversation_id: int, event_id: int, intent: str, redact, path: Path,
               actor: str, remote: Optional[str] = None) -> Dict[str, object]:
    """Appends the story for user message ``event_id``; LookupError if it isn't in the conversation."""
    if intent not in choosable_intents():
        raise ValueError("choose one of the domain's intents")
    with Session(engine, future=True) as session:
        sender_id = session.execute(sa.select(Conversation.sender_id)
                                    .where(Conversation.id == conversation_id)).scalar()
        if sender_id is None:
            raise LookupError(conversation_id)
        user_turns = [t.user for t in load_turns(session, sender_id) if t.user]
    numbered = [(n, u) for n, u in enumerate(user_turns, 1) if u.event_id == event_id]
    if not numbered:
        raise LookupError(event_id)
    turn_number, message = numbered[0]
    if not message.text.strip():
        raise ValueError("that turn has no text to test")
    text = redact(message.text)
    block = story_yaml(conversation_id, turn_number, text, intent)
    with _write_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        with path.open("a", encoding="utf-8") as out:
            out.write((HEADER if new else "") + block)
    # The audit detail names the story, never its text (audit.py keeps message text out of the log).
    detail = {"event_id": event_id, "turn": turn_number, "intent": intent, "was": message.intent,
              "redacted": text != message.text, "file": str(path)}
    audit.record(engine, actor, "save_test_story", f"conversation:{conversation_id}", detail, remote)
    return detail
