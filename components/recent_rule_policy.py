"""Rasa's RulePolicy, reading only the turns its rules can see.

For every prediction (several per message) RulePolicy turns the whole conversation into states and then walks
all of them for each rule, though a rule looks back only as many states as it is long: a turn's cost grew with
the conversation (README, "Speed"). Here the states are built from the last turns that the longest rule can
reach, plus two, with the slots and the active loop those turns started with. The states a rule compares are
exactly Rasa's (``tests/test_recent_rule_policy.py`` checks that on long conversations), and so are its
predictions, settings and training. Rasa also parses a rule's JSON key again for every state it checks it
against; here each key is parsed once (read-only, as Rasa uses it).
"""
import json
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted, ActionReverted, ActiveLoop, AllSlotsReset, Event, LoopInterrupted, Restarted, SessionStarted,
    SlotSet, UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

from recovery_support.speedups import enabled

MARGIN = 2  # states kept beyond the longest rule: the first one kept only looks like a conversation's start


# Events that undo or replace earlier ones: with any of them, the exact (slower) way is taken.
_UNDOING = (ActionReverted, UserUtteranceReverted, ActiveLoop, LoopInterrupted)
_RESETS = (Restarted, SessionStarted, AllSlotsReset)


def _cut(events: List[Event], actions: int) -> Optional[int]:
    """Where the last ``actions`` actions begin, at an ``action_listen`` (so the user's message is kept)."""
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted):
            seen += 1
            if seen > actions and event.action_name == ACTION_LISTEN_NAME:
                return index
    return None


def _start_exactly(tracker: DialogueStateTracker, events: List[Event]) -> List[Event]:
    """The slots and active loop after ``events``, replayed as Rasa would (every kind of event)."""
    before = tracker.init_copy()
    for event in events:
        before.update(event)
    start: List[Event] = [SlotSet(name, slot.value) for name, slot in before.slots.items()
                          if slot.value != slot.initial_value]
    if before.active_loop_name:
        start.append(ActiveLoop(before.active_loop_name))
    return start


def _start_from_the_end(tracker: DialogueStateTracker, events: List[Event], cut: int) -> List[Event]:
    """The slot values at ``cut``, from today's values and the slots set after it: no replay of the history.
    Only for conversations with nothing undone and no loop, where that is the same thing."""
    values = {name: slot.value for name, slot in tracker.slots.items()}
    for name in {e.key for e in events[cut:] if isinstance(e, SlotSet)}:
        values[name] = tracker.slots[name].initial_value if name in tracker.slots else None
        for event in reversed(events[:cut]):
            if isinstance(event, _RESETS):
                break
            if isinstance(event, SlotSet) and event.key == name:
                values[name] = event.value
                break
    return [SlotSet(name, value) for name, value in values.items()
            if name in tracker.slots and value != tracker.slots[name].initial_value]


def recent_part(tracker: DialogueStateTracker, actions: int) -> DialogueStateTracker:
    """A tracker of the last ``actions`` actions that starts with the slot values and active loop the whole
    conversation had there; the whole tracker if it is shorter."""
    events = list(tracker.events)
    cut = None
    fast = not any(isinstance(e, _UNDOING) for e in events)
    if fast:
        cut = _cut(events, actions)
        if cut is None:
            return tracker
        fast = not any(isinstance(e, _RESETS) for e in events[cut:])
    if fast:
        start = _start_from_the_end(tracker, events, cut)
    else:
        events = tracker.applied_events()
        cut = _cut(events, actions)
        if cut is None:
            return tracker
        start = _start_exactly(tracker, events[:cut])
    part = tracker.init_copy()
    for event in start + events[cut:]:
        part.update(event)
    return part


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class RecentRulePolicy(RulePolicy):
    _longest: Tuple[Tuple[int, int], int] = ((-1, -1), 0)  # (sizes of the rule tables, longest rule)

    def _longest_rule(self) -> int:
        # Training fills the tables while it already predicts (its contradiction check): measure again then.
        rules, unhappy = self.lookup.get(RULES, {}), self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})
        if self._longest[0] != (len(rules), len(unhappy)):
            longest = max((len(json.loads(key)) for key in [*rules, *unhappy]), default=0)
            self._longest = ((len(rules), len(unhappy)), longest)
        return self._longest[1]

    @staticmethod
    @lru_cache(maxsize=None)
    def _rule_key_to_state(rule_key: Text) -> List[State]:
        return json.loads(rule_key)

    def _prediction_states(self, tracker: DialogueStateTracker, domain: Domain,
                           use_text_for_last_user_input: bool = False,
                           rule_only_data: Optional[Dict[Text, Any]] = None) -> List[State]:
        part = recent_part(tracker, self._longest_rule() + MARGIN) if enabled("rules") else tracker
        return super()._prediction_states(part, domain, use_text_for_last_user_input, rule_only_data)
